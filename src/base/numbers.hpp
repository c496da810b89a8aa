// Strict number parsing (gosu and systemd style, never atoi/strtol unchecked):
// ASCII digits only, no sign, no spaces, no empty string, range-checked with no
// wrap-around ("4294968296" is an error, never 1000).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace stepdown {

// Any unsigned value in [0, max].
std::optional<std::uint64_t> parse_unsigned(std::string_view text, std::uint64_t max);

// A uid or gid: 0 .. 4294967294. (uid_t)-1 is reserved by the kernel ("no change").
inline constexpr std::uint64_t max_id = 4294967294ULL;
std::optional<uint32_t> parse_id(std::string_view text);

// True when text is non-empty and only ASCII digits (used to tell numbers from names).
bool all_digits(std::string_view text);

}  // namespace stepdown
