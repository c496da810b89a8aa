// Internal helpers shared by the /etc/passwd, /etc/group and /etc/gshadow
// parsers: splitting a file into lines and a line into ':' fields without
// losing a byte. Not part of the module's public interface.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stepdown::userdb::detail {

struct SplitLines {
    std::vector<std::string_view> lines;  // without their '\n'
    bool final_newline = true;            // false when the last line had no '\n'
};

// "" has no lines; "a\nb" is two lines, the last without '\n'; "a\n" is one line.
inline SplitLines split_lines(std::string_view content) {
    SplitLines out;
    std::size_t start = 0;
    while (start < content.size()) {
        const std::size_t nl = content.find('\n', start);
        if (nl == std::string_view::npos) {
            out.lines.push_back(content.substr(start));
            out.final_newline = false;
            break;
        }
        out.lines.push_back(content.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

// Joins raw lines back: each line followed by '\n', except the last one when
// the file had no final newline.
template <typename Line>
std::string join_lines(const std::vector<Line>& lines, bool final_newline) {
    std::size_t size = 0;
    for (const auto& line : lines) size += line.raw.size() + 1;
    std::string out;
    out.reserve(size);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += lines[i].raw;
        if (i + 1 < lines.size() || final_newline) out += '\n';
    }
    return out;
}

// The ':' separated fields of a line, all of them (an empty line has one empty field).
inline std::vector<std::string_view> split_fields(std::string_view line, char sep = ':') {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
        const std::size_t pos = line.find(sep, start);
        if (pos == std::string_view::npos) {
            fields.push_back(line.substr(start));
            return fields;
        }
        fields.push_back(line.substr(start, pos - start));
        start = pos + 1;
    }
}

// The same split without allocating (every start parses /etc/passwd and
// /etc/group; a vector per line was a fifth of its instructions, issue 6):
// the first N fields go to out, and the result is the number of fields the
// line has, which may be more than N.
template <std::size_t N>
std::size_t split_fields_into(std::string_view line, std::array<std::string_view, N>& out, char sep = ':') {
    std::size_t count = 0;
    std::size_t start = 0;
    while (true) {
        const std::size_t pos = line.find(sep, start);
        const std::string_view field = line.substr(start, pos == std::string_view::npos ? pos : pos - start);
        if (count < N) out[count] = field;
        ++count;
        if (pos == std::string_view::npos) return count;
        start = pos + 1;
    }
}

// A comma-separated name list; empty items ("a,,b", "a,") are skipped, as
// glibc's files backend does.
inline std::vector<std::string> split_list(std::string_view field) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t pos = field.find(',', start);
        const std::string_view item = field.substr(start, pos == std::string_view::npos ? pos : pos - start);
        if (!item.empty()) out.emplace_back(item);
        if (pos == std::string_view::npos) return out;
        start = pos + 1;
    }
}

inline std::string join_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ',';
        out += item;
    }
    return out;
}

// Lines that are not entries but not errors either: blank lines, comments and
// '+'/'-' NIS compat lines.
inline bool is_blank_comment_or_nis(std::string_view line) {
    return line.empty() || line.front() == '#' || line.front() == '+' || line.front() == '-';
}

// Bytes no well-formed line contains: NUL, and CR (a CRLF file is not parsed
// as if the CR were not there: glibc would keep it in the last field).
inline bool has_forbidden_byte(std::string_view line) {
    return line.find('\0') != std::string_view::npos || line.find('\r') != std::string_view::npos;
}

}  // namespace stepdown::userdb::detail
