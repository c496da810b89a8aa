#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <cerrno>

#include "app/exit_codes.hpp"
#include "socket/socket.hpp"

using namespace stepdown;
using socket::Row;

namespace {
socket::SocketStat sock(uid_t uid, gid_t gid, mode_t perm) { return {0, static_cast<mode_t>(S_IFSOCK | perm), uid, gid}; }
const socket::SocketRef ref{"/var/run/docker.sock", socket::Origin::Default};
const socket::Identity target{1000, 1000, {}};
}  // namespace

// One case per row of the decision table (README "Decision table").
TEST_CASE("socket decision table, started as root", "[socket]") {
    socket::Policy root;
    struct Case {
        const char* name;
        socket::SocketStat st;
        socket::Identity who;
        socket::Policy policy;
        Row row;
        bool grant;
        bool fatal;
        int code;
    };
    socket::Policy gid0 = root;
    gid0.allow_gid0 = true;
    socket::Policy req = root;
    req.require_socket = true;
    const Case cases[] = {
        {"absent", {ENOENT, 0, 0, 0}, target, root, Row::Absent, false, false, 0},
        {"absent, required", {ENOENT, 0, 0, 0}, target, req, Row::Absent, false, true, exit_code::unavailable},
        {"loop", {ELOOP, 0, 0, 0}, target, root, Row::StatFailed, false, false, 0},
        {"loop, required", {ELOOP, 0, 0, 0}, target, req, Row::StatFailed, false, true, exit_code::unavailable},
        {"directory", {0, S_IFDIR | 0755, 0, 0}, target, root, Row::NotSocket, false, true, exit_code::unavailable},
        {"fifo", {0, S_IFIFO | 0660, 0, 988}, target, root, Row::NotSocket, false, true, exit_code::unavailable},
        {"owner is target", sock(1000, 0, 0600), target, root, Row::OwnerIsTarget, false, false, 0},
        {"primary group", sock(0, 1000, 0660), target, root, Row::AlreadyMember, false, false, 0},
        {"listed group", sock(0, 988, 0660), {1000, 1000, {988}}, root, Row::AlreadyMember, false, false, 0},
        {"world writable", sock(0, 0, 0666), target, root, Row::WorldWritable, false, false, 0},
        {"gid 0", sock(0, 0, 0660), target, root, Row::Gid0Refused, false, true, exit_code::refused},
        {"gid 0 allowed", sock(0, 0, 0660), target, gid0, Row::Gid0Granted, true, false, 0},
        {"overflow gid", sock(65534, 65534, 0660), target, root, Row::OverflowGid, false, false, 0},
        {"overflow gid, required", sock(65534, 65534, 0660), target, req, Row::OverflowGid, false, true,
         exit_code::unavailable},
        {"group not writable", sock(0, 988, 0640), target, root, Row::GroupNotWritable, false, false, 0},
        // Docker Desktop 4.19+: root:root 0755. Group 0 would not help, so it is not even offered.
        {"gid 0, group not writable", sock(0, 0, 0755), target, gid0, Row::GroupNotWritable, false, false, 0},
        {"grant", sock(0, 988, 0660), target, root, Row::Grant, true, false, 0},
        {"grant 999", sock(0, 999, 0660), target, root, Row::Grant, true, false, 0},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto d = socket::decide(ref, c.st, c.who, c.policy);
        CHECK(socket::row_name(d.row) == std::string(socket::row_name(c.row)));
        CHECK(d.grant == c.grant);
        CHECK(d.fatal == c.fatal);
        if (c.fatal) CHECK(d.exit_code == c.code);
        CHECK_FALSE(d.message.empty());
    }
}

namespace {
socket::SocketStat with_acl(socket::SocketStat st, std::vector<socket::AclEntry> entries) {
    st.acl.extended = true;
    st.acl.entries = std::move(entries);
    return st;
}
using socket::AclTag;
}  // namespace

