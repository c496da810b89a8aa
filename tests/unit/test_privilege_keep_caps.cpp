#include <catch2/catch.hpp>

#include <linux/capability.h>

#include <cstdint>

#include "app/exit_codes.hpp"
#include "privilege/keep_caps.hpp"

using namespace stepdown;

TEST_CASE("keep-cap names resolve in every spelling, sorted and unique", "[privilege][keep-cap]") {
    auto k = privilege::resolve_keep_caps({"NET_BIND_SERVICE", "cap_net_raw", "CAP_NET_BIND_SERVICE", "net_raw"}, false);
    REQUIRE(k);
    CHECK(k->caps == std::vector<int>{CAP_NET_BIND_SERVICE, CAP_NET_RAW});
    CHECK(k->warnings.size() == 1);  // NET_RAW's, once
    CHECK(privilege::cap_display_name(CAP_NET_BIND_SERVICE) == "CAP_NET_BIND_SERVICE");
    CHECK(privilege::resolve_keep_caps({}, false)->caps.empty());
}

TEST_CASE("keep-cap: unknown and empty names are usage errors", "[privilege][keep-cap]") {
    for (const char* bad : {"", "NET_BIND", "cap_", "42", "NET BIND SERVICE", "net_bind_service,net_raw"}) {
        INFO("'" << bad << "'");
        auto k = privilege::resolve_keep_caps({bad}, true);
        REQUIRE_FALSE(k);
        CHECK(k.error().exit_code == exit_code::usage);
        CHECK_THAT(k.error().message(), Catch::Contains("NET_BIND_SERVICE"));  // the message shows a good name
    }
}

TEST_CASE("keep-cap: capabilities that make the drop meaningless are refused unless forced", "[privilege][keep-cap]") {
    // Every capability off the allow-list, each with its own reason: the old
    // deny-list and the ones it let through (kexec, nf_tables, KASLR, the host
    // clock, audit, signals, IPC, CRIU, terminals, chroot + setuid).
    const int refused[] = {CAP_SETUID,        CAP_SETGID,         CAP_SETPCAP,        CAP_SETFCAP,
                           CAP_SYS_ADMIN,     CAP_SYS_PTRACE,     CAP_SYS_MODULE,     CAP_SYS_RAWIO,
                           CAP_DAC_OVERRIDE,  CAP_DAC_READ_SEARCH, CAP_CHOWN,         CAP_FOWNER,
                           CAP_FSETID,        CAP_MKNOD,          CAP_MAC_ADMIN,      CAP_MAC_OVERRIDE,
                           CAP_BPF,           CAP_SYS_BOOT,       CAP_NET_ADMIN,      CAP_PERFMON,
                           CAP_SYSLOG,        CAP_SYS_TIME,       CAP_AUDIT_CONTROL,  CAP_AUDIT_READ,
                           CAP_KILL,          CAP_IPC_OWNER,      CAP_CHECKPOINT_RESTORE, CAP_SYS_TTY_CONFIG,
                           CAP_SYS_CHROOT,    CAP_LINUX_IMMUTABLE, CAP_SYS_PACCT};
    for (int cap : refused) {
        const std::string name = privilege::cap_display_name(cap);
        INFO(name);
        REQUIRE(privilege::refusal_reason(cap) != nullptr);
        CHECK_THAT(privilege::refusal_reason(cap), !Catch::Contains("not on the list"));  // a specific reason
        auto k = privilege::resolve_keep_caps({"NET_BIND_SERVICE", name}, false);
        REQUIRE_FALSE(k);
        CHECK(k.error().exit_code == exit_code::refused);
        CHECK_THAT(k.error().message(), Catch::Contains("refusing to keep " + name + " for the app: "));
        CHECK_THAT(k.error().message(), Catch::Contains(privilege::refusal_reason(cap)));
        CHECK_THAT(k.error().message(), Catch::Contains("--force-keep-cap"));
        auto forced = privilege::resolve_keep_caps({name}, true);
        REQUIRE(forced);
        CHECK(forced->caps == std::vector<int>{cap});
        REQUIRE(forced->warnings.size() == 1);
        CHECK_THAT(forced->warnings[0], Catch::Contains("keeping " + name));
    }
    // The allow-list: what services legitimately need, kept without force.
    for (int cap : {CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_RAW, CAP_IPC_LOCK, CAP_LEASE, CAP_WAKE_ALARM,
                    CAP_BLOCK_SUSPEND, CAP_AUDIT_WRITE, CAP_SYS_NICE, CAP_SYS_RESOURCE}) {
        INFO(privilege::cap_display_name(cap));
        CHECK(privilege::refusal_reason(cap) == nullptr);
        auto k = privilege::resolve_keep_caps({privilege::cap_display_name(cap)}, false);
        REQUIRE(k);
        CHECK(k->caps == std::vector<int>{cap});
    }
}

