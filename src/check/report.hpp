// The --check report as plain data, built by a pure function from what the
// real start would decide (Options, Facts, Plan) and what check read and
// probed (SystemView). The renderers (render_text.cpp, render_json.cpp) only
// format it; the verdict and exit code are decided here.
//
// Exit codes (README "stepdown --check"):
//   0   the app would start, and every required socket answered the live probe
//       (GET /_ping -> 200 "OK") as the app's identity. A socket is required
//       when it exists (stat succeeds or fails otherwise than ENOENT) or when
//       --require-socket is given; an absent socket is otherwise only a note.
//   69  no access: a required socket is absent, not a socket, or the probe
//       failed (permission denied, connection refused, HTTP error, no or a
//       wrong answer, timeout).
//   77  would be refused: socket GID 0 without --allow-gid0, target uid/gid 0,
//       setuid install, missing CAP_SETUID/SETGID/SETPCAP, a --keep-cap
//       capability off the allow-list or missing from the bounding set.
//   64, 65, 67  bad configuration: usage (bad value, DOCKER_HOST, user spec),
//       unreadable /etc/passwd or /etc/group, unknown user or group.
//   70, 71  the probe could not take the identity the way a real start would
//       (the proof after the drop failed / a privilege syscall failed), or the
//       probe itself failed (71).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "app/plan.hpp"
#include "socket/acl.hpp"
#include "check/current.hpp"
#include "check/etc_state.hpp"
#include "check/fixes.hpp"
#include "check/probe.hpp"
#include "config/options.hpp"

namespace stepdown::check {

inline constexpr const char* schema_id = "stepdown-check/1";

// What check itself read from the system (Facts are the real start's).
struct SystemView {
    CurrentIdentity current;
    std::vector<socket::AclRead> acls;        // parallel to plan.sockets
    EtcState etc;
    ProbeOutcome probe;
    std::string probe_not_run;        // why the probe was not run ("" when it ran or failed)
    int probe_timeout_ms = 5000;
};

enum class Verdict { Ok, Refused, NoAccess, BadConfig, Failed };
const char* verdict_name(Verdict v);  // "ok", "refused", "no-access", "bad-config", "failed"

enum class Severity { Error, Warning, Note };
const char* severity_name(Severity s);  // "error", "warning", "note"

struct Problem {
    Severity severity = Severity::Error;
    std::string code;     // stable identifier: "needs-group", "connection-refused", ...
    std::string socket;   // the socket's path, or "" for the whole start
    std::string message;  // what is wrong and why
    Fix fix;
};

struct SocketReport {
    socket::Decision decision;
    bool decided = true;              // false when the plan stopped before the decision table
    std::string type;                 // "socket", "directory", ...; "absent"; "unknown" (stat failed)
    std::string owner_name;           // from /etc/passwd, "" when none
    std::string group_name;           // from /etc/group, "" when none
    socket::AclRead acl;
    bool predicted_known = false;     // the permission bits/ACL could be judged
    socket::Access predicted;                 // what mode + ACL say for the app's identity
    bool required = false;
    PingResult probe;                 // status Skipped when not probed
    std::string probe_note;           // why skipped
    [[nodiscard]] bool usable() const { return probe.status == PingStatus::Ok; }
};

struct TargetReport {
    bool known = false;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string source;               // "--user", "STEPDOWN_USER", "default", "current identity"
    std::string spec;                 // the user spec as given
    std::optional<std::string> name;  // passwd entry name
    std::optional<std::string> home;
    std::vector<gid_t> extra_groups;  // --groups
    std::vector<gid_t> runtime_groups;  // kept from the runtime's (docker run --group-add)
};

struct GroupEditReport {
    std::string status;               // "not-needed", "unchanged", "would-edit", "would-fail", "no-group-file", "not-root"
    std::string note;                 // why, in one sentence
    std::vector<userdb::GroupOutcome> outcomes;
    std::vector<std::string> lines;   // /etc/group lines that would be added or changed
    bool gshadow = false;             // /etc/gshadow would be kept in step
};

struct FinalIdentity {
    bool switches = false;            // a drop would happen (started as root)
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::vector<int> caps_dropped;    // held now and gone after the start (drop: every set but the kept ones;
                                      // non-root: all but bounding)
    std::vector<int> caps_kept;       // left after the start: a drop keeps --keep-cap's in every set; non-root
                                      // keeps the bounding set (no CAP_SETPCAP to drop it)
    bool no_new_privs = true;
};

struct Report {
    app::Mode mode = app::Mode::Drop;
    CurrentIdentity current;
    TargetReport target;
    std::vector<SocketReport> sockets;
    std::string socket_note;          // e.g. DOCKER_HOST is tcp://, --no-socket
    GroupEditReport group_edit;
    FinalIdentity final_identity;
    bool probe_ran = false;
    std::string probe_not_run;
    ProbeOutcome probe;
    std::vector<Problem> problems;
    Verdict verdict = Verdict::Ok;
    int exit_code = 0;
    std::string summary;              // the one-line verdict, without the status word
};

Report build_report(const config::Options& options, const app::Facts& facts, const app::Plan& plan,
                    const SystemView& view);

// Decides whether colour is used: stdout a terminal, NO_COLOR not set (any
// value, even empty, turns colour off), TERM not "dumb".
bool use_colour(bool stdout_is_tty, const char* no_color, const char* term);

std::string render_text(const Report& report, bool colour);
std::string render_json(const Report& report);  // one line, ends with '\n'

// "1.2 ms", "350 us"
std::string format_rtt(std::int64_t us);
// "0660"
std::string format_mode(mode_t mode);
// "[988,999]" -> "988,999"; "none" when empty
std::string format_gid_list(const std::vector<gid_t>& groups);

}  // namespace stepdown::check
