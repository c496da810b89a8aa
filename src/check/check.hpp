// stepdown --check: explain every decision, probe the sockets live as the
// app's identity, say the exact fix, and give a verdict and exit code.
// Changes nothing: no /etc edit, and the calling process keeps its
// credentials (only a forked probe child drops). Owned by src/check (issue 5).
//
//   check.cpp        this entry point: read, probe, build, render, exit code
//   current.cpp      who runs now: ids, groups, capability sets, NoNewPrivs, PID 1, user namespace
//   acl.cpp          POSIX ACLs from system.posix_acl_access, decoded; the ACL access check
//   etc_state.cpp    whether /etc/group could be written (read-only /etc, single-file bind mount)
//   probe.cpp        the live probe: fork, drop + verify, GET /_ping, report over a pipe
//   report.cpp       the report model, problems, verdict and exit code (pure)
//   fixes.cpp        docker run / compose / Kubernetes fix texts
//   render_text.cpp  aligned human output, colour on a terminal only
//   render_json.cpp  the "stepdown-check/1" JSON document; json.cpp writes and validates JSON
#pragma once

#include "app/plan.hpp"
#include "config/options.hpp"

namespace stepdown::check {

// Prints the report to stdout; returns the --check exit code (report.hpp).
int report(const config::Options& options, const app::Facts& facts, const app::Plan& plan);

}  // namespace stepdown::check
