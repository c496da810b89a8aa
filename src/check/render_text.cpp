// stepdown --check for people: sections of aligned "label  value" rows, the
// problems with their fixes, and the one-line verdict last. Colour (bold
// headings, green/red/yellow status words) only when use_colour() says so.
#include <algorithm>
#include <cstring>

#include "check/current.hpp"
#include "check/report.hpp"

#ifndef STEPDOWN_VERSION
#define STEPDOWN_VERSION "0.0.0"
#endif

namespace stepdown::check {
namespace {

constexpr std::size_t label_width = 16;

class Text {
public:
    explicit Text(bool colour) : colour_(colour) {}

    std::string paint(std::string_view code, std::string_view s) const {
        if (!colour_) return std::string(s);
        return "\x1b[" + std::string(code) + "m" + std::string(s) + "\x1b[0m";
    }
    std::string bold(std::string_view s) const { return paint("1", s); }
    std::string green(std::string_view s) const { return paint("32", s); }
    std::string red(std::string_view s) const { return paint("31", s); }
    std::string yellow(std::string_view s) const { return paint("33", s); }
    std::string dim(std::string_view s) const { return paint("2", s); }

    void heading(std::string_view title) {
        if (!out_.empty()) out_ += '\n';
        out_ += bold(title) + "\n";
    }
    // "  label           value"; a multi-line value continues under the value column.
    // visible: the label's width on screen (colour codes take none).
    void row(std::string_view label, std::string_view value, std::size_t visible = std::string_view::npos) {
        if (visible == std::string_view::npos) visible = label.size();
        std::string pad(label_width > visible ? label_width - visible : 1, ' ');
        out_ += "  " + std::string(label) + pad;
        std::size_t start = 0;
        while (true) {
            const auto nl = value.find('\n', start);
            out_ += value.substr(start, nl == std::string_view::npos ? nl : nl - start);
            out_ += '\n';
            if (nl == std::string_view::npos) break;
            start = nl + 1;
            out_ += std::string(2 + label_width, ' ');
        }
    }
    void line(std::string_view s) {
        out_ += s;
        out_ += '\n';
    }
    [[nodiscard]] const std::string& str() const { return out_; }

private:
    bool colour_;
    std::string out_;
};

// Printable form of a user-controlled value: control characters as \xNN so
// a path cannot move the cursor or fake a line.
std::string safe(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += ch;
        }
    }
    return out;
}

std::string q(std::string_view s) { return "'" + safe(s) + "'"; }

std::string ids_text(const sys::Ids& i) {
    if (i.real == i.effective && i.effective == i.saved) return std::to_string(i.real);
    return std::to_string(i.effective) + " (real " + std::to_string(i.real) + ", effective " +
           std::to_string(i.effective) + ", saved " + std::to_string(i.saved) + ")";
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string s;
    for (const auto& x : v) {
        if (!s.empty()) s += sep;
        s += x;
    }
    return s;
}

std::string cap_set(const std::vector<int>& set, const std::vector<int>& bounding, bool is_bounding) {
    if (set.empty()) return "none";
    if (!is_bounding && set == bounding) return "all " + std::to_string(set.size()) + " of the bounding set";
    return join(cap_names(set), ",") + " (" + std::to_string(set.size()) + ")";
}

std::string named(std::int64_t id, const std::string& name) {
    return std::to_string(id) + (name.empty() ? "" : " (" + safe(name) + ")");
}

void fix_rows(Text& t, const Fix& f) {
    if (!f.docker_run.empty()) t.row("  docker run", safe(f.docker_run));
    if (!f.compose.empty()) t.row("  compose", safe(f.compose));
    if (!f.kubernetes.empty()) t.row("  kubernetes", safe(f.kubernetes));
    if (!f.other.empty()) t.row(f.docker_run.empty() && f.compose.empty() ? "  fix" : "  or", safe(f.other));
}

std::string probe_text(const Text& t, const SocketReport& s) {
    const PingResult& r = s.probe;
    switch (r.status) {
        case PingStatus::Ok: return t.green("OK") + "  GET /_ping -> " + safe(r.detail) + " in " + format_rtt(r.rtt_us);
        case PingStatus::Skipped: return t.dim("not probed") + "  " + safe(s.probe_note);
        default: break;
    }
    std::string s2 = t.red("FAILED") + "  " + ping_status_name(r.status) + ": " + safe(r.detail);
    if (r.rtt_us >= 0) s2 += " (after " + format_rtt(r.rtt_us) + ")";
    return s2;
}

