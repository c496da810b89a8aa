#include <catch2/catch.hpp>

#include <linux/capability.h>

#include <cerrno>

#include "app/exit_codes.hpp"
#include "fake_sys.hpp"
#include "privilege/drop.hpp"

using namespace stepdown;
using testing::FakeSys;

namespace {
privilege::DropPlan plan() {
    privilege::DropPlan p;
    p.uid = 1000;
    p.gid = 1000;
    p.groups = {988};
    p.no_new_privs = true;
    return p;
}
const std::vector<std::string> expected_order = {
    "setgroups", "setresgid", "caps_drop_bounding", "caps_clear_ambient",
    "setresuid", "caps_clear_all", "set_no_new_privs",
};
}  // namespace

TEST_CASE("the drop runs in the safe order with exact arguments", "[privilege]") {
    FakeSys sys;
    REQUIRE_FALSE(privilege::drop(sys, plan()));
    CHECK(sys.call_names() == expected_order);
    CHECK(sys.calls[0] == "setgroups(988)");
    CHECK(sys.calls[1] == "setresgid(1000,1000,1000)");
    CHECK(sys.calls[4] == "setresuid(1000,1000,1000)");
    REQUIRE_FALSE(privilege::verify(sys, plan()));
}

TEST_CASE("every call of the drop failed in turn stops the drop there", "[privilege]") {
    for (std::size_t n = 1; n <= expected_order.size(); ++n) {
        INFO("failing call " << n << " (" << expected_order[n - 1] << ")");
        FakeSys sys;
        sys.fail_at(static_cast<int>(n), EPERM);
        auto err = privilege::drop(sys, plan());
        REQUIRE(err);
        CHECK(err->exit_code == exit_code::os_error);
        CHECK(err->sys_errno == EPERM);
        CHECK(sys.calls.size() == n);  // nothing after the failed call
    }
}

TEST_CASE("a drop stopped at any call never passes the proof, even if its error were ignored", "[privilege]") {
    // Defence in depth: run.cpp refuses on drop()'s error, and verify() must
    // refuse the half-dropped state on its own too, with or without no_new_privs
    // and with capabilities a launcher left in every set.
    for (const bool nnp : {true, false}) {
        for (const int err : {EPERM, EAGAIN, EINVAL}) {
            const std::size_t calls = nnp ? expected_order.size() : expected_order.size() - 1;
            for (std::size_t n = 1; n <= calls; ++n) {
                INFO("no_new_privs " << nnp << ", failing call " << n << " (" << expected_order[n - 1] << ") with "
                                     << err);
                FakeSys sys;
                sys.caps = {true, true, true, true, true};
                auto p = plan();
                p.no_new_privs = nnp;
                sys.fail_at(static_cast<int>(n), err);
                REQUIRE(privilege::drop(sys, p));
                auto proof = privilege::verify(sys, p);
                REQUIRE(proof);
                CHECK(proof->exit_code == exit_code::software);
            }
        }
    }
}

TEST_CASE("without no_new_privs the prctl is not made", "[privilege]") {
    FakeSys sys;
    auto p = plan();
    p.no_new_privs = false;
    REQUIRE_FALSE(privilege::drop(sys, p));
    CHECK(sys.call_names().back() == "caps_clear_all");
    REQUIRE_FALSE(privilege::verify(sys, p));
}

