// src/check/report.cpp: the verdict, exit code, problem codes and fix text
// of stepdown --check for every decision-table row, from plain data: the
// real start's make_plan over fabricated Facts, and a fabricated probe.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "app/exit_codes.hpp"
#include "app/plan.hpp"
#include "check/json.hpp"
#include "check/report.hpp"

using namespace stepdown;
using check::PingStatus;
using check::Verdict;

namespace {

config::Options options(std::vector<std::string> args) {
    args.insert(args.begin(), "stepdown");
    args.emplace_back("--check");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto o = config::parse(static_cast<int>(args.size()), argv.data(), {});
    REQUIRE(o);
    return *o;
}

const char* const sock_path = "/var/run/docker.sock";

app::Facts facts(uid_t euid, socket::SocketStat st) {
    app::Facts f;
    f.euid = euid;
    f.egid = euid;
    f.groups = euid == 0 ? std::vector<gid_t>{0} : std::vector<gid_t>{};
    f.cap_setuid = f.cap_setgid = f.cap_setpcap = euid == 0;
    f.passwd = userdb::parse_passwd("root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
    f.group = userdb::parse_group("root:x:0:\napp:x:1000:\n");
    f.group_exists = true;
    f.socket_refs = {{sock_path, socket::Origin::Default}};
    f.socket_stats = {st};
    return f;
}

socket::SocketStat sock(uid_t uid, gid_t gid, mode_t perm) { return {0, static_cast<mode_t>(S_IFSOCK | perm), uid, gid}; }

check::PingResult ping(PingStatus s, int err = 0, int http = 0, const char* detail = "") {
    check::PingResult r;
    r.status = s;
    r.connected = s != PingStatus::ConnectFailed;
    r.sys_errno = err;
    r.http_status = http;
    r.detail = detail;
    r.rtt_us = r.connected ? 420 : -1;
    return r;
}

// The probe as run_probe would have returned it.
check::SystemView view(const app::Plan& p, std::vector<check::PingResult> pings, bool writable_etc = true) {
    check::SystemView v;
    v.current.uid = {0, 0, 0};
    v.current.caps.bounding = {0, 1, 6, 7, 8};
    v.current.caps.effective = v.current.caps.bounding;
    v.current.caps.permitted = v.current.caps.bounding;
    v.acls.resize(std::max<std::size_t>(p.sockets.size(), 1));
    v.etc.dir = "/etc";
    v.etc.read_only = !writable_etc;
    if (p.fatal) {
        v.probe_not_run = "stepdown would refuse to start (see the verdict), so no identity is taken";
    } else {
        v.probe.ran = true;
        v.probe.uid = {p.drop.uid, p.drop.uid, p.drop.uid};
        v.probe.gid = {p.drop.gid, p.drop.gid, p.drop.gid};
        v.probe.groups = p.drop.groups;
        v.probe.sockets = std::move(pings);
    }
    return v;
}

struct Out {
    check::Report r;
    std::string json;
    std::string text;
};

Out check_of(const std::vector<std::string>& args, const app::Facts& f, std::vector<check::PingResult> pings,
             bool writable_etc = true) {
    const auto o = options(args);
    const auto p = app::make_plan(o, f);
    Out out{check::build_report(o, f, p, view(p, std::move(pings), writable_etc)), "", ""};
    out.json = check::render_json(out.r);
    out.text = check::render_text(out.r, false);
    std::string why;
    INFO(out.json);
    CHECK(check::json_valid(out.json, &why));
    CHECK(why.empty());
    return out;
}

const check::Problem* problem(const check::Report& r, const std::string& code) {
    for (const auto& p : r.problems)
        if (p.code == code) return &p;
    return nullptr;
}

}  // namespace

TEST_CASE("check verdicts for every decision-table row (started as root)", "[check][report]") {
    struct Case {
        const char* name;
        std::vector<std::string> args;
        socket::SocketStat st;
        std::vector<check::PingResult> pings;
        Verdict verdict;
        int code;
        const char* row;
        const char* problem;   // "" = no error/warning about the socket
        const char* fix_text;  // appears in the problem's fix (any form)
    };
    const auto ok = ping(PingStatus::Ok, 0, 200, "200 OK");
    const auto denied = ping(PingStatus::ConnectFailed, EACCES, 0, "connect: Permission denied");
    const Case cases[] = {
        {"grant", {}, sock(0, 988, 0660), {ok}, Verdict::Ok, 0, "grant", "", ""},
        {"owner is target", {}, sock(1000, 988, 0600), {ok}, Verdict::Ok, 0, "owner-is-target", "", ""},
        {"already member", {"-G", "988"}, sock(0, 988, 0660), {ok}, Verdict::Ok, 0, "already-member", "", ""},
        {"world writable", {}, sock(0, 988, 0666), {ok}, Verdict::Ok, 0, "world-writable", "", ""},
        {"absent, not required", {}, {ENOENT, 0, 0, 0}, {check::PingResult{}}, Verdict::Ok, 0, "absent", "", ""},
        {"absent, required", {"--require-socket"}, {ENOENT, 0, 0, 0}, {}, Verdict::NoAccess, exit_code::unavailable,
         "absent", "absent", "-v /var/run/docker.sock:/var/run/docker.sock"},
        {"stat failed", {}, {ELOOP, 0, 0, 0}, {ping(PingStatus::ConnectFailed, ELOOP, 0, "connect: loop")},
         Verdict::NoAccess, exit_code::unavailable, "stat-failed", "stat-failed", "check the socket path"},
        {"directory", {}, {0, S_IFDIR | 0755, 0, 0}, {}, Verdict::NoAccess, exit_code::unavailable, "not-a-socket",
         "not-a-socket", "Docker created a directory"},
        {"gid 0 refused", {}, sock(0, 0, 0660), {}, Verdict::Refused, exit_code::refused, "gid0-refused", "gid0-refused",
         "STEPDOWN_ALLOW_GID0=1"},
        {"gid 0 allowed", {"--allow-gid0"}, sock(0, 0, 0660), {ok}, Verdict::Ok, 0, "gid0-granted", "gid0-granted",
         "dedicated group"},
        {"overflow gid", {}, sock(0, 65534, 0660), {denied}, Verdict::NoAccess, exit_code::unavailable, "overflow-gid",
         "overflow-gid", "socket proxy"},
        {"overflow gid, required", {"--require-socket"}, sock(0, 65534, 0660), {}, Verdict::NoAccess,
         exit_code::unavailable, "overflow-gid", "overflow-gid", "--userns=host"},
        {"group not writable", {}, sock(0, 988, 0640), {denied}, Verdict::NoAccess, exit_code::unavailable,
         "group-not-writable", "group-not-writable", "chmod g+w"},
        {"grant, but refused", {}, sock(0, 988, 0660), {ping(PingStatus::ConnectFailed, ECONNREFUSED, 0, "connect: refused")},
         Verdict::NoAccess, exit_code::unavailable, "grant", "connection-refused", "systemctl start docker"},
        {"grant, but 500", {}, sock(0, 988, 0660),
         {ping(PingStatus::HttpError, 0, 500, "HTTP 500 Internal Server Error: {\"message\":\"boom\"}")},
         Verdict::NoAccess, exit_code::unavailable, "grant", "http-error", "journalctl -u docker"},
        {"grant, but closed", {}, sock(0, 988, 0660), {ping(PingStatus::NoResponse, 0, 0, "closed")}, Verdict::NoAccess,
         exit_code::unavailable, "grant", "no-response", "docker info"},
        {"grant, but not docker", {}, sock(0, 988, 0660), {ping(PingStatus::BadResponse, 0, 200, "NOT OK")},
         Verdict::NoAccess, exit_code::unavailable, "grant", "bad-response", "--socket"},
        {"grant, but an LSM denies", {}, sock(0, 988, 0660), {denied}, Verdict::NoAccess, exit_code::unavailable, "grant",
         "permission-denied", "label=disable"},
        {"grant, but a timeout", {}, sock(0, 988, 0660), {ping(PingStatus::Timeout, 0, 0, "no answer")}, Verdict::NoAccess,
         exit_code::unavailable, "grant", "timeout", "hung"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto out = check_of(c.args, facts(0, c.st), c.pings);
        CHECK(out.r.verdict == c.verdict);
        CHECK(out.r.exit_code == c.code);
        REQUIRE(out.r.sockets.size() == 1);
        CHECK(std::string(socket::row_name(out.r.sockets[0].decision.row)) == c.row);
        CHECK_THAT(out.json, Catch::Contains(std::string("\"row\":\"") + c.row + "\""));
        CHECK_THAT(out.json, Catch::Contains(std::string("\"status\":\"") + check::verdict_name(c.verdict) + "\""));
        CHECK_THAT(out.json, Catch::Contains("\"exit_code\":" + std::to_string(c.code)));
        CHECK_THAT(out.text, Catch::Contains("verdict: "));
        if (std::string(c.problem).empty()) {
            for (const auto& p : out.r.problems) CHECK(p.severity == check::Severity::Note);
        } else {
            const auto* p = problem(out.r, c.problem);
            REQUIRE(p != nullptr);
            const std::string all = p->fix.docker_run + "|" + p->fix.compose + "|" + p->fix.kubernetes + "|" + p->fix.other;
            CHECK_THAT(all, Catch::Contains(c.fix_text));
            CHECK_THAT(out.text, Catch::Contains(c.problem));
        }
        if (c.verdict != Verdict::Ok) CHECK_THAT(out.text, Catch::Contains("(exit " + std::to_string(c.code) + ")"));
    }
}

TEST_CASE("check: a required socket that would be granted but only 500s is never ok", "[check][report]") {
    const auto out = check_of({}, facts(0, sock(0, 988, 0660)),
                              {ping(PingStatus::HttpError, 0, 500, "HTTP 500 Internal Server Error")});
    CHECK(out.r.exit_code == exit_code::unavailable);
    CHECK_THAT(out.json, Catch::Contains("\"ok\":false"));
    CHECK_THAT(out.r.summary, Catch::Contains("HTTP 500"));
}

TEST_CASE("check, started non-root: needs-group gives the three forms of --group-add", "[check][report]") {
    const auto out = check_of({}, facts(1000, sock(0, 988, 0660)), {ping(PingStatus::ConnectFailed, EACCES, 0, "denied")});
    CHECK(out.r.verdict == Verdict::NoAccess);
    CHECK(out.r.exit_code == exit_code::unavailable);
    const auto* p = problem(out.r, "needs-group");
    REQUIRE(p != nullptr);
    CHECK(p->fix.docker_run == "--group-add 988");
    CHECK(p->fix.compose == "group_add: [\"988\"]");
    CHECK(p->fix.kubernetes == "securityContext.supplementalGroups: [988]");
    CHECK_THAT(out.r.summary, Catch::Contains("fix: docker run --group-add 988"));
    CHECK_THAT(out.json, Catch::Contains(R"("compose":"group_add: [\"988\"]")"));
    CHECK(out.r.group_edit.status == "not-root");

    const auto fine = check_of({}, facts(1000, sock(0, 988, 0666)), {ping(PingStatus::Ok, 0, 200, "200 OK")});
    CHECK(fine.r.verdict == Verdict::Ok);
    CHECK(std::string(socket::row_name(fine.r.sockets[0].decision.row)) == "accessible");
}

TEST_CASE("check: an ACL that grants access is decided by the start's own rule", "[check][report]") {
    // The plan and the report see the same ACL (socket::inspect read it once):
    // started non-root, the user:1000 entry makes the socket accessible.
    const auto o = options({});
    auto f = facts(1000, sock(0, 988, 0660));
    f.socket_stats[0].acl.extended = true;
    f.socket_stats[0].acl.entries = {{socket::AclTag::UserObj, 0, 6}, {socket::AclTag::User, 1000, 6},
                                     {socket::AclTag::GroupObj, 0, 6}, {socket::AclTag::Mask, 0, 6},
                                     {socket::AclTag::Other, 0, 0}};
    const auto p = app::make_plan(o, f);
    REQUIRE(p.sockets.size() == 1);
    CHECK(std::string(socket::row_name(p.sockets[0].row)) == "accessible");
    auto v = view(p, {ping(PingStatus::Ok, 0, 200, "200 OK")});
    v.acls[0] = f.socket_stats[0].acl;
    const auto r = check::build_report(o, f, p, v);
    CHECK(r.verdict == Verdict::Ok);
    CHECK(r.sockets[0].predicted.via == "acl user:1000:rw- (mask rw-)");
    const auto json = check::render_json(r);
    CHECK_THAT(json, Catch::Contains(R"("entries":["user::rw-","user:1000:rw-","group::rw-","mask::rw-","other::---"])"));
}

TEST_CASE("check: the /etc/group edit that would be made, or why none", "[check][report]") {
    const auto ok = ping(PingStatus::Ok, 0, 200, "200 OK");
    const auto edit = check_of({}, facts(0, sock(0, 988, 0660)), {ok});
    CHECK(edit.r.group_edit.status == "would-edit");
    CHECK(edit.r.group_edit.lines == std::vector<std::string>{"docker:x:988:app"});
    CHECK(edit.r.final_identity.groups == std::vector<gid_t>{988});
    CHECK(edit.r.final_identity.caps_dropped.size() == 5);

    const auto ro = check_of({}, facts(0, sock(0, 988, 0660)), {ok}, false);
    CHECK(ro.r.verdict == Verdict::Ok);  // the kernel needs only the number
    CHECK(ro.r.group_edit.status == "would-fail");
    CHECK_THAT(ro.r.group_edit.note, Catch::Contains("read-only"));
    CHECK_THAT(ro.r.group_edit.note, Catch::Contains("continues with numeric group 988"));
    REQUIRE(problem(ro.r, "etc-not-writable") != nullptr);

    auto nofile = facts(0, sock(0, 988, 0660));
    nofile.group_exists = false;
    nofile.group = {};
    CHECK(check_of({}, nofile, {ok}).r.group_edit.status == "no-group-file");
    CHECK(check_of({"-G", "988"}, facts(0, sock(0, 988, 0660)), {ok}).r.group_edit.status == "not-needed");
}

TEST_CASE("check: the warnings a real start logs are problems with code start-warning", "[check][report]") {
    const auto ok = ping(PingStatus::Ok, 0, 200, "200 OK");
    auto f = facts(0, sock(0, 988, 0660));
    f.cap_bounding = f.cap_permitted = ~std::uint64_t{0};
    const auto raw = check_of({"--keep-cap", "NET_RAW"}, f, {ok});
    const auto* w = problem(raw.r, "start-warning");
    REQUIRE(w != nullptr);
    CHECK(w->severity == check::Severity::Warning);
    CHECK_THAT(w->message, Catch::Contains("keeping CAP_NET_RAW for the app"));
    CHECK(raw.r.verdict == Verdict::Ok);  // a warning, not a refusal
    CHECK(problem(check_of({"--keep-cap", "NET_BIND_SERVICE"}, f, {ok}).r, "start-warning") == nullptr);
}

TEST_CASE("check: refusals and bad configuration map to their exit codes", "[check][report]") {
    auto f = facts(0, sock(0, 988, 0660));
    const auto root = check_of({"-u", "0:0"}, f, {});
    CHECK(root.r.verdict == Verdict::Refused);
    CHECK(root.r.exit_code == exit_code::refused);
    REQUIRE(problem(root.r, "root-target") != nullptr);
    CHECK_THAT(problem(root.r, "root-target")->fix.other, Catch::Contains("--allow-root-target"));
    CHECK_THAT(root.text, Catch::Contains("not run: stepdown would refuse"));

    auto nocaps = f;
    nocaps.cap_setpcap = false;
    const auto caps = check_of({}, nocaps, {});
    CHECK(caps.r.exit_code == exit_code::refused);
    REQUIRE(problem(caps.r, "missing-capabilities") != nullptr);
    CHECK(problem(caps.r, "missing-capabilities")->fix.docker_run == "--cap-add SETPCAP");

    auto suid = facts(1000, sock(0, 988, 0666));
    suid.at_secure = true;
    const auto s = check_of({}, suid, {});
    CHECK(s.r.exit_code == exit_code::refused);
    REQUIRE(problem(s.r, "setuid-install") != nullptr);
    CHECK(s.r.sockets.empty());  // nothing about paths is shown on behalf of the caller
    CHECK_THAT(s.r.socket_note, Catch::Contains("not shown"));

    const auto unknown = check_of({"-u", "nobody"}, f, {});
    CHECK(unknown.r.verdict == Verdict::BadConfig);
    CHECK(unknown.r.exit_code == exit_code::no_user);
    REQUIRE(unknown.r.sockets.size() == 1);
    CHECK_FALSE(unknown.r.sockets[0].decided);
    CHECK_THAT(unknown.json, Catch::Contains("\"row\":null"));

    const auto badnum = check_of({"-u", "4294968296"}, f, {});
    CHECK(badnum.r.exit_code == exit_code::usage);
    CHECK(badnum.r.verdict == Verdict::BadConfig);

    auto unreadable = f;
    unreadable.file_error = Error{"cannot read '/etc/group'", EISDIR, exit_code::data};
    const auto data = check_of({}, unreadable, {});
    CHECK(data.r.exit_code == exit_code::data);
    CHECK(data.r.verdict == Verdict::BadConfig);
}

TEST_CASE("check: the drop failing in the probe child is a failure with its exit code", "[check][report]") {
    const auto o = options({});
    auto f = facts(0, sock(0, 988, 0660));
    const auto p = app::make_plan(o, f);
    auto v = view(p, {});
    v.probe.identity_error = Error{"cannot set supplementary groups to [988]", EPERM, exit_code::os_error};
    v.current.userns.setgroups = "deny";
    const auto r = check::build_report(o, f, p, v);
    CHECK(r.verdict == Verdict::Failed);
    CHECK(r.exit_code == exit_code::os_error);
    REQUIRE(problem(r, "drop-failed") != nullptr);
    CHECK_THAT(problem(r, "drop-failed")->fix.other, Catch::Contains("setgroups"));
    CHECK(check::json_valid(check::render_json(r)));
}

TEST_CASE("check: --keep-cap is reported as kept, in text and JSON, and the probe is judged against it",
          "[check][report][keep-cap]") {
    const auto o = options({"--keep-cap", "NET_BIND_SERVICE"});
    auto f = facts(0, sock(0, 988, 0660));
    const auto p = app::make_plan(o, f);
    REQUIRE_FALSE(p.fatal);
    auto v = view(p, {ping(PingStatus::Ok, 0, 200, "200 OK")});
    for (auto* set : {&v.current.caps.bounding, &v.current.caps.effective, &v.current.caps.permitted})
        set->push_back(10);  // root holds net_bind_service, and four more
    // The probe child took the identity with the kept capability, as planned.
    v.probe.caps_empty = false;
    v.probe.caps_as_planned = true;
    v.probe.caps_held = {10};
    const auto r = check::build_report(o, f, p, v);
    CHECK(r.verdict == Verdict::Ok);
    CHECK(r.final_identity.caps_kept == std::vector<int>{10});
    CHECK(r.final_identity.caps_dropped == std::vector<int>{0, 1, 6, 7, 8});  // the kept one is not "dropped"
    const std::string text = check::render_text(r, false);
    CHECK_THAT(text, Catch::Contains("keeps net_bind_service (--keep-cap) in every set, nothing else; drops 5: "
                                     "chown,dac_override,setgid,setuid,setpcap"));
    CHECK_THAT(text, !Catch::Contains("none in any set"));
    CHECK_THAT(text, Catch::Contains("capabilities exactly net_bind_service in every set, as planned (--keep-cap)"));
    CHECK_THAT(text, !Catch::Contains("not all sets empty"));
    const std::string json = check::render_json(r);
    CHECK(check::json_valid(json));
    CHECK_THAT(json, Catch::Contains(R"("capabilities_dropped":["chown","dac_override","setgid","setuid","setpcap"],)"
                                     R"("capabilities_kept":["net_bind_service"])"));
    CHECK_THAT(json, Catch::Contains(R"("capabilities_empty":false,"capabilities_as_planned":true,)"
                                     R"("capabilities_held":["net_bind_service"])"));

    // A probe child that held more than planned says so (a real start's proof would refuse).
    v.probe.caps_as_planned = false;
    v.probe.caps_held = {10, 21};
    const std::string wrong = check::render_text(check::build_report(o, f, p, v), false);
    CHECK_THAT(wrong, Catch::Contains("not as planned: held net_bind_service,sys_admin, planned net_bind_service"));

    // Without --keep-cap nothing is kept and an empty probe is "none in any set".
    const auto plain = check_of({}, facts(0, sock(0, 988, 0660)), {ping(PingStatus::Ok, 0, 200, "200 OK")});
    CHECK(plain.r.final_identity.caps_kept.empty());
    CHECK_THAT(plain.json, Catch::Contains(R"("capabilities_kept":[])"));
    CHECK_THAT(plain.text, Catch::Contains("none in any set; drops 5"));
}

TEST_CASE("check: --keep-cap refusals are 77, the missing capability with its fix in three forms",
          "[check][report][keep-cap]") {
    auto f = facts(0, sock(0, 988, 0660));
    f.cap_bounding = ~(std::uint64_t{1} << 10);  // docker run --cap-drop NET_BIND_SERVICE
    f.cap_permitted = f.cap_bounding;
    const auto missing = check_of({"--keep-cap", "NET_BIND_SERVICE"}, f, {});
    CHECK(missing.r.exit_code == exit_code::refused);
    CHECK(missing.r.verdict == Verdict::Refused);
    const auto* pr = problem(missing.r, "keep-cap-unavailable");
    REQUIRE(pr != nullptr);
    CHECK(pr->severity == check::Severity::Error);
    CHECK(pr->fix.docker_run == "--cap-add NET_BIND_SERVICE");
    CHECK(pr->fix.compose == "cap_add: [NET_BIND_SERVICE]");
    CHECK(pr->fix.kubernetes == "securityContext.capabilities.add: [NET_BIND_SERVICE]");
    CHECK_THAT(missing.r.summary, Catch::Contains("cannot keep CAP_NET_BIND_SERVICE"));

    const auto refused = check_of({"--keep-cap", "NET_ADMIN"}, facts(0, sock(0, 988, 0660)), {});
    CHECK(refused.r.exit_code == exit_code::refused);
    REQUIRE(problem(refused.r, "refused") != nullptr);
    CHECK_THAT(problem(refused.r, "refused")->message, Catch::Contains("refusing to keep CAP_NET_ADMIN"));
    CHECK_THAT(problem(refused.r, "refused")->message, Catch::Contains("--force-keep-cap"));
}

TEST_CASE("check: tcp DOCKER_HOST and --no-socket need no socket", "[check][report]") {
    const auto o = options({"--no-socket"});
    auto f = facts(0, sock(0, 988, 0660));
    f.socket_refs.clear();
    f.socket_stats.clear();
    const auto p = app::make_plan(o, f);
    const auto r = check::build_report(o, f, p, view(p, {}));
    CHECK(r.verdict == Verdict::Ok);
    CHECK(r.socket_note == "--no-socket: no socket handling");
    CHECK_THAT(r.summary, Catch::Contains("no socket to use"));
}

TEST_CASE("check JSON: user-controlled bytes stay valid JSON, text output stays one line per row", "[check][report]") {
    const std::string path = std::string("/tmp/we\"ird\n\x1b[31m\\path\xff\x01/") + "docker.sock";
    auto f = facts(0, sock(0, 988, 0660));
    f.socket_refs = {{path, socket::Origin::Flag}};
    const auto out = check_of({}, f, {ping(PingStatus::BadResponse, 0, 200, "body \"x\"\n")});
    CHECK_THAT(out.json, Catch::Contains(R"(we\"ird\n\u001b[31m\\path\ufffd\u0001/docker.sock)"));
    CHECK(out.json.find('\n') == out.json.size() - 1);
    CHECK_THAT(out.json, Catch::StartsWith(R"({"schema":"stepdown-check/1",)"));
    CHECK(out.text.find('\x1b') == std::string::npos);  // no escape sequence from the path, and no colour
    CHECK_THAT(out.text, Catch::Contains("\\x1b[31m"));
}

TEST_CASE("check colour: a terminal, no NO_COLOR, not TERM=dumb", "[check][report]") {
    CHECK(check::use_colour(true, nullptr, "xterm-256color"));
    CHECK(check::use_colour(true, nullptr, nullptr));
    CHECK_FALSE(check::use_colour(false, nullptr, "xterm"));
    CHECK_FALSE(check::use_colour(true, "1", "xterm"));
    CHECK_FALSE(check::use_colour(true, "", "xterm"));  // set at all: no colour
    CHECK_FALSE(check::use_colour(true, nullptr, "dumb"));
    check::Report r;
    CHECK(check::render_text(r, true).find("\x1b[") != std::string::npos);
    CHECK(check::render_text(r, false).find("\x1b[") == std::string::npos);
}

TEST_CASE("check formatting helpers", "[check][report]") {
    CHECK(check::format_rtt(-1) == "-");
    CHECK(check::format_rtt(350) == "350 us");
    CHECK(check::format_rtt(1234) == "1.2 ms");
    CHECK(check::format_mode(S_IFSOCK | 0660) == "0660");
    CHECK(check::format_gid_list({}) == "none");
    CHECK(check::format_gid_list({988, 999}) == "988,999");
    CHECK(check::fix_group_add(988).kubernetes == "securityContext.supplementalGroups: [988]");
    CHECK(check::fix_capabilities(true, false, true, 1000, 1000, {988}).compose == "cap_add: [SETUID, SETPCAP]");
    // The alternative names the real identity and groups, never a placeholder.
    CHECK_THAT(check::fix_capabilities(true, true, true, 1000, 1000, {988}).other,
               Catch::EndsWith("docker run --user 1000:1000 --group-add 988"));
}

TEST_CASE("check: a socket the app's DOCKER_HOST or CONTAINER_HOST names is a warning when absent", "[check][report]") {
    for (const auto origin : {socket::Origin::DockerHost, socket::Origin::ContainerHost}) {
        auto f = facts(0, {ENOENT, 0, 0, 0});
        f.socket_refs = {{"/run/podman/podman.sock", origin}};
        const auto out = check_of({}, f, {check::PingResult{}});
        const auto* p = problem(out.r, "absent");
        REQUIRE(p != nullptr);
        CHECK(p->severity == check::Severity::Warning);
        CHECK_THAT(p->message, Catch::Contains(std::string("the app's ") + socket::origin_name(origin) + " names it"));
    }
    // The default path is only a note: an image may or may not get a socket.
    const auto def = check_of({}, facts(0, {ENOENT, 0, 0, 0}), {check::PingResult{}});
    REQUIRE(problem(def.r, "absent") != nullptr);
    CHECK(problem(def.r, "absent")->severity == check::Severity::Note);
}

TEST_CASE("check, rootless: the user's own socket seen as 0:0 gets keep-id in host ids", "[check][report]") {
    const auto denied = ping(PingStatus::ConnectFailed, EACCES, 0, "connect: Permission denied");
    struct Case {
        uid_t euid;
        mode_t mode;
        const char* problem;
    };
    // 0600 as the brief's socket, 0660 as podman.socket makes it (group 0 here).
    const Case cases[] = {{0, 0600, "group-not-writable"},
                          {1000, 0600, "group-not-writable"},
                          {0, 0660, "gid0-refused"},
                          {1000, 0660, "needs-group"}};
    for (const auto& c : cases) {
        INFO("started as uid " << c.euid << ", mode " << c.mode);
        auto f = facts(c.euid, sock(0, 0, c.mode));
        f.uid_map = {{0, 1001, 1}, {1, 100000, 65536}};
        f.gid_map = {{0, 1001, 1}, {1, 100000, 65536}};
        const auto out = check_of({}, f, {denied});
        CHECK(out.r.verdict != Verdict::Ok);
        const auto* p = problem(out.r, c.problem);
        REQUIRE(p != nullptr);
        CHECK_THAT(p->message, Catch::Contains("uid 0 here is host uid 1001"));
        CHECK_THAT(p->fix.other, Catch::StartsWith("podman run --userns=keep-id:uid=1000,gid=1000"));
        CHECK(p->fix.docker_run.empty());
        CHECK_THAT(out.text, !Catch::Contains("--group-add 0"));
        CHECK_THAT(out.text, !Catch::Contains("--allow-gid0"));
    }
}
