#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "userdb/group.hpp"

using namespace stepdown::userdb;
using namespace std::string_literals;

namespace {

// Inputs that a lossless parser must give back byte for byte.
std::vector<std::string> nasty_inputs() {
    return {
        "",
        "\n",
        "\n\n\n",
        "root:x:0:",
        "root:x:0:\n",
        "root:x:0:\ndocker:x:988:app,other\n",
        "root:x:0:\ndocker:x:988:app,other",  // missing final newline
        "root:x:0:\r\ndocker:x:988:app\r\n",  // CRLF
        "root:x:0:\r\ndocker:x:988:app\r",    // CRLF, last line without '\n'
        "\r\n\r\n",
        "root:x:0:\0\ndo\0cker:x:988:\n\0"s,  // NUL bytes
        "\0"s,
        "# comment: with:colons:0:\n#\n\n  \n\t\n",
        "+\n-\n+@netgroup\n-baduser\n+docker:x:988:\n-docker::988:\n+:::\n",
        "a:b:c:d:e\n:::\n::0:\nname\nname:\nname:x\nname:x:1\n",
        "neg:x:-1:\nwrap:x:4294968296:\nmax:x:4294967295:\nspace:x: 1:\n",
        "trailing:x:5:a,\nempty:x:6:,,\nlead:x:7:,a\n",
        "dup:x:1:\ndup:x:2:\nother:x:1:\n",
        std::string(1024 * 1024, 'x') + "\nroot:x:0:\n",
        "big:x:9:" + std::string(1024 * 1024, ',') + "\n",
        "no newline at all: " + std::string(100, ':'),
    };
}

std::string random_content(std::mt19937& rng) {
    static const std::string alphabet = "ab09:,:\n\n\r\0+-# x"s;
    std::uniform_int_distribution<std::size_t> len(0, 200);
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::string out;
    const std::size_t n = len(rng);
    for (std::size_t i = 0; i < n; ++i) out += alphabet[pick(rng)];
    return out;
}

}  // namespace

TEST_CASE("group: serialize() of a parse is byte-identical on nasty inputs", "[userdb][group]") {
    for (const auto& input : nasty_inputs()) {
        CAPTURE(input.size(), input.substr(0, 80));
        CHECK(parse_group(input).serialize() == input);
        CHECK(parse_gshadow(input).serialize() == input);
    }
}

TEST_CASE("group: round trip holds on random bytes", "[userdb][group]") {
    std::mt19937 rng(20240601);  // fixed seed: a failure reproduces
    for (int i = 0; i < 5000; ++i) {
        const std::string input = random_content(rng);
        CAPTURE(input);
        REQUIRE(parse_group(input).serialize() == input);
        REQUIRE(parse_gshadow(input).serialize() == input);
    }
}

TEST_CASE("group: lines, entries and the final newline flag", "[userdb][group]") {
    auto f = parse_group("root:x:0:\n# c\ndocker:x:988:app,other");
    REQUIRE(f.lines.size() == 3);
    CHECK_FALSE(f.final_newline);
    CHECK(f.lines[0].raw == "root:x:0:");
    REQUIRE(f.lines[0].entry);
    CHECK(f.lines[0].entry->members.empty());
    CHECK_FALSE(f.lines[1].entry);
    REQUIRE(f.lines[2].entry);
    CHECK(f.lines[2].entry->name == "docker");
    CHECK(f.lines[2].entry->password == "x");
    CHECK(f.lines[2].entry->gid == 988);
    CHECK(f.lines[2].entry->members == std::vector<std::string>{"app", "other"});

    f = parse_group("");
    CHECK(f.lines.empty());
    CHECK(f.final_newline);
    f = parse_group("\n");
    REQUIRE(f.lines.size() == 1);
    CHECK(f.lines[0].raw.empty());
    CHECK(f.final_newline);
}

TEST_CASE("group: what makes a line malformed", "[userdb][group]") {
    const std::string bad[] = {
        "three:x:1",        "five:x:1::",       ":x:1:",           "neg:x:-1:",      "plus:x:+1:",
        "wrap:x:4294968296:", "max:x:4294967295:", "empty:x::",       "sp:x: 1:",       "sp:x:1 :",
        "hex:x:0x1:",       "crlf:x:1:\r",      "crlf2:x:1:a\r",   "nul:x:1:a\0b"s,  "nul\0:x:1:"s,
        "garbage",          "   ",
    };
    for (const auto& line : bad) {
        CAPTURE(line);
        const auto f = parse_group(line + "\nok:x:5:\n");
        REQUIRE(f.lines.size() == 2);
        CHECK_FALSE(f.lines[0].entry);
        CHECK(f.malformed_lines() == 1);
        CHECK(f.by_gid(1) == nullptr);
        CHECK(f.serialize() == line + "\nok:x:5:\n");
    }
    // Comments, blank and NIS lines are not entries but not malformed either.
    const auto f = parse_group("#x:x:1:\n\n+\n+docker:x:988:\n-bad:x:1:\n+@ng\n");
    CHECK(f.malformed_lines() == 0);
    CHECK(f.by_gid(988) == nullptr);
    CHECK(f.by_gid(1) == nullptr);
    CHECK(f.by_name("+docker") == nullptr);
}