TEST_CASE("keep-cap: an allow-list, so every other number is refused, with a generic reason", "[privilege][keep-cap]") {
    // All 64 numbers: exactly the ten allowed ones pass; a capability of a
    // future kernel (41..63) is refused by default, not let through.
    int allowed = 0;
    for (int cap = 0; cap < 64; ++cap) {
        INFO(cap);
        if (privilege::refusal_reason(cap) == nullptr) ++allowed;
    }
    CHECK(allowed == 10);
    for (int cap : {41, 50, 63}) {
        INFO(cap);
        REQUIRE(privilege::refusal_reason(cap) != nullptr);
        CHECK_THAT(privilege::refusal_reason(cap),
                   Catch::Contains("not on the list of capabilities that leave the drop meaningful"));
    }
    CHECK(privilege::cap_display_name(41) == "CAP_41");
}

TEST_CASE("keep-cap: NET_RAW is kept, with a warning about raw packets", "[privilege][keep-cap]") {
    auto k = privilege::resolve_keep_caps({"NET_RAW"}, false);
    REQUIRE(k);
    CHECK(k->caps == std::vector<int>{CAP_NET_RAW});
    REQUIRE(k->warnings.size() == 1);
    CHECK_THAT(k->warnings[0], Catch::Contains("keeping CAP_NET_RAW for the app"));
    CHECK_THAT(k->warnings[0], Catch::Contains("raw packets"));
    CHECK_THAT(k->warnings[0], Catch::Contains("spoof"));
    CHECK_THAT(k->warnings[0], Catch::Contains("read every packet"));
    auto quiet = privilege::resolve_keep_caps({"NET_BIND_SERVICE", "IPC_LOCK", "AUDIT_WRITE"}, false);
    REQUIRE(quiet);
    CHECK(quiet->warnings.empty());
    // Allowed, but they reach other processes or files: each says how.
    for (const char* name : {"LEASE", "SYS_NICE", "SYS_RESOURCE"}) {
        auto warned = privilege::resolve_keep_caps({name}, false);
        REQUIRE(warned);
        REQUIRE(warned->warnings.size() == 1);
        CHECK_THAT(warned->warnings[0], Catch::Contains(std::string("keeping CAP_") + name + " for the app: "));
    }
    const auto nice = privilege::resolve_keep_caps({"SYS_NICE"}, false);
    CHECK_THAT(nice->warnings[0], Catch::Contains("root's included"));
}

TEST_CASE("keep-cap: capabilities missing from the bounding or permitted set are found and refused with the fix",
          "[privilege][keep-cap]") {
    const std::uint64_t all = ~std::uint64_t{0};
    const std::uint64_t no_nbs = all & ~(std::uint64_t{1} << CAP_NET_BIND_SERVICE);
    const std::vector<int> keep{CAP_NET_BIND_SERVICE, CAP_NET_RAW};
    CHECK(privilege::unavailable_caps(keep, all, all).empty());
    CHECK(privilege::unavailable_caps(keep, no_nbs, all) == std::vector<int>{CAP_NET_BIND_SERVICE});
    CHECK(privilege::unavailable_caps(keep, all, no_nbs) == std::vector<int>{CAP_NET_BIND_SERVICE});
    CHECK(privilege::unavailable_caps(keep, 0, 0) == keep);

    const Error e = privilege::unavailable_error({CAP_NET_BIND_SERVICE}, no_nbs);
    CHECK(e.exit_code == exit_code::refused);
    CHECK_THAT(e.message(), Catch::Contains("cannot keep CAP_NET_BIND_SERVICE for the app"));
    CHECK_THAT(e.message(), Catch::Contains("bounding set"));
    CHECK_THAT(e.message(), Catch::Contains("docker run --cap-add NET_BIND_SERVICE"));
    CHECK_THAT(e.message(), Catch::Contains("compose cap_add: [NET_BIND_SERVICE]"));
    CHECK_THAT(e.message(), Catch::Contains("securityContext.capabilities.add: [NET_BIND_SERVICE]"));
    const Error permitted = privilege::unavailable_error({CAP_NET_BIND_SERVICE}, all);
    CHECK_THAT(permitted.message(), Catch::Contains("permitted set"));
    const Error two = privilege::unavailable_error(keep, 0);
    CHECK_THAT(two.message(), Catch::Contains("docker run --cap-add NET_BIND_SERVICE --cap-add NET_RAW"));
}
