#include "log/log.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <string>

#include "log/format.hpp"
#include "log/json.hpp"

namespace stepdown::log {
namespace {

// What setup() chose; before it, warnings and errors, as text.
struct Settings {
    Level threshold = Level::Warn;
    Format format = Format::Text;
    // stderr is a pipe whose reader is gone (EPIPE) or a file at the size
    // limit (EFBIG): every later line would fail the same way, and each
    // attempt raises SIGPIPE or SIGXFSZ again, so logging stops, silently.
    bool broken = false;
};

Settings& settings() {
    static Settings current;
    return current;
}

std::string_view level_name(Level level) {
    switch (level) {
        case Level::Trace: return "trace";
        case Level::Debug: return "debug";
        case Level::Info: return "info";
        case Level::Warn: return "warning";
        case Level::Err: return "error";
        case Level::Off: break;
    }
    return "off";
}

void append(fmt::memory_buffer& out, std::string_view text) { out.append(text.data(), text.data() + text.size()); }

// A text line stays one line whatever a value holds: control bytes
// (a newline in STEPDOWN_USER, an escape sequence in a group name) print
// as \xNN, so no value can forge a log line or drive the terminal.
void append_text_escaped(fmt::memory_buffer& out, std::string_view message) {
    for (const char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            fmt::format_to(std::back_inserter(out), "\\x{:02x}", byte);
        } else {
            out.push_back(c);
        }
    }
}

void append_line(fmt::memory_buffer& out, Format format, Level level, std::string_view message) {
    if (format == Format::Text) {
        fmt::format_to(std::back_inserter(out), "stepdown: {}: ", level_name(level));
        append_text_escaped(out, message);
        out.push_back('\n');
        return;
    }
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    std::tm tm{};
    ::localtime_r(&now.tv_sec, &tm);
    long offset = tm.tm_gmtoff / 60;  // minutes east of UTC
    const char sign = offset < 0 ? '-' : '+';
    if (offset < 0) offset = -offset;
    // Every field but the message is ASCII we control: the time, the level
    // names, the constant program name and the pid.
    fmt::format_to(std::back_inserter(out),
                   R"({{"time":"{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}{:02}:{:02}","level":"{}","program":"stepdown","pid":{},"msg":")",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   now.tv_nsec / 1000000, sign, offset / 60, offset % 60, level_name(level), ::getpid());
    std::string escaped;
    escaped.reserve(message.size() + 16);
    append_json_escaped(escaped, message);
    append(out, escaped);
    append(out, "\"}\n");
}

void write_all(const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(STDERR_FILENO, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EPIPE || errno == EFBIG)) settings().broken = true;
        if (n <= 0) return;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

}  // namespace

std::string format_line(Format format, Level level, std::string_view message) {
    fmt::memory_buffer out;
    append_line(out, format, level, message);
    return fmt::to_string(out);
}

bool enabled(Level level) { return level != Level::Off && level >= settings().threshold && !settings().broken; }

void vlog(Level level, fmt::string_view format, fmt::format_args args) noexcept {
    if (settings().broken) return;
    const int saved_errno = errno;
    try {
        fmt::memory_buffer message;
        fmt::vformat_to(std::back_inserter(message), format, args);
        fmt::memory_buffer line;
        append_line(line, settings().format, level, std::string_view(message.data(), message.size()));
        write_all(line.data(), line.size());
    } catch (...) {
        // Out of memory or a formatting bug: the line is lost, PID 1 goes on.
    }
    errno = saved_errno;
}

void setup(int verbosity, Format format) {
    Settings& s = settings();
    s.format = format;
    if (verbosity < 0) s.threshold = Level::Off;
    else if (verbosity == 0) s.threshold = Level::Warn;
    else if (verbosity == 1) s.threshold = Level::Info;
    else if (verbosity == 2) s.threshold = Level::Debug;
    else s.threshold = Level::Trace;
}

int verbosity_from_level(std::string_view level) {
    if (level == "trace") return 3;
    if (level == "debug") return 2;
    if (level == "info") return 1;
    if (level == "warn" || level == "warning") return 0;
    if (level == "error") return 0;
    if (level == "off") return -1;
    return -2;
}

}  // namespace stepdown::log
