#include "check/check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "app/exit_codes.hpp"
#include "check/json.hpp"
#include "check/report.hpp"
#include "log/log.hpp"

namespace stepdown::check {
namespace {

constexpr int probe_timeout_ms = 5000;

// The paths the probe connects to: every socket that exists as a socket or
// whose stat failed otherwise than ENOENT (the connect says more then).
std::vector<std::string> probe_paths(const std::vector<socket::Decision>& sockets) {
    std::vector<std::string> paths;
    for (const auto& d : sockets) {
        const bool absent = d.st.stat_errno == ENOENT;
        const bool not_socket = d.st.stat_errno == 0 && !S_ISSOCK(d.st.mode);
        paths.push_back(absent || not_socket ? std::string() : d.ref.path);
    }
    return paths;
}

bool write_stdout(const std::string& text) {
    const std::size_t n = std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0 && n == text.size();
}

}  // namespace

int report(const config::Options& o, const app::Facts& f, const app::Plan& p) {
    SystemView v;
    v.probe_timeout_ms = probe_timeout_ms;
    v.current = read_current();
    if (f.at_secure) {
        // Set-user-ID install: refuse, and look at nothing on the caller's behalf.
        v.probe_not_run = "stepdown refuses to run set-user-ID or set-group-ID";
    } else {
        // The ACLs the real start decided with (socket::inspect read them): the
        // report shows what the plan saw, never a second reading.
        for (const auto& st : f.socket_stats) v.acls.push_back(st.acl);
    }
    if (!f.at_secure) v.etc = inspect_etc(userdb::EtcPaths{});

    ProbeRequest req;
    req.timeout_ms = probe_timeout_ms;
    req.paths = probe_paths(p.sockets);
    const bool any_path = std::any_of(req.paths.begin(), req.paths.end(), [](const auto& s) { return !s.empty(); });
    if (f.at_secure) {
        // v.probe_not_run says why
    } else if (p.mode == app::Mode::Passthru) {
        v.probe_not_run = "plain init mode: no identity to take, no socket handling";
    } else if (p.fatal) {
        v.probe_not_run = "stepdown would refuse to start (see the verdict), so no identity is taken";
    } else if (p.mode == app::Mode::Drop) {
        // Even without a socket the drop itself is taken and proven.
        req.drop = true;
        req.drop_plan = p.drop;
        v.probe = run_probe(req);
    } else if (any_path) {
        req.drop = false;
        req.no_new_privs = !o.allow_new_privs;
        v.probe = run_probe(req);
    } else {
        v.probe_not_run = "no socket to probe";
    }

    const Report r = build_report(o, f, p, v);
    std::string out;
    if (o.json) {
        out = render_json(r);
        std::string why;
        if (!json_valid(out, &why)) {
            // A bug, never expected: refuse to hand a health check broken JSON.
            log::error("--check --json produced invalid JSON ({}); please report this", why);
            return exit_code::software;
        }
    } else {
        out = render_text(r, use_colour(::isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"), std::getenv("TERM")));
    }
    if (!write_stdout(out)) {
        log::error("cannot write the --check report to stdout: {}", std::strerror(errno));
        return exit_code::os_error;
    }
    return r.exit_code;
}

}  // namespace stepdown::check
