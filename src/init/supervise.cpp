// The init: catatonit's order (block signals, signalfd, subreaper, fork),
// tini's restoration (the child gets exactly the launcher's mask and ignored
// signals), then a loop that forwards, reaps, and finally shuts the rest of
// the tree down within a grace period.
//
// The rules this file keeps:
// - Before fork a failure is reported and returned; after fork nothing may
//   end the init but the end of the main child: failures are logged and the
//   loop goes on, because a dead PID 1 takes the container with it.
// - One thread; no signal handlers at all. Every signal the init can block
//   is blocked and read from a signalfd, so no disposition is ever changed
//   and the launcher's SIG_IGN set reaches the app through fork and exec
//   untouched (exec keeps SIG_IGN and resets only handlers, of which we have
//   none). Only the mask needs restoring in the child. (SIGTTIN is unblocked
//   for an instant to stop the init like a background reader: may_run.)
// - The child path allocates nothing: PreparedCommand is built before fork.
// - Logging only in the parent.
// - The child is usually started with vfork(2) (start_child): it then shares
//   the init's memory until its execve, so the child path writes nothing but
//   its own stack and errno. No handler can run on that stack: the shipped
//   binary installs none (the fault signals, which cannot be usefully blocked,
//   keep their default action; the sanitizer build's own fault handlers are
//   the one exception, for a test build).

#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/exit_codes.hpp"
#include "base/start_arena.hpp"
#include "init/exec.hpp"
#include "init/init.hpp"
#include "init/procfs.hpp"
#include "init/sigmask.hpp"
#include "init/signals.hpp"
#include "init/status.hpp"
#include "init/terminal.hpp"
#include "log/log.hpp"

namespace stepdown::init {
namespace {

// The supervisor idles for the container's lifetime, but the start-up
// (options, /etc parsing, the plan, the drop) touched most pages of the
// binary's code and read-only data, and the kernel's fault-around mapped the
// rest: ~1 MB of idle VmRSS (issue 6). Those mappings are file-backed and
// never written, so MADV_DONTNEED on the read-only segments loses nothing:
// the pages stay in the page cache (shared, reclaimable under pressure) and
// the supervisor maps back only what it runs. Writable segments (data, bss,
// the relocated RELRO) are left alone. Best effort: an error changes nothing.
int drop_read_only_mappings(dl_phdr_info* info, std::size_t /*size*/, void* /*data*/) {
    if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0') return 0;  // the program itself only
    const auto page = static_cast<std::uintptr_t>(::getauxval(AT_PAGESZ));
    if (page == 0) return 1;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0) continue;
        // Whole pages inside the segment only: an edge page may be shared.
        const std::uintptr_t start = (info->dlpi_addr + ph.p_vaddr + page - 1) & ~(page - 1);
        const std::uintptr_t end = (info->dlpi_addr + ph.p_vaddr + ph.p_filesz) & ~(page - 1);
        if (end > start) ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);  // NOLINT(performance-no-int-to-ptr)
    }
    return 1;
}

// What the start-up arena (base/start_arena.hpp) held, and whether it went
// back to the kernel with the command; only the shipped static binary uses it.
void log_start_arena() {
    const mem::StartArenaReport r = mem::start_arena_report();
    if (!r.used) return;
    if (r.unmapped) {
        log::debug("start-up memory: {} allocations, {} kB at most, returned to the kernel", r.allocations,
                   (r.peak_bytes + 1023) / 1024);
    } else {
        log::debug("start-up memory: {} allocations, {} kB at most, {} still in use, kept", r.allocations,
                   (r.peak_bytes + 1023) / 1024, r.live);
    }
}