// With an ACL the mode's group bits are the mask: the rows are decided by
// the entries, with the same function --check reports with (may_write).
TEST_CASE("socket decision table with POSIX ACLs, started as root", "[socket][acl]") {
    socket::Policy root;
    socket::Policy req = root;
    req.require_socket = true;
    // root:42 0660, group::--- group:999:rw- mask::rw-: group 42 cannot write.
    const auto group_denied = with_acl(sock(0, 42, 0660), {{AclTag::UserObj, 0, 6}, {AclTag::GroupObj, 0, 0},
                                                           {AclTag::Group, 999, 6}, {AclTag::Mask, 0, 6},
                                                           {AclTag::Other, 0, 0}});
    auto d = socket::decide(ref, group_denied, target, root);
    CHECK(d.row == Row::GroupNotWritable);
    CHECK_FALSE(d.grant);
    CHECK_FALSE(d.fatal);
    CHECK_THAT(d.message, Catch::Contains("group::---"));
    CHECK_THAT(d.fix, Catch::Contains("setfacl -m g:42:rw '/var/run/docker.sock'"));
    CHECK_THAT(d.fix, Catch::Contains("setfacl -m u:1000:rw '/var/run/docker.sock'"));
    auto dreq = socket::decide(ref, group_denied, target, req);
    CHECK(dreq.fatal);
    CHECK(dreq.exit_code == exit_code::unavailable);
    // The named group of that ACL would be a member by --groups: nothing to grant.
    auto named = socket::decide(ref, group_denied, {1000, 1000, {999}}, root);
    CHECK(named.row == Row::AlreadyMember);
    CHECK_FALSE(named.grant);

    // root:root 0600 + user:1000:rw- (the mode then shows the mask: 0660):
    // the ACL already lets the app in; never the GID-0 row.
    const auto user_ok = with_acl(sock(0, 0, 0660), {{AclTag::UserObj, 0, 6}, {AclTag::User, 1000, 6},
                                                     {AclTag::GroupObj, 0, 0}, {AclTag::Mask, 0, 6},
                                                     {AclTag::Other, 0, 0}});
    auto u = socket::decide(ref, user_ok, target, root);
    CHECK(u.row == Row::AclUser);
    CHECK_FALSE(u.grant);
    CHECK_FALSE(u.fatal);
    CHECK_THAT(u.message, Catch::Contains("user:1000:rw-"));

    // The target's entry without write after the mask: no group can help.
    auto masked = user_ok;
    masked.acl.entries[3].perm = 4;  // mask::r--
    masked.mode = S_IFSOCK | 0640;
    auto m = socket::decide(ref, masked, target, root);
    CHECK(m.row == Row::AclUserDenied);
    CHECK_FALSE(m.grant);
    CHECK_FALSE(m.fatal);
    CHECK(socket::decide(ref, masked, target, req).fatal);

    // group::rw- with the mask rw-: granting the socket's group works as before.
    const auto group_ok = with_acl(sock(0, 988, 0660), {{AclTag::UserObj, 0, 6}, {AclTag::GroupObj, 0, 6},
                                                        {AclTag::Group, 1500, 4}, {AclTag::Mask, 0, 6},
                                                        {AclTag::Other, 0, 0}});
    auto g = socket::decide(ref, group_ok, target, root);
    CHECK(g.row == Row::Grant);
    CHECK(g.grant);
    // A named group entry of the target without write does not hide the grant.
    auto g2 = socket::decide(ref, group_ok, {1000, 1000, {1500}}, root);
    CHECK(g2.row == Row::Grant);

    // root:0 with group::rw- only by the mask (group::---): not GID 0's refusal, not granted.
    const auto gid0_acl = with_acl(sock(0, 0, 0660), {{AclTag::UserObj, 0, 6}, {AclTag::GroupObj, 0, 0},
                                                      {AclTag::Group, 999, 6}, {AclTag::Mask, 0, 6},
                                                      {AclTag::Other, 0, 0}});
    CHECK(socket::decide(ref, gid0_acl, target, root).row == Row::GroupNotWritable);

    // Started non-root, the same rule: the user entry makes it accessible.
    socket::Policy nonroot;
    nonroot.started_as_root = false;
    CHECK(socket::decide(ref, user_ok, target, nonroot).row == Row::Accessible);
    // In group 42 already, and group 42 cannot write: no --group-add can help.
    CHECK(socket::decide(ref, group_denied, {1000, 1000, {42}}, nonroot).row == Row::GroupNotWritable);
}

// The overflow GID is an unmapped group only inside a user namespace.
TEST_CASE("socket GID 65534 in the initial user namespace is a group like any other", "[socket]") {
    socket::Policy initial;
    initial.identity_gid_map = true;
    auto d = socket::decide(ref, sock(0, 65534, 0660), target, initial);
    CHECK(d.row == Row::Grant);
    CHECK(d.grant);
    socket::Policy nested;  // gid_map not the identity: rootless, userns-remap
    auto n = socket::decide(ref, sock(0, 65534, 0660), target, nested);
    CHECK(n.row == Row::OverflowGid);
    CHECK_FALSE(n.grant);
    // Non-root in the initial namespace: the ordinary group-add hint.
    initial.started_as_root = false;
    auto h = socket::decide(ref, sock(0, 65534, 0660), target, initial);
    CHECK(h.row == Row::NeedsGroup);
    CHECK_THAT(h.fix, Catch::Contains("--group-add 65534"));
}

