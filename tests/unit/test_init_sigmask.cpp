#include <catch2/catch.hpp>

#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "init/sigmask.hpp"

using stepdown::init::kernel_signalfd;
using stepdown::init::kernel_sigprocmask;
using stepdown::init::KernelSigset;
using stepdown::init::sig_bit;
using stepdown::init::sig_member;
using stepdown::init::supervisor_mask;

TEST_CASE("the init's mask leaves the fault signals and KILL/STOP out", "[init][sigmask]") {
    constexpr KernelSigset mask = supervisor_mask();
    for (int signo : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGKILL, SIGSTOP}) {
        INFO("signal " << signo);
        CHECK_FALSE(sig_member(mask, signo));
    }
}

TEST_CASE("the init's mask blocks everything else, 32, 33 and SIGRTMAX included", "[init][sigmask]") {
    constexpr KernelSigset mask = supervisor_mask();
    for (int signo : {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGCHLD, SIGCONT,
                      SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIGPWR, 32, 33, SIGRTMIN, SIGRTMAX}) {
        INFO("signal " << signo);
        CHECK(sig_member(mask, signo));
    }
    // As /proc/PID/status shows it (SigBlk) once the kernel has dropped KILL and STOP.
    CHECK(mask == 0xffffffffbffbfa07ULL);
}

TEST_CASE("sig_bit numbers signals from 1 as the kernel does", "[init][sigmask]") {
    CHECK(sig_bit(1) == 1ULL);
    CHECK(sig_bit(SIGTERM) == 0x4000ULL);
    CHECK(sig_bit(64) == 0x8000000000000000ULL);
}

// In a child, so the test process keeps its own mask.
TEST_CASE("the raw mask and signalfd take signal 32, which glibc's wrappers drop", "[init][sigmask]") {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const KernelSigset set = sig_bit(32) | sig_bit(SIGUSR1);
        KernelSigset old = 0;
        if (kernel_sigprocmask(SIG_SETMASK, &set, &old) != 0) ::_exit(10);
        KernelSigset now = 0;
        if (kernel_sigprocmask(SIG_SETMASK, nullptr, &now) != 0 || now != set) ::_exit(11);
        const int fd = kernel_signalfd(set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0) ::_exit(12);
        ::kill(::getpid(), 32);
        signalfd_siginfo si{};
        if (::read(fd, &si, sizeof si) != static_cast<ssize_t>(sizeof si)) ::_exit(13);
        if (si.ssi_signo != 32) ::_exit(14);
        ::_exit(0);
    }
    int status = -1;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
