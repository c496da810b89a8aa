// JSON string escaping, shared by the JSON log lines (log.cpp) and
// stepdown --check --json (src/check/json.cpp).
//
// Everything that is not printable ASCII or valid UTF-8 is escaped, so the
// output is valid JSON whatever bytes a message carries (paths, /etc lines,
// a server's response): '"' and '\' are escaped, control characters become
// \n, \t, ... or \u00XX, U+2028/U+2029 become \u2028/\u2029 (JavaScript
// consumers), and each byte of an invalid UTF-8 sequence becomes U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace stepdown::log {

// Appends the escaped characters of text, without the surrounding quotes.
void append_json_escaped(std::string& out, std::string_view text);

// "\"" + escaped + "\"".
std::string json_quote(std::string_view text);

}  // namespace stepdown::log
