// Who is running stepdown --check right now, as the kernel says: ids,
// groups, capability sets, NoNewPrivs, PID 1, and the user namespace with
// its uid/gid maps (from /proc/self). Read-only; nothing here changes state.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privilege/caps.hpp"
#include "socket/userns.hpp"
#include "sys/sys.hpp"

namespace stepdown::check {

using socket::IdMapEntry;

struct UserNamespace {
    bool readable = false;            // /proc/self/uid_map and gid_map were read
    bool nested = false;              // not the initial namespace: the maps are not the identity
    std::vector<IdMapEntry> uid_map;
    std::vector<IdMapEntry> gid_map;
    std::string setgroups;            // /proc/self/setgroups: "allow", "deny" or "" (unreadable)
};

using socket::parse_id_map;  // "0 1000 1\n1 100000 65536\n" -> entries

using socket::is_identity_map;  // the initial namespace's map: one line "0 0 4294967295"

// "0 0 4294967295" or "0 1000 1, 1 100000 65536".
std::string format_id_map(const std::vector<IdMapEntry>& map);

struct CurrentIdentity {
    sys::Ids uid;
    sys::Ids gid;
    std::vector<gid_t> groups;         // sorted
    caps::Sets caps;
    int caps_errno = 0;                // reading the sets failed (no /proc)
    int no_new_privs = -1;             // -1 unknown
    pid_t pid = 0;
    UserNamespace userns;
};

CurrentIdentity read_current();

// Capability names as libcap-ng spells them ("chown", "net_bind_service";
// "cap_N" for a number it does not know).
std::string cap_name(int cap);
std::vector<std::string> cap_names(const std::vector<int>& caps);

}  // namespace stepdown::check
