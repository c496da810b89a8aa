// src/check/current.cpp: the user-namespace maps from /proc/self.
#include <catch2/catch.hpp>

#include "check/current.hpp"

using namespace stepdown;

TEST_CASE("check uid_map parsing: the kernel's layout, strictly", "[check][userns]") {
    auto identity = check::parse_id_map("         0          0 4294967295\n");
    REQUIRE(identity);
    CHECK(check::is_identity_map(*identity));
    CHECK(check::format_id_map(*identity) == "0 0 4294967295");

    auto rootless = check::parse_id_map("         0       1000          1\n         1     100000      65536\n");
    REQUIRE(rootless);
    REQUIRE(rootless->size() == 2);
    CHECK_FALSE(check::is_identity_map(*rootless));
    CHECK((*rootless)[1].outside == 100000);
    CHECK((*rootless)[1].count == 65536);
    CHECK(check::format_id_map(*rootless) == "0 1000 1, 1 100000 65536");

    auto empty = check::parse_id_map("");
    REQUIRE(empty);
    CHECK(check::format_id_map(*empty) == "(empty)");

    CHECK_FALSE(check::parse_id_map("0 0\n"));
    CHECK_FALSE(check::parse_id_map("0 0 1 2\n"));
    CHECK_FALSE(check::parse_id_map("0 -1 1\n"));
    CHECK_FALSE(check::parse_id_map("0 0 4294967296\n"));
}

TEST_CASE("check capability names: libcap-ng's spelling, cap_N when unknown", "[check][caps]") {
    CHECK(check::cap_name(0) == "chown");
    CHECK(check::cap_name(21) == "sys_admin");
    CHECK(check::cap_name(63) == "cap_63");
}
