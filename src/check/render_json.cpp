// stepdown --check --json: the "stepdown-check/1" document (docs/check-json-schema.md).
// Compact, one line, keys in a fixed order; every string escaped.
#include <cstring>

#include "check/current.hpp"
#include "check/json.hpp"
#include "check/report.hpp"

#ifndef STEPDOWN_VERSION
#define STEPDOWN_VERSION "0.0.0"
#endif
#ifndef STEPDOWN_GIT
#define STEPDOWN_GIT "unknown"
#endif

namespace stepdown::check {
namespace {

void ids(JsonWriter& w, std::string_view name, const sys::Ids& i) {
    w.key(name).begin_object();
    w.field("real", i.real).field("effective", i.effective).field("saved", i.saved);
    w.end_object();
}

void gids(JsonWriter& w, std::string_view name, const std::vector<gid_t>& groups) {
    w.key(name).begin_array();
    for (gid_t g : groups) w.number(g);
    w.end_array();
}

void opt_string(JsonWriter& w, std::string_view name, const std::optional<std::string>& v) {
    if (v) w.field(name, *v);
    else w.key(name).null();
}

void nonempty_or_null(JsonWriter& w, std::string_view name, const std::string& v) {
    if (v.empty()) w.key(name).null();
    else w.field(name, v);
}

void tri(JsonWriter& w, std::string_view name, int v) {
    if (v < 0) w.key(name).null();
    else w.field(name, v != 0);
}

void cap_list(JsonWriter& w, std::string_view name, const std::vector<int>& caps) {
    w.string_array(name, cap_names(caps));
}

void id_map(JsonWriter& w, std::string_view name, const std::vector<IdMapEntry>& map) {
    w.key(name).begin_array();
    for (const auto& e : map) {
        w.begin_object();
        w.field("inside", static_cast<std::int64_t>(e.inside))
            .field("outside", static_cast<std::int64_t>(e.outside))
            .field("count", static_cast<std::int64_t>(e.count));
        w.end_object();
    }
    w.end_array();
}

void errno_fields(JsonWriter& w, int e) {
    if (e == 0) {
        w.key("errno").null();
        w.key("error").null();
        return;
    }
    const char* name = ::strerrorname_np(e);
    w.field("errno", name != nullptr ? name : std::to_string(e));
    w.field("error", std::strerror(e));
}

const char* action_name(userdb::GroupAction a) {
    switch (a) {
        case userdb::GroupAction::Unchanged: return "unchanged";
        case userdb::GroupAction::AddedMember: return "added-member";
        case userdb::GroupAction::Created: return "created";
    }
    return "?";
}

void current(JsonWriter& w, const CurrentIdentity& c) {
    w.key("current").begin_object();
    ids(w, "uid", c.uid);
    ids(w, "gid", c.gid);
    gids(w, "groups", c.groups);
    if (c.caps_errno != 0) {
        w.key("capabilities").null();
    } else {
        w.key("capabilities").begin_object();
        cap_list(w, "effective", c.caps.effective);
        cap_list(w, "permitted", c.caps.permitted);
        cap_list(w, "inheritable", c.caps.inheritable);
        cap_list(w, "bounding", c.caps.bounding);
        cap_list(w, "ambient", c.caps.ambient);
        w.end_object();
    }
    tri(w, "no_new_privs", c.no_new_privs);
    w.field("pid", static_cast<std::int64_t>(c.pid)).field("pid1", c.pid == 1);
    if (!c.userns.readable) {
        w.key("user_namespace").null();
    } else {
        w.key("user_namespace").begin_object();
        w.field("nested", c.userns.nested);
        id_map(w, "uid_map", c.userns.uid_map);
        id_map(w, "gid_map", c.userns.gid_map);
        nonempty_or_null(w, "setgroups", c.userns.setgroups);
        w.end_object();
    }
    w.end_object();
}

void target(JsonWriter& w, const TargetReport& t) {
    w.key("target").begin_object();
    w.field("known", t.known);
    if (t.known) {
        w.field("uid", static_cast<std::int64_t>(t.uid)).field("gid", static_cast<std::int64_t>(t.gid));
    } else {
        w.key("uid").null().key("gid").null();
    }
    opt_string(w, "name", t.name);
    opt_string(w, "home", t.home);
    w.field("source", t.source);
    nonempty_or_null(w, "spec", t.spec);
    gids(w, "extra_groups", t.extra_groups);
    gids(w, "runtime_groups", t.runtime_groups);
    w.end_object();
}

void probe_result(JsonWriter& w, const SocketReport& s) {
    const PingResult& r = s.probe;
    w.key("probe").begin_object();
    w.field("status", ping_status_name(r.status));
    w.field("ok", r.status == PingStatus::Ok);
    w.field("connected", r.connected);
    if (r.http_status != 0) w.field("http_status", r.http_status);
    else w.key("http_status").null();
    errno_fields(w, r.sys_errno);
    nonempty_or_null(w, "detail", r.status == PingStatus::Skipped ? s.probe_note : r.detail);
    if (r.rtt_us >= 0) w.field("rtt_us", r.rtt_us);
    else w.key("rtt_us").null();
    w.end_object();
}

void socket_entry(JsonWriter& w, const SocketReport& s) {
    const auto& d = s.decision;
    w.begin_object();
    w.field("path", d.ref.path);
    w.field("origin", socket::origin_name(d.ref.origin));
    w.field("type", s.type);
    if (d.st.stat_errno != 0) {
        w.key("stat").begin_object();
        errno_fields(w, d.st.stat_errno);
        w.end_object();
        w.key("owner").null().key("group").null().key("mode").null();
    } else {
        w.key("stat").null();
        w.key("owner").begin_object().field("uid", static_cast<std::int64_t>(d.st.uid));
        nonempty_or_null(w, "name", s.owner_name);
        w.end_object();
        w.key("group").begin_object().field("gid", static_cast<std::int64_t>(d.st.gid));
        nonempty_or_null(w, "name", s.group_name);
        w.end_object();
        w.field("mode", format_mode(d.st.mode));
    }
    w.key("acl").begin_object();
    std::vector<std::string> entries;
    for (const auto& e : s.acl.entries) entries.push_back(socket::format_acl_entry(e));
    w.string_array("entries", entries);
    w.field("supported", !s.acl.unsupported);
    if (s.acl.sys_errno != 0) w.field("error", std::strerror(s.acl.sys_errno));
    else if (!s.acl.malformed.empty()) w.field("error", s.acl.malformed);
    else w.key("error").null();
    w.end_object();
    w.key("decision").begin_object();
    if (s.decided) w.field("row", socket::row_name(d.row));
    else w.key("row").null();
    w.field("grant", d.grant).field("fatal", d.fatal);
    w.field("why", d.message);
    nonempty_or_null(w, "fix", d.fix);
    w.end_object();
    if (s.predicted_known) {
        w.key("permission").begin_object().field("allowed", s.predicted.allowed).field("via", s.predicted.via).end_object();
    } else {
        w.key("permission").null();
    }
    w.field("required", s.required);
    probe_result(w, s);
    w.end_object();
}

void group_edit(JsonWriter& w, const GroupEditReport& g) {
    w.key("group_edit").begin_object();
    w.field("status", g.status);
    w.field("note", g.note);
    w.string_array("lines", g.lines);
    w.key("outcomes").begin_array();
    for (const auto& o : g.outcomes) {
        w.begin_object()
            .field("gid", static_cast<std::int64_t>(o.gid))
            .field("action", action_name(o.action))
            .field("group", o.group_name)
            .field("reason", o.reason)
            .end_object();
    }
    w.end_array();
    w.field("gshadow", g.gshadow);
    w.end_object();
}

void after(JsonWriter& w, const FinalIdentity& f) {
    w.key("after").begin_object();
    w.field("switches", f.switches);
    w.field("uid", static_cast<std::int64_t>(f.uid)).field("gid", static_cast<std::int64_t>(f.gid));
    gids(w, "groups", f.groups);
    cap_list(w, "capabilities_dropped", f.caps_dropped);
    cap_list(w, "capabilities_kept", f.caps_kept);
    w.field("no_new_privs", f.no_new_privs);
    w.end_object();
}

void probe(JsonWriter& w, const Report& r) {
    w.key("probe").begin_object();
    w.field("ran", r.probe_ran && !r.probe.failure);
    nonempty_or_null(w, "not_run", r.probe_not_run);
    if (r.probe_ran && !r.probe.failure) {
        w.key("as").begin_object();
        ids(w, "uid", r.probe.uid);
        ids(w, "gid", r.probe.gid);
        gids(w, "groups", r.probe.groups);
        tri(w, "no_new_privs", r.probe.no_new_privs);
        w.field("capabilities_empty", r.probe.caps_empty);
        w.field("capabilities_as_planned", r.probe.caps_as_planned);
        cap_list(w, "capabilities_held", r.probe.caps_held);
        w.end_object();
    } else {
        w.key("as").null();
    }
    if (r.probe.identity_error) w.field("error", r.probe.identity_error->message());
    else if (r.probe.failure) w.field("error", r.probe.failure->message());
    else w.key("error").null();
    w.end_object();
}

void fix(JsonWriter& w, const Fix& f) {
    if (f.empty()) {
        w.key("fix").null();
        return;
    }
    w.key("fix").begin_object();
    nonempty_or_null(w, "docker_run", f.docker_run);
    nonempty_or_null(w, "compose", f.compose);
    nonempty_or_null(w, "kubernetes", f.kubernetes);
    nonempty_or_null(w, "other", f.other);
    w.end_object();
}

}  // namespace

std::string render_json(const Report& r) {
    JsonWriter w;
    w.begin_object();
    w.field("schema", schema_id);
    w.key("stepdown").begin_object().field("version", STEPDOWN_VERSION).field("git", STEPDOWN_GIT).end_object();
    w.field("ok", r.verdict == Verdict::Ok);
    w.key("verdict").begin_object();
    w.field("status", verdict_name(r.verdict)).field("exit_code", r.exit_code).field("summary", r.summary);
    w.end_object();
    w.field("mode", app::mode_name(r.mode));
    current(w, r.current);
    target(w, r.target);
    w.key("sockets").begin_array();
    for (const auto& s : r.sockets) socket_entry(w, s);
    w.end_array();
    nonempty_or_null(w, "socket_note", r.socket_note);
    group_edit(w, r.group_edit);
    after(w, r.final_identity);
    probe(w, r);
    w.key("problems").begin_array();
    for (const auto& p : r.problems) {
        w.begin_object();
        w.field("severity", severity_name(p.severity)).field("code", p.code);
        nonempty_or_null(w, "socket", p.socket);
        w.field("message", p.message);
        fix(w, p.fix);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return w.text() + "\n";
}

}  // namespace stepdown::check