TEST_CASE("group: ids at the edges of the range", "[userdb][group]") {
    const auto f = parse_group("zero:x:0:\ntop:x:4294967294:\nzeros:x:00988:\n");
    CHECK(f.malformed_lines() == 0);
    CHECK(f.by_gid(0)->name == "zero");
    CHECK(f.by_gid(4294967294U)->name == "top");
    CHECK(f.by_gid(988)->name == "zeros");
}

TEST_CASE("group: member lists skip empty items", "[userdb][group]") {
    const auto f = parse_group("a:x:1:app,\nb:x:2:,,\nc:x:3:,x,,y\nd:x:4:one\n");
    CHECK(f.by_gid(1)->members == std::vector<std::string>{"app"});
    CHECK(f.by_gid(2)->members.empty());
    CHECK(f.by_gid(3)->members == std::vector<std::string>{"x", "y"});
    CHECK(f.by_gid(4)->members == std::vector<std::string>{"one"});
}

TEST_CASE("group: duplicate names and GIDs, first wins", "[userdb][group]") {
    const auto f = parse_group("docker:x:988:first\ndocker:x:999:second\nother:x:988:third\n");
    CHECK(f.by_name("docker")->gid == 988);
    CHECK(f.by_gid(988)->name == "docker");
    CHECK(f.by_gid(988)->members == std::vector<std::string>{"first"});
    CHECK(f.by_gid(999)->members == std::vector<std::string>{"second"});
    CHECK(f.by_name("other")->gid == 988);
    CHECK(f.by_name("nobody") == nullptr);
}

TEST_CASE("group: a 1 MB member list parses", "[userdb][group]") {
    std::string members;
    for (int i = 0; i < 100000; ++i) members += (i ? "," : "") + ("u" + std::to_string(i));
    REQUIRE(members.size() > 500000);
    const std::string input = "huge:x:7:" + members + "\n";
    const auto f = parse_group(input);
    REQUIRE(f.by_gid(7) != nullptr);
    CHECK(f.by_gid(7)->members.size() == 100000);
    CHECK(f.serialize() == input);
}

TEST_CASE("group: format_group_entry", "[userdb][group]") {
    CHECK(format_group_entry(GroupEntry{"docker", "x", 988, {}}) == "docker:x:988:");
    CHECK(format_group_entry(GroupEntry{"docker", "x", 988, {"app", "b"}}) == "docker:x:988:app,b");
    CHECK(format_group_entry(GroupEntry{"g", "", 4294967294U, {"a"}}) == "g::4294967294:a");
    // What the formatter writes, the parser reads back as the same entry.
    const auto f = parse_group(format_group_entry(GroupEntry{"docker", "x", 988, {"app", "b"}}));
    REQUIRE(f.lines.size() == 1);
    REQUIRE(f.lines[0].entry);
    CHECK(f.lines[0].entry->members == std::vector<std::string>{"app", "b"});
}

TEST_CASE("gshadow: entries, malformed lines, first wins", "[userdb][group][gshadow]") {
    const auto f = parse_gshadow("root:*::\ndocker:!:adm1,adm2:app,other\nbad:!:a\ncrlf:!::\r\n"
                                 "docker:!::late\n+nis:::\n:!::\nlast:!::x");
    REQUIRE(f.lines.size() == 8);
    CHECK_FALSE(f.final_newline);
    const auto* d = f.by_name("docker");
    REQUIRE(d != nullptr);
    CHECK(d->password == "!");
    CHECK(d->admins == std::vector<std::string>{"adm1", "adm2"});
    CHECK(d->members == std::vector<std::string>{"app", "other"});
    CHECK(f.by_name("bad") == nullptr);
    CHECK(f.by_name("crlf") == nullptr);
    CHECK(f.by_name("+nis") == nullptr);
    CHECK(f.by_name("nis") == nullptr);
    CHECK(f.by_name("") == nullptr);
    REQUIRE(f.by_name("last") != nullptr);
    CHECK(f.by_name("last")->members == std::vector<std::string>{"x"});
    CHECK(f.by_name("root")->password == "*");
}

TEST_CASE("gshadow: format_gshadow_entry", "[userdb][group][gshadow]") {
    CHECK(format_gshadow_entry(GshadowEntry{"docker", "!", {}, {}}) == "docker:!::");
    CHECK(format_gshadow_entry(GshadowEntry{"docker", "!", {"a"}, {"b", "c"}}) == "docker:!:a:b,c");
}