// The start (options, /etc, the plan, the drop) ran deeper on the stack than
// the idle supervisor goes, and those pages would stay resident for the
// container's life (issue 6: idle RssAnon). Below the current frame the
// stack is dead (a callee that goes deeper touches its page afresh):
// MADV_DONTNEED gives those pages back, and a later touch maps a zeroed
// page. The span below is the stack mapping or nothing: another mapping
// could only lie within the kernel's stack guard gap (1 MB by default) with
// MAP_FIXED, which nothing here uses, and mmap_base is at least 128 MB below
// the stack. The frame address is the real stack even where a sanitizer
// moves locals elsewhere. Best effort: an error changes nothing.
[[gnu::noinline]] void release_dead_stack() noexcept {
    const auto page = static_cast<std::uintptr_t>(::getauxval(AT_PAGESZ));
    if (page == 0) return;
    // Kept: this small frame (not inlined), the call into madvise (its
    // return address must survive the syscall) and the 128-byte red zone,
    // all well within 512 bytes below the frame address.
    const auto frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    const std::uintptr_t top = (frame - 512) & ~(page - 1);
    const std::uintptr_t span = std::uintptr_t{128} * 1024;  // measured: the start goes ~10 kB deep
    // ENOMEM when part of the span lies below the mapping (the kernel still
    // applies it to the part that is mapped): nothing to do about it.
    ::madvise(reinterpret_cast<void*>(top - span), span, MADV_DONTNEED);  // NOLINT(performance-no-int-to-ptr)
}

using Clock = std::chrono::steady_clock;

// After SIGKILL, how long to wait for the last processes to be reaped before
// returning anyway (a process stuck in uninterruptible sleep cannot be waited
// for; as PID 1 the kernel finishes them off when the init exits).
constexpr std::chrono::milliseconds kill_wait{2000};
// How often SIGKILL is repeated meanwhile (for processes forked in between).
constexpr int kill_repeat_ms = 100;

std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by " + signal_name(WTERMSIG(status));
    return "status " + std::to_string(status);
}

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, 1000 * 1000));
}

struct Received {
    int signo = 0;
    pid_t sender = 0;  // si_pid: 0 for the kernel and for senders outside our pid namespace
    int code = 0;      // si_code
};

// Where signals come from: a signalfd, or rt_sigtimedwait when no signalfd
// could be had (or it broke). Both read the same blocked set.
class SignalSource {
public:
    explicit SignalSource(KernelSigset mask) : mask_(mask) {
        const int fd = kernel_signalfd(mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0) {
            log::warn("cannot create a signalfd: {}; waiting with sigtimedwait instead", std::strerror(-fd));
            return;
        }
        // Keep 0..2 free for stdio even if the launcher closed them.
        fd_ = fd;
        if (fd < 3) {
            const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
            if (moved >= 0) {
                ::close(fd);
                fd_ = moved;
            }
        }
    }
    SignalSource(const SignalSource&) = delete;
    SignalSource& operator=(const SignalSource&) = delete;
    SignalSource(SignalSource&&) = delete;
    SignalSource& operator=(SignalSource&&) = delete;
    ~SignalSource() {
        if (fd_ >= 0) ::close(fd_);
    }

    // The next signal, or nullopt when timeout_ms (-1 = forever) passed or the
    // wait was interrupted; callers loop and recompute their deadlines.
    std::optional<Received> next(int timeout_ms) {
        if (fd_ >= 0) return from_signalfd(timeout_ms);
        siginfo_t info{};
        const int signo = kernel_sigtimedwait(mask_, info, timeout_ms);
        if (signo > 0) return Received{signo, info.si_pid, info.si_code};
        if (signo != -EAGAIN && signo != -EINTR) {
            log::warn("cannot wait for signals: {}; retrying", std::strerror(-signo));
            // Do not spin at full speed on a persistent error.
            pollfd none{};
            ::poll(&none, 0, 100);
        }
        return std::nullopt;
    }

private:
    // Several at a time: the kernel hands out the lowest-numbered pending
    // signal first, so one read per signal could keep returning a signal
    // that someone re-sends as fast as it is read (a flood of SIGUSR1)
    // while SIGTERM and SIGCHLD wait behind it. A read of many takes each
    // pending signal once.
    std::optional<Received> from_signalfd(int timeout_ms) {
        if (next_ < count_) {
            const signalfd_siginfo& si = batch_[next_++];
            return Received{static_cast<int>(si.ssi_signo), static_cast<pid_t>(si.ssi_pid), si.ssi_code};
        }
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, timeout_ms);
        if (ready == 0 || (ready < 0 && errno == EINTR)) return std::nullopt;
        if (ready > 0) {
            const ssize_t n = ::read(fd_, batch_.data(), sizeof batch_);
            if (n > 0 && n % static_cast<ssize_t>(sizeof(signalfd_siginfo)) == 0) {
                count_ = static_cast<std::size_t>(n) / sizeof(signalfd_siginfo);
                next_ = 0;
                return from_signalfd(0);
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) return std::nullopt;
        }
        log::warn("cannot read the signalfd: {}; waiting with sigtimedwait instead", std::strerror(errno));
        ::close(fd_);
        fd_ = -1;
        return std::nullopt;
    }

    KernelSigset mask_;
    int fd_ = -1;
    std::array<signalfd_siginfo, 16> batch_{};
    std::size_t next_ = 0;
    std::size_t count_ = 0;
};