// The live probe's capability line: judged against the plan (the kept
// capabilities in every set after a drop with --keep-cap), from the kernel.
std::string probe_caps(const ProbeOutcome& p, const FinalIdentity& f) {
    const std::string held = p.caps_held.empty() ? "none" : join(cap_names(p.caps_held), ",");
    if (f.switches && !f.caps_kept.empty()) {
        if (p.caps_as_planned) return "exactly " + held + " in every set, as planned (--keep-cap)";
        return "not as planned: held " + held + ", planned " + join(cap_names(f.caps_kept), ",") + " in every set";
    }
    if (p.caps_empty) return "none in any set";
    if (p.caps_as_planned) return "none held (the bounding set stays)";
    return "not all sets empty: held " + held;
}

}  // namespace

std::string render_text(const Report& r, bool colour) {
    Text t(colour);
    t.line(t.bold("stepdown --check") + " " + STEPDOWN_VERSION + "  (changes nothing)");

    const CurrentIdentity& c = r.current;
    t.heading("Running now");
    t.row("uid", ids_text(c.uid));
    t.row("gid", ids_text(c.gid));
    t.row("groups", format_gid_list(c.groups));
    if (c.caps_errno != 0) {
        t.row("capabilities", std::string("unknown: ") + std::strerror(c.caps_errno));
    } else {
        t.row("capabilities", "effective    " + cap_set(c.caps.effective, c.caps.bounding, false) +
                                  "\npermitted    " + cap_set(c.caps.permitted, c.caps.bounding, false) +
                                  "\ninheritable  " + cap_set(c.caps.inheritable, c.caps.bounding, false) +
                                  "\nambient      " + cap_set(c.caps.ambient, c.caps.bounding, false) +
                                  "\nbounding     " + cap_set(c.caps.bounding, c.caps.bounding, true));
    }
    t.row("no_new_privs", c.no_new_privs < 0 ? "unknown" : std::to_string(c.no_new_privs));
    t.row("PID 1", c.pid == 1 ? "yes" : "no (pid " + std::to_string(c.pid) + ")");
    if (!c.userns.readable) {
        t.row("user namespace", "unknown (/proc/self/uid_map unreadable)");
    } else {
        t.row("user namespace", std::string(c.userns.nested ? "yes (not the initial namespace)" : "no (initial namespace)") +
                                    "\nuid_map " + format_id_map(c.userns.uid_map) + "; gid_map " +
                                    format_id_map(c.userns.gid_map) +
                                    (c.userns.setgroups.empty() ? "" : "; setgroups " + safe(c.userns.setgroups)));
    }
    t.row("mode", std::string(app::mode_name(r.mode)) +
                      (r.mode == app::Mode::Drop      ? ": started as root, would drop to the target"
                       : r.mode == app::Mode::NonRoot ? ": not root, would run the app as this identity"
                                                      : ": plain init, no user switch"));

    t.heading("App identity");
    if (r.target.known) {
        std::string user = std::to_string(r.target.uid) + ":" + std::to_string(r.target.gid);
        if (r.target.name) user += " " + q(*r.target.name);
        if (r.target.home) user += " home " + q(*r.target.home);
        if (!r.target.name) user += " (no passwd entry)";
        t.row("user", user);
    } else {
        t.row("user", "unknown");
    }
    t.row("from", safe(r.target.source) + (r.target.spec.empty() ? "" : " " + q(r.target.spec)));
    t.row("groups", format_gid_list(r.target.extra_groups) +
                        (r.mode == app::Mode::Drop ? " (--groups; socket groups are added below)" : ""));
    if (r.mode == app::Mode::Drop)
        t.row("runtime groups", format_gid_list(r.target.runtime_groups) +
                                    " (added by the container runtime, e.g. docker run --group-add; kept unless "
                                    "--no-runtime-groups)");

    for (const auto& s : r.sockets) {
        const auto& d = s.decision;
        t.heading("Socket " + q(d.ref.path) + " (" + socket::origin_name(d.ref.origin) + ")");
        if (d.st.stat_errno != 0) {
            t.row("type", s.type + " (" + std::strerror(d.st.stat_errno) + ")");
        } else {
            t.row("type", s.type);
            t.row("owner", named(d.st.uid, s.owner_name));
            t.row("group", named(d.st.gid, s.group_name));
            t.row("mode", format_mode(d.st.mode));
            std::string acl;
            if (s.acl.unsupported) acl = "not supported by the filesystem";
            else if (s.acl.sys_errno != 0) acl = std::string("unreadable: ") + std::strerror(s.acl.sys_errno);
            else if (!s.acl.malformed.empty()) acl = safe(s.acl.malformed);
            else if (s.acl.entries.empty()) acl = "none";
            else {
                std::vector<std::string> e;
                for (const auto& x : s.acl.entries) e.push_back(socket::format_acl_entry(x));
                acl = join(e, " ") + " (the mode's group bits are the mask)";
            }
            t.row("ACL", acl);
        }
        if (s.decided) t.row("decision", t.bold(socket::row_name(d.row)) + ": " + safe(d.message));
        else t.row("decision", safe(d.message));
        if (s.predicted_known)
            t.row("permission", std::string(s.predicted.allowed ? "write allowed" : "write denied") + " for the app by " +
                                    safe(s.predicted.via));
        t.row("required", s.required ? "yes" : "no (absent and no --require-socket)");
        t.row("live probe", probe_text(t, s));
    }
    if (!r.socket_note.empty()) {
        t.heading("Sockets");
        t.row("note", safe(r.socket_note));
    }

    t.heading("/etc/group");
    t.row("edit", r.group_edit.status + ": " + safe(r.group_edit.note));
    for (const auto& o : r.group_edit.outcomes) t.row("group " + std::to_string(o.gid), safe(o.reason));
    for (const auto& l : r.group_edit.lines) t.row("line", safe(l));

    const FinalIdentity& f = r.final_identity;
    t.heading(f.switches ? "After the drop" : "The app would have");
    t.row("uid:gid", std::to_string(f.uid) + ":" + std::to_string(f.gid) +
                         (f.switches ? " (real, effective and saved)" : " (unchanged)"));
    t.row("groups", format_gid_list(f.groups) + (f.switches ? " (exactly; none of root's own)" : ""));
    if (f.switches) {
        std::string drops = f.caps_dropped.empty() ? "" : "drops " + std::to_string(f.caps_dropped.size()) + ": " +
                                                              join(cap_names(f.caps_dropped), ",");
        if (!f.caps_kept.empty())
            t.row("capabilities", "keeps " + join(cap_names(f.caps_kept), ",") +
                                      " (--keep-cap) in every set, nothing else" + (drops.empty() ? "" : "; " + drops));
        else
            t.row("capabilities", drops.empty() ? "none (none held now)" : "none in any set; " + drops);
    } else {
        std::string caps = f.caps_dropped.empty() ? "none to shed"
                                                  : "sheds " + std::to_string(f.caps_dropped.size()) + ": " +
                                                        join(cap_names(f.caps_dropped), ",");
        if (r.mode == app::Mode::NonRoot)
            caps += "; the bounding set keeps " + std::to_string(f.caps_kept.size()) +
                    " (dropping it needs CAP_SETPCAP; with no_new_privs it grants nothing)";
        else caps = "unchanged: " + (f.caps_kept.empty() ? std::string("none") : join(cap_names(f.caps_kept), ","));
        t.row("capabilities", caps);
    }
    t.row("no_new_privs", f.no_new_privs ? "1" : "0");

    t.heading("Live probe");
    if (r.probe_ran && !r.probe.failure) {
        const auto& p = r.probe;
        t.row("as", "uid " + ids_text(p.uid) + " gid " + ids_text(p.gid) + " groups " + format_gid_list(p.groups) +
                        "; capabilities " + probe_caps(p, f) + "; no_new_privs " +
                        (p.no_new_privs < 0 ? "unknown" : std::to_string(p.no_new_privs)));
        if (p.identity_error) t.row("drop", t.red("FAILED") + "  " + safe(p.identity_error->message()));
        else if (f.switches) t.row("drop", t.green("OK") + "  taken and proven in a child, as a real start does");
    } else if (r.probe.failure) {
        t.row("probe", t.red("FAILED") + "  " + safe(r.probe.failure->message()));
    } else {
        t.row("probe", "not run: " + safe(r.probe_not_run));
    }

    if (!r.problems.empty()) {
        t.heading("Problems");
        for (const auto& p : r.problems) {
            const std::string sev = p.severity == Severity::Error     ? t.red("error")
                                    : p.severity == Severity::Warning ? t.yellow("warning")
                                                                      : t.dim("note");
            t.row(sev, p.code + ": " + safe(p.message), std::strlen(severity_name(p.severity)));
            fix_rows(t, p.fix);
        }
    }

    std::string word = verdict_name(r.verdict);
    std::replace(word.begin(), word.end(), '-', ' ');
    const std::string painted = r.verdict == Verdict::Ok ? t.green(word) : t.red(word);
    t.line("");
    t.line(t.bold("verdict") + ": " + painted + " (exit " + std::to_string(r.exit_code) + "): " + safe(r.summary));
    return t.str();
}

}  // namespace stepdown::check
