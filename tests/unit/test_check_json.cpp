// src/check/json.cpp and the escaping it shares with the log (src/log/json.cpp):
// every byte a path, an /etc line or a server's answer may hold keeps the
// document valid JSON; the validator accepts exactly RFC 8259.
#include <catch2/catch.hpp>

#include <string>

#include "check/json.hpp"
#include "log/json.hpp"

using namespace stepdown;
using check::json_valid;
using check::JsonWriter;

TEST_CASE("check json escaping: quotes, backslashes and control characters", "[check][json]") {
    CHECK(log::json_quote("plain") == "\"plain\"");
    CHECK(log::json_quote("say \"hi\"") == R"("say \"hi\"")");
    CHECK(log::json_quote("C:\\path") == R"("C:\\path")");
    CHECK(log::json_quote("a\nb\rc\td\be\ff") == R"("a\nb\rc\td\be\ff")");
    CHECK(log::json_quote(std::string("nul\0x", 5)) == R"("nul\u0000x")");
    CHECK(log::json_quote("\x01\x1f\x7f") == R"("\u0001\u001f\u007f")");
    CHECK(log::json_quote("/slash/stays") == "\"/slash/stays\"");
}

TEST_CASE("check json escaping: UTF-8 kept, invalid bytes replaced, U+2028/9 escaped", "[check][json]") {
    CHECK(log::json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\"");
    CHECK(log::json_quote("\xff") == R"("\ufffd")");
    CHECK(log::json_quote("a\xc3") == R"("a\ufffd")");                 // truncated sequence
    CHECK(log::json_quote("\xc0\xaf") == R"("\ufffd\ufffd")");         // overlong '/'
    CHECK(log::json_quote("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");  // a surrogate
    CHECK(log::json_quote("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
    CHECK(log::json_quote("\xe2\x80\xa8\xe2\x80\xa9") == R"("\u2028\u2029")");
}

TEST_CASE("check json escaping: every single byte and every byte pair gives a valid string", "[check][json]") {
    for (int a = 0; a < 256; ++a) {
        std::string one(1, static_cast<char>(a));
        REQUIRE(json_valid(log::json_quote(one)));
        for (int b = 0; b < 256; b += 7) {
            std::string two = one + static_cast<char>(b);
            REQUIRE(json_valid(log::json_quote(two)));
        }
    }
}

TEST_CASE("check json writer: commas, nesting, keys escaped", "[check][json]") {
    JsonWriter w;
    w.begin_object();
    w.field("schema", "x/1").field("n", 42).field("neg", std::int64_t{-7}).field("t", true).key("z").null();
    w.key("list").begin_array().string("a").number(1).begin_object().end_object().begin_array().end_array().end_array();
    w.field("we\"ird\nkey", "v\x01");
    w.string_array("names", {"a", "b\"c"});
    w.end_object();
    CHECK(w.text() ==
          R"({"schema":"x/1","n":42,"neg":-7,"t":true,"z":null,"list":["a",1,{},[]],"we\"ird\nkey":"v\u0001","names":["a","b\"c"]})");
    CHECK(json_valid(w.text()));
}

TEST_CASE("check json validator: accepts RFC 8259 values", "[check][json]") {
    for (const char* ok : {"{}", "[]", "0", "-0", "1.5e-3", "-12E+4", "\"\"", "true", "false", "null", " {\"a\" : [1, 2 ,{}]} \n",
                           R"("\u00e9\n\/")", "\"\xc3\xa9\""}) {
        INFO(ok);
        CHECK(json_valid(ok));
    }
}

TEST_CASE("check json validator: rejects what is not JSON", "[check][json]") {
    for (const char* bad : {"", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "'x'", "01", "1.", ".5", "1e", "+1", "tru", "nul",
                            "\"unterminated", "\"raw\ttab\"", "\"bad \\x escape\"", "\"\\u12G4\"", "{} {}", "[1 2]",
                            "\"\xff\"", "\"\xc0\xaf\"", "NaN"}) {
        INFO(bad);
        std::string why;
        CHECK_FALSE(json_valid(bad, &why));
        CHECK_FALSE(why.empty());
    }
    CHECK_FALSE(json_valid(std::string(300, '[') + std::string(300, ']')));  // bounded depth
}
