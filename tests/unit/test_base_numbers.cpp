#include <catch2/catch.hpp>

#include "base/numbers.hpp"

using stepdown::parse_id;
using stepdown::parse_unsigned;

TEST_CASE("parse_id accepts plain decimal ids in range", "[numbers]") {
    CHECK(parse_id("0") == 0U);
    CHECK(parse_id("1000") == 1000U);
    CHECK(parse_id("0001000") == 1000U);
    CHECK(parse_id("4294967294") == 4294967294U);
}

TEST_CASE("parse_id refuses signs, blanks, junk and wrap-around", "[numbers]") {
    for (const char* bad : {"", " 1000", "1000 ", "-1", "+1000", "1e3", "1000.0", "0x10", "bogus", "0day",
                            "4294967295", "4294967296", "4294968296", "18446744073709551616",
                            "99999999999999999999999"}) {
        INFO("input: '" << bad << "'");
        CHECK_FALSE(parse_id(bad).has_value());
    }
}

TEST_CASE("parse_unsigned honours its maximum exactly", "[numbers]") {
    CHECK(parse_unsigned("255", 255) == 255U);
    CHECK_FALSE(parse_unsigned("256", 255).has_value());
    CHECK(parse_unsigned("5", 5) == 5U);
    CHECK_FALSE(parse_unsigned("7", 5).has_value());
    CHECK(parse_unsigned("18446744073709551615", UINT64_MAX) == UINT64_MAX);
    CHECK_FALSE(parse_unsigned("18446744073709551616", UINT64_MAX).has_value());
}
