#include "userdb/group.hpp"

#include <array>

#include "base/numbers.hpp"
#include "userdb/lines.hpp"

namespace stepdown::userdb {

namespace {

constexpr std::size_t group_fields = 4;
constexpr std::size_t gshadow_fields = 4;
using EntryFields = std::array<std::string_view, 4>;
static_assert(group_fields == EntryFields{}.size() && gshadow_fields == EntryFields{}.size());

// The fields of a line that may be an entry, or nothing when the line is a
// comment, blank, NIS, has a NUL or CR, the wrong field count or no name.
std::optional<EntryFields> entry_fields(std::string_view line, std::size_t count) {
    if (detail::is_blank_comment_or_nis(line) || detail::has_forbidden_byte(line)) return std::nullopt;
    EntryFields fields;
    if (detail::split_fields_into(line, fields) != count || fields[0].empty()) return std::nullopt;
    return fields;
}

std::optional<GroupEntry> parse_group_entry(std::string_view line) {
    const auto fields = entry_fields(line, group_fields);
    if (!fields) return std::nullopt;
    const auto gid = parse_id((*fields)[2]);
    if (!gid) return std::nullopt;
    return GroupEntry{std::string((*fields)[0]), std::string((*fields)[1]), *gid,
                      detail::split_list((*fields)[3])};
}

std::optional<GshadowEntry> parse_gshadow_entry(std::string_view line) {
    const auto fields = entry_fields(line, gshadow_fields);
    if (!fields) return std::nullopt;
    return GshadowEntry{std::string((*fields)[0]), std::string((*fields)[1]),
                        detail::split_list((*fields)[2]), detail::split_list((*fields)[3])};
}

// Every line kept as it was read, with its entry when it is one (lossless).
template <typename File, typename ParseEntry>
File parse_file(std::string_view content, ParseEntry parse_entry) {
    auto split = detail::split_lines(content);
    File file;
    file.final_newline = split.final_newline;
    file.lines.reserve(split.lines.size());
    for (std::string_view line : split.lines) file.lines.push_back({std::string(line), parse_entry(line)});
    return file;
}

}  // namespace

const GroupEntry* GroupFile::by_name(std::string_view name) const {
    for (const auto& line : lines) {
        if (line.entry && line.entry->name == name) return &*line.entry;
    }
    return nullptr;
}

const GroupEntry* GroupFile::by_gid(gid_t gid) const {
    for (const auto& line : lines) {
        if (line.entry && line.entry->gid == gid) return &*line.entry;
    }
    return nullptr;
}

std::size_t GroupFile::malformed_lines() const {
    std::size_t count = 0;
    for (const auto& line : lines) {
        if (!line.entry && !detail::is_blank_comment_or_nis(line.raw)) ++count;
    }
    return count;
}

std::string GroupFile::serialize() const { return detail::join_lines(lines, final_newline); }

GroupFile parse_group(std::string_view content) { return parse_file<GroupFile>(content, parse_group_entry); }

std::string format_group_entry(const GroupEntry& entry) {
    return entry.name + ':' + entry.password + ':' + std::to_string(entry.gid) + ':' +
           detail::join_list(entry.members);
}

const GshadowEntry* GshadowFile::by_name(std::string_view name) const {
    for (const auto& line : lines) {
        if (line.entry && line.entry->name == name) return &*line.entry;
    }
    return nullptr;
}

std::string GshadowFile::serialize() const { return detail::join_lines(lines, final_newline); }

GshadowFile parse_gshadow(std::string_view content) { return parse_file<GshadowFile>(content, parse_gshadow_entry); }

std::string format_gshadow_entry(const GshadowEntry& entry) {
    return entry.name + ':' + entry.password + ':' + detail::join_list(entry.admins) + ':' +
           detail::join_list(entry.members);
}

}  // namespace stepdown::userdb