TEST_CASE("refusals name the exact fix", "[socket]") {
    socket::Policy root;
    auto d0 = socket::decide(ref, sock(0, 0, 0660), target, root);
    CHECK_THAT(d0.fix, Catch::Contains("--allow-gid0"));
    auto dir = socket::decide(ref, {0, S_IFDIR | 0755, 0, 0}, target, root);
    CHECK_THAT(dir.message, Catch::Contains("is a directory, not a socket"));
    auto mode = socket::decide(ref, sock(0, 988, 0640), target, root);
    CHECK_THAT(mode.message, Catch::Contains("mode 0640"));
    CHECK_THAT(mode.fix, Catch::Contains("chmod g+w '/var/run/docker.sock'"));
    CHECK_THAT(mode.fix, Catch::Contains("setfacl -m u:1000:rw '/var/run/docker.sock'"));
    // Under ENTRYPOINT ["stepdown", "--"] flags cannot be added: the variable comes first.
    CHECK(d0.fix.find("STEPDOWN_ALLOW_GID0=1") < d0.fix.find("--allow-gid0"));
}

TEST_CASE("started non-root: judge the current identity and hint every runtime's fix", "[socket]") {
    socket::Policy nonroot;
    nonroot.started_as_root = false;
    auto ok = socket::decide(ref, sock(0, 988, 0660), {1000, 1000, {988}}, nonroot);
    CHECK(ok.row == Row::Accessible);
    CHECK_FALSE(ok.grant);
    auto need = socket::decide(ref, sock(0, 988, 0660), {1000, 1000, {}}, nonroot);
    CHECK(need.row == Row::NeedsGroup);
    CHECK_FALSE(need.fatal);
    CHECK_THAT(need.fix, Catch::Contains("--group-add 988"));
    CHECK_THAT(need.fix, Catch::Contains("group_add: [\"988\"]"));
    CHECK_THAT(need.fix, Catch::Contains("supplementalGroups: [988]"));
    // The same rules as a root start: a group without write cannot help, and
    // the identity may be in that group already (docker run --group-add 988).
    auto member_no_write = socket::decide(ref, sock(0, 988, 0640), {1000, 1000, {988}}, nonroot);
    CHECK(member_no_write.row == Row::GroupNotWritable);
    CHECK_THAT(member_no_write.message, Catch::Contains("although it is in group 988"));
    CHECK_THAT(member_no_write.fix, !Catch::Contains("--group-add"));
    CHECK_THAT(member_no_write.fix, Catch::Contains("chmod 660"));
    auto not_member_no_write = socket::decide(ref, sock(0, 988, 0640), {1000, 1000, {}}, nonroot);
    CHECK(not_member_no_write.row == Row::GroupNotWritable);
    CHECK_THAT(not_member_no_write.message, !Catch::Contains("although"));
    // A socket only its owner may use (rootless Podman's 0600, seen as 0:0):
    // --group-add 0 would not help, so it is not suggested.
    auto owner_only = socket::decide(ref, sock(0, 0, 0600), {1000, 1000, {}}, nonroot);
    CHECK(owner_only.row == Row::GroupNotWritable);
    CHECK_THAT(owner_only.fix, !Catch::Contains("--group-add"));
    CHECK_THAT(owner_only.fix, Catch::Contains("its owner (uid 0)"));
    auto owner_no_write = socket::decide(ref, sock(1000, 988, 0460), {1000, 1000, {988}}, nonroot);
    CHECK(owner_no_write.row == Row::GroupNotWritable);
    CHECK_THAT(owner_no_write.message, Catch::Contains("its owner: the mode gives the owner no write permission"));
    CHECK_THAT(owner_no_write.fix, Catch::Contains("chmod u+w"));
    auto gid0_writable = socket::decide(ref, sock(0, 0, 0660), {1000, 1000, {}}, nonroot);
    CHECK(gid0_writable.row == Row::NeedsGroup);
    nonroot.require_socket = true;
    auto fatal = socket::decide(ref, sock(0, 988, 0660), {1000, 1000, {}}, nonroot);
    CHECK(fatal.fatal);
    CHECK(fatal.exit_code == exit_code::unavailable);
}

