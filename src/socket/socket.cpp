#include "socket/socket.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "app/exit_codes.hpp"
#include "base/numbers.hpp"

namespace stepdown::socket {
namespace {

std::string q(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string octal_mode(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

// Whether (uid, gid, groups) may connect: connect(2) on a unix socket needs
// write permission on the socket file, judged by the kernel's rule over the
// mode and the ACL (may_write, the same function --check reports with).
Access may_connect(const SocketStat& st, uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
    return may_write(st.mode, st.uid, st.gid, st.acl.entries, uid, gid, groups);
}

// The ACL's user: entry for uid, if it has one.
const AclEntry* acl_user_entry(const SocketStat& st, uid_t uid) {
    for (const auto& e : st.acl.entries)
        if (e.tag == AclTag::User && e.id == uid) return &e;
    return nullptr;
}

// Whether being in the socket's group would let `who` connect: the rule that
// makes a root start say group-not-writable, for an identity stepdown cannot
// change. False also when `who` is in that group already.
bool group_would_help(const SocketStat& st, const Identity& who) {
    Identity with = who;
    with.groups.push_back(st.gid);
    return may_connect(st, with.uid, with.gid, with.groups).allowed;
}

// A non-root start whose socket no group can open: it says so rather than
// suggest a --group-add that cannot help (or that was given already).
void judge_group_useless(Decision& d, const std::string& where, const std::string& owner, const Identity& who) {
    const std::string uid = std::to_string(who.uid);
    const std::string gid = std::to_string(d.st.gid);
    d.row = Row::GroupNotWritable;
    if (d.st.uid == who.uid) {
        // The kernel judges the owner by the owner's bits alone: no group helps.
        d.message = where + " (" + owner + ") is not usable by uid " + uid +
                    ", its owner: the mode gives the owner no write permission";
        d.fix = "on the host: chmod u+w (mode 0600 or 0660)";
        return;
    }
    bool member = d.st.gid == who.gid;
    for (gid_t g : who.groups) member = member || g == d.st.gid;
    d.message = where + " (" + owner + ") is not usable by uid " + uid +
                (member ? ", although it is in group " + gid : "") + ": the socket gives its group no write "
                "permission, so group " + gid + " does not help";
    d.fix = "make the socket group-writable on the host (chmod 660), or run as its owner (uid " +
            std::to_string(d.st.uid) + ")";
}

}  // namespace

const char* origin_name(Origin o) {
    switch (o) {
        case Origin::Flag: return "--socket";
        case Origin::Env: return "STEPDOWN_SOCKET";
        case Origin::DockerHost: return "DOCKER_HOST";
        case Origin::Default: return "default";
        case Origin::ContainerHost: return "CONTAINER_HOST";
    }
    return "?";
}

const char* row_name(Row r) {
    switch (r) {
        case Row::Absent: return "absent";
        case Row::StatFailed: return "stat-failed";
        case Row::NotSocket: return "not-a-socket";
        case Row::OwnerIsTarget: return "owner-is-target";
        case Row::AclUser: return "acl-user";
        case Row::AclUserDenied: return "acl-user-denied";
        case Row::AlreadyMember: return "already-member";
        case Row::WorldWritable: return "world-writable";
        case Row::Gid0Refused: return "gid0-refused";
        case Row::Gid0Granted: return "gid0-granted";
        case Row::OverflowGid: return "overflow-gid";
        case Row::GroupNotWritable: return "group-not-writable";
        case Row::Grant: return "grant";
        case Row::Accessible: return "accessible";
        case Row::NeedsGroup: return "needs-group";
    }
    return "?";
}

const char* type_name(mode_t mode) {
    switch (mode & S_IFMT) {
        case S_IFSOCK: return "socket";
        case S_IFDIR: return "directory";
        case S_IFREG: return "regular file";
        case S_IFIFO: return "FIFO";
        case S_IFLNK: return "symbolic link";
        case S_IFCHR: return "character device";
        case S_IFBLK: return "block device";
        default: return "file of unknown type";
    }
}

Result<std::vector<SocketRef>> choose(const std::vector<std::string>& flag_paths,
                                      const std::optional<std::string>& env_list,
                                      const std::optional<std::string>& docker_host, std::string* note,
                                      const std::optional<std::string>& container_host) {
    std::vector<SocketRef> out;
    auto add = [&](std::string_view path, Origin origin) -> Status {
        if (path.empty() || path.front() != '/')
            return Error{"invalid socket path " + q(path) + " from " + origin_name(origin) +
                             ": expected an absolute path",
                         0, exit_code::usage};
        out.push_back({std::string(path), origin});
        return std::nullopt;
    };
    if (!flag_paths.empty()) {
        for (const auto& p : flag_paths)
            if (auto e = add(p, Origin::Flag)) return *e;
        return out;
    }
    if (env_list && !env_list->empty()) {
        std::string_view rest = *env_list;
        while (true) {
            const auto colon = rest.find(':');
            if (auto e = add(rest.substr(0, colon), Origin::Env)) return *e;
            if (colon == std::string_view::npos) break;
            rest.remove_prefix(colon + 1);
        }
        return out;
    }
    // DOCKER_HOST wins when both are set: the Docker API clients that most
    // apps mounting an engine socket are built on read DOCKER_HOST alone.
    const bool by_docker_host = docker_host && !docker_host->empty();
    const bool by_container_host = !by_docker_host && container_host && !container_host->empty();
    if (by_docker_host || by_container_host) {
        std::string_view host = by_docker_host ? *docker_host : *container_host;
        const Origin origin = by_docker_host ? Origin::DockerHost : Origin::ContainerHost;
        constexpr std::string_view unix_scheme = "unix://";
        if (host.substr(0, unix_scheme.size()) == unix_scheme) {
            if (auto e = add(host.substr(unix_scheme.size()), origin)) return *e;
            return out;
        }
        if (host.find("://") == std::string_view::npos)
            return Error{"invalid " + std::string(origin_name(origin)) + " " + q(host) +
                             ": expected unix:///path, tcp://host:port or ssh://host",
                         0, exit_code::usage};
        if (note != nullptr)
            *note = std::string(origin_name(origin)) + " " + q(host) + " is not a unix socket; no socket group is needed";
        return out;
    }
    out.push_back({default_socket, Origin::Default});
    return out;
}

SocketStat inspect(const std::string& path) {
    SocketStat s;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        s.stat_errno = errno;
        return s;
    }
    s.mode = st.st_mode;
    s.uid = st.st_uid;
    s.gid = st.st_gid;
    s.acl = read_acl(path);
    return s;
}

bool use_podman_default(const SocketRef& ref, const SocketStat& docker, const SocketStat& podman) {
    return ref.origin == Origin::Default && docker.stat_errno == ENOENT && podman.stat_errno != ENOENT;
}

gid_t read_overflow_gid() {
    const int fd = ::open("/proc/sys/kernel/overflowgid", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 65534;
    char buf[32] = {};
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return 65534;
    std::string_view text(buf, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    auto v = parse_id(text);
    return v ? static_cast<gid_t>(*v) : 65534;
}


std::string group_add_fix(gid_t gid) {
    const auto g = std::to_string(gid);
    return "docker run --group-add " + g + "; compose: group_add: [\"" + g +
           "\"]; Kubernetes: securityContext.supplementalGroups: [" + g + "]";
}

Decision decide(const SocketRef& ref, const SocketStat& st, const Identity& target, const Policy& policy) {
    Decision d;
    d.ref = ref;
    d.st = st;
    const std::string where = "socket " + q(ref.path) + " (" + origin_name(ref.origin) + ")";
    const std::string gid = std::to_string(st.gid);
    auto fatal_if_required = [&](int code) {
        if (policy.require_socket) {
            d.fatal = true;
            d.exit_code = code;
        }
    };

    if (st.stat_errno == ENOENT) {
        d.row = Row::Absent;
        d.message = where + " does not exist; no socket group to grant";
        d.fix = "mount the socket, e.g. docker run -v /var/run/docker.sock:/var/run/docker.sock";
        fatal_if_required(exit_code::unavailable);
        return d;
    }
    if (st.stat_errno != 0) {
        d.row = Row::StatFailed;
        d.message = "cannot stat " + where + ": " + std::strerror(st.stat_errno);
        d.fix = "check the socket path and the directories leading to it";
        fatal_if_required(exit_code::unavailable);
        return d;
    }
    if (!S_ISSOCK(st.mode)) {
        d.row = Row::NotSocket;
        d.message = where + " is a " + type_name(st.mode) + ", not a socket";
        d.fix = S_ISDIR(st.mode)
                    ? "the host path did not exist when the container started, so Docker created a directory: "
                      "start the Docker daemon on the host before the container, or mount the right path"
                    : "mount the daemon's socket at that path, or point --socket at it";
        d.fatal = true;
        d.exit_code = exit_code::unavailable;
        return d;
    }
    const std::string mode = octal_mode(st.mode);
    std::string owner = "owner " + std::to_string(st.uid) + ", group " + gid + ", mode " + mode;
    if (!st.acl.entries.empty()) {
        // With an ACL the mode's group bits are the mask: show what decides.
        std::string entries;
        for (const auto& e : st.acl.entries) entries += (entries.empty() ? "" : ",") + format_acl_entry(e);
        owner += ", acl " + entries;
    }
    // A socket of the overflow GID in a user namespace: its real group is not
    // mapped here, so no group of ours can be it. In the initial namespace
    // (gid_map "0 0 4294967295") every GID is mapped and 65534 is a group.
    const bool unmapped = st.gid == policy.overflow_gid && !policy.identity_gid_map;

    if (!policy.started_as_root) {
        if (may_connect(st, target.uid, target.gid, target.groups).allowed) {
            d.row = Row::Accessible;
            d.message = where + " (" + owner + ") is usable by uid " + std::to_string(target.uid);
            return d;
        }
        if (!group_would_help(st, target)) {
            judge_group_useless(d, where, owner, target);
            fatal_if_required(exit_code::unavailable);
            return d;
        }
        d.row = Row::NeedsGroup;
        if (unmapped) {
            d.message = where + " (" + owner + ") has the kernel's overflow group " + gid +
                        ": its real group is not mapped into this user namespace (rootless Docker or Podman, "
                        "userns-remap), so no group can grant access";
            d.fix = "mount a socket whose group is mapped, run without user-namespace remapping, or use a socket proxy";
        } else if (st.gid == 0) {
            d.message = where + " (" + owner + ") belongs to group 0 (root) and uid " + std::to_string(target.uid) +
                        " is not in it";
            d.fix = "give the socket a dedicated group on the host, or use a socket proxy; adding group 0 "
                    "(--group-add 0) makes the app a member of root's group";
        } else {
            d.message = where + " (" + owner + ") is not usable by uid " + std::to_string(target.uid) +
                        ", which is not in group " + gid + " and stepdown cannot add it without root";
            d.fix = group_add_fix(st.gid);
        }
        fatal_if_required(exit_code::unavailable);
        return d;
    }

    // The kernel's order: the owner, then an ACL user: entry for the uid, then
    // the groups. The first two decide alone, so no group can change them.
    const Access now = may_connect(st, target.uid, target.gid, target.groups);
    const std::string uid = std::to_string(target.uid);
    if (st.uid == target.uid) {
        d.row = Row::OwnerIsTarget;
        d.message = where + " (" + owner + ") is owned by the target uid; nothing to grant";
        return d;
    }
    if (const AclEntry* e = acl_user_entry(st, target.uid)) {
        if (now.allowed) {
            d.row = Row::AclUser;
            d.message = where + " (" + owner + "): its ACL entry '" + format_acl_entry(*e) +
                        "' lets the target uid connect; nothing to grant";
            return d;
        }
        d.row = Row::AclUserDenied;
        d.message = where + " (" + owner + "): its ACL entry '" + format_acl_entry(*e) +
                    "' denies the target uid write (" + now.via + "), and no group can change that; not granted";
        d.fix = "on the host: setfacl -m u:" + uid + ":rw " + q(ref.path) + " (with the mask: setfacl -m m::rw " +
                q(ref.path) + ")";
        fatal_if_required(exit_code::unavailable);
        return d;
    }
    bool member = st.gid == target.gid;
    for (gid_t g : target.groups) member = member || g == st.gid;
    if (member) {
        d.row = Row::AlreadyMember;
        d.message = where + " (" + owner + "): group " + gid + " is already the target's; nothing to grant";
        return d;
    }
    if (now.allowed) {
        // Not the owner, no user: entry, not in the socket's group: either a
        // group of the target has an ACL group: entry that allows write, or
        // everyone may connect.
        bool acl_group = false;
        for (const auto& e : st.acl.entries) {
            if (e.tag != AclTag::Group) continue;
            acl_group = acl_group || e.id == target.gid;
            for (gid_t g : target.groups) acl_group = acl_group || e.id == g;
        }
        if (acl_group) {
            d.row = Row::AlreadyMember;
            d.message = where + " (" + owner + "): the target's groups already allow write (" + now.via +
                        "); nothing to grant";
            return d;
        }
        d.row = Row::WorldWritable;
        d.message = where + " (" + owner + ") lets everyone connect; nothing to grant";
        return d;
    }
    // Would the socket's group help? Judged by the group's own entry: with an
    // ACL the mode's group bits are the mask, not the group's permission.
    std::vector<gid_t> with_gid = target.groups;
    with_gid.push_back(st.gid);
    const Access granted = may_connect(st, target.uid, target.gid, with_gid);
    if (!granted.allowed) {
        // With an ACL, say which entries take the write away.
        std::string entries;
        for (const auto& e : st.acl.entries)
            if (e.tag == AclTag::GroupObj || e.tag == AclTag::Mask)
                entries += (entries.empty() ? "" : ", ") + format_acl_entry(e);
        d.row = Row::GroupNotWritable;
        d.message = where + " (" + owner + ") gives group " + gid + " no write permission" +
                    (entries.empty() ? "" : " (acl " + entries + ")") + ", so granting it would not help; not granted";
        d.fix = st.acl.entries.empty()
                    ? "on the host: chmod g+w " + q(ref.path) + " (mode 0660), or give uid " + uid +
                          " its own entry: setfacl -m u:" + uid + ":rw " + q(ref.path)
                    : "on the host: setfacl -m g:" + gid + ":rw " + q(ref.path) + ", or give uid " + uid +
                          " its own entry: setfacl -m u:" + uid + ":rw " + q(ref.path);
        fatal_if_required(exit_code::unavailable);
        return d;
    }
    if (st.gid == 0) {
        if (!policy.allow_gid0) {
            d.row = Row::Gid0Refused;
            d.message = where + " (" + owner + ") belongs to group 0 (root); refusing to make the app a member "
                        "of root's group";
            d.fix = "STEPDOWN_ALLOW_GID0=1 (docker run -e STEPDOWN_ALLOW_GID0=1; the flag --allow-gid0 when "
                    "stepdown's arguments are yours) accepts the risk; better: give the socket a dedicated group on "
                    "the host (the usual 'docker' group) or use a socket proxy";
            d.fatal = true;
            d.exit_code = exit_code::refused;
            return d;
        }
        d.row = Row::Gid0Granted;
        d.grant = true;
        d.message = where + " (" + owner + ") belongs to group 0 (root); granting group 0 because --allow-gid0 "
                    "was given: the app is now a member of root's group";
        return d;
    }
    if (unmapped) {
        d.row = Row::OverflowGid;
        d.message = where + " (" + owner + ") has the kernel's overflow group " + gid +
                    ": its real group is not mapped into this user namespace (rootless Docker or Podman, "
                    "userns-remap), so granting it would do nothing; not granted";
        d.fix = "mount a socket whose group is mapped, run without user-namespace remapping, or use a socket proxy";
        fatal_if_required(exit_code::unavailable);
        return d;
    }
    d.row = Row::Grant;
    d.grant = true;
    d.message = where + " (" + owner + "): granting group " + gid;
    return d;
}

}  // namespace stepdown::socket
