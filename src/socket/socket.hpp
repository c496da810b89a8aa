// Which sockets stepdown looks at, what they are, and what to do about each:
// the socket decision table (README "Decision table"). decide() is a pure
// function of plain data; inspect() is the only part that touches the system.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "socket/acl.hpp"

namespace stepdown::socket {

enum class Origin { Flag, Env, DockerHost, Default, ContainerHost };
// "--socket", "STEPDOWN_SOCKET", "DOCKER_HOST", "default", "CONTAINER_HOST"
const char* origin_name(Origin o);

struct SocketRef {
    std::string path;
    Origin origin = Origin::Default;
};

inline constexpr const char* default_socket = "/var/run/docker.sock";
// Rootful Podman's API socket (podman.socket), tried when Docker's is absent.
inline constexpr const char* podman_socket = "/run/podman/podman.sock";

// Where to look, in order: --socket flags; else STEPDOWN_SOCKET (colon-separated);
// else DOCKER_HOST when it is unix://PATH, else Podman's CONTAINER_HOST read the
// same way; else the default. A host with another scheme (tcp://, ssh://, ...)
// means no socket group is needed: the result is empty and *note says so.
Result<std::vector<SocketRef>> choose(const std::vector<std::string>& flag_paths,
                                      const std::optional<std::string>& env_list,
                                      const std::optional<std::string>& docker_host,
                                      std::string* note,
                                      const std::optional<std::string>& container_host = std::nullopt);

// What stat(2) (following symlinks, e.g. /var/run -> /run) said, and the
// socket's POSIX ACL: with an ACL the mode's group bits are only the mask, so
// who may connect is decided from the ACL entries (may_write).
struct SocketStat {
    int stat_errno = 0;  // 0 when stat succeeded
    mode_t mode = 0;     // full st_mode
    uid_t uid = 0;
    gid_t gid = 0;
    AclRead acl = {};    // entries empty: no extended ACL (or unreadable: the mode decides)
};
SocketStat inspect(const std::string& path);

// Whether the default socket should become Podman's: Docker's path is absent
// and /run/podman/podman.sock is there (whatever it is: the table then judges it).
bool use_podman_default(const SocketRef& ref, const SocketStat& docker, const SocketStat& podman);

// "socket", "directory", "regular file", "FIFO", "symbolic link", ...
const char* type_name(mode_t mode);

// The rows of the decision table.
enum class Row {
    Absent,          // ENOENT: skipped; fatal with --require-socket
    StatFailed,      // other stat error (EACCES, ELOOP, ENAMETOOLONG, ENOTDIR): as Absent
    NotSocket,       // exists but is not a socket: fatal, names the type
    OwnerIsTarget,   // socket owner uid is the target uid: nothing to grant
    AclUser,         // an ACL user: entry for the target uid allows write: nothing to grant
    AclUserDenied,   // an ACL user: entry for the target uid denies write: no group can help
    AlreadyMember,   // the target's primary or a --groups GID is the socket's group or
                     // has an ACL group: entry that allows write: nothing to grant
    WorldWritable,   // mode allows everyone to connect: nothing to grant
    Gid0Refused,     // socket GID 0 without --allow-gid0: fatal, names the opt-in
    Gid0Granted,     // socket GID 0 with --allow-gid0: granted, loud warning
    OverflowGid,     // GID is the kernel overflow gid (unmapped in a user namespace): not granted
    GroupNotWritable,// the group lacks write (mode, or its ACL group:: entry after the mask):
                     // granting would not help; not granted, warned
    Grant,           // the normal case: the GID is granted as a supplementary group
    // Started non-root (no drop possible): the current identity is judged instead.
    Accessible,      // the current identity can connect already
    NeedsGroup,      // the current identity lacks the group: hint --group-add GID
};
const char* row_name(Row r);  // stable identifiers: "absent", "grant", ...

struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary groups it will have (or has)
};

struct Policy {
    bool allow_gid0 = false;
    bool require_socket = false;
    bool started_as_root = true;  // false: judge the current identity, grant nothing
    gid_t overflow_gid = 65534;
    // /proc/self/gid_map is the initial namespace's full identity map: every
    // GID is mapped, so the overflow GID is a group like any other there.
    bool identity_gid_map = false;
};

struct Decision {
    SocketRef ref;
    SocketStat st;
    Row row = Row::Absent;
    bool grant = false;   // add st.gid to the supplementary groups
    bool fatal = false;   // stop before running the app
    int exit_code = 0;    // when fatal
    std::string message;  // what was decided and why (log text)
    std::string fix;      // exact change the user should make, if any
    bool rootless = false;  // the socket is a rootless user's own (explain_rootless in userns.hpp)
};

Decision decide(const SocketRef& ref, const SocketStat& st, const Identity& target, const Policy& policy);

// /proc/sys/kernel/overflowgid, 65534 when unreadable.
gid_t read_overflow_gid();


// The hint block for giving GID to an identity from outside: docker run,
// compose and Kubernetes forms.
std::string group_add_fix(gid_t gid);

}  // namespace stepdown::socket
