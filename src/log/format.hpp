// The two line formats of stepdown's log (STEPDOWN_LOG_FORMAT), byte for byte
// what the spdlog patterns that first defined them printed:
//   text: "stepdown: LEVEL: message"
//   json: one object per line, keys in this order and stable for log pipelines:
//         {"time":"2024-05-01T12:00:00.123+00:00","level":"warning",
//          "program":"stepdown","pid":7,"msg":"..."}
//         The time is local (localtime_r), milliseconds, offset as +hh:mm.
//         The message is JSON-escaped (log/json.hpp), so any byte in a user
//         value (a path with '"', a newline, invalid UTF-8) keeps the line valid.
// Exposed so the unit tests format through exactly what the logger writes.
#pragma once

#include <string>
#include <string_view>

#include "log/log.hpp"

namespace stepdown::log {

// One whole line, "\n" included.
std::string format_line(Format format, Level level, std::string_view message);

}  // namespace stepdown::log