TEST_CASE("verification catches every way the kernel can differ from the plan", "[privilege]") {
    auto dropped = [] {
        FakeSys sys;
        REQUIRE_FALSE(privilege::drop(sys, plan()));
        sys.calls.clear();
        return sys;
    };
    SECTION("saved uid left at 0") {
        auto sys = dropped();
        sys.uids.saved = 0;
        auto e = privilege::verify(sys, plan());
        REQUIRE(e);
        CHECK(e->exit_code == exit_code::software);
        CHECK_THAT(e->message(), Catch::Contains("uids are 1000,1000,0"));
    }
    SECTION("gid differs") {
        auto sys = dropped();
        sys.gids.effective = 0;
        REQUIRE(privilege::verify(sys, plan()));
    }
    SECTION("extra group inherited") {
        auto sys = dropped();
        sys.groups = {0, 988};
        auto e = privilege::verify(sys, plan());
        REQUIRE(e);
        CHECK_THAT(e->message(), Catch::Contains("[0,988]"));
    }
    SECTION("group missing") {
        auto sys = dropped();
        sys.groups = {};
        REQUIRE(privilege::verify(sys, plan()));
    }
    SECTION("a capability set not empty") {
        for (int which = 0; which < 5; ++which) {
            auto sys = dropped();
            bool* sets[] = {&sys.caps.any_effective, &sys.caps.any_permitted, &sys.caps.any_inheritable,
                            &sys.caps.any_ambient, &sys.caps.any_bounding};
            *sets[which] = true;
            auto e = privilege::verify(sys, plan());
            REQUIRE(e);
            CHECK_THAT(e->message(), Catch::Contains("capabilities remain"));
        }
    }
    SECTION("no_new_privs not set") {
        auto sys = dropped();
        sys.nnp = false;
        REQUIRE(privilege::verify(sys, plan()));
    }
    SECTION("setuid(0) succeeds") {
        auto sys = dropped();
        sys.setuid_escapes = true;  // a kernel that would let uid 1000 become root again
        auto e = privilege::verify(sys, plan());
        REQUIRE(e);
        CHECK_THAT(e->message(), Catch::Contains("setuid(0) succeeded"));
    }
    SECTION("setgid(0) succeeds") {
        auto sys = dropped();
        sys.fail_on("setuid", EPERM);  // uid is final, but the gid could be regained
        sys.setuid_escapes = true;
        auto e = privilege::verify(sys, plan());
        REQUIRE(e);
        CHECK_THAT(e->message(), Catch::Contains("setgid(0) succeeded"));
    }
    SECTION("the read-back calls failing refuse too") {
        for (const char* name : {"getresuid", "getresgid", "getgroups", "caps_read", "get_no_new_privs", "setuid", "setgid"}) {
            auto sys = dropped();
            sys.fail_on(name, EIO);
            auto e = privilege::verify(sys, plan());
            INFO(name);
            REQUIRE(e);
            CHECK(e->exit_code == exit_code::software);
        }
    }
}

TEST_CASE("started non-root: capabilities are shed and the result proven", "[privilege]") {
    FakeSys sys;
    sys.uids = {1000, 1000, 1000};
    sys.caps = {false, false, true, true, true};  // inherited inheritable + ambient, full bounding
    REQUIRE_FALSE(privilege::shed_capabilities(sys, true));
    CHECK(sys.call_names() == std::vector<std::string>{"caps_clear_ambient", "caps_clear_all", "set_no_new_privs"});
    REQUIRE_FALSE(privilege::verify_shed(sys, true));
    for (int n = 1; n <= 3; ++n) {
        FakeSys failing;
        failing.fail_at(n, EPERM);
        auto e = privilege::shed_capabilities(failing, true);
        REQUIRE(e);
        CHECK(e->exit_code == exit_code::os_error);
    }
    FakeSys left;
    left.caps = {false, false, false, true, false};
    left.nnp = true;
    REQUIRE(privilege::verify_shed(left, true));
}

TEST_CASE("groups are normalized: sorted, unique", "[privilege]") {
    CHECK(privilege::normalize_groups({999, 988, 999, 5}) == std::vector<gid_t>{5, 988, 999});
    CHECK(privilege::format_groups({5, 988}) == "[5,988]");
    CHECK(privilege::format_groups({}) == "[]");
}

namespace {
privilege::DropPlan keep_plan(std::vector<int> keep) {
    auto p = plan();
    p.keep_caps = std::move(keep);
    return p;
}
const std::vector<std::string> keep_order = {
    "setgroups",          "setresgid",         "caps_drop_bounding_except", "caps_clear_ambient",
    "caps_keep_on_uid_change", "setresuid",    "caps_keep_on_uid_change",   "caps_raise_ambient",
    "set_no_new_privs",
};
}  // namespace