// The child between fork and exec: no allocation, no logging library, and no
// write to memory the parent keeps (it may be a vfork child: start_child).
[[noreturn]] void child_path(const PreparedCommand& command, bool take_tty, bool new_session, bool hold,
                             KernelSigset original_mask) noexcept {
    // TIOCSTI protection (terminal.hpp): a new session has no controlling
    // terminal, so the app cannot push input into the caller's. Its own
    // session is also its own process group, as below. Failing that, the app
    // must not run with the caller's terminal.
    if (new_session) {
        if (::setsid() < 0) {
            child_message({"stepdown: error: cannot start the command in a new session (it would share the "
                           "caller's terminal): ",
                           child_error_text(errno), "\n"});
            ::_exit(exit_code::os_error);
        }
        take_tty = false;
        // Wait for the parent's go (SIGCONT once its job is in the terminal's
        // foreground, Supervisor::child_stopped): a stop, not a pipe, so that
        // "the app's group is stopped" is the one state the parent manages.
        if (hold) ::kill(::getpid(), SIGSTOP);
    } else if (::setpgid(0, 0) != 0) {
        // Its own process group, so that -g and the terminal's foreground group
        // address the app and not the init. The parent does the same for us to
        // close the race with an early kill(-pid).
        child_message({"stepdown: warning: cannot create a process group for the command: ",
                       child_error_text(errno), "\n"});
    }
    // Interactive use (docker run -it): the app becomes the terminal's
    // foreground group, as with tini. SIGTTOU is still blocked here, so the
    // kernel lets tcsetpgrp from a background group through.
    if (take_tty && ::tcsetpgrp(STDIN_FILENO, ::getpid()) != 0) {
        child_message({"stepdown: warning: cannot make the command the terminal's foreground process group: ",
                       child_error_text(errno), "\n"});
    }
    // A warning above, written to a pipe without reader, left a SIGPIPE
    // pending that the launcher's mask would deliver now.
    drop_own_write_signals();
    if (const int err = kernel_sigprocmask(SIG_SETMASK, &original_mask, nullptr); err != 0) {
        child_message({"stepdown: error: cannot restore the signal mask: ", child_error_text(err), "\n"});
        ::_exit(exit_code::os_error);
    }
    command.exec();
}

class Supervisor {
public:
    explicit Supervisor(const InitOptions& options) : options_(options) {}

    int run(std::unique_ptr<PreparedCommand> command);

private:
    void reap();
    void handle_running(const Received& sig);
    void handle_shutdown(const Received& sig);
    bool self_raised(const Received& sig) const;
    bool ignorable(const Received& sig) const;
    void forward(int signo);
    void terminate_orphans();
    void signal_remaining(int signo);
    void give_back_tty();
    void child_stopped(int stopsig);
    pid_t start_child(const PreparedCommand& command);
    bool may_run();
    void resume_app();
    [[nodiscard]] bool job_control_shell_above() const;
    int shutdown();
    void log_received(const Received& sig) const;

    const InitOptions& options_;
    const pid_t self_ = ::getpid();
    const bool pid1_ = self_ == 1;
    KernelSigset original_mask_ = 0;
    std::optional<SignalSource> signals_;
    bool took_tty_ = false;
    pid_t child_ = -1;
    std::optional<int> child_status_;
    bool children_left_ = true;
    bool forwarded_stop_ = false;  // a SIGTSTP we forwarded has not stopped the app yet
    // new_session with the caller's terminal on the app's fds 0-2: the app's
    // group runs only while our job is the terminal's foreground (terminal.hpp).
    int tty_fd_ = -1;
    bool released_ = false;  // the app's start stop (child_path) was seen
    bool ending_ = false;    // asked to end: the gate no longer holds the app
};

