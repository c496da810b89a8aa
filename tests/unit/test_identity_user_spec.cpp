#include <catch2/catch.hpp>

#include "app/exit_codes.hpp"
#include "identity/user_spec.hpp"

using namespace stepdown;

namespace {
const char* passwd_text =
    "root:x:0:0:root:/root:/bin/sh\n"
    "app:x:1000:1000::/home/app:/bin/sh\n"
    "svc:x:1500:100::/srv:/bin/false\n"
    "1234:x:2000:2000::/n:/bin/sh\n";
const char* group_text =
    "root:x:0:\n"
    "users:x:100:\n"
    "app:x:1000:\n"
    "docker:x:988:app\n";

struct Row {
    const char* spec;
    const char* expect;  // "uid:gid:name:home" or "error:<exit code>"
};
}  // namespace

// The gosu-style table: spec -> uid:gid plus where HOME/USER come from.
TEST_CASE("user spec table", "[identity]") {
    const auto passwd = userdb::parse_passwd(passwd_text);
    const auto group = userdb::parse_group(group_text);
    const Row rows[] = {
        {"app", "1000:1000:app:/home/app"},
        {"1000", "1000:1000:app:/home/app"},
        {"app:docker", "1000:988:app:/home/app"},
        {"app:988", "1000:988:app:/home/app"},
        {"1000:1000", "1000:1000:app:/home/app"},
        {"1000:docker", "1000:988:app:/home/app"},
        {"svc", "1500:100:svc:/srv"},
        {"2000:2000", "2000:2000:1234:/n"},  // numeric token is a uid; entry found by uid
        {"3000:3000", "3000:3000:-:-"},     // no passwd entry, explicit group: allowed
        {"3000", "error:67"},               // no entry, no group: refused, never gid 0
        {"nobody", "error:67"},
        {"app:nogroup", "error:67"},
        {"", "error:64"},
        {":", "error:64"},
        {"1000:", "error:64"},
        {":1000", "error:64"},
        {" 1000", "error:64"},
        {"1000 ", "error:64"},
        {"-1", "error:64"},                 // numbers have no sign; no name can start with '-' (NIS)
        {"+1000", "error:64"},
        {"1000:-1", "error:64"},
        {"4294967296", "error:64"},
        {"4294968296", "error:64"},         // must not wrap to 1000
        {"1000:4294967295", "error:64"},
        {"a:b:c", "error:64"},
        {"app,x", "error:64"},
    };
    for (const auto& r : rows) {
        INFO("spec '" << r.spec << "'");
        auto t = identity::resolve_user(r.spec, passwd, group);
        std::string got;
        if (t) {
            got = std::to_string(t->uid) + ":" + std::to_string(t->gid) + ":" + t->name.value_or("-") + ":" +
                  t->home.value_or("-");
        } else {
            got = "error:" + std::to_string(t.error().exit_code);
        }
        CHECK(got == r.expect);
    }
}

TEST_CASE("a uid without a passwd entry is told the exact fix", "[identity]") {
    auto t = identity::resolve_user("1000", userdb::parse_passwd(""), userdb::parse_group(""));
    REQUIRE_FALSE(t);
    CHECK_THAT(t.error().message(), Catch::Contains("use --user 1000:1000"));
}

TEST_CASE("group lists resolve names and numbers strictly", "[identity]") {
    const auto group = userdb::parse_group(group_text);
    auto g = identity::resolve_groups("988,users,44", group);
    REQUIRE(g);
    CHECK(*g == std::vector<gid_t>{988, 100, 44});
    CHECK(identity::resolve_groups("", group)->empty());
    CHECK_FALSE(identity::resolve_groups("988,", group));
    CHECK_FALSE(identity::resolve_groups("nosuch", group));
    CHECK(identity::resolve_groups("nosuch", group).error().exit_code == exit_code::no_user);
    CHECK_FALSE(identity::resolve_groups("-5", group));
    CHECK_FALSE(identity::resolve_groups("4294967295", group));
}

TEST_CASE("an unknown name mentions the malformed lines that were ignored", "[identity]") {
    // A CRLF /etc/passwd: every line is malformed, so 'app' is not found, and
    // the message says why it may be missing.
    const auto crlf = userdb::parse_passwd("root:x:0:0::/root:/bin/sh\r\napp:x:1000:1000::/home/app:/bin/sh\r\n");
    auto t = identity::resolve_user("app", crlf, userdb::parse_group(""));
    REQUIRE_FALSE(t);
    CHECK(t.error().exit_code == exit_code::no_user);
    CHECK_THAT(t.error().message(), Catch::Contains("2 malformed lines in /etc/passwd ignored: CRLF line ends"));
    auto clean = identity::resolve_user("nobody", userdb::parse_passwd(passwd_text), userdb::parse_group(""));
    REQUIRE_FALSE(clean);
    CHECK_THAT(clean.error().message(), !Catch::Contains("malformed"));
    auto g = identity::resolve_groups("docker", userdb::parse_group("docker:x:988:\r\n"));
    REQUIRE_FALSE(g);
    CHECK_THAT(g.error().message(), Catch::Contains("1 malformed line in /etc/group ignored"));
}

TEST_CASE("a signed number is a usage error, not a name to look up", "[identity]") {
    const auto passwd = userdb::parse_passwd(passwd_text);
    const auto group = userdb::parse_group(group_text);
    for (const char* spec : {"-1", "+1000", "-0", "1000:-1", "1000:+988"}) {
        INFO(spec);
        auto t = identity::resolve_user(spec, passwd, group);
        REQUIRE_FALSE(t);
        CHECK(t.error().exit_code == exit_code::usage);
        CHECK_THAT(t.error().message(), Catch::Contains("no sign"));
    }
}
