#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>

#include "app/exit_codes.hpp"
#include "app/plan.hpp"

using namespace stepdown;

namespace {
config::Options options(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto o = config::parse(static_cast<int>(args.size()), argv.data(), {});
    REQUIRE(o);
    return *o;
}

app::Facts root_facts(gid_t socket_gid, mode_t perm = 0660) {
    app::Facts f;
    f.euid = 0;
    f.egid = 0;
    // Root's own groups, as the runtime gives them: 0 and the groups that
    // list root in the image's /etc/group.
    f.groups = {0, 1, 2};
    f.passwd = userdb::parse_passwd("root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
    f.group = userdb::parse_group("root:x:0:\ndaemon:x:1:root\nbin:x:2:root,app\napp:x:1000:\n");
    f.group_exists = true;
    f.socket_refs = {{"/var/run/docker.sock", socket::Origin::Default}};
    f.socket_stats = {{0, static_cast<mode_t>(S_IFSOCK | perm), 0, socket_gid}};
    return f;
}
}  // namespace

TEST_CASE("root start: the socket GID is the only supplementary group", "[plan]") {
    auto p = app::make_plan(options({"stepdown", "app"}), root_facts(988));
    REQUIRE_FALSE(p.fatal);
    CHECK(p.mode == app::Mode::Drop);
    CHECK(p.drop.uid == 1000);
    CHECK(p.drop.gid == 1000);
    CHECK(p.drop.groups == std::vector<gid_t>{988});  // nothing inherited from root's [0,1,2]
    CHECK(p.drop.no_new_privs);
    REQUIRE(p.group_edit);
    CHECK(p.group_edit->changes);
    CHECK_THAT(p.group_edit->group_content, Catch::Contains("docker:x:988:app"));
}

TEST_CASE("extra groups are added, and a socket group the target already has is not repeated", "[plan]") {
    auto p = app::make_plan(options({"stepdown", "-G", "44,988", "app"}), root_facts(988));
    REQUIRE_FALSE(p.fatal);
    CHECK(p.drop.groups == std::vector<gid_t>{44, 988});
    CHECK_FALSE(p.group_edit);  // already a member through --groups: nothing to align
}

TEST_CASE("refusals: gid 0, root target, missing capabilities, setuid install", "[plan]") {
    auto gid0 = app::make_plan(options({"stepdown", "app"}), root_facts(0));
    REQUIRE(gid0.fatal);
    CHECK(gid0.fatal->exit_code == exit_code::refused);
    CHECK_THAT(gid0.fatal->message(), Catch::Contains("--allow-gid0"));

    auto allowed = app::make_plan(options({"stepdown", "--allow-gid0", "app"}), root_facts(0));
    REQUIRE_FALSE(allowed.fatal);
    CHECK(allowed.drop.groups == std::vector<gid_t>{0});

    auto root = app::make_plan(options({"stepdown", "-u", "0:0", "app"}), root_facts(988));
    REQUIRE(root.fatal);
    CHECK(root.fatal->exit_code == exit_code::refused);
    CHECK_THAT(root.fatal->message(), Catch::Contains("--allow-root-target"));
    auto rootname = app::make_plan(options({"stepdown", "-u", "root", "app"}), root_facts(988));
    REQUIRE(rootname.fatal);
    auto gidroot = app::make_plan(options({"stepdown", "-u", "1000:0", "app"}), root_facts(988));
    REQUIRE(gidroot.fatal);
    CHECK_FALSE(app::make_plan(options({"stepdown", "-u", "0:0", "--allow-root-target", "app"}), root_facts(988)).fatal);

    auto f = root_facts(988);
    f.cap_setpcap = false;
    auto caps = app::make_plan(options({"stepdown", "app"}), f);
    REQUIRE(caps.fatal);
    CHECK(caps.fatal->exit_code == exit_code::refused);
    CHECK_THAT(caps.fatal->message(), Catch::Contains("--cap-add SETPCAP"));

    auto s = root_facts(988);
    s.at_secure = true;
    auto suid = app::make_plan(options({"stepdown", "app"}), s);
    REQUIRE(suid.fatal);
    CHECK_THAT(suid.fatal->message(), Catch::Contains("set-user-ID"));
}

TEST_CASE("root start: the groups the runtime added are kept, root's own are not", "[plan]") {
    // docker run --group-add 4242 (compose group_add, Kubernetes supplementalGroups).
    auto f = root_facts(988);
    f.groups = {0, 1, 2, 4242};
    auto p = app::make_plan(options({"stepdown", "app"}), f);
    REQUIRE_FALSE(p.fatal);
    CHECK(p.runtime_groups == std::vector<gid_t>{4242});
    CHECK(p.drop.groups == std::vector<gid_t>{988, 4242});

    // Turned off by the flag or the variable: only the socket's group.
    auto off = app::make_plan(options({"stepdown", "--no-runtime-groups", "app"}), f);
    REQUIRE_FALSE(off.fatal);
    CHECK(off.runtime_groups.empty());
    CHECK(off.drop.groups == std::vector<gid_t>{988});

    // A runtime group that is the socket's group: already a member, no /etc edit.
    auto same = app::make_plan(options({"stepdown", "app"}), [&] {
        auto g = root_facts(988);
        g.groups = {0, 988};
        return g;
    }());
    REQUIRE_FALSE(same.fatal);
    REQUIRE(same.sockets.size() == 1);
    CHECK(same.sockets[0].row == socket::Row::AlreadyMember);
    CHECK_FALSE(same.group_edit);
    CHECK(same.drop.groups == std::vector<gid_t>{988});
}

TEST_CASE("refusal fixes name the real numbers", "[plan]") {
    // --cap-drop ALL: the alternative start names the target and its groups.
    auto f = root_facts(988);
    f.cap_setuid = f.cap_setgid = f.cap_setpcap = false;
    auto caps = app::make_plan(options({"stepdown", "app"}), f);
    REQUIRE(caps.fatal);
    CHECK_THAT(caps.fatal->message(), Catch::Contains("docker run --user 1000:1000 --group-add 988"));
    CHECK_THAT(caps.fatal->message(), !Catch::Contains("--group-add GID"));

    // GID 0: the form that works under ENTRYPOINT ["stepdown", "--"] comes first.
    auto gid0 = app::make_plan(options({"stepdown", "app"}), root_facts(0));
    REQUIRE(gid0.fatal);
    const std::string m = gid0.fatal->message();
    const auto env = m.find("STEPDOWN_ALLOW_GID0=1");
    const auto flag = m.find("--allow-gid0");
    REQUIRE(env != std::string::npos);
    REQUIRE(flag != std::string::npos);
    CHECK(env < flag);
    auto groups0 = app::make_plan(options({"stepdown", "-G", "0", "app"}), root_facts(988));
    REQUIRE(groups0.fatal);
    CHECK(groups0.fatal->message().find("STEPDOWN_ALLOW_GID0=1") < groups0.fatal->message().find("--allow-gid0"));
}

TEST_CASE("non-root start: nothing to drop, the fix is hinted, not fatal", "[plan]") {
    auto f = root_facts(988);
    f.euid = 1000;
    f.egid = 1000;
    f.groups = {};
    auto p = app::make_plan(options({"stepdown", "app"}), f);
    REQUIRE_FALSE(p.fatal);
    CHECK(p.mode == app::Mode::NonRoot);
    REQUIRE(p.sockets.size() == 1);
    CHECK(p.sockets[0].row == socket::Row::NeedsGroup);
    CHECK_THAT(p.sockets[0].fix, Catch::Contains("--group-add 988"));
    auto req = app::make_plan(options({"stepdown", "--require-socket", "app"}), f);
    REQUIRE(req.fatal);
    CHECK(req.fatal->exit_code == exit_code::unavailable);
}

TEST_CASE("docker-init name without stepdown settings is a plain init", "[plan]") {
    auto p = app::make_plan(options({"/sbin/docker-init", "--", "app"}), root_facts(0));
    CHECK(p.mode == app::Mode::Passthru);
    CHECK_FALSE(p.fatal);  // gid 0 socket is not looked at: nothing was asked
}

TEST_CASE("a uid without passwd entry and without group is refused before anything runs", "[plan]") {
    auto f = root_facts(988);
    f.passwd = userdb::parse_passwd("");
    auto p = app::make_plan(options({"stepdown", "-u", "1000", "app"}), f);
    REQUIRE(p.fatal);
    CHECK(p.fatal->exit_code == exit_code::no_user);
}

TEST_CASE("keep-cap: the plan keeps exactly the named capabilities, with refusals and non-root starts", "[plan][keep-cap]") {
    auto kept = app::make_plan(options({"stepdown", "--keep-cap", "net_bind_service", "app"}), root_facts(988));
    REQUIRE_FALSE(kept.fatal);
    CHECK(kept.drop.keep_caps == std::vector<int>{10});  // CAP_NET_BIND_SERVICE
    CHECK(kept.notes.empty());

    auto refused = app::make_plan(options({"stepdown", "--keep-cap", "SYS_ADMIN", "app"}), root_facts(988));
    REQUIRE(refused.fatal);
    CHECK(refused.fatal->exit_code == exit_code::refused);
    CHECK_THAT(refused.fatal->message(), Catch::Contains("--force-keep-cap"));

    auto forced = app::make_plan(options({"stepdown", "--keep-cap", "SYS_ADMIN", "--force-keep-cap", "app"}),
                                 root_facts(988));
    REQUIRE_FALSE(forced.fatal);
    CHECK(forced.drop.keep_caps == std::vector<int>{21});  // CAP_SYS_ADMIN
    REQUIRE(forced.notes.size() == 1);
    CHECK_THAT(forced.notes[0], Catch::Contains("keeping CAP_SYS_ADMIN"));

    auto unknown = app::make_plan(options({"stepdown", "--keep-cap", "FLY", "app"}), root_facts(988));
    REQUIRE(unknown.fatal);
    CHECK(unknown.fatal->exit_code == exit_code::usage);

    auto facts = root_facts(988);
    facts.euid = 1000;
    facts.egid = 1000;
    auto non_root = app::make_plan(options({"stepdown", "--keep-cap", "NET_BIND_SERVICE", "app"}), facts);
    REQUIRE(non_root.fatal);
    CHECK(non_root.fatal->exit_code == exit_code::refused);
    CHECK_THAT(non_root.fatal->message(), Catch::Contains("needs stepdown started as root"));
}

TEST_CASE("keep-cap: a capability missing from the bounding or permitted set is refused up front, with the fix",
          "[plan][keep-cap]") {
    constexpr std::uint64_t nbs = std::uint64_t{1} << 10;  // CAP_NET_BIND_SERVICE
    auto f = root_facts(988);
    f.cap_bounding = ~std::uint64_t{0};
    f.cap_permitted = ~std::uint64_t{0};
    auto ok = app::make_plan(options({"stepdown", "--keep-cap", "NET_BIND_SERVICE", "app"}), f);
    REQUIRE_FALSE(ok.fatal);
    CHECK(ok.drop.keep_caps == std::vector<int>{10});

    // docker run --cap-drop NET_BIND_SERVICE: gone from the bounding (and so the permitted) set.
    f.cap_bounding = ~nbs;
    f.cap_permitted = ~nbs;
    auto dropped = app::make_plan(options({"stepdown", "--keep-cap", "NET_BIND_SERVICE", "app"}), f);
    REQUIRE(dropped.fatal);
    CHECK(dropped.fatal->exit_code == exit_code::refused);
    CHECK_THAT(dropped.fatal->message(), Catch::Contains("cannot keep CAP_NET_BIND_SERVICE for the app"));
    CHECK_THAT(dropped.fatal->message(), Catch::Contains("bounding set"));
    CHECK_THAT(dropped.fatal->message(), Catch::Contains("docker run --cap-add NET_BIND_SERVICE"));
    CHECK_THAT(dropped.fatal->message(), Catch::Contains("cap_add: [NET_BIND_SERVICE]"));
    CHECK_THAT(dropped.fatal->message(), Catch::Contains("securityContext.capabilities.add: [NET_BIND_SERVICE]"));

    // In the bounding set but not permitted: refused too, naming the permitted set.
    f.cap_bounding = ~std::uint64_t{0};
    auto not_permitted = app::make_plan(options({"stepdown", "--keep-cap", "NET_BIND_SERVICE", "app"}), f);
    REQUIRE(not_permitted.fatal);
    CHECK(not_permitted.fatal->exit_code == exit_code::refused);
    CHECK_THAT(not_permitted.fatal->message(), Catch::Contains("permitted set"));

    // Without --keep-cap the sets do not matter (the drop empties them anyway).
    auto plain = app::make_plan(options({"stepdown", "app"}), f);
    CHECK_FALSE(plain.fatal);
}

TEST_CASE("keep-cap: invoked as tini or docker-init, --keep-cap turns the drop on", "[plan][keep-cap]") {
    for (const char* name : {"tini", "/sbin/docker-init"}) {
        INFO(name);
        auto plain = app::make_plan(options({name, "--", "app"}), root_facts(988));
        CHECK(plain.mode == app::Mode::Passthru);
        auto kept = app::make_plan(options({name, "--keep-cap", "NET_BIND_SERVICE", "--", "app"}), root_facts(988));
        REQUIRE_FALSE(kept.fatal);
        CHECK(kept.mode == app::Mode::Drop);
        CHECK(kept.drop.uid == 1000);
        CHECK(kept.drop.keep_caps == std::vector<int>{10});
        // A refused capability is refused there as well, never silently run as root.
        auto refused = app::make_plan(options({name, "--keep-cap", "SYS_ADMIN", "--", "app"}), root_facts(988));
        REQUIRE(refused.fatal);
        CHECK(refused.fatal->exit_code == exit_code::refused);
    }
}

TEST_CASE("root start: root's own groups are found on lines the strict parser sets aside", "[plan]") {
    // The runtime that gave root its groups reads /etc/group leniently: CRLF
    // lines, blanks around fields, a fifth field, a '+' before the GID. Such
    // lines must not make root's groups pass for ones the runtime added.
    auto f = root_facts(988);
    f.group = userdb::parse_group("root:x:0:\r\nwheel:x:10:root\r\ndisk:x:6:root \ntty:x:5:root:\nadm:x:+4: app , root\n"
                                  "app:x:1000:\n");
    f.groups = {0, 4, 5, 6, 10, 4242};
    auto p = app::make_plan(options({"stepdown", "app"}), f);
    REQUIRE_FALSE(p.fatal);
    CHECK(p.runtime_groups == std::vector<gid_t>{4242});
    CHECK(p.drop.groups == std::vector<gid_t>{988, 4242});
}
