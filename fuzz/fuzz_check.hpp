// Shared helpers of the libFuzzer targets: an invariant check that aborts
// (libFuzzer then saves the input as a crash), and the input splitting the
// seed corpora in fuzz/corpus/ are written for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

// Not assert(): the checks must hold in every build type, and the message says
// which invariant broke before libFuzzer prints the reproducer. A macro, since
// it prints the condition's text (std::source_location needs clang 15).
// NOLINTNEXTLINE(cppcoreguidelines-macro-usage)
#define FUZZ_CHECK(cond)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                        \
        }                                                                                        \
    } while (0)

namespace stepdown::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libFuzzer hands out bytes
    return {reinterpret_cast<const char*>(data), size};
}

// Splits text at most max_parts-1 times at sep; the last part keeps the rest,
// separators included. Missing parts are empty.
inline std::vector<std::string_view> split_sections(std::string_view text, std::string_view sep,
                                                    std::size_t max_parts) {
    std::vector<std::string_view> parts;
    while (parts.size() + 1 < max_parts) {
        const auto pos = text.find(sep);
        if (pos == std::string_view::npos) break;
        parts.push_back(text.substr(0, pos));
        text.remove_prefix(pos + sep.size());
    }
    parts.push_back(text);
    while (parts.size() < max_parts) parts.emplace_back();
    return parts;
}

// The separator between the sections of a multi-part input (see each target).
inline constexpr std::string_view section = "\n%%\n";

}  // namespace stepdown::fuzz
