#include <catch2/catch.hpp>

#include <string>

#include "userdb/passwd.hpp"

using stepdown::userdb::parse_passwd;
using namespace std::string_literals;

TEST_CASE("passwd: well-formed entries are parsed in file order", "[userdb][passwd]") {
    const auto db = parse_passwd(
        "root:x:0:0:root:/root:/bin/bash\n"
        "app:x:1000:1000:App User,,,:/home/app:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    REQUIRE(db.entries.size() == 3);
    CHECK(db.malformed_lines == 0);
    const auto* app = db.by_name("app");
    REQUIRE(app != nullptr);
    CHECK(app->uid == 1000);
    CHECK(app->gid == 1000);
    CHECK(app->home == "/home/app");
    REQUIRE(db.by_uid(65534) != nullptr);
    CHECK(db.by_uid(65534)->name == "nobody");
    CHECK(db.by_uid(0)->home == "/root");
    CHECK(db.by_name("ghost") == nullptr);
    CHECK(db.by_uid(4242) == nullptr);
}

TEST_CASE("passwd: empty fields other than the name and ids are allowed", "[userdb][passwd]") {
    const auto db = parse_passwd("app::1000:1000:::\n");
    REQUIRE(db.entries.size() == 1);
    CHECK(db.entries[0].home.empty());
}

TEST_CASE("passwd: comments, blank and NIS lines are neither entries nor malformed", "[userdb][passwd]") {
    const auto db = parse_passwd("# comment\n\n+\n+@netgroup\n-baduser\n+app:x:1000:1000::/home/app:/bin/sh\n"
                                 "real:x:1:1::/:/bin/sh\n");
    REQUIRE(db.entries.size() == 1);
    CHECK(db.entries[0].name == "real");
    CHECK(db.malformed_lines == 0);
    CHECK(db.by_name("+app") == nullptr);
    CHECK(db.by_name("app") == nullptr);
}

TEST_CASE("passwd: malformed lines are counted and never become entries", "[userdb][passwd]") {
    // Each line is malformed for the reason in the comment beside it.
    const std::string bad[] = {
        "short:x:1000:1000:/home:/bin/sh",           // 6 fields
        "long:x:1000:1000::/home:/bin/sh:extra",     // 8 fields
        ":x:1000:1000::/home:/bin/sh",               // empty name
        "neg:x:-1:1000::/home:/bin/sh",              // negative uid
        "neggid:x:1000:-1::/home:/bin/sh",           // negative gid
        "space:x: 1000:1000::/home:/bin/sh",         // leading space
        "space2:x:1000 :1000::/home:/bin/sh",        // trailing space
        "empty:x::1000::/home:/bin/sh",              // empty uid
        "emptygid:x:1000:::/home:/bin/sh",           // empty gid
        "wrap:x:4294968296:1000::/home:/bin/sh",     // would wrap to 1000
        "max:x:4294967295:1000::/home:/bin/sh",      // (uid_t)-1 is reserved
        "big:x:99999999999999999999:1::/:/bin/sh",   // overflows 64 bits
        "hex:x:0x10:1000::/home:/bin/sh",            // not decimal
        "exp:x:1e3:1000::/home:/bin/sh",             // not decimal
        "plus:x:+1000:1000::/home:/bin/sh",          // sign
        "crlf:x:1000:1000::/home:/bin/sh\r",         // CR from a CRLF file
        "nul:x:1000:1000::/ho\0me:/bin/sh"s,         // NUL byte
        "   ",                                       // only spaces
        "garbage",                                   // one field
    };
    for (const auto& line : bad) {
        CAPTURE(line);
        const auto db = parse_passwd(line + "\nok:x:7:7::/:/bin/sh\n");
        CHECK(db.malformed_lines == 1);
        REQUIRE(db.entries.size() == 1);
        CHECK(db.entries[0].name == "ok");
    }
}

TEST_CASE("passwd: ids at the edges of the range", "[userdb][passwd]") {
    const auto db = parse_passwd("a:x:0:0::/:/bin/sh\nb:x:4294967294:4294967294::/:/bin/sh\nc:x:007:007::/:/bin/sh\n");
    REQUIRE(db.entries.size() == 3);
    CHECK(db.entries[1].uid == 4294967294U);
    CHECK(db.entries[1].gid == 4294967294U);
    CHECK(db.entries[2].uid == 7);  // leading zeros are digits, not octal
}

TEST_CASE("passwd: duplicates are kept and the first one wins", "[userdb][passwd]") {
    const auto db = parse_passwd("app:x:1000:1000::/first:/bin/sh\n"
                                 "app:x:1001:1001::/second:/bin/sh\n"
                                 "other:x:1000:50::/third:/bin/sh\n");
    REQUIRE(db.entries.size() == 3);
    CHECK(db.by_name("app")->home == "/first");
    CHECK(db.by_uid(1000)->home == "/first");
    CHECK(db.by_uid(1001)->home == "/second");
}

TEST_CASE("passwd: missing final newline, empty file, lone newlines", "[userdb][passwd]") {
    CHECK(parse_passwd("").entries.empty());
    CHECK(parse_passwd("\n\n\n").entries.empty());
    CHECK(parse_passwd("\n\n\n").malformed_lines == 0);
    const auto db = parse_passwd("root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh");
    REQUIRE(db.entries.size() == 2);
    CHECK(db.entries[1].home == "/home/app");
}

TEST_CASE("passwd: a CRLF file yields no entries rather than names with CR", "[userdb][passwd]") {
    const auto db = parse_passwd("root:x:0:0::/root:/bin/sh\r\napp:x:1000:1000::/home/app:/bin/sh\r\n");
    CHECK(db.entries.empty());
    CHECK(db.malformed_lines == 2);
}

TEST_CASE("passwd: a 1 MB line and a large file", "[userdb][passwd]") {
    const std::string gecos(1024 * 1024, 'g');
    auto db = parse_passwd("big:x:5:5:" + gecos + ":/home/big:/bin/sh\n" + std::string(1024 * 1024, ':') + "\n");
    REQUIRE(db.entries.size() == 1);
    CHECK(db.entries[0].home == "/home/big");
    CHECK(db.malformed_lines == 1);

    std::string many;
    for (int i = 0; i < 100000; ++i) many += "u" + std::to_string(i) + ":x:" + std::to_string(i) + ":1::/h:/bin/sh\n";
    db = parse_passwd(many);
    CHECK(db.entries.size() == 100000);
    REQUIRE(db.by_name("u99999") != nullptr);
    CHECK(db.by_name("u99999")->uid == 99999);
}
