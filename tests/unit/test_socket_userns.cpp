#include <catch2/catch.hpp>
#include <sys/stat.h>

#include "socket/socket.hpp"
#include "socket/userns.hpp"

using namespace stepdown;
using socket::Row;

namespace {
socket::SocketStat sock(uid_t uid, gid_t gid, mode_t perm) { return {0, static_cast<mode_t>(S_IFSOCK | perm), uid, gid}; }
const socket::SocketRef ref{"/var/run/docker.sock", socket::Origin::Default};
// Rootless Podman run by host user 1001 with subordinate ids from 100000.
const std::vector<socket::IdMapEntry> rootless_uids{{0, 1001, 1}, {1, 100000, 65536}};
const std::vector<socket::IdMapEntry> rootless_gids{{0, 1001, 1}, {1, 100000, 65536}};
const std::vector<socket::IdMapEntry> initial{{0, 0, 4294967295U}};
}  // namespace

TEST_CASE("id maps: parsed, and ids translated to the parent namespace", "[socket]") {
    auto m = socket::parse_id_map("         0       1001          1\n         1     100000      65536\n");
    REQUIRE(m);
    REQUIRE(m->size() == 2);
    CHECK(socket::outside_id(*m, 0) == 1001U);
    CHECK(socket::outside_id(*m, 1000) == 100999U);
    CHECK(socket::outside_id(*m, 65536) == 165535U);
    CHECK_FALSE(socket::outside_id(*m, 65537));
    CHECK(socket::outside_id(initial, 4294967294U) == 4294967294U);
    CHECK_FALSE(socket::parse_id_map("0 1001\n"));
}

TEST_CASE("rootless: the user's own 0600 socket, seen as 0:0, is explained with keep-id", "[socket]") {
    socket::Policy root;
    const socket::Identity app{1000, 1000, {}};
    // Started as the container's root (host 1001): the drop to 1000 cannot reach it.
    auto d = socket::decide(ref, sock(0, 0, 0600), app, root);
    REQUIRE(d.row == Row::GroupNotWritable);
    socket::explain_rootless(d, app, rootless_uids, rootless_gids);
    CHECK(d.rootless);
    CHECK(d.row == Row::GroupNotWritable);
    CHECK_THAT(d.message, Catch::Contains("uid 0 here is host uid 1001"));
    CHECK_THAT(d.message, Catch::Contains("host gid 1001"));
    CHECK_THAT(d.fix, Catch::StartsWith("podman run --userns=keep-id:uid=1000,gid=1000"));
    CHECK_THAT(d.fix, Catch::Contains("host uid 1001, the socket's owner"));

    // Started as uid 1000 (podman run --user 1000): the same explanation.
    socket::Policy nonroot;
    nonroot.started_as_root = false;
    auto n = socket::decide(ref, sock(0, 0, 0600), app, nonroot);
    socket::explain_rootless(n, app, rootless_uids, rootless_gids);
    CHECK(n.rootless);
    CHECK_THAT(n.fix, Catch::StartsWith("podman run --userns=keep-id:uid=1000,gid=1000"));
    CHECK_THAT(n.fix, !Catch::Contains("--group-add"));

    // podman.socket's own mode, 0660: group 0 here, refused; keep-id is still the fix.
    auto g0 = socket::decide(ref, sock(0, 0, 0660), app, root);
    REQUIRE(g0.row == Row::Gid0Refused);
    socket::explain_rootless(g0, app, rootless_uids, rootless_gids);
    CHECK(g0.rootless);
    CHECK(g0.fatal);
    CHECK_THAT(g0.fix, Catch::StartsWith("podman run --userns=keep-id:uid=1000,gid=1000"));
    auto g0n = socket::decide(ref, sock(0, 0, 0660), app, nonroot);
    REQUIRE(g0n.row == Row::NeedsGroup);
    socket::explain_rootless(g0n, app, rootless_uids, rootless_gids);
    CHECK_THAT(g0n.fix, Catch::StartsWith("podman run --userns=keep-id:uid=1000,gid=1000"));

    // Another target is named in the fix.
    const socket::Identity other{2000, 2001, {}};
    auto o = socket::decide(ref, sock(0, 0, 0600), other, root);
    socket::explain_rootless(o, other, rootless_uids, rootless_gids);
    CHECK_THAT(o.fix, Catch::StartsWith("podman run --userns=keep-id:uid=2000,gid=2001"));
}

TEST_CASE("rootless explanation only where it applies", "[socket]") {
    socket::Policy root;
    const socket::Identity app{1000, 1000, {}};
    // The initial namespace: root is root, the usual advice stands.
    auto host = socket::decide(ref, sock(0, 0, 0600), app, root);
    const std::string fix = host.fix;
    socket::explain_rootless(host, app, initial, initial);
    CHECK_FALSE(host.rootless);
    CHECK(host.fix == fix);
    // Maps unreadable: nothing is known, nothing is said.
    auto none = socket::decide(ref, sock(0, 0, 0600), app, root);
    socket::explain_rootless(none, app, {}, {});
    CHECK_FALSE(none.rootless);
    // A socket that is granted, or owned by someone else, is left alone.
    auto grant = socket::decide(ref, sock(0, 988, 0660), app, root);
    socket::explain_rootless(grant, app, rootless_uids, rootless_gids);
    CHECK_FALSE(grant.rootless);
    CHECK(grant.row == Row::Grant);
    auto theirs = socket::decide(ref, sock(5, 5, 0600), app, root);
    socket::explain_rootless(theirs, app, rootless_uids, rootless_gids);
    CHECK_FALSE(theirs.rootless);
    // With keep-id the socket is the app's own: nothing to explain.
    const std::vector<socket::IdMapEntry> keep_id{{0, 1, 1000}, {1000, 0, 1}, {1001, 1001, 64535}};
    auto own = socket::decide(ref, sock(1000, 1000, 0600), app, root);
    CHECK(own.row == Row::OwnerIsTarget);
    socket::explain_rootless(own, app, keep_id, keep_id);
    CHECK_FALSE(own.rootless);
}