int Supervisor::run(std::unique_ptr<PreparedCommand> command) {
    // 1. Block first, so that nothing sent from now on is lost or acted upon.
    const KernelSigset blocked = supervisor_mask();
    if (const int err = kernel_sigprocmask(SIG_SETMASK, &blocked, &original_mask_); err != 0) {
        log::error("cannot block signals: {}", std::strerror(err));
        return exit_code::os_error;
    }
    if (options_.launcher_mask) original_mask_ = *options_.launcher_mask;
    // 2. Then the signalfd (or the fallback) to read them.
    signals_.emplace(blocked);

    // Set after the credential change (setresuid clears it). Forwarded like
    // any other signal when it arrives, as tini does.
    if (options_.pdeathsig != 0 && ::prctl(PR_SET_PDEATHSIG, options_.pdeathsig) != 0) {
        log::warn("cannot set the parent-death signal {}: {}; continuing without it",
                  signal_name(options_.pdeathsig), std::strerror(errno));
    }

    // 3. Orphans come to us only as PID 1 or as a child subreaper.
    if (!pid1_) {
        // A launcher may have made this process a subreaper before exec'ing
        // it (the flag survives execve): then orphans do come to us.
        int already = 0;
        const bool subreaper = ::prctl(PR_GET_CHILD_SUBREAPER, &already) == 0 && already != 0;
        if (!options_.subreaper && !subreaper) {
            log::warn("not running as PID 1 and not a child subreaper: orphans will not be re-parented to "
                      "stepdown, so zombie reaping won't work; use -s or set TINI_SUBREAPER=1, or run "
                      "stepdown as PID 1");
        } else if (options_.subreaper && !subreaper && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
            log::warn("cannot become a child subreaper: {}; orphaned processes will not be reaped by stepdown",
                      std::strerror(errno));
        }
    }

    // In a new session the app has no controlling terminal to be handed.
    took_tty_ = !options_.new_session && ::isatty(STDIN_FILENO) == 1 && ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
    if (options_.new_session) tty_fd_ = open_terminal_on_stdio();

    // 4. fork (everything the child needs was allocated by the caller).
    const pid_t pid = start_child(*command);
    if (pid < 0) {
        log::error("cannot fork: {}", std::strerror(errno));
        kernel_sigprocmask(SIG_SETMASK, &original_mask_, nullptr);
        return exit_code::os_error;
    }

    // The parent. From here on the init never gives up.
    child_ = pid;
    // After a fork, closes the race with an early kill(-pid). After a vfork
    // the child has called setpgid itself and exec'd: EACCES, as is ESRCH
    // once it is gone; both fine. Not for a new session: a process group
    // leader cannot call setsid().
    if (!options_.new_session) ::setpgid(child_, child_);
    log::debug("started '{}' as pid {}", command->program(), child_);
    // The child has its own copy (fork), or has exec'd or exited before the
    // parent runs again (vfork: the kernel copied argv and envp first). The
    // command was the last of the start-up's allocations: with it the
    // start-up arena goes back to the kernel.
    command.reset();
    log_start_arena();
    for (int fd : options_.close_after_start) ::close(fd);  // frees the replaced /etc files' inodes
    release_dead_stack();
    // Pin no mount and no directory.
    if (::chdir("/") != 0) log::warn("cannot change directory to '/': {}; continuing", std::strerror(errno));
    ::dl_iterate_phdr(drop_read_only_mappings, nullptr);

    while (!child_status_) {
        try {
            if (auto sig = signals_->next(-1)) handle_running(*sig);
        } catch (const std::exception& e) {
            log::error("internal error: {}; continuing to supervise", e.what());
        }
    }
    give_back_tty();
    if (tty_fd_ >= 0) ::close(tty_fd_);
    tty_fd_ = -1;
    return shutdown();
}

void Supervisor::log_received(const Received& sig) const {
    // tini's wording ("Received SIGCHLD"): tools and tests look for it.
    log::debug("Received {} from pid {}", signal_name(sig.signo), sig.sender);
}

