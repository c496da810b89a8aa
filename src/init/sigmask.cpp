#include "init/sigmask.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace stepdown::init {

int kernel_sigprocmask(int how, const KernelSigset* set, KernelSigset* old) noexcept {
    if (::syscall(SYS_rt_sigprocmask, how, set, old, sizeof(KernelSigset)) != 0) return errno;
    return 0;
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
