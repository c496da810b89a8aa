// /etc/passwd, parsed by stepdown itself (no NSS). Read-only: stepdown never
// writes /etc/passwd. Malformed lines are counted and ignored for lookups.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stepdown::userdb {

struct PasswdEntry {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
};

struct PasswdDb {
    std::vector<PasswdEntry> entries;  // in file order; duplicates kept, first wins
    std::size_t malformed_lines = 0;

    [[nodiscard]] const PasswdEntry* by_name(std::string_view name) const;
    [[nodiscard]] const PasswdEntry* by_uid(uid_t uid) const;
};

// Lines are "name:passwd:uid:gid:gecos:home:shell". A line is well-formed when
// it has exactly 7 fields, a non-empty name, strictly parsed numeric ids, no
// NUL and no CR. '+'/'-' NIS lines and comments are not entries.
PasswdDb parse_passwd(std::string_view content);

}  // namespace stepdown::userdb