// Raised by our own actions (SIGPIPE or SIGXFSZ from writing a log line to a
// pipe whose reader is gone, or past RLIMIT_FSIZE): a kill from elsewhere
// never carries our own pid. Checked before anything is logged, because
// logging about it would raise it again.
bool Supervisor::self_raised(const Received& sig) const { return sig.sender == self_ && sig.code == SI_USER; }

// Signals the init must not pass on.
bool Supervisor::ignorable(const Received& sig) const {
    // Sent to the init's process group when it touches the terminal from the
    // background; forwarding them would stop the app.
    if (sig.signo == SIGTTIN || sig.signo == SIGTTOU) {
        log::debug("not forwarding {}: it concerns the init's own terminal access", signal_name(sig.signo));
        return true;
    }
    return false;
}

void Supervisor::handle_running(const Received& sig) {
    if (self_raised(sig)) return;
    log_received(sig);
    if (sig.signo == SIGCHLD) {
        reap();
        return;
    }
    if (ignorable(sig)) return;
    forward(sig.signo);
    if (sig.signo == SIGTERM || sig.signo == SIGINT) terminate_orphans();
}

void Supervisor::forward(int signo) {
    // An app in a session of its own (TIOCSTI protection) is an orphaned
    // process group, for which the kernel discards SIGTSTP: ^Z must stop it.
    // The terminal stops no one in that session either, so ^Z and fg address
    // the app's whole group (its session), not only the app: a child left
    // running could go on reading the terminal after ^Z.
    const bool job_control = options_.new_session && (signo == SIGTSTP || signo == SIGCONT);
    // A held app (tty_fd_) resumes only through the gate: not before its
    // start stop was seen (that stop would go unreported), and only while our
    // job is in the foreground; may_run() stops us otherwise.
    if (signo == SIGCONT && tty_fd_ >= 0 && !ending_ && (!released_ || !may_run())) return;
    // A stopped app cannot act on a request to end (the shell's kill %1 sends
    // SIGTERM, then SIGCONT): from then on SIGCONT passes. A pending SIGTERM
    // is acted upon before the app runs again; an app that catches it can
    // read the terminal from the background (SECURITY.md).
    if (tty_fd_ >= 0 && (signo == SIGTERM || signo == SIGINT || signo == SIGHUP || signo == SIGQUIT) &&
        !in_foreground(tty_fd_)) {
        ending_ = true;
    }
    const bool group = options_.kill_group || job_control;
    const int sent = options_.new_session && signo == SIGTSTP ? SIGSTOP : signo;
    if (::kill(group ? -child_ : child_, sent) == 0) {
        if (signo == SIGTSTP) forwarded_stop_ = true;
        if (signo == SIGCONT) forwarded_stop_ = false;
        log::debug("forwarded {} to {} {}", signal_name(signo), group ? "process group" : "pid", child_);
        return;
    }
    int err = errno;
    // The app may have left its group (setpgid/setsid elsewhere): reach at least the app.
    if (group && err == ESRCH) {
        if (::kill(child_, sent) == 0) return;
        err = errno;
    }
    if (err == ESRCH) {
        log::debug("not forwarding {}: pid {} is gone", signal_name(signo), child_);
        return;
    }
    log::warn("cannot forward {} to {} {}: {}; continuing", signal_name(signo),
              group ? "process group" : "pid", child_, std::strerror(err));
}

// On a stop request while the app runs: the reparented orphans (our children
// other than the app) have nobody else to tell them, so they get SIGTERM now
// and can shut down while the app does. The app's own descendants are left to
// the app.
void Supervisor::terminate_orphans() {
    const auto table = read_process_table();
    if (!table) return;
    int count = 0;
    for (const auto& entry : *table) {
        if (entry.ppid != self_ || entry.pid == child_ || entry.state == 'Z') continue;
        if (options_.kill_group && entry.pgrp == child_) continue;  // got the forwarded signal already
        if (::kill(entry.pid, SIGTERM) == 0) {
            ::kill(entry.pid, SIGCONT);
            ++count;
        }
    }
    if (count > 0) log::info("sent SIGTERM to {} orphaned process(es)", count);
}

