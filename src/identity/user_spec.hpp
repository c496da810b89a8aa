// --user SPEC and --groups LIST, resolved to numbers from the parsed
// /etc/passwd and /etc/group (never NSS).
//
// SPEC forms: name, uid, name:group, uid:gid, name:gid, uid:group.
// All-digit tokens are numbers (0..4294967294, strict); anything else is a
// name. A uid with no passwd entry and no explicit group is refused: the
// primary group never silently becomes 0 (gosu and su-exec do that).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "userdb/group.hpp"
#include "userdb/passwd.hpp"

namespace stepdown::identity {

struct Target {
    uid_t uid = 0;
    gid_t gid = 0;
    std::optional<std::string> name;  // passwd name for the uid, if it has an entry
    std::optional<std::string> home;  // passwd home for the uid, if it has an entry
};

Result<Target> resolve_user(std::string_view spec, const userdb::PasswdDb& passwd,
                            const userdb::GroupFile& group);

// "988,video,44" -> gids. Empty list -> empty vector.
Result<std::vector<gid_t>> resolve_groups(std::string_view list, const userdb::GroupFile& group);

}  // namespace stepdown::identity
