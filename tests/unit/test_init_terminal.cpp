#include <catch2/catch.hpp>

#include "init/terminal.hpp"

using stepdown::init::caller_terminal_exposed;
using stepdown::init::TerminalFacts;

TEST_CASE("terminal: the app leaves the caller's terminal only when another process leads its session",
          "[init][terminal]") {
    auto facts = [](bool tty, bool leader, pid_t session) {
        TerminalFacts f;
        f.has_controlling_tty = tty;
        f.session_leader = leader;
        f.session = session;
        return f;
    };
    // From a shell: stepdown -- app (the shell leads the session).
    CHECK(caller_terminal_exposed(facts(true, false, 42)));
    // `unshare --pid --fork stepdown ...` typed at a root shell: stepdown is
    // PID 1 but the shell (outside the pid namespace, getsid() is 0) leads the
    // session and reads the terminal. Being PID 1 exempts nothing.
    CHECK(caller_terminal_exposed(facts(true, false, 0)));
    // docker run -it and docker exec -it: runc makes the process the session
    // leader of the pty; nothing above reads the terminal.
    CHECK_FALSE(caller_terminal_exposed(facts(true, true, 1)));
    CHECK_FALSE(caller_terminal_exposed(facts(true, true, 42)));
    // No controlling terminal (docker run without -t, a service manager).
    CHECK_FALSE(caller_terminal_exposed(facts(false, false, 42)));
    CHECK_FALSE(caller_terminal_exposed(facts(false, true, 1)));
}