TEST_CASE("keep-cap: bounding reduced, permitted kept across the uid change, then exactly the kept set",
          "[privilege][keep-cap]") {
    FakeSys sys;
    const auto p = keep_plan({CAP_NET_BIND_SERVICE, CAP_NET_RAW});
    REQUIRE_FALSE(privilege::drop(sys, p));
    CHECK(sys.call_names() == keep_order);
    CHECK(sys.calls[2] == "caps_drop_bounding_except(10,13)");
    CHECK(sys.calls[4] == "caps_keep_on_uid_change(1)");
    CHECK(sys.calls[6] == "caps_keep_on_uid_change(0)");
    CHECK(sys.calls[7] == "caps_raise_ambient(10,13)");
    CHECK_FALSE(sys.keepcaps);
    const std::uint64_t want = (1U << CAP_NET_BIND_SERVICE) | (1U << CAP_NET_RAW);
    CHECK(sys.caps.effective == want);
    CHECK(sys.caps.permitted == want);
    CHECK(sys.caps.inheritable == want);
    CHECK(sys.caps.ambient == want);
    CHECK(sys.caps.bounding == want);
    REQUIRE_FALSE(privilege::verify(sys, p));
}

TEST_CASE("keep-cap: every call failed in turn stops the drop there, and the proof refuses the result",
          "[privilege][keep-cap]") {
    const auto p = keep_plan({CAP_NET_BIND_SERVICE});
    for (std::size_t n = 1; n <= keep_order.size(); ++n) {
        INFO("failing call " << n << " (" << keep_order[n - 1] << ")");
        FakeSys sys;
        sys.fail_at(static_cast<int>(n), EPERM);
        auto e = privilege::drop(sys, p);
        REQUIRE(e);
        CHECK(e->exit_code == exit_code::os_error);
        CHECK(sys.calls.size() == n);
        REQUIRE(privilege::verify(sys, p));  // half-dropped: never proven
    }
}

TEST_CASE("keep-cap: the proof wants exactly the kept capabilities in all five sets", "[privilege][keep-cap]") {
    const auto p = keep_plan({CAP_NET_BIND_SERVICE});
    const std::uint64_t want = 1U << CAP_NET_BIND_SERVICE;
    auto dropped = [&] {
        FakeSys sys;
        REQUIRE_FALSE(privilege::drop(sys, p));
        REQUIRE_FALSE(privilege::verify(sys, p));
        sys.calls.clear();
        return sys;
    };
    for (int which = 0; which < 5; ++which) {
        for (const std::uint64_t wrong : {std::uint64_t{0}, want | (1U << CAP_NET_RAW), std::uint64_t{1} << CAP_SYS_ADMIN}) {
            INFO("set " << which << " holds " << wrong);
            auto sys = dropped();
            std::uint64_t* sets[] = {&sys.caps.effective, &sys.caps.permitted, &sys.caps.inheritable, &sys.caps.ambient,
                                     &sys.caps.bounding};
            *sets[which] = wrong;
            auto e = privilege::verify(sys, p);
            REQUIRE(e);
            CHECK(e->exit_code == exit_code::software);
            CHECK_THAT(e->message(), Catch::Contains("expected exactly 0000000000000400 in every set"));
        }
    }
    auto sys = dropped();
    sys.setuid_escapes = true;
    REQUIRE(privilege::verify(sys, p));  // setuid(0) is still tried when SETUID is not kept
}

TEST_CASE("keep-cap: a forced SETUID is not put to the setuid(0) test (it would really become root)",
          "[privilege][keep-cap]") {
    FakeSys sys;
    const auto p = keep_plan({CAP_SETUID});
    REQUIRE_FALSE(privilege::drop(sys, p));
    sys.calls.clear();
    REQUIRE_FALSE(privilege::verify(sys, p));
    for (const auto& name : sys.call_names()) CHECK(name != "setuid");
}
