#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "userdb/group_edit.hpp"

using namespace stepdown::userdb;
using namespace std::string_literals;

namespace {

GroupEditRequest req(gid_t gid, std::optional<std::string> member = "app", std::string name = "docker") {
    return GroupEditRequest{gid, std::move(name), std::move(member)};
}

GroupEditPlan plan(const std::string& group, const std::vector<GroupEditRequest>& requests) {
    return plan_group_edit(parse_group(group), std::nullopt, requests);
}

GroupEditPlan plan(const std::string& group, const std::string& gshadow, const std::vector<GroupEditRequest>& requests) {
    return plan_group_edit(parse_group(group), parse_gshadow(gshadow), requests);
}

const std::string base_group = "root:x:0:\nadm:x:4:syslog\n";

}  // namespace

// One row of the edit table: the files before, the requests, what the plan must say.
struct EditRow {
    const char* what;
    std::string group;
    std::vector<GroupEditRequest> requests;
    std::string new_group;
    std::vector<GroupAction> actions;
    std::vector<std::string> names;
};

TEST_CASE("group edit: the table without gshadow", "[userdb][group_edit]") {
    const std::vector<EditRow> rows = {
        {"reuse the group that has the GID, add the member",
         base_group + "docker:x:988:\n", {req(988)},
         base_group + "docker:x:988:app\n", {GroupAction::AddedMember}, {"docker"}},
        {"reuse under another name: never renamed",
         base_group + "hostdocker:x:988:other\n", {req(988)},
         base_group + "hostdocker:x:988:other,app\n", {GroupAction::AddedMember}, {"hostdocker"}},
        {"member already listed",
         base_group + "docker:x:988:other,app\n", {req(988)},
         base_group + "docker:x:988:other,app\n", {GroupAction::Unchanged}, {"docker"}},
        {"no member to add (target has no passwd name)",
         base_group + "docker:x:988:\n", {req(988, std::nullopt)},
         base_group + "docker:x:988:\n", {GroupAction::Unchanged}, {"docker"}},
        {"trailing comma in the member list is kept",
         base_group + "docker:x:988:other,\n", {req(988)},
         base_group + "docker:x:988:other,app\n", {GroupAction::AddedMember}, {"docker"}},
        {"no group has the GID: create the preferred name",
         base_group, {req(988)},
         base_group + "docker:x:988:app\n", {GroupAction::Created}, {"docker"}},
        {"create without a member",
         base_group, {req(988, std::nullopt)},
         base_group + "docker:x:988:\n", {GroupAction::Created}, {"docker"}},
        {"create with another preferred name",
         base_group, {req(988, "app", "sock")},
         base_group + "sock:x:988:app\n", {GroupAction::Created}, {"sock"}},
        {"name taken with another GID: derived name, never renumbered",
         base_group + "docker:x:999:\n", {req(988)},
         base_group + "docker:x:999:\ndocker-988:x:988:app\n", {GroupAction::Created}, {"docker-988"}},
        {"derived name also taken",
         base_group + "docker:x:999:\ndocker-988:x:1:\n", {req(988)},
         base_group + "docker:x:999:\ndocker-988:x:1:\ndocker-988-2:x:988:app\n", {GroupAction::Created},
         {"docker-988-2"}},
        {"derived names taken twice",
         "docker:x:999:\ndocker-988:x:1:\ndocker-988-2:x:2:\n", {req(988)},
         "docker:x:999:\ndocker-988:x:1:\ndocker-988-2:x:2:\ndocker-988-3:x:988:app\n", {GroupAction::Created},
         {"docker-988-3"}},
        {"name taken by a malformed line",
         "docker:x:999\n", {req(988)},
         "docker:x:999\ndocker-988:x:988:app\n", {GroupAction::Created}, {"docker-988"}},
        {"name taken by a NIS line",
         "+docker\n", {req(988)},
         "+docker\ndocker-988:x:988:app\n", {GroupAction::Created}, {"docker-988"}},
        {"missing final newline: the newline is added before the new line",
         "root:x:0:", {req(988)},
         "root:x:0:\ndocker:x:988:app\n", {GroupAction::Created}, {"docker"}},
        {"missing final newline, edit in place keeps it missing",
         "root:x:0:\ndocker:x:988:", {req(988)},
         "root:x:0:\ndocker:x:988:app", {GroupAction::AddedMember}, {"docker"}},
        {"empty file",
         "", {req(988)},
         "docker:x:988:app\n", {GroupAction::Created}, {"docker"}},
        {"duplicate GIDs: the first entry gets the member",
         "a:x:988:\nb:x:988:\n", {req(988)},
         "a:x:988:app\nb:x:988:\n", {GroupAction::AddedMember}, {"a"}},
        {"duplicate names: the GID decides which line",
         "docker:x:999:\ndocker:x:988:\n", {req(988)},
         "docker:x:999:\ndocker:x:988:app\n", {GroupAction::AddedMember}, {"docker"}},
        {"a malformed line with the GID is never duplicated",
         "docker:x:988:app\r\n", {req(988)},
         "docker:x:988:app\r\n", {GroupAction::Unchanged}, {""}},
        {"a comment with the GID does not count",
         "#docker:x:988:\n", {req(988)},
         "#docker:x:988:\ndocker:x:988:app\n", {GroupAction::Created}, {"docker"}},
        {"two requests, different GIDs: second gets a derived name",
         base_group, {req(988), req(999)},
         base_group + "docker:x:988:app\ndocker-999:x:999:app\n", {GroupAction::Created, GroupAction::Created},
         {"docker", "docker-999"}},
        {"two requests, same GID: created once",
         base_group, {req(988), req(988)},
         base_group + "docker:x:988:app\n", {GroupAction::Created, GroupAction::Unchanged}, {"docker", "docker"}},
        {"two requests, one existing and one new",
         base_group + "docker:x:988:\n", {req(988), req(999)},
         base_group + "docker:x:988:app\ndocker-999:x:999:app\n", {GroupAction::AddedMember, GroupAction::Created},
         {"docker", "docker-999"}},
        {"invalid preferred names never reach the file",
         base_group, {req(101, "app", "do:cker"), req(102, "app", ""), req(103, "app", "988"), req(104, "app", "+x"),
                      req(105, "app", "a,b"), req(106, "app", "a\nb"), req(107, "app", "#c")},
         base_group, std::vector<GroupAction>(7, GroupAction::Unchanged), std::vector<std::string>(7, "")},
        {"the reserved GID (gid_t)-1 is refused",
         base_group, {req(4294967295U)},
         base_group, {GroupAction::Unchanged}, {""}},
        {"invalid member name: group created without it",
         base_group, {req(988, "a,b")},
         base_group + "docker:x:988:\n", {GroupAction::Created}, {"docker"}},
        {"invalid member name: existing group untouched",
         base_group + "docker:x:988:\n", {req(988, "a:b")},
         base_group + "docker:x:988:\n", {GroupAction::Unchanged}, {"docker"}},
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        const auto p = plan(row.group, row.requests);
        CHECK(p.group_content == row.new_group);
        CHECK(p.changes == (row.new_group != row.group));
        CHECK_FALSE(p.gshadow_content);
        REQUIRE(p.outcomes.size() == row.requests.size());
        for (std::size_t i = 0; i < p.outcomes.size(); ++i) {
            CAPTURE(i, p.outcomes[i].reason);
            CHECK(p.outcomes[i].gid == row.requests[i].gid);
            CHECK(p.outcomes[i].action == row.actions[i]);
            CHECK(p.outcomes[i].group_name == row.names[i]);
            CHECK_FALSE(p.outcomes[i].reason.empty());
        }
        // The planner's output is a file its own parser reads back losslessly.
        CHECK(parse_group(p.group_content).serialize() == p.group_content);
    }
}