void Supervisor::reap() {
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG | WUNTRACED);
        if (pid > 0 && WIFSTOPPED(status)) {
            if (pid == child_) child_stopped(WSTOPSIG(status));
            continue;
        }
        if (pid > 0) {
            if (pid == child_) {
                child_status_ = status;
                log::debug("main process {} ended: {}", pid, describe_status(status));
            } else if (options_.warn_on_reap) {
                // tini's wording: tools and tests look for it.
                log::warn("Reaped zombie process with pid={} ({})", pid, describe_status(status));
            } else {
                log::debug("Reaped zombie process with pid={} ({})", pid, describe_status(status));
            }
            continue;
        }
        if (pid == 0) {
            children_left_ = true;
            return;
        }
        if (errno == EINTR) continue;
        if (errno == ECHILD) {
            children_left_ = false;
            return;
        }
        log::warn("cannot reap children: {}; will retry on the next signal", std::strerror(errno));
        return;
    }
}

// After the app: what remains gets the signal. As PID 1 everything in the
// namespace is ours, so kill(-1) reaches it all (and not the init). Otherwise
// kill(-1) would reach the whole machine: signal only our descendants as
// /proc shows them, or, without a usable /proc, the app's process group.
void Supervisor::signal_remaining(int signo) {
    if (pid1_) {
        if (::kill(-1, signo) != 0 && errno != ESRCH) {
            log::warn("cannot send {} to the remaining processes: {}", signal_name(signo), std::strerror(errno));
        }
        return;
    }
    const auto table = read_process_table();
    if (!table) {
        ::kill(-child_, signo);
        return;
    }
    // A pid read from /proc may be reused before kill() if its process is
    // reaped by its own parent in between; the window is short and the same
    // as every /proc-walking killer without cgroups has.
    for (pid_t pid : descendants_of(self_, *table)) ::kill(pid, signo);
}

void Supervisor::handle_shutdown(const Received& sig) {
    if (self_raised(sig)) return;
    log_received(sig);
    if (sig.signo == SIGCHLD) {
        reap();
        return;
    }
    if (ignorable(sig)) return;
    signal_remaining(sig.signo);
}

// Leaves the terminal as we found it: our group in the foreground. Not
// possible when our group leader is outside our pid namespace (getpgrp() is
// 0 then, e.g. under unshare); the launcher takes the terminal back itself.
void Supervisor::give_back_tty() {
    if (took_tty_ && ::getpgrp() != 0 && ::tcgetpgrp(STDIN_FILENO) == child_) {
        // SIGTTOU is blocked, so this works from the background group.
        if (::tcsetpgrp(STDIN_FILENO, ::getpgrp()) != 0) {
            log::debug("cannot take back the terminal: {}", std::strerror(errno));
        }
    }
}

// vfork(2) when the child cannot stop before its execve, else fork(2). A
// vfork child borrows the parent's memory and the parent sleeps until the
// child's execve (or _exit): no page tables copied, no copy-on-write faults
// afterwards, no copied memory torn down by the execve, and the parent's own
// work after the start (closing the replaced /etc files, the stack release)
// runs beside the app's start instead of before it (issue 6, README
// "Performance"). But a stopped vfork child stops its parent with it, and
// only the parent would resume it; so fork(2) with a terminal, where the
// child can stop: the held start of a new session (SIGSTOP until the
// terminal is handed over), ^Z at the foreground app, SIGTTOU for an error
// message written to the terminal from a background group. Also fork(2) when
// vfork is refused (a seccomp allow-list without it).
// What the sleeping parent still shares with the child until its execve: a
// stop signal someone sends the child (kill -STOP), and an execve that blocks
// (a hung NFS or FUSE path on PATH). Signals to the init meanwhile wait in
// its mask, none lost; a `docker stop` then ends in SIGKILL after the grace
// period, where after a fork the forwarded SIGTERM would have ended the child.
pid_t Supervisor::start_child(const PreparedCommand& command) {
    const bool may_stop = tty_fd_ >= 0 || took_tty_ || ::isatty(STDIN_FILENO) == 1 ||
                          ::isatty(STDOUT_FILENO) == 1 || ::isatty(STDERR_FILENO) == 1;
    if (!may_stop) {
        // clang-analyzer objects to vfork as such and to any call in its child
        // but exec and _exit: child_path is written for it (above, and the top
        // of this file), and ends in execve or _exit.
        const pid_t pid = ::vfork();  // NOLINT(clang-analyzer-security.insecureAPI.vfork)
        // NOLINTNEXTLINE(clang-analyzer-unix.Vfork)
        if (pid == 0) child_path(command, false, options_.new_session, false, original_mask_);
        if (pid > 0) return pid;
    }
    const pid_t pid = ::fork();
    if (pid == 0) child_path(command, took_tty_, options_.new_session, tty_fd_ >= 0, original_mask_);
    return pid;
}

