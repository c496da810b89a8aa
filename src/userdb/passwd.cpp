#include "userdb/passwd.hpp"

#include <array>

#include "base/numbers.hpp"
#include "userdb/lines.hpp"

namespace stepdown::userdb {

namespace {

constexpr std::size_t passwd_fields = 7;

}  // namespace

const PasswdEntry* PasswdDb::by_name(std::string_view name) const {
    for (const auto& entry : entries) {
        if (entry.name == name) return &entry;
    }
    return nullptr;
}

const PasswdEntry* PasswdDb::by_uid(uid_t uid) const {
    for (const auto& entry : entries) {
        if (entry.uid == uid) return &entry;
    }
    return nullptr;
}

PasswdDb parse_passwd(std::string_view content) {
    PasswdDb db;
    for (std::string_view line : detail::split_lines(content).lines) {
        if (detail::is_blank_comment_or_nis(line)) continue;
        std::array<std::string_view, passwd_fields> fields;
        const bool shape_ok = detail::split_fields_into(line, fields) == passwd_fields && !fields[0].empty() &&
                              !detail::has_forbidden_byte(line);
        const auto uid = shape_ok ? parse_id(fields[2]) : std::nullopt;
        const auto gid = shape_ok ? parse_id(fields[3]) : std::nullopt;
        if (!uid || !gid) {
            ++db.malformed_lines;
            continue;
        }
        db.entries.push_back(PasswdEntry{std::string(fields[0]), *uid, *gid, std::string(fields[5])});
    }
    return db;
}

}  // namespace stepdown::userdb
