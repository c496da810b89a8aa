// The init: what runs the COMMAND once the drop is proven. Owned by src/init.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "init/exec.hpp"
#include "init/sigmask.hpp"

namespace stepdown::init {

struct InitOptions {
    bool supervise = false;          // fork and supervise (PID 1, or --init); else exec directly
    bool subreaper = false;          // -s / TINI_SUBREAPER: PR_SET_CHILD_SUBREAPER when not PID 1
    bool kill_group = false;         // -g / TINI_KILL_PROCESS_GROUP: signal the child's process group
    int pdeathsig = 0;               // -p SIGNAL: parent-death signal, set after the drop
    bool warn_on_reap = false;       // -w: warn for each reaped orphan
    std::vector<int> remap_to_zero;  // -e CODE / STEPDOWN_EXIT_REMAP
    int grace_ms = 5000;             // --grace / STEPDOWN_GRACE
    bool new_session = false;        // run the app in a new session, without the caller's
                                     // controlling terminal (TIOCSTI protection, terminal.hpp)
    std::optional<KernelSigset> launcher_mask;  // the mask before stepdown blocked SIGPIPE and
                                                // SIGXFSZ (sigmask.hpp): the command's mask
    std::vector<int> close_after_start;  // close-on-exec descriptors the supervisor closes once
                                         // the app is forked (the replaced /etc files' O_PATH holds)
};

// Runs the prepared command (argv, environment, PATH candidates; built by
// the caller, so that the start-up arena holds it: base/start_arena.hpp).
// Supervising: returns the exit status to exit with; the supervisor frees
// the command once the app is started (the child has its own copy, or has
// exec'd: supervise.cpp, start_child). Not supervising: execs and never
// returns (exit 127/126 on exec failure).
int run(const InitOptions& options, std::unique_ptr<PreparedCommand> command);

}  // namespace stepdown::init
