#include "init/sigmask.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <ctime>

namespace stepdown::init {

int kernel_sigprocmask(int how, const KernelSigset* set, KernelSigset* old) noexcept {
    if (::syscall(SYS_rt_sigprocmask, how, set, old, sizeof(KernelSigset)) != 0) return errno;
    return 0;
}

std::optional<KernelSigset> block_write_signals() noexcept {
    const KernelSigset write_signals = sig_bit(SIGPIPE) | sig_bit(SIGXFSZ);
    KernelSigset launcher = 0;
    if (kernel_sigprocmask(SIG_BLOCK, &write_signals, &launcher) != 0) return std::nullopt;
    return launcher;
}

void drop_own_write_signals() noexcept {
    const KernelSigset write_signals = sig_bit(SIGPIPE) | sig_bit(SIGXFSZ);
    const pid_t self = ::getpid();
    // Standard signals do not queue: at most one of each is pending.
    std::array<int, 2> foreign{};
    std::size_t count = 0;
    for (int i = 0; i < 2; ++i) {
        siginfo_t info{};
        const int signo = kernel_sigtimedwait(write_signals, info, 0);
        if (signo <= 0) break;
        if (info.si_pid != self || info.si_code != SI_USER) foreign.at(count++) = signo;
    }
    for (std::size_t i = 0; i < count; ++i) ::kill(self, foreign.at(i));
}

void restore_launcher_mask(KernelSigset mask) noexcept {
    drop_own_write_signals();
    kernel_sigprocmask(SIG_SETMASK, &mask, nullptr);
}

int kernel_signalfd(KernelSigset mask, int flags) noexcept {
    const long fd = ::syscall(SYS_signalfd4, -1, &mask, sizeof(KernelSigset), flags);
    if (fd < 0) return -errno;
    return static_cast<int>(fd);
}

int kernel_sigtimedwait(KernelSigset mask, siginfo_t& info, int timeout_ms) noexcept {
    timespec ts{};
    timespec* timeout = nullptr;
    if (timeout_ms >= 0) {
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = static_cast<long>(timeout_ms % 1000) * 1000000L;
        timeout = &ts;
    }
    const long signo = ::syscall(SYS_rt_sigtimedwait, &mask, &info, timeout, sizeof(KernelSigset));
    if (signo < 0) return -errno;
    return static_cast<int>(signo);
}

}  // namespace stepdown::init
