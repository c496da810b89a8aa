// The user namespace stepdown runs in, from /proc/self/uid_map and gid_map,
// and what it means for a socket: rootless Podman maps the container's uid 0
// to the unprivileged user who runs it, so that user's own API socket (host
// 1001:1001 0600, or 0660 as podman.socket makes it) shows as 0:0 here.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "socket/socket.hpp"

namespace stepdown::socket {

// One line of a uid_map or gid_map: ids [inside, inside+count) here are
// [outside, outside+count) in the parent namespace.
struct IdMapEntry {
    std::uint32_t inside = 0;
    std::uint32_t outside = 0;
    std::uint32_t count = 0;
};

// "0 1000 1\n1 100000 65536\n" -> entries; nullopt when a line is malformed.
std::optional<std::vector<IdMapEntry>> parse_id_map(std::string_view text);

// A small file under /proc (at most 64 kB); nullopt when unreadable.
std::optional<std::string> read_proc_file(const char* path);

// /proc/self/uid_map or gid_map; nullopt when unreadable or malformed.
std::optional<std::vector<IdMapEntry>> read_id_map(const char* path);

// Whether a map is "0 0 4294967295", the initial user namespace's. An
// unreadable map counts as not (a socket of the overflow GID is then taken
// to be unmapped, as before user namespaces were told apart).
bool is_identity_map(const std::vector<IdMapEntry>& map);

// The parent namespace's id for `inside`; nullopt when it is not mapped.
std::optional<std::uint32_t> outside_id(const std::vector<IdMapEntry>& map, std::uint32_t inside);

// When a socket no group can open belongs to this namespace's root and that
// root is an unprivileged user outside (rootless Podman or Docker), the
// decision says so with the host ids, and the fix becomes Podman's keep-id,
// which makes the app's uid the socket owner's. Other decisions are left as
// they are.
void explain_rootless(Decision& d, const Identity& app, const std::vector<IdMapEntry>& uid_map,
                      const std::vector<IdMapEntry>& gid_map);

}  // namespace stepdown::socket
