#include "check/report.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "app/exit_codes.hpp"
#include "privilege/drop.hpp"
#include "privilege/keep_caps.hpp"
#include "userdb/group.hpp"

namespace stepdown::check {
namespace {

using socket::Row;

std::string q(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string who(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
    return "uid " + std::to_string(uid) + " gid " + std::to_string(gid) + " groups " + privilege::format_groups(groups);
}

Verdict verdict_for_code(int code) {
    switch (code) {
        case exit_code::refused: return Verdict::Refused;
        case exit_code::unavailable: return Verdict::NoAccess;
        case exit_code::usage:
        case exit_code::data:
        case exit_code::no_user: return Verdict::BadConfig;
        default: return Verdict::Failed;
    }
}

const char* code_for_exit(int code) {
    switch (code) {
        case exit_code::usage: return "usage";
        case exit_code::data: return "etc-unreadable";
        case exit_code::no_user: return "unknown-user";
        case exit_code::refused: return "refused";
        case exit_code::unavailable: return "unavailable";
        default: return "failed";
    }
}

std::vector<int> union_of(const caps::Sets& s) {
    std::vector<int> all;
    for (const auto* set : {&s.effective, &s.permitted, &s.inheritable, &s.bounding, &s.ambient})
        all.insert(all.end(), set->begin(), set->end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
}

Fix selinux_fix() {
    Fix f;
    f.docker_run = "--security-opt label=disable";
    f.compose = "security_opt: [\"label=disable\"]";
    f.kubernetes = "securityContext.seLinuxOptions: {type: spc_t}";
    f.other = "a security module (SELinux, AppArmor) denied the connection although the permission bits allow it; "
              "check the host's audit log (ausearch -m avc -ts recent) and allow the container to use the socket";
    return f;
}

// The problem a failed live probe of an otherwise fine socket shows.
Problem probe_problem(const SocketReport& s, const std::string& ident) {
    Problem p;
    p.socket = s.decision.ref.path;
    const std::string path = q(p.socket);
    const PingResult& r = s.probe;
    switch (r.status) {
        case PingStatus::ConnectFailed:
            if (r.sys_errno == ECONNREFUSED) {
                p.code = "connection-refused";
                p.message = "nothing is listening on " + path +
                            " (connection refused): the socket file is stale; the daemon is stopped, or it was "
                            "restarted after this container started and the bind mount still shows the old file";
                p.fix.other = "start the daemon on the host (systemctl start docker), then restart this container";
            } else if (r.sys_errno == EACCES || r.sys_errno == EPERM) {
                p.code = "permission-denied";
                p.message = ident + " cannot connect to " + path + " (" + std::strerror(r.sys_errno) +
                            ") although its permission bits allow it (" + s.predicted.via + ")";
                p.fix = selinux_fix();
            } else if (r.sys_errno == ENOENT) {
                p.code = "socket-vanished";
                p.message = path + " disappeared between the check and the probe (" + r.detail + ")";
                p.fix.other = "check that the daemon is running and the socket is mounted";
            } else {
                p.code = "connect-failed";
                p.message = ident + " cannot connect to " + path + ": " + r.detail;
                p.fix.other = "check the socket path and the daemon";
            }
            break;
        case PingStatus::HttpError:
            p.code = "http-error";
            p.message = path + " accepted the connection but answered GET /_ping with " + r.detail +
                        ": the API behind it is failing";
            p.fix.other = "check the daemon on the host: docker info, journalctl -u docker (Podman: podman system "
                          "service logs); a socket proxy in front of it may also refuse /_ping";
            break;
        case PingStatus::BadResponse:
            p.code = "bad-response";
            p.message = path + " accepted the connection but is not a working Docker or Podman API: " + r.detail;
            p.fix.other = "point --socket (or DOCKER_HOST=unix://PATH) at the Docker or Podman API socket";
            break;
        case PingStatus::NoResponse:
            p.code = "no-response";
            p.message = path + " accepted the connection and closed it without answering GET /_ping";
            p.fix.other = "the process behind the socket is not a working Docker API; check the daemon (docker "
                          "info) or the proxy in front of it";
            break;
        case PingStatus::Timeout:
            p.code = "timeout";
            p.message = path + ": " + r.detail;
            p.fix.other = "the daemon is hung or overloaded; check it on the host (docker info)";
            break;
        case PingStatus::Ok:
        case PingStatus::Skipped:
            break;
    }
    return p;
}

// DOCKER_HOST and CONTAINER_HOST are the app's own settings: a socket they
// name is one the app will use, so trouble with it is a warning, not a note.
bool named_by_app_env(socket::Origin origin) {
    return origin == socket::Origin::DockerHost || origin == socket::Origin::ContainerHost;
}

// The problems one socket shows, from its decision-table row and the probe.
void socket_problems(const SocketReport& s, const config::Options& o, gid_t overflow, bool identity_gid_map,
                     const std::string& ident, std::vector<Problem>& out) {
    const socket::Decision& d = s.decision;
    const std::string path = d.ref.path;
    const bool probed = s.probe.status != PingStatus::Skipped;
    const std::string evidence = probed ? "; live probe: " + s.probe.detail : "";
    auto add = [&](Severity sev, std::string code, std::string message, Fix fix) {
        out.push_back(Problem{sev, std::move(code), path, std::move(message), std::move(fix)});
    };
    if (!s.decided) return;
    switch (d.row) {
        case Row::Absent: {
            Fix f = fix_mount_socket(path);
            if (o.require_socket) add(Severity::Error, "absent", d.message + " and --require-socket is given", f);
            else if (named_by_app_env(d.ref.origin))
                add(Severity::Warning, "absent", d.message + "; the app's " + socket::origin_name(d.ref.origin) +
                                                     " names it, so the app will not reach its engine", f);
            else add(Severity::Note, "absent", d.message + "; not required (--require-socket makes it fatal)", f);
            return;
        }
        case Row::NotSocket: {
            Fix f;
            if (S_ISDIR(d.st.mode)) f = fix_mount_socket(path);
            f.other = d.fix;
            add(Severity::Error, "not-a-socket", d.message, f);
            return;
        }
        case Row::Gid0Refused: {
            // explain_rootless's fix (keep-id) replaces --allow-gid0.
            const Fix f = d.rootless ? Fix{"", "", "", d.fix} : fix_allow_gid0();
            add(Severity::Error, "gid0-refused", d.message, f);
            return;
        }
        case Row::Gid0Granted: {
            Fix f;
            f.other = "give the socket a dedicated group on the host (the usual 'docker' group) and drop "
                      "--allow-gid0; or " + socket_proxy_advice();
            add(Severity::Warning, "gid0-granted", d.message, f);
            break;  // the probe still decides access
        }
        case Row::StatFailed:
        case Row::OverflowGid:
        case Row::GroupNotWritable:
        case Row::AclUserDenied:
        case Row::NeedsGroup: {
            if (s.usable()) {
                std::string how = s.predicted_known && s.predicted.allowed ? " through " + s.predicted.via : "";
                add(Severity::Note, "access-despite-row",
                    "the decision table says '" + std::string(socket::row_name(d.row)) + "' for " + q(path) +
                        ", but the live probe connected as " + ident + how,
                    Fix{});
                return;
            }
            std::string code = socket::row_name(d.row);
            if (d.rootless) {
                // explain_rootless's fix (keep-id) replaces the row's usual one.
                add(Severity::Error, code, d.message + evidence, Fix{"", "", "", d.fix});
                return;
            }
            // The overflow GID is an unmapped group only in a user namespace (socket::decide).
            const bool unmapped = d.st.gid == overflow && !identity_gid_map;
            Fix f;
            if (d.row == Row::NeedsGroup && d.st.gid != 0 && !unmapped) {
                f = fix_group_add(d.st.gid);
            } else if (d.row == Row::NeedsGroup && d.st.gid == 0) {
                f.docker_run = "--group-add 0 (root's group: avoid)";
                f.other = d.fix + "; " + socket_proxy_advice();
            } else if (d.row == Row::OverflowGid || (d.row == Row::NeedsGroup && unmapped)) {
                f.docker_run = "--userns=host (when the daemon runs with userns-remap)";
                f.other = d.fix + "; " + socket_proxy_advice();
            } else {
                f.other = d.fix;
            }
            add(Severity::Error, code, d.message + evidence, f);
            return;
        }
        case Row::OwnerIsTarget:
        case Row::AclUser:
        case Row::AlreadyMember:
        case Row::WorldWritable:
        case Row::Grant:
        case Row::Accessible:
            break;
    }
    if (probed && !s.usable()) {
        Problem p = probe_problem(s, ident);
        if (!p.code.empty()) out.push_back(std::move(p));
    }
}

std::string first_fix(const Fix& f) {
    if (!f.docker_run.empty()) return "docker run " + f.docker_run;
    return f.other;
}

}  // namespace

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::Ok: return "ok";
        case Verdict::Refused: return "refused";
        case Verdict::NoAccess: return "no-access";
        case Verdict::BadConfig: return "bad-config";
        case Verdict::Failed: return "failed";
    }
    return "?";
}

const char* severity_name(Severity s) {
    switch (s) {
        case Severity::Error: return "error";
        case Severity::Warning: return "warning";
        case Severity::Note: return "note";
    }
    return "?";
}

std::string format_rtt(std::int64_t us) {
    if (us < 0) return "-";
    if (us < 1000) return std::to_string(us) + " us";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1000.0);
    return buf;
}