TEST_CASE("group edit: every other line keeps its bytes", "[userdb][group_edit]") {
    const std::string before = "# header: 1:2:3\r\n\n+\n-nis\nroot:x:0:\nodd\0line:x:1:\nwin:x:2:a\r\n"
                               "junk:::::\nbig:x:3:" + std::string(1024 * 1024, 'm') + "\ndocker:x:988:other\n"
                               "tail:x:5:"s;
    const auto p = plan(before, {req(988)});
    std::string expected = before;
    const std::string old_line = "docker:x:988:other\n";
    expected.replace(expected.find(old_line), old_line.size(), "docker:x:988:other,app\n");
    CHECK(p.group_content == expected);
    CHECK(p.changes);
}

TEST_CASE("group edit: the reasons say what happened", "[userdb][group_edit]") {
    auto p = plan(base_group + "docker:x:988:app\n", {req(988)});
    CHECK(p.outcomes[0].reason == "group 'docker' (988) already lists 'app'");
    p = plan(base_group + "docker:x:988:\n", {req(988)});
    CHECK(p.outcomes[0].reason == "added 'app' to group 'docker' (988)");
    p = plan(base_group, {req(988)});
    CHECK(p.outcomes[0].reason == "created group 'docker' (988) listing 'app'");
    p = plan(base_group + "docker:x:999:\n", {req(988)});
    CHECK(p.outcomes[0].reason ==
          "created group 'docker-988' (988) listing 'app', because the name 'docker' is taken by GID 999");
    p = plan("docker:x:988:\r\n", {req(988)});
    CHECK(p.outcomes[0].reason == "a malformed line in the group file has GID 988, not editing it");
    p = plan(base_group, {req(988, "app", "do:cker")});
    CHECK(p.outcomes[0].reason == "invalid group name 'do:cker', no group created for GID 988");
    p = plan(base_group, {req(988, "a,b")});
    CHECK(p.outcomes[0].reason == "created group 'docker' (988); 'a,b' is not a name that can be listed");
}

