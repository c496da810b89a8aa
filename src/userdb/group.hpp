// /etc/group (and /etc/gshadow), parsed losslessly: every line keeps its raw
// bytes, so serialize() of an unedited file is byte-identical to the input,
// including comments, blank lines, '+'/'-' NIS lines, malformed lines, CRLF,
// NUL bytes and a missing final newline.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stepdown::userdb {

// One /etc/group entry: "name:password:gid:member,member".
struct GroupEntry {
    std::string name;
    std::string password;
    gid_t gid = 0;
    std::vector<std::string> members;
};

struct GroupLine {
    std::string raw;                   // the line without its '\n'
    std::optional<GroupEntry> entry;   // set only for well-formed entries
};

struct GroupFile {
    std::vector<GroupLine> lines;
    bool final_newline = true;  // false when the last line had no '\n'

    [[nodiscard]] const GroupEntry* by_name(std::string_view name) const;  // first wins
    [[nodiscard]] const GroupEntry* by_gid(gid_t gid) const;               // first wins
    [[nodiscard]] std::size_t malformed_lines() const;
    [[nodiscard]] std::string serialize() const;
};

// Well-formed: exactly 4 fields, non-empty name, strictly parsed gid, no NUL,
// no CR, not starting with '+', '-' or '#'.
GroupFile parse_group(std::string_view content);
std::string format_group_entry(const GroupEntry& entry);

// /etc/gshadow entry: "name:password:admins:members". Same lossless rules.
struct GshadowEntry {
    std::string name;
    std::string password;
    std::vector<std::string> admins;
    std::vector<std::string> members;
};
struct GshadowLine {
    std::string raw;
    std::optional<GshadowEntry> entry;
};
struct GshadowFile {
    std::vector<GshadowLine> lines;
    bool final_newline = true;

    [[nodiscard]] const GshadowEntry* by_name(std::string_view name) const;
    [[nodiscard]] std::string serialize() const;
};
GshadowFile parse_gshadow(std::string_view content);
std::string format_gshadow_entry(const GshadowEntry& entry);

}  // namespace stepdown::userdb