// ^Z at a shell that started `stepdown --init -- app`: the terminal stops the
// app's group, but the shell waits for its job, which is our group. Stop
// ourselves too, so the shell sees the job stopped and gets its prompt back;
// on `fg` it gives our group the terminal and sends SIGCONT: hand the terminal
// to the app and resume it.
// As PID 1 (docker run -it) there is no shell above to resume anything, and
// an app stopped by ^Z would freeze the container until `docker kill -s
// CONT` (tini's behaviour). Without an init, a PID-1 app is immune to ^Z; so
// the init resumes it at once, unless the stop was a SIGTSTP it forwarded
// itself (docker kill -s TSTP asks for exactly that stop).
void Supervisor::child_stopped(int stopsig) {
    log::debug("main process {} stopped by {}", child_, signal_name(stopsig));
    if (tty_fd_ >= 0 && !released_) {  // the start stop of child_path
        released_ = true;
        if (ending_ || may_run()) resume_app();
        return;
    }
    // The app stopped again after a request to end let it run: from its next
    // SIGCONT on, the gate holds again.
    if (tty_fd_ >= 0) ending_ = false;
    // Stopped by the gate (may_run) while our job is in the background, not by ^Z.
    if (tty_fd_ >= 0 && !in_foreground(tty_fd_)) return;
    if (pid1_) {
        if (stopsig == SIGTSTP && !forwarded_stop_) {
            log::debug("resuming pid {}: nothing above PID 1 could resume it after ^Z", child_);
            if (::kill(-child_, SIGCONT) != 0) ::kill(child_, SIGCONT);
        }
        forwarded_stop_ = false;
        return;
    }
    const bool job_control_stop = stopsig == SIGTSTP || stopsig == SIGTTIN || stopsig == SIGTTOU ||
                                  (options_.new_session && stopsig == SIGSTOP);
    // An app in a session of its own (TIOCSTI protection) was stopped by the
    // SIGTSTP we forwarded from the terminal: the shell's job is still ours to stop.
    const bool shell_job = took_tty_ || options_.new_session;
    if (!shell_job || !job_control_stop || ::getpgrp() == 0) return;
    if (!job_control_shell_above()) {
        // A session leader (docker exec -it), or a child of a shell without
        // job control (an entrypoint script that did not exec stepdown):
        // nobody would ever resume a stopped job, so ^Z must not stop the
        // app, as for PID 1. Only a SIGTSTP sent to stepdown itself (not
        // through this terminal) stops it; in a session of its own the app's
        // stop always came through us, so there is no telling: resume.
        if ((options_.new_session && stopsig == SIGSTOP) || (stopsig == SIGTSTP && !forwarded_stop_)) {
            log::debug("resuming pid {}: no job-control shell above could resume it after ^Z", child_);
            resume_app();
        }
        forwarded_stop_ = false;
        return;
    }
    give_back_tty();
    ::kill(self_, SIGSTOP);  // returns once someone sends SIGCONT
    if (took_tty_ && ::tcgetpgrp(STDIN_FILENO) == ::getpgrp() && ::tcsetpgrp(STDIN_FILENO, child_) != 0) {
        log::debug("cannot give the terminal back to the app: {}", std::strerror(errno));
    }
    // A held app waits for that SIGCONT, queued for us, to pass the gate in forward().
    if (tty_fd_ < 0) resume_app();
}

// Whether a job-control shell can resume our job after a stop: such a shell
// runs each job in a process group of its own (ours, led by us) in its own
// session, while it leads another group. A non-interactive sh runs its
// children in its own group; a session leader has nobody above it.
bool Supervisor::job_control_shell_above() const {
    if (::getpgrp() != self_ || ::getsid(0) == self_) return false;
    const pid_t parent = ::getppid();  // 0: outside our pid namespace
    if (parent <= 0) return false;
    const pid_t parent_group = ::getpgid(parent);
    return ::getsid(parent) == ::getsid(0) && parent_group > 0 && parent_group != self_;
}

