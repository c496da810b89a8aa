// The init: what runs the COMMAND once the drop is proven. Owned by src/init.
#pragma once

#include <string>
#include <vector>

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
};

// Runs argv[0] with argv and the environment env ("NAME=value" strings).
// Supervising: returns the exit status to exit with. Not supervising: execs
// and never returns (exit 127/126 on exec failure).
int run(const InitOptions& options, const std::vector<std::string>& argv,
        const std::vector<std::string>& env);

// The child path: PATH search (from env's PATH, else a default), execve;
// on failure a plain write(2) to stderr and _exit(127 not found, 126 not executable).
[[noreturn]] void exec_command(const std::vector<std::string>& argv,
                               const std::vector<std::string>& env) noexcept;

}  // namespace stepdown::init
