// The signal mask in the kernel's own form. glibc's sigset_t helpers refuse
// signals 32 and 33 (reserved for its threads) and sigprocmask() silently
// drops them, so the mask the launcher handed us could not be restored
// exactly, and the init could not receive them. A single-threaded process
// never uses them, so the init blocks and forwards them like any other
// real-time signal, through the raw system calls.
#pragma once

#include <csignal>
#include <cstdint>
#include <initializer_list>
#include <optional>

namespace stepdown::init {

// The kernel's sigset_t on every architecture with 64 signals (x86-64,
// aarch64, arm, riscv, ppc, s390; not mips).
using KernelSigset = std::uint64_t;
static_assert(_NSIG == 65, "stepdown assumes 64 signals (the kernel's sigset is one 64-bit word)");

constexpr KernelSigset sig_bit(int signo) { return KernelSigset{1} << (signo - 1); }
constexpr bool sig_member(KernelSigset set, int signo) { return (set & sig_bit(signo)) != 0; }

// What the init blocks: everything but the signals the kernel raises for a
// fault in the init itself (blocking those would turn a crash into a hang or
// a silent kill), and SIGKILL/SIGSTOP, which cannot be blocked.
constexpr KernelSigset supervisor_mask() {
    KernelSigset set = ~KernelSigset{0};
    for (int signo : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGKILL, SIGSTOP}) {
        set &= ~sig_bit(signo);
    }
    return set;
}

// Blocks SIGPIPE and SIGXFSZ for the whole start, so that a log line written
// to a pipe whose reader is gone, or past RLIMIT_FSIZE, is a failed write
// (EPIPE, EFBIG) and not the end of the start. Returns the mask as the
// launcher handed it, which the command gets back; nullopt if it could not
// be changed.
std::optional<KernelSigset> block_write_signals() noexcept;

// Discards the SIGPIPE and SIGXFSZ that this process's own writes left
// pending (the command must not die of them); one sent by anyone else is
// raised again. Async-signal-safe: the child path calls it before exec.
void drop_own_write_signals() noexcept;

// For a command exec'd in place: drop_own_write_signals, then the
// launcher's mask back.
void restore_launcher_mask(KernelSigset mask) noexcept;

// rt_sigprocmask(how, set, old); returns 0 or an errno value. Async-signal-safe.
int kernel_sigprocmask(int how, const KernelSigset* set, KernelSigset* old) noexcept;

// signalfd4(-1, mask, flags); returns the fd or -errno.
int kernel_signalfd(KernelSigset mask, int flags) noexcept;

// rt_sigtimedwait(mask, info, timeout or forever when timeout_ms < 0);
// returns the signal number or -errno (-EAGAIN on timeout).
int kernel_sigtimedwait(KernelSigset mask, siginfo_t& info, int timeout_ms) noexcept;

}  // namespace stepdown::init
