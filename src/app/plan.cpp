#include "app/plan.hpp"

#include <sys/auxv.h>
#include <unistd.h>

#include <cerrno>
#include <linux/capability.h>

#include "app/exit_codes.hpp"
#include "base/numbers.hpp"
#include "check/fixes.hpp"
#include "privilege/caps.hpp"
#include "privilege/keep_caps.hpp"
#include "userdb/commit.hpp"
#include "userdb/lines.hpp"

namespace stepdown::app {
namespace {

std::string q(std::string_view s) { return "'" + std::string(s) + "'"; }

// Reads one /etc database file. Absent is not an error (scratch images may
// have none); anything else unreadable is.
std::optional<std::string> read_optional(const std::string& path, std::optional<Error>& error) {
    auto content = userdb::read_db_file(path);
    if (content) return std::move(*content);
    if (content.error().sys_errno != ENOENT && !error) {
        Error e = content.error();
        e.exit_code = exit_code::data;
        error = e;
    }
    return std::nullopt;
}

// The supplementary groups the container runtime added to a root start
// (docker run --group-add, compose group_add, Kubernetes supplementalGroups):
// those it has that are not root's own. Root's own are its primary group and
// the groups that list it in the image's /etc/group, which the runtime gives
// every root process. GID 0 is root's primary group, so it never counts as
// added: a --group-add 0 cannot be told apart from it.
// Whether a line of /etc/group lists `name` as a member of `gid`, read as
// leniently as the runtime that gave root its groups reads it (blanks and a
// CR around fields trimmed, a '+' before the GID, fields past the fourth
// ignored): a line stepdown's strict parser sets aside must still count,
// or its groups would pass for ones the runtime added.
bool lists_member(std::string_view raw, gid_t gid, std::string_view name) {
    const auto trim = [](std::string_view t) {
        const auto first = t.find_first_not_of(" \t\r");
        if (first == std::string_view::npos) return std::string_view{};
        return t.substr(first, t.find_last_not_of(" \t\r") - first + 1);
    };
    const auto fields = userdb::detail::split_fields(trim(raw));
    if (fields.size() < 4) return false;
    std::string_view id = trim(fields[2]);
    if (!id.empty() && id.front() == '+') id.remove_prefix(1);
    if (parse_unsigned(id, 4294967294U) != std::optional<std::uint64_t>(gid)) return false;
    for (const auto& member : userdb::detail::split_list(fields[3])) {
        if (trim(member) == name) return true;
    }
    return false;
}

std::vector<gid_t> runtime_added_groups(const Facts& f) {
    const auto* root = f.passwd.by_uid(0);
    const std::string root_name = root != nullptr ? root->name : "root";
    std::vector<gid_t> added;
    for (gid_t g : f.groups) {
        if (g == 0 || (root != nullptr && g == root->gid)) continue;
        bool roots_own = false;
        for (const auto& line : f.group.lines) roots_own = roots_own || lists_member(line.raw, g, root_name);
        if (!roots_own) added.push_back(g);
    }
    return privilege::normalize_groups(std::move(added));
}

// Stats the socket; the default path, when absent, gives way to rootful
// Podman's socket if that one is there (ref then names it).
socket::SocketStat inspect_or_podman(socket::SocketRef& ref) {
    auto st = socket::inspect(ref.path);
    if (ref.origin != socket::Origin::Default || st.stat_errno != ENOENT) return st;
    auto podman = socket::inspect(socket::podman_socket);
    if (!socket::use_podman_default(ref, st, podman)) return st;
    ref.path = socket::podman_socket;
    return podman;
}

}  // namespace

const char* mode_name(Mode m) {
    switch (m) {
        case Mode::Drop: return "drop";
        case Mode::NonRoot: return "non-root";
        case Mode::Passthru: return "passthrough";
    }
    return "?";
}

Facts gather(const config::Options& o, const userdb::EtcPaths& paths) {
    Facts f;
    f.euid = ::geteuid();
    f.egid = ::getegid();
    const int n = ::getgroups(0, nullptr);
    if (n > 0) {
        f.groups.resize(static_cast<std::size_t>(n));
        const int m = ::getgroups(n, f.groups.data());
        f.groups.resize(m > 0 ? static_cast<std::size_t>(m) : 0);
    }
    f.cap_setuid = caps::have_effective(CAP_SETUID);
    f.cap_setgid = caps::have_effective(CAP_SETGID);
    f.cap_setpcap = caps::have_effective(CAP_SETPCAP);
    if (!o.keep_caps.empty()) {
        // Only with --keep-cap: a kept capability must be in the bounding and
        // permitted sets to survive the drop (make_plan says so up front).
        // Unreadable: left unknown; the drop and its proof still fail closed.
        sys::CapState state;
        if (caps::read(state) == 0) {
            f.cap_bounding = state.bounding;
            f.cap_permitted = state.permitted;
        }
    }
    f.at_secure = ::getauxval(AT_SECURE) != 0;
    f.overflow_gid = socket::read_overflow_gid();
    if (auto m = socket::read_id_map("/proc/self/uid_map")) f.uid_map = std::move(*m);
    if (auto m = socket::read_id_map("/proc/self/gid_map")) f.gid_map = std::move(*m);
    f.identity_gid_map = socket::is_identity_map(f.gid_map);

    if (auto text = read_optional(paths.passwd(), f.file_error)) f.passwd = userdb::parse_passwd(*text);
    if (auto text = read_optional(paths.group(), f.file_error)) {
        f.group = userdb::parse_group(*text);
        f.group_exists = true;
        f.group_text = std::move(*text);
    }
    std::optional<Error> ignored;  // an unreadable gshadow only means it is not kept in step
    if (auto text = read_optional(paths.gshadow(), ignored)) {
        f.gshadow = userdb::parse_gshadow(*text);
        f.gshadow_text = std::move(*text);
    }

    if (!o.no_socket) {
        std::string note;
        auto refs = socket::choose(o.socket_flags, o.socket_env, o.docker_host, &note, o.container_host);
        if (!refs) {
            f.socket_error = refs.error();
        } else {
            f.socket_refs = std::move(*refs);
            for (auto& r : f.socket_refs) f.socket_stats.push_back(inspect_or_podman(r));
        }
        if (!note.empty()) f.socket_note = note;
    }
    return f;
}

Plan make_plan(const config::Options& o, const Facts& f) {
    Plan p;
    auto refuse = [&](Error e) {
        if (!p.fatal) p.fatal = std::move(e);
    };
    if (f.at_secure) {
        refuse(Error{"refusing to run: stepdown is installed set-user-ID or set-group-ID, which would let any user "
                     "become root; remove the bit (chmod u-s,g-s)",
                     0, exit_code::refused});
    }
    if (o.tini_compat && !o.drop) {
        p.mode = Mode::Passthru;
        if (o.require_socket || o.allow_gid0 || !o.socket_flags.empty())
            p.notes.emplace_back("running as a plain tini-compatible init: socket settings are ignored unless "
                                 "STEPDOWN_USER, STEPDOWN_SOCKET, STEPDOWN_GROUPS or STEPDOWN_KEEP_CAPS asks for "
                                 "the drop");
        return p;
    }
    p.mode = f.euid == 0 ? Mode::Drop : Mode::NonRoot;
    if (f.socket_error) refuse(*f.socket_error);
    if (f.file_error) refuse(*f.file_error);

    socket::Identity who;
    socket::Policy policy;
    policy.allow_gid0 = o.allow_gid0;
    policy.require_socket = o.require_socket;
    policy.overflow_gid = f.overflow_gid;
    policy.identity_gid_map = f.identity_gid_map;

    if (p.mode == Mode::Drop) {
        auto target = identity::resolve_user(o.user_spec, f.passwd, f.group);
        if (!target) {
            refuse(target.error());
            return p;
        }
        p.target = *target;
        auto extra = identity::resolve_groups(o.groups, f.group);
        if (!extra) {
            refuse(extra.error());
            return p;
        }
        p.extra_groups = *extra;
        for (gid_t g : p.extra_groups) {
            if (g == 0 && !o.allow_gid0)
                refuse(Error{"refusing to add group 0 (root) from --groups: it makes the app a member of root's "
                             "group; set STEPDOWN_ALLOW_GID0=1 (or pass --allow-gid0) if that is really meant",
                             0, exit_code::refused});
            if (g == f.overflow_gid && !f.identity_gid_map)
                p.notes.push_back("group " + std::to_string(g) + " from --groups is the kernel's overflow gid "
                                  "(unmapped in this user namespace); setgroups will refuse it");
        }
        if ((target->uid == 0 || target->gid == 0) && !o.allow_root_target) {
            refuse(Error{"refusing to run the command as " + std::string(target->uid == 0 ? "uid 0" : "gid 0") +
                             " (user " + q(o.user_spec) + " from " + config::source_name(o.user_source) +
                             "): dropping to root keeps root; pick a non-root user (--user 1000:1000) or pass "
                             "--allow-root-target",
                         0, exit_code::refused});
        }
        if (o.runtime_groups) p.runtime_groups = runtime_added_groups(f);
        std::vector<gid_t> kept = p.extra_groups;
        kept.insert(kept.end(), p.runtime_groups.begin(), p.runtime_groups.end());
        who = {target->uid, target->gid, privilege::normalize_groups(std::move(kept))};
        policy.started_as_root = true;
    } else {
        who = {f.euid, f.egid, f.groups};
        policy.started_as_root = false;
    }

    std::vector<gid_t> granted;
    for (std::size_t i = 0; i < f.socket_refs.size(); ++i) {
        auto d = socket::decide(f.socket_refs[i], f.socket_stats[i], who, policy);
        socket::explain_rootless(d, who, f.uid_map, f.gid_map);
        if (d.fatal) refuse(Error{d.message + (d.fix.empty() ? "" : "; fix: " + d.fix), 0, d.exit_code});
        if (d.grant) granted.push_back(d.st.gid);
        p.sockets.push_back(std::move(d));
    }

    if (p.mode != Mode::Drop) {
        if (!o.keep_caps.empty())
            refuse(Error{"--keep-cap needs stepdown started as root: it hands the capabilities to the app through "
                         "the ambient set while it drops to the user (started as uid " + std::to_string(f.euid) +
                             "); start as root with --user, or give the app's file a capability (setcap)",
                         0, exit_code::refused});
        return p;
    }

    if (!o.keep_caps.empty()) {
        auto kept = privilege::resolve_keep_caps(o.keep_caps, o.force_keep_cap);
        if (!kept) {
            refuse(kept.error());
        } else {
            p.drop.keep_caps = kept->caps;
            p.notes.insert(p.notes.end(), kept->warnings.begin(), kept->warnings.end());
            // A capability the container was started without (docker run
            // --cap-drop) cannot be handed on: say so now, not after setresuid.
            if (f.cap_bounding && f.cap_permitted) {
                const auto missing = privilege::unavailable_caps(kept->caps, *f.cap_bounding, *f.cap_permitted);
                if (!missing.empty()) refuse(privilege::unavailable_error(missing, *f.cap_bounding));
            }
        }
    }

    // The app's groups: the granted socket GIDs, --groups, the runtime's.
    std::vector<gid_t> final_groups = granted;
    final_groups.insert(final_groups.end(), who.groups.begin(), who.groups.end());
    final_groups = privilege::normalize_groups(std::move(final_groups));

    if (!f.cap_setuid || !f.cap_setgid || !f.cap_setpcap) {
        std::string missing;
        if (!f.cap_setuid) missing += " SETUID";
        if (!f.cap_setgid) missing += " SETGID";
        if (!f.cap_setpcap) missing += " SETPCAP";
        std::string add;
        if (!f.cap_setuid) add += " --cap-add SETUID";
        if (!f.cap_setgid) add += " --cap-add SETGID";
        if (!f.cap_setpcap) add += " --cap-add SETPCAP";
        refuse(Error{"started as root without the capabilities needed to drop privileges (missing:" + missing +
                         "); add them (docker run" + add + ") or start as the target user (" +
                         check::run_as_target(p.target->uid, p.target->gid, final_groups) + ")",
                     0, exit_code::refused});
    }

    for (gid_t g : granted) {
        p.group_requests.push_back({g, o.group_name, p.target->name});
    }
    if (!p.group_requests.empty()) {
        if (!f.group_exists) {
            p.group_edit_note = "no /etc/group in this image; the kernel needs only the number";
        } else {
            p.group_edit = userdb::plan_group_edit(f.group, f.gshadow, p.group_requests);
            for (const auto& out : p.group_edit->outcomes) {
                // A low GID is usually a system group of the image (42 shadow, 4 adm): the
                // app gets that group's file access too. Worth a line; not a refusal.
                if (out.action != userdb::GroupAction::Created && out.gid != 0 && out.gid < 100)
                    p.notes.push_back("socket GID " + std::to_string(out.gid) + " is the image's group '" +
                                      out.group_name + "': the app also gets that group's access to files");
            }
        }
    }

    p.drop.uid = p.target->uid;
    p.drop.gid = p.target->gid;
    p.drop.groups = final_groups;
    p.drop.no_new_privs = !o.allow_new_privs;
    return p;
}

}  // namespace stepdown::app
