#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <vector>

#include "init/status.hpp"

using stepdown::init::exit_code_from_status;

namespace {

int exited(int code) { return W_EXITCODE(code, 0); }
int killed(int signo) { return W_EXITCODE(0, signo); }

// A real status from the kernel, so the table is not only checked against
// the same macros the code uses.
int real_status(void (*child)()) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Catch2 handles fatal signals to report them; the child must die for real.
        for (int signo = 1; signo < 32; ++signo) std::signal(signo, SIG_DFL);
        child();
        ::_exit(99);
    }
    int status = -1;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return status;
}

}  // namespace

TEST_CASE("exit codes 0..255 pass through", "[init][status]") {
    for (int code = 0; code <= 255; ++code) {
        INFO("code " << code);
        CHECK(exit_code_from_status(exited(code), {}) == code);
    }
}

TEST_CASE("death by signal n gives 128+n, real-time signals included", "[init][status]") {
    for (int signo = 1; signo <= SIGRTMAX; ++signo) {
        if (signo == SIGSTOP || signo == SIGCONT) continue;  // never a termination status
        INFO("signal " << signo);
        CHECK(exit_code_from_status(killed(signo), {}) == 128 + signo);
    }
    CHECK(exit_code_from_status(killed(SIGTERM), {}) == 143);
    CHECK(exit_code_from_status(killed(SIGKILL), {}) == 137);
    CHECK(exit_code_from_status(W_EXITCODE(0, SIGSEGV) | WCOREFLAG, {}) == 128 + SIGSEGV);
}

TEST_CASE("statuses from the kernel map the same way", "[init][status]") {
    CHECK(exit_code_from_status(real_status([] { ::_exit(3); }), {}) == 3);
    CHECK(exit_code_from_status(real_status([] { ::_exit(0); }), {}) == 0);
    CHECK(exit_code_from_status(real_status([] { ::raise(SIGTERM); }), {}) == 143);
    CHECK(exit_code_from_status(real_status([] { ::raise(SIGKILL); }), {}) == 137);
    CHECK(exit_code_from_status(real_status([] { ::raise(SIGUSR1); }), {}) == 128 + SIGUSR1);
}

TEST_CASE("exit remap: -e remaps each listed code, and only those, to 0", "[init][status]") {
    for (int code = 0; code <= 255; ++code) {
        INFO("code " << code);
        const std::vector<int> remap{code};
        CHECK(exit_code_from_status(exited(code), remap) == 0);
        const std::vector<int> others{(code + 1) % 256, (code + 7) % 256};
        CHECK(exit_code_from_status(exited(code), others) == code);
    }
}

TEST_CASE("exit remap: -e applies after the 128+n mapping, as tini's -e 143", "[init][status]") {
    const std::vector<int> remap{143, 130};
    CHECK(exit_code_from_status(killed(SIGTERM), remap) == 0);
    CHECK(exit_code_from_status(killed(SIGINT), remap) == 0);
    CHECK(exit_code_from_status(killed(SIGKILL), remap) == 137);
    CHECK(exit_code_from_status(exited(143), remap) == 0);
    CHECK(exit_code_from_status(exited(1), remap) == 1);
}

TEST_CASE("a status that is not final is not success", "[init][status]") {
    CHECK(exit_code_from_status(W_STOPCODE(SIGSTOP), {}) == 1);
}