void Supervisor::resume_app() {
    if (::kill(-child_, SIGCONT) != 0) ::kill(child_, SIGCONT);
}

// The gate of a held app (tty_fd_): whether our job is the terminal's
// foreground. If not, the app's group stays stopped and we stop with SIGTTIN,
// as the kernel stops a background reader, so that the shell shows the job
// stopped for tty input; its fg (or bg) sends the SIGCONT that asks again.
// PID 1 cannot stop itself, nor can a session leader's job be resumed by a
// shell: the app then waits for the next SIGCONT.
bool Supervisor::may_run() {
    if (in_foreground(tty_fd_)) return true;
    log::info("the job is not in the terminal's foreground: keeping the app stopped until it is (fg), as a "
              "background reader; to run it in the background, redirect its input and output away from the terminal");
    if (::kill(-child_, SIGSTOP) != 0) ::kill(child_, SIGSTOP);
    if (!pid1_ && ::getsid(0) != self_ && ::kill(self_, SIGTTIN) == 0) {
        // SIGTTIN is blocked (read from the signalfd); unblocking it delivers
        // it here with its default action, a stop, until the next SIGCONT.
        const KernelSigset ttin = sig_bit(SIGTTIN);
        kernel_sigprocmask(SIG_UNBLOCK, &ttin, nullptr);
        kernel_sigprocmask(SIG_BLOCK, &ttin, nullptr);
    }
    return false;
}

int Supervisor::shutdown() {
    const int code = exit_code_from_status(*child_status_, options_.remap_to_zero);
    // The common docker stop: nothing else is left, return at once.
    reap();
    if (!children_left_) return code;

    try {
        log::info("main process ended ({}); sending SIGTERM to the remaining processes, SIGKILL in {} ms",
                  describe_status(*child_status_), options_.grace_ms);
        signal_remaining(SIGTERM);
        signal_remaining(SIGCONT);  // stopped processes cannot act on SIGTERM
    } catch (const std::exception& e) {
        log::error("internal error: {}; continuing the shutdown", e.what());
    }

    const auto grace_end = Clock::now() + std::chrono::milliseconds(std::max(options_.grace_ms, 0));
    while (children_left_) {
        const int left = remaining_ms(grace_end);
        if (left <= 0) break;
        try {
            if (auto sig = signals_->next(left)) handle_shutdown(*sig);
        } catch (const std::exception& e) {
            log::error("internal error: {}; continuing the shutdown", e.what());
        }
    }
    if (!children_left_) return code;

    log::warn("processes still running {} ms after SIGTERM; sending SIGKILL", options_.grace_ms);
    const auto kill_end = Clock::now() + kill_wait;
    auto next_kill = Clock::now();
    while (children_left_ && remaining_ms(kill_end) > 0) {
        try {
            // Repeated while waiting, for anything forked in between.
            if (Clock::now() >= next_kill) {
                signal_remaining(SIGKILL);
                next_kill = Clock::now() + std::chrono::milliseconds(kill_repeat_ms);
            }
            auto sig = signals_->next(std::min(remaining_ms(kill_end), remaining_ms(next_kill)));
            if (sig && sig->signo == SIGCHLD) reap();
        } catch (const std::exception& e) {
            log::error("internal error: {}; continuing the shutdown", e.what());
        }
    }
    if (children_left_) {
        log::warn("processes still running {} ms after SIGKILL; exiting anyway", kill_wait.count());
    }
    return code;
}

}  // namespace

int run(const InitOptions& options, std::unique_ptr<PreparedCommand> command) {
    if (!options.supervise) {
        if (options.pdeathsig != 0 && ::prctl(PR_SET_PDEATHSIG, options.pdeathsig) != 0) {
            log::warn("cannot set the parent-death signal {}: {}; continuing without it",
                      signal_name(options.pdeathsig), std::strerror(errno));
        }
        if (options.launcher_mask) restore_launcher_mask(*options.launcher_mask);
        command->exec();
    }
    Supervisor supervisor(options);
    return supervisor.run(std::move(command));
}

}  // namespace stepdown::init