std::string format_mode(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

std::string format_gid_list(const std::vector<gid_t>& groups) {
    if (groups.empty()) return "none";
    std::string s;
    for (gid_t g : groups) s += (s.empty() ? "" : ",") + std::to_string(g);
    return s;
}

bool use_colour(bool stdout_is_tty, const char* no_color, const char* term) {
    if (!stdout_is_tty || no_color != nullptr) return false;
    return term == nullptr || std::string_view(term) != "dumb";
}

Report build_report(const config::Options& o, const app::Facts& f, const app::Plan& p, const SystemView& v) {
    Report r;
    r.mode = p.mode;
    r.current = v.current;
    r.probe = v.probe;
    r.probe_ran = v.probe.ran;
    r.probe_not_run = v.probe_not_run;

    // ---- the identity the app would run with
    std::vector<gid_t> app_groups;
    uid_t app_uid = f.euid;
    gid_t app_gid = f.egid;
    if (p.mode == app::Mode::Drop) {
        r.target.source = config::source_name(o.user_source);
        r.target.spec = o.user_spec;
        if (p.target) {
            r.target.known = true;
            r.target.uid = app_uid = p.target->uid;
            r.target.gid = app_gid = p.target->gid;
            r.target.name = p.target->name;
            r.target.home = p.target->home;
            r.target.extra_groups = p.extra_groups;
            r.target.runtime_groups = p.runtime_groups;
            app_groups = p.drop.groups;
        }
    } else if (p.mode == app::Mode::NonRoot) {
        r.target.known = true;
        r.target.source = "current identity (not root: no user switch)";
        r.target.uid = f.euid;
        r.target.gid = f.egid;
        if (const auto* e = f.passwd.by_uid(f.euid)) {
            r.target.name = e->name;
            r.target.home = e->home;
        }
        r.target.extra_groups = privilege::normalize_groups(f.groups);
        app_groups = r.target.extra_groups;
    } else {
        r.target.source = "none: plain init (invoked as tini or docker-init without a stepdown setting)";
        app_groups = privilege::normalize_groups(f.groups);
    }
    const std::string ident = who(app_uid, app_gid, app_groups);

    // ---- sockets
    auto describe = [&](const socket::SocketRef& ref, const socket::SocketStat& st, std::size_t i) {
        SocketReport s;
        s.decision.ref = ref;
        s.decision.st = st;
        if (st.stat_errno == ENOENT) s.type = "absent";
        else if (st.stat_errno != 0) s.type = "unknown";
        else s.type = socket::type_name(st.mode);
        if (st.stat_errno == 0) {
            if (const auto* e = f.passwd.by_uid(st.uid)) s.owner_name = e->name;
            if (const auto* g = f.group.by_gid(st.gid)) s.group_name = g->name;
        }
        if (i < v.acls.size()) s.acl = v.acls[i];
        if (st.stat_errno == 0 && S_ISSOCK(st.mode) && (p.mode != app::Mode::Drop || p.target)) {
            s.predicted_known = true;
            s.predicted = socket::may_write(st.mode, st.uid, st.gid, s.acl.entries, app_uid, app_gid, app_groups);
        }
        s.required = o.require_socket || st.stat_errno != ENOENT;
        if (st.stat_errno == ENOENT) s.probe_note = "absent: nothing to probe";
        else if (st.stat_errno == 0 && !S_ISSOCK(st.mode)) s.probe_note = "not a socket: nothing to probe";
        else if (!v.probe_not_run.empty()) s.probe_note = v.probe_not_run;
        else if (v.probe.identity_error) s.probe_note = "not probed: the drop failed";
        else if (v.probe.failure) s.probe_note = "not probed: the probe failed";
        else if (i < v.probe.sockets.size()) s.probe = v.probe.sockets[i];
        return s;
    };
    if (!p.sockets.empty()) {
        for (std::size_t i = 0; i < p.sockets.size(); ++i) {
            SocketReport s = describe(p.sockets[i].ref, p.sockets[i].st, i);
            s.decision = p.sockets[i];
            r.sockets.push_back(std::move(s));
        }
    } else if (p.mode != app::Mode::Passthru) {
        // The plan stopped before the decision table (e.g. an unknown user): still show the sockets.
        for (std::size_t i = 0; i < f.socket_refs.size() && i < f.socket_stats.size(); ++i) {
            SocketReport s = describe(f.socket_refs[i], f.socket_stats[i], i);
            s.decided = false;
            s.decision.message = "not decided: stepdown stops before the decision table (see the verdict)";
            r.sockets.push_back(std::move(s));
        }
    }
    if (f.at_secure) {
        // Installed set-user-ID: whoever runs us must not learn, through us,
        // the owner, mode or ACL of paths only root can see.
        r.sockets.clear();
        r.socket_note = "not shown: stepdown refuses to run set-user-ID or set-group-ID";
    } else if (o.no_socket) r.socket_note = "--no-socket: no socket handling";
    else if (f.socket_note) r.socket_note = *f.socket_note;
    else if (p.mode == app::Mode::Passthru) r.socket_note = "plain init mode: no socket handling";

    // ---- /etc/group
    GroupEditReport& ge = r.group_edit;
    if (p.mode == app::Mode::NonRoot) {
        ge.status = "not-root";
        ge.note = "started as uid " + std::to_string(f.euid) + ", not root: /etc/group is not edited";
    } else if (p.mode == app::Mode::Passthru) {
        ge.status = "not-needed";
        ge.note = "plain init mode: /etc/group is not edited";
    } else if (p.fatal) {
        ge.status = "not-reached";
        ge.note = "stepdown would stop before editing /etc/group (see the verdict)";
    } else if (p.group_requests.empty()) {
        ge.status = "not-needed";
        ge.note = "no socket group to grant, so no edit";
    } else if (!p.group_edit) {
        ge.status = "no-group-file";
        ge.note = p.group_edit_note.empty() ? "no /etc/group: the kernel needs only the number" : p.group_edit_note;
    } else {
        ge.outcomes = p.group_edit->outcomes;
        ge.gshadow = p.group_edit->gshadow_content.has_value();
        if (!p.group_edit->changes) {
            ge.status = "unchanged";
            ge.note = "/etc/group already has what is needed";
        } else {
            const auto after = userdb::parse_group(p.group_edit->group_content);
            for (const auto& oc : ge.outcomes) {
                if (oc.action == userdb::GroupAction::Unchanged) continue;
                if (const auto* e = after.by_name(oc.group_name)) ge.lines.push_back(userdb::format_group_entry(*e));
            }
            std::string gids;
            for (const auto& oc : ge.outcomes) gids += (gids.empty() ? "" : ",") + std::to_string(oc.gid);
            if (v.etc.writable()) {
                ge.status = "would-edit";
                ge.note = std::string("a real start would write /etc/group") + (ge.gshadow ? " and /etc/gshadow" : "") +
                          " (lock, temp file, fsync, rename); --check wrote nothing";
            } else {
                ge.status = "would-fail";
                ge.note = "cannot update /etc/group: " + v.etc.why_not() +
                          "; a real start leaves it unchanged, warns once and continues with numeric group " + gids;
            }
        }
    }

    // ---- the identity after the start
    FinalIdentity& fi = r.final_identity;
    if (p.mode == app::Mode::Drop && p.target) {
        fi.switches = true;
        fi.uid = p.drop.uid;
        fi.gid = p.drop.gid;
        fi.groups = p.drop.groups;
        // --keep-cap: the kept capabilities stay, in every set; the rest go.
        fi.caps_kept = p.drop.keep_caps;
        for (int c : union_of(v.current.caps)) {
            if (std::find(fi.caps_kept.begin(), fi.caps_kept.end(), c) == fi.caps_kept.end())
                fi.caps_dropped.push_back(c);
        }
        fi.no_new_privs = p.drop.no_new_privs;
    } else {
        fi.uid = f.euid;
        fi.gid = f.egid;
        fi.groups = privilege::normalize_groups(f.groups);
        if (p.mode == app::Mode::NonRoot) {
            // privilege::shed_capabilities: effective, permitted, inheritable and ambient go; bounding stays.
            caps::Sets shed = v.current.caps;
            shed.bounding.clear();
            fi.caps_dropped = union_of(shed);
            fi.caps_kept = v.current.caps.bounding;
        } else {
            fi.caps_kept = union_of(v.current.caps);
        }
        fi.no_new_privs = p.mode == app::Mode::NonRoot ? !o.allow_new_privs || v.current.no_new_privs == 1
                                                       : v.current.no_new_privs == 1;
    }

    // ---- problems
    auto& probs = r.problems;
    if (f.at_secure) {
        Fix fx;
        fx.other = "remove the bit: chmod u-s,g-s /path/to/stepdown (in the Dockerfile: RUN chmod u-s,g-s "
                   "/usr/local/bin/stepdown)";
        probs.push_back({Severity::Error, "setuid-install",
                         "", "stepdown is installed set-user-ID or set-group-ID, which would let any user become root; "
                             "it refuses to run",
                         fx});
    }
    if (f.socket_error) probs.push_back({Severity::Error, "usage", "", f.socket_error->message(), Fix{}});
    if (f.file_error) probs.push_back({Severity::Error, "etc-unreadable", "", f.file_error->message(), Fix{}});
    if (p.mode == app::Mode::Drop && p.target && (p.target->uid == 0 || p.target->gid == 0) && !o.allow_root_target)
        probs.push_back({Severity::Error, "root-target", "",
                         "the target is " + std::string(p.target->uid == 0 ? "uid 0" : "gid 0") + " (user " +
                             q(o.user_spec) + " from " + r.target.source + "): dropping to root keeps root",
                         fix_root_target()});
    if (p.mode == app::Mode::Drop && (!f.cap_setuid || !f.cap_setgid || !f.cap_setpcap))
        probs.push_back({Severity::Error, "missing-capabilities", "",
                         "started as root without the capabilities the drop needs (CAP_SETUID, CAP_SETGID, "
                         "CAP_SETPCAP): e.g. docker run --cap-drop ALL",
                         fix_capabilities(!f.cap_setuid, !f.cap_setgid, !f.cap_setpcap, p.drop.uid, p.drop.gid,
                                          p.drop.groups)});
    for (const auto& s : r.sockets) socket_problems(s, o, f.overflow_gid, f.identity_gid_map, ident, probs);
    if (v.probe.identity_error) {
        Fix fx;
        if (v.current.userns.setgroups == "deny")
            fx.other = "this user namespace denies setgroups(2) (/proc/self/setgroups is 'deny'): start the "
                       "container as the target user instead (" + run_as_target(p.drop.uid, p.drop.gid, p.drop.groups) +
                       ")";
        probs.push_back({Severity::Error, "drop-failed", "",
                         "the probe could not take the app's identity the way a real start would: " +
                             v.probe.identity_error->message(),
                         fx});
    }
    if (v.probe.failure) probs.push_back({Severity::Error, "probe-failed", "", v.probe.failure->message(), Fix{}});
    if (ge.status == "would-fail") {
        Fix fx;
        fx.other = "nothing required: the kernel needs only the number; group names only matter to tools that "
                   "print them (id, ls -l)";
        probs.push_back({Severity::Warning, "etc-not-writable", "", ge.note, fx});
    }
    if (p.mode == app::Mode::Drop && !p.drop.keep_caps.empty() && f.cap_bounding && f.cap_permitted) {
        const auto missing = privilege::unavailable_caps(p.drop.keep_caps, *f.cap_bounding, *f.cap_permitted);
        if (!missing.empty())
            probs.push_back({Severity::Error, "keep-cap-unavailable", "",
                             privilege::unavailable_error(missing, *f.cap_bounding).message(), fix_cap_add(missing)});
    }
    // The warnings a real start logs (a --keep-cap with a risk, a low socket
    // GID that is an image's system group, ...): --check shows the same lines.
    for (const auto& note : p.notes) probs.push_back({Severity::Warning, "start-warning", "", note, Fix{}});
    if (p.mode == app::Mode::Drop && o.allow_new_privs)
        probs.push_back({Severity::Note, "new-privs-allowed", "",
                         "--allow-new-privs: no_new_privs will not be set, so set-user-ID programs in the image can "
                         "gain privileges again",
                         Fix{}});
    if (!r.socket_note.empty() && r.sockets.empty())
        probs.push_back({Severity::Note, "no-socket", "", r.socket_note, Fix{}});
    if (p.fatal) {
        const bool explained = std::any_of(probs.begin(), probs.end(), [](const Problem& pr) {
            return pr.severity == Severity::Error;
        });
        if (!explained)
            probs.push_back({Severity::Error, code_for_exit(p.fatal->exit_code), "", p.fatal->message(), Fix{}});
    }

    // ---- the verdict
    if (p.fatal) {
        r.exit_code = p.fatal->exit_code != 0 ? p.fatal->exit_code : exit_code::os_error;
        r.verdict = verdict_for_code(r.exit_code);
        r.summary = "stepdown would not start the app: " + p.fatal->message();
        return r;
    }
    if (v.probe.identity_error) {
        r.exit_code = v.probe.identity_error->exit_code != 0 ? v.probe.identity_error->exit_code : exit_code::os_error;
        r.verdict = Verdict::Failed;
        r.summary = "the drop would fail: " + v.probe.identity_error->message();
        return r;
    }
    if (v.probe.failure) {
        r.exit_code = exit_code::os_error;
        r.verdict = Verdict::Failed;
        r.summary = v.probe.failure->message();
        return r;
    }
    const SocketReport* failing = nullptr;
    std::vector<const SocketReport*> usable;
    for (const auto& s : r.sockets) {
        if (s.usable()) usable.push_back(&s);
        else if (s.required && failing == nullptr) failing = &s;
    }
    if (failing != nullptr) {
        r.exit_code = exit_code::unavailable;
        r.verdict = Verdict::NoAccess;
        const auto& d = failing->decision;
        std::string why = failing->probe.status != PingStatus::Skipped ? failing->probe.detail
                          : !failing->probe_note.empty()                ? failing->probe_note
                                                                        : d.message;
        r.summary = ident + " cannot use " + q(d.ref.path) + ": " + why;
        for (const auto& pr : probs) {
            if (pr.severity == Severity::Error && pr.socket == d.ref.path) {
                if (const std::string fx = first_fix(pr.fix); !fx.empty()) r.summary += "; fix: " + fx;
                break;
            }
        }
        return r;
    }
    r.exit_code = exit_code::ok;
    r.verdict = Verdict::Ok;
    const std::string as = p.mode == app::Mode::Drop ? "the app would run as " + ident : ident;
    if (usable.size() == 1) {
        r.summary = as + (p.mode == app::Mode::Drop ? " and can use " : " can use ") + q(usable[0]->decision.ref.path) +
                    " (GET /_ping: " + usable[0]->probe.detail + " in " + format_rtt(usable[0]->probe.rtt_us) + ")";
    } else if (!usable.empty()) {
        std::string list;
        for (const auto* s : usable) list += (list.empty() ? "" : ", ") + q(s->decision.ref.path);
        r.summary = as + (p.mode == app::Mode::Drop ? " and can use " : " can use ") + "all " +
                    std::to_string(usable.size()) + " sockets (" + list + ")";
    } else {
        std::string why = !r.socket_note.empty() ? r.socket_note
                          : !r.sockets.empty()   ? q(r.sockets[0].decision.ref.path) + " is absent"
                                                 : "no socket configured";
        if (p.mode == app::Mode::Passthru) r.summary = "plain init: the command would run as " + ident + "; " + why;
        else if (p.mode == app::Mode::Drop) r.summary = as + "; no socket to use (" + why + ")";
        else r.summary = "the app would run as " + ident + "; no socket to use (" + why + ")";
    }
    return r;
}

}  // namespace stepdown::check