TEST_CASE("group edit: gshadow is kept consistent", "[userdb][group_edit][gshadow]") {
    const std::string shadow = "root:*::\nadm:*::syslog\n";

    SECTION("created group gets 'name:!::member'") {
        const auto p = plan(base_group, shadow, {req(988)});
        CHECK(p.group_content == base_group + "docker:x:988:app\n");
        REQUIRE(p.gshadow_content);
        CHECK(*p.gshadow_content == shadow + "docker:!::app\n");
        CHECK(p.changes);
    }
    SECTION("created group without member") {
        const auto p = plan(base_group, shadow, {req(988, std::nullopt)});
        CHECK(*p.gshadow_content == shadow + "docker:!::\n");
    }
    SECTION("added member is appended to the existing gshadow line, admins kept") {
        const auto p = plan(base_group + "docker:x:988:other\n", shadow + "docker:!:boss:other\n", {req(988)});
        CHECK(p.group_content == base_group + "docker:x:988:other,app\n");
        CHECK(*p.gshadow_content == shadow + "docker:!:boss:other,app\n");
    }
    SECTION("gshadow line without members") {
        const auto p = plan(base_group + "docker:x:988:\n", shadow + "docker:!::\n", {req(988)});
        CHECK(*p.gshadow_content == shadow + "docker:!::app\n");
    }
    SECTION("group has no gshadow line: none is invented") {
        const auto p = plan(base_group + "docker:x:988:\n", shadow, {req(988)});
        CHECK(p.outcomes[0].action == GroupAction::AddedMember);
        CHECK(*p.gshadow_content == shadow);
    }
    SECTION("gshadow already lists the member: not listed twice") {
        const auto p = plan(base_group + "docker:x:988:\n", shadow + "docker:!::app\n", {req(988)});
        CHECK(p.group_content == base_group + "docker:x:988:app\n");
        CHECK(*p.gshadow_content == shadow + "docker:!::app\n");
    }
    SECTION("member already in group: gshadow untouched") {
        const auto p = plan(base_group + "docker:x:988:app\n", shadow + "docker:!::\n", {req(988)});
        CHECK_FALSE(p.changes);
        CHECK(*p.gshadow_content == shadow + "docker:!::\n");
    }
    SECTION("gshadow without final newline") {
        const auto p = plan(base_group, "root:*::", {req(988)});
        CHECK(*p.gshadow_content == "root:*::\ndocker:!::app\n");
    }
    SECTION("empty gshadow") {
        const auto p = plan(base_group, "", {req(988)});
        CHECK(*p.gshadow_content == "docker:!::app\n");
    }
    SECTION("a stale gshadow line takes the name") {
        const auto p = plan(base_group, shadow + "docker:!::ghost\n", {req(988)});
        CHECK(p.outcomes[0].group_name == "docker-988");
        CHECK(p.group_content == base_group + "docker-988:x:988:app\n");
        CHECK(*p.gshadow_content == shadow + "docker:!::ghost\ndocker-988:!::app\n");
    }
    SECTION("duplicate gshadow names: first line gets the member") {
        const auto p = plan(base_group + "docker:x:988:\n", "docker:!::\ndocker:!::\n", {req(988)});
        CHECK(*p.gshadow_content == "docker:!::app\ndocker:!::\n");
    }
    SECTION("two requests") {
        const auto p = plan(base_group + "docker:x:988:\n", shadow + "docker:!::\n", {req(988), req(999), req(999)});
        CHECK(p.group_content == base_group + "docker:x:988:app\ndocker-999:x:999:app\n");
        CHECK(*p.gshadow_content == shadow + "docker:!::app\ndocker-999:!::app\n");
        CHECK(p.outcomes[2].action == GroupAction::Unchanged);
    }
    SECTION("nasty gshadow lines keep their bytes") {
        const std::string nasty = "# c\r\n\0x:!::\nbad\n+\n"s;
        const auto p = plan(base_group + "docker:x:988:\n", nasty + "docker:!::\n", {req(988)});
        CHECK(*p.gshadow_content == nasty + "docker:!::app\n");
    }
    SECTION("nothing to do: both files byte-identical") {
        const std::string g = "docker:x:988:app\r\nroot:x:0:\n\0"s;
        const std::string s = "weird\r\n\0"s;
        const auto p = plan(g, s, {req(0, std::nullopt, "root")});
        CHECK_FALSE(p.changes);
        CHECK(p.group_content == g);
        CHECK(*p.gshadow_content == s);
    }
}

TEST_CASE("group edit: no requests changes nothing", "[userdb][group_edit]") {
    const auto p = plan(base_group, {});
    CHECK(p.outcomes.empty());
    CHECK_FALSE(p.changes);
    CHECK(p.group_content == base_group);
}