TEST_CASE("socket sources: flags, env, DOCKER_HOST, default", "[socket]") {
    std::string note;
    auto flags = socket::choose({"/a.sock", "/b.sock"}, std::string("/env.sock"), std::string("unix:///h.sock"), &note);
    REQUIRE(flags);
    REQUIRE(flags->size() == 2);
    CHECK((*flags)[0].origin == socket::Origin::Flag);
    auto env = socket::choose({}, std::string("/x.sock:/y.sock"), std::string("unix:///h.sock"), &note);
    REQUIRE(env->size() == 2);
    CHECK((*env)[1].path == "/y.sock");
    CHECK((*env)[1].origin == socket::Origin::Env);
    auto host = socket::choose({}, std::nullopt, std::string("unix:///run/podman/podman.sock"), &note);
    REQUIRE(host->size() == 1);
    CHECK((*host)[0].path == "/run/podman/podman.sock");
    CHECK((*host)[0].origin == socket::Origin::DockerHost);
    auto tcp = socket::choose({}, std::nullopt, std::string("tcp://10.0.0.1:2375"), &note);
    REQUIRE(tcp);
    CHECK(tcp->empty());
    CHECK_THAT(note, Catch::Contains("no socket group is needed"));
    auto def = socket::choose({}, std::nullopt, std::nullopt, &note);
    REQUIRE(def->size() == 1);
    CHECK((*def)[0].path == "/var/run/docker.sock");
    CHECK_FALSE(socket::choose({"relative.sock"}, std::nullopt, std::nullopt, &note));
    CHECK_FALSE(socket::choose({}, std::string("/a:"), std::nullopt, &note));
    CHECK_FALSE(socket::choose({}, std::nullopt, std::string("unix://relative"), &note));
    CHECK_FALSE(socket::choose({}, std::nullopt, std::string("garbage"), &note));
}

TEST_CASE("Podman's conventions: CONTAINER_HOST, and its socket when Docker's is absent", "[socket]") {
    std::string note;
    auto ch = socket::choose({}, std::nullopt, std::nullopt, &note, std::string("unix:///run/user/1000/podman/podman.sock"));
    REQUIRE(ch);
    REQUIRE(ch->size() == 1);
    CHECK((*ch)[0].path == "/run/user/1000/podman/podman.sock");
    CHECK((*ch)[0].origin == socket::Origin::ContainerHost);
    CHECK(std::string(socket::origin_name((*ch)[0].origin)) == "CONTAINER_HOST");
    // DOCKER_HOST wins when both are set.
    auto both = socket::choose({}, std::nullopt, std::string("unix:///d.sock"), &note, std::string("unix:///c.sock"));
    REQUIRE(both->size() == 1);
    CHECK((*both)[0].path == "/d.sock");
    CHECK((*both)[0].origin == socket::Origin::DockerHost);
    // An empty DOCKER_HOST is unset, as for the docker CLI.
    auto empty = socket::choose({}, std::nullopt, std::string(""), &note, std::string("unix:///c.sock"));
    CHECK((*empty)[0].path == "/c.sock");
    // STEPDOWN_SOCKET still comes first.
    auto env = socket::choose({}, std::string("/e.sock"), std::nullopt, &note, std::string("unix:///c.sock"));
    CHECK((*env)[0].origin == socket::Origin::Env);
    auto tcp = socket::choose({}, std::nullopt, std::nullopt, &note, std::string("tcp://10.0.0.1:8080"));
    REQUIRE(tcp);
    CHECK(tcp->empty());
    CHECK_THAT(note, Catch::StartsWith("CONTAINER_HOST 'tcp://10.0.0.1:8080'"));
    auto bad = socket::choose({}, std::nullopt, std::nullopt, &note, std::string("podman.sock"));
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message(), Catch::Contains("invalid CONTAINER_HOST 'podman.sock'"));

    const socket::SocketStat absent{ENOENT, 0, 0, 0};
    const socket::SocketStat there = sock(0, 988, 0660);
    CHECK(socket::use_podman_default(ref, absent, there));
    CHECK_FALSE(socket::use_podman_default(ref, there, there));    // Docker's is there
    CHECK_FALSE(socket::use_podman_default(ref, absent, absent));  // neither: Docker's path is reported
    const socket::SocketRef named{"/var/run/docker.sock", socket::Origin::Flag};
    CHECK_FALSE(socket::use_podman_default(named, absent, there));  // a named path is never replaced
}
