#include "base/numbers.hpp"

namespace stepdown {

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text, std::uint64_t max) {
    if (!all_digits(text)) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (digit > max || value > (max - digit) / 10) return std::nullopt;  // value*10+digit > max
        value = value * 10 + digit;
    }
    return value;
}

std::optional<uint32_t> parse_id(std::string_view text) {
    auto v = parse_unsigned(text, max_id);
    if (!v) return std::nullopt;
    return static_cast<uint32_t>(*v);
}

}  // namespace stepdown
