// Parse, plan, apply. gather() reads the system (files, stat, credentials);
// make_plan() turns options + facts into one plan of plain numbers and
// strings and is a pure function (unit-tested without root); apply happens in
// run.cpp and only performs the fixed syscall sequence.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/options.hpp"
#include "identity/user_spec.hpp"
#include "privilege/drop.hpp"
#include "socket/socket.hpp"
#include "socket/userns.hpp"
#include "userdb/commit.hpp"
#include "userdb/group.hpp"
#include "userdb/group_edit.hpp"
#include "userdb/passwd.hpp"

namespace stepdown::app {

enum class Mode {
    Drop,      // started as root: align, drop, prove, run
    NonRoot,   // started as another user: check, explain, run
    Passthru,  // docker-init/tini name with no stepdown setting: a plain init
};
const char* mode_name(Mode m);

// Everything read from the system, as plain data.
struct Facts {
    uid_t euid = 0;
    gid_t egid = 0;
    std::vector<gid_t> groups;  // current supplementary groups
    bool cap_setuid = true;
    bool cap_setgid = true;
    bool cap_setpcap = true;
    // --keep-cap only (read when it is given): the kernel's bounding and
    // permitted sets, bit N = capability N; nullopt when not read.
    std::optional<std::uint64_t> cap_bounding;
    std::optional<std::uint64_t> cap_permitted;
    bool at_secure = false;     // installed setuid/setgid
    gid_t overflow_gid = 65534;
    bool identity_gid_map = false;  // /proc/self/gid_map is the initial namespace's "0 0 4294967295"
    userdb::PasswdDb passwd;
    userdb::GroupFile group;
    bool group_exists = false;  // /etc/group was read
    std::optional<userdb::GshadowFile> gshadow;
    std::optional<std::string> group_text;    // the bytes parsed into group
    std::optional<std::string> gshadow_text;  // the bytes parsed into gshadow
    std::optional<Error> file_error;  // /etc/passwd or /etc/group present but unreadable
    std::vector<socket::SocketRef> socket_refs;
    std::optional<std::string> socket_note;  // e.g. DOCKER_HOST is tcp://
    std::optional<Error> socket_error;       // bad socket configuration
    std::vector<socket::SocketStat> socket_stats;  // parallel to socket_refs
    // /proc/self/uid_map and gid_map (empty when unreadable): a rootless
    // container's socket is explained in host ids.
    std::vector<socket::IdMapEntry> uid_map;
    std::vector<socket::IdMapEntry> gid_map;
};

Facts gather(const config::Options& options, const userdb::EtcPaths& paths);

struct Plan {
    Mode mode = Mode::Drop;
    std::optional<identity::Target> target;
    std::vector<gid_t> extra_groups;               // --groups
    std::vector<gid_t> runtime_groups;             // kept from the runtime (docker run --group-add)
    std::vector<socket::Decision> sockets;
    std::vector<userdb::GroupEditRequest> group_requests;
    std::optional<userdb::GroupEditPlan> group_edit;  // when a GID is granted
    std::string group_edit_note;                   // why no edit, when none
    privilege::DropPlan drop;
    std::optional<Error> fatal;                    // first refusal; nothing may run
    std::vector<std::string> notes;                // warnings worth one line each
};

Plan make_plan(const config::Options& options, const Facts& facts);

}  // namespace stepdown::app
