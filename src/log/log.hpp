// Logging: our own ~100 lines on fmt, single-threaded, stderr only (stdout
// belongs to the app). It replaced spdlog (issue 6: ~85 kB of the static
// binary, a heap-allocated logger, sink and formatter, and its teardown at
// exit), keeping its two line formats byte for byte (log/format.hpp).
// Quiet by default: a healthy start prints nothing. Everyone logs with the
// free functions (log::warn(...)); setup() chooses the level and format.
// Message grammar: lowercase, the operation, user values in single quotes,
// then the system error; non-fatal problems say what happens next.
#pragma once

#include <fmt/core.h>

#include <string_view>
#include <type_traits>

namespace stepdown::log {

enum class Format { Text, Json };

// spdlog's levels and names: trace, debug, info, warning, error.
enum class Level { Trace, Debug, Info, Warn, Err, Off };

// verbosity: 0 = warnings and errors, 1 = info, 2 = debug, 3+ = trace.
void setup(int verbosity, Format format);

// Parses STEPDOWN_LOG_LEVEL values: trace, debug, info, warn, error, off.
// Returns the equivalent verbosity (-1 for off), or -2 for an unknown word.
int verbosity_from_level(std::string_view level);

bool enabled(Level level);
// Formats and writes one line with a single write(2); never throws (PID 1
// must not die of a log line), errors on stderr are ignored.
void vlog(Level level, fmt::string_view format, fmt::format_args args) noexcept;

// fmt is built without floating-point support (CMakeLists.txt: ~25 kB):
// a float argument would print nothing, so it is refused at compile time.
template <typename... Args>
inline constexpr bool no_floats = (!std::is_floating_point_v<std::remove_cvref_t<Args>> && ...);

template <typename... Args>
void trace(fmt::format_string<Args...> format, Args&&... args) {
    static_assert(no_floats<Args...>, "log: no floating-point arguments (fmt is built without them)");
    if (enabled(Level::Trace)) vlog(Level::Trace, format, fmt::make_format_args(args...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
    static_assert(no_floats<Args...>, "log: no floating-point arguments (fmt is built without them)");
    if (enabled(Level::Debug)) vlog(Level::Debug, format, fmt::make_format_args(args...));
}
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
    static_assert(no_floats<Args...>, "log: no floating-point arguments (fmt is built without them)");
    if (enabled(Level::Info)) vlog(Level::Info, format, fmt::make_format_args(args...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
    static_assert(no_floats<Args...>, "log: no floating-point arguments (fmt is built without them)");
    if (enabled(Level::Warn)) vlog(Level::Warn, format, fmt::make_format_args(args...));
}
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
    static_assert(no_floats<Args...>, "log: no floating-point arguments (fmt is built without them)");
    if (enabled(Level::Err)) vlog(Level::Err, format, fmt::make_format_args(args...));
}

}  // namespace stepdown::log
