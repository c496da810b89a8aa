// stepdown-bench: the timing harness behind bench/run.sh (issue 6).
//
// Everything here measures whole processes from the outside, the way a
// container engine sees them: a process is started with clone(2) (CLONE_VM |
// CLONE_VFORK, as posix_spawn does, plus CLONE_NEWPID when the command must be
// PID 1 of a fresh pid namespace), and the clock runs from just before clone
// to just after wait4 returns. wait4 also gives the CPU time of the process
// and of every descendant it reaped, which is far less disturbed by other
// tenants of a shared machine than wall time.
//
//   stepdown-bench startup SPEC ROUNDS WARMUP STATES_DIR
//       SPEC: one variant per line, tab-separated:
//           NAME  MODE(plain|pid1)  STATE(-|DIRNAME)  /abs/argv0  ARG...
//       Every variant is run once per round, in a new random order each
//       round. Before each sample of a variant with a STATE, the files in
//       STATES_DIR/STATE/ are copied over /etc/ (untimed), so that a start that
//       edits /etc/group always starts from the same files. Each variant is
//       first run once untimed, with its exit status and stderr checked.
//       Prints, per variant: name, n, wall median/p10/p90, cpu median (ms).
//   stepdown-bench memory ROUNDS SETTLE_MS APP + NAME ARGV... [+ NAME ARGV...]
//       Each init runs as PID 1 of a new pid namespace with APP as its
//       command; once APP has exec'd and SETTLE_MS passed, the init's VmRSS,
//       RssAnon, RssFile and Pss are read from /proc. Prints medians (kB).
//   stepdown-bench signals COUNT SHM_DIR NAME [ARGV...]
//       ARGV (the init, may be empty) runs as PID 1 with this binary's
//       `receiver` as its command. COUNT times: read CLOCK_MONOTONIC, send
//       SIGUSR1 to PID 1 (to the receiver itself when ARGV is empty), wait
//       until the receiver's handler has stored its own CLOCK_MONOTONIC
//       reading. Prints p50/p90/p99/max in microseconds.
//   stepdown-bench orphans COUNT SHM_DIR NAME ARGV...
//       ARGV (the init) runs as PID 1 with `orphan-app` as its command, which
//       makes COUNT orphans that exit at once and measures, with kill(pid, 0)
//       on each of them, how long the init takes to reap them all. Then the
//       zombies still parented to the init are counted from /proc.
//   stepdown-bench receiver SHM / orphan-app SHM COUNT   (the apps, internal)
//   stepdown-bench icount ARGV...
//       Single-steps ARGV and everything it starts (slow: seconds for a
//       start) and counts the steps and the `cpuid`s among them (x86-64).
//       Prints: steps, cpuids, status.
//   stepdown-bench cpuid COUNT
//       Times COUNT `cpuid` instructions (leaf 0) on this CPU, after 100 warm
//       ones; prints the median of 5 batches, in microseconds per cpuid. On a
//       virtual machine each one exits to the hypervisor; a C library that asks
//       the CPU for its features at every process start pays that each time.
//
// Plain libc and the C++ standard library; static, so that the apps start
// as cheaply as the peers' and run under any uid.

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Argv = std::vector<std::string>;

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "stepdown-bench: %s\n", message.c_str());
    std::exit(1);
}

std::int64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void sleep_ms(long ms) {
    timespec ts{ms / 1000, (ms % 1000) * 1000000};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double pos = p * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(pos);
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    return v[lo] * (1 - frac) + v[hi] * frac;
}

unsigned long parse_count(const char* text, const char* what) {
    char* end = nullptr;
    errno = 0;
    const unsigned long v = std::strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-') die(std::string("invalid ") + what + " '" + text + "'");
    return v;
}

// ------------------------------------------------------------------ spawning

// Built before clone: the child only dup2s and execs (it shares our memory).
struct Launch {
    std::vector<char*> argv;
    std::vector<char*> envp;
    int in_fd = -1;
    int out_fd = -1;
    int err_fd = -1;
};

int child_main(void* arg) {
    const auto* l = static_cast<const Launch*>(arg);
    if (l->in_fd >= 0) ::dup2(l->in_fd, STDIN_FILENO);
    if (l->out_fd >= 0) ::dup2(l->out_fd, STDOUT_FILENO);
    if (l->err_fd >= 0) ::dup2(l->err_fd, STDERR_FILENO);
    ::execve(l->argv[0], l->argv.data(), l->envp.data());
    static const char msg[] = "stepdown-bench: execve failed\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
}

const std::vector<std::string>& bench_env() {
    static const std::vector<std::string> env = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME=/root",
        "LC_ALL=C",
    };
    return env;
}

class Process {
public:
    Process(const Argv& argv, bool pid1) : argv_(argv), pid1_(pid1) {
        for (auto& a : argv_) launch_.argv.push_back(a.data());
        launch_.argv.push_back(nullptr);
        env_ = bench_env();
        for (auto& e : env_) launch_.envp.push_back(e.data());
        launch_.envp.push_back(nullptr);
    }
    Launch& launch() { return launch_; }

    pid_t start() {
        const int flags = CLONE_VM | CLONE_VFORK | SIGCHLD | (pid1_ ? CLONE_NEWPID : 0);
        pid_ = ::clone(child_main, stack_.data() + stack_.size(), flags, &launch_);
        if (pid_ < 0) die("clone: " + std::string(std::strerror(errno)));
        return pid_;
    }
    // Returns the wait status; cpu_ns gets user+sys of it and its reaped descendants.
    int wait(std::int64_t* cpu_ns = nullptr) {
        int status = 0;
        rusage ru{};
        while (::wait4(pid_, &status, 0, &ru) < 0) {
            if (errno != EINTR) die("wait4: " + std::string(std::strerror(errno)));
        }
        if (cpu_ns != nullptr) {
            *cpu_ns = (static_cast<std::int64_t>(ru.ru_utime.tv_sec) + ru.ru_stime.tv_sec) * 1000000000 +
                      (static_cast<std::int64_t>(ru.ru_utime.tv_usec) + ru.ru_stime.tv_usec) * 1000;
        }
        pid_ = -1;
        return status;
    }
    pid_t pid() const { return pid_; }

private:
    Argv argv_;
    std::vector<std::string> env_;
    bool pid1_;
    Launch launch_;
    alignas(16) std::array<char, 64 * 1024> stack_{};
    pid_t pid_ = -1;
};

std::string describe(int status) {
    if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

int open_or_die(const std::string& path, int flags, mode_t mode = 0) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) die("cannot open '" + path + "': " + std::strerror(errno));
    return fd;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// ------------------------------------------------------------------ /etc states

// Copies every file of dir over /etc/NAME the way an editor would (temp file,
// rename), so that the next start finds exactly these bytes.
// Only ever inside bench/run.sh's private mount namespace, where the copy of
// /etc next to the states directory (DIR/../etc) is mounted on /etc: never
// the machine's own files.
void require_private_etc(const std::string& states_dir) {
    static bool checked = false;
    if (checked) return;
    std::string self(256, '\0'), init(256, '\0');
    const ssize_t a = ::readlink("/proc/self/ns/mnt", self.data(), self.size());
    const ssize_t b = ::readlink("/proc/1/ns/mnt", init.data(), init.size());
    if (a <= 0 || (b > 0 && self == init)) die("refusing to touch /etc outside a private mount namespace");
    const std::string parent = states_dir.substr(0, states_dir.find_last_of('/'));
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    bool ours = false;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string id, up, devno, root, mountpoint;
        f >> id >> up >> devno >> root >> mountpoint;
        // root is the source's path inside its own filesystem: the whole
        // path, or a tail of it when the directory sits on another mount
        // (a tmpfs /tmp).
        if (mountpoint == "/etc") ours = root.size() > 4 && (parent + "/etc").ends_with(root);
    }
    if (!ours) die("refusing to touch /etc: '" + parent + "/etc' is not what is mounted on /etc (bench/run.sh does that)");
    checked = true;
}

void restore_state(const std::string& dir) {
    require_private_etc(dir.substr(0, dir.find_last_of('/')));
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) die("cannot open state '" + dir + "': " + std::strerror(errno));
    while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        const std::string src = dir + "/" + name;
        struct stat st {};
        if (::stat(src.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        const std::string content = read_file(src);
        const std::string tmp = "/etc/." + name + ".bench";
        const int fd = open_or_die(tmp, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 07777);
        if (::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) die("write " + tmp);
        (void)!::fchmod(fd, st.st_mode & 07777);
        ::close(fd);
        if (::rename(tmp.c_str(), ("/etc/" + name).c_str()) != 0) die("rename to /etc/" + name);
    }
    ::closedir(d);
    for (const char* lock : {"/etc/group.lock", "/etc/gshadow.lock", "/etc/passwd.lock", "/etc/shadow.lock"}) {
        ::unlink(lock);
    }
}

// ------------------------------------------------------------------ startup

struct Variant {
    std::string name;
    bool pid1 = false;
    std::string state;
    Argv argv;
    std::vector<double> wall_ms;
    std::vector<double> cpu_ms;
    bool ok = true;
};

std::vector<Variant> read_spec(const std::string& path) {
    std::ifstream in(path);
    if (!in) die("cannot read spec '" + path + "'");
    std::vector<Variant> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> f;
        std::size_t start = 0;
        while (true) {
            const auto tab = line.find('\t', start);
            f.push_back(line.substr(start, tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        if (f.size() < 4) die("spec line needs NAME MODE STATE ARGV: " + line);
        Variant v;
        v.name = f[0];
        if (f[1] != "plain" && f[1] != "pid1") die("spec mode must be plain or pid1: " + line);
        v.pid1 = f[1] == "pid1";
        v.state = f[2] == "-" ? "" : f[2];
        v.argv.assign(f.begin() + 3, f.end());
        if (v.argv[0].empty() || v.argv[0][0] != '/') die("argv[0] must be an absolute path: " + line);
        out.push_back(std::move(v));
    }
    return out;
}

int cmd_startup(int argc, char** argv) {
    if (argc != 6) die("usage: startup SPEC ROUNDS WARMUP STATES_DIR");
    auto variants = read_spec(argv[2]);
    const auto rounds = parse_count(argv[3], "rounds");
    const auto warmup = parse_count(argv[4], "warmup");
    const std::string states = argv[5];
    const int null_in = open_or_die("/dev/null", O_RDONLY);
    const int null_out = open_or_die("/dev/null", O_WRONLY);

    // One checked run each: a variant that fails is reported and left out.
    for (auto& v : variants) {
        if (!v.state.empty()) restore_state(states + "/" + v.state);
        char tmpl[] = "/tmp/stepdown-bench-err.XXXXXX";
        const int err = ::mkstemp(tmpl);
        if (err < 0) die("mkstemp");
        ::unlink(tmpl);
        Process p(v.argv, v.pid1);
        p.launch().in_fd = null_in;
        p.launch().out_fd = null_out;
        p.launch().err_fd = err;
        p.start();
        const int status = p.wait();
        std::string text(4096, '\0');
        const ssize_t n = ::pread(err, text.data(), text.size(), 0);
        text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
        ::close(err);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            v.ok = false;
            std::fprintf(stderr, "stepdown-bench: '%s' failed (%s), left out: %s\n", v.name.c_str(),
                         describe(status).c_str(), text.c_str());
        } else if (!text.empty()) {
            std::fprintf(stderr, "stepdown-bench: note: '%s' writes to stderr: %s", v.name.c_str(), text.c_str());
        }
    }

    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < variants.size(); ++i) {
        if (variants[i].ok) order.push_back(i);
    }
    std::mt19937 rng(0x5eed);
    for (unsigned long round = 0; round < warmup + rounds; ++round) {
        std::shuffle(order.begin(), order.end(), rng);
        for (const std::size_t i : order) {
            Variant& v = variants[i];
            if (!v.state.empty()) restore_state(states + "/" + v.state);
            Process p(v.argv, v.pid1);
            p.launch().in_fd = null_in;
            p.launch().out_fd = null_out;
            p.launch().err_fd = null_out;
            std::int64_t cpu = 0;
            const std::int64_t t0 = now_ns();
            p.start();
            const int status = p.wait(&cpu);
            const std::int64_t t1 = now_ns();
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                std::fprintf(stderr, "stepdown-bench: '%s' failed in round %lu (%s)\n", v.name.c_str(), round,
                             describe(status).c_str());
                continue;
            }
            if (round < warmup) continue;
            v.wall_ms.push_back(static_cast<double>(t1 - t0) / 1e6);
            v.cpu_ms.push_back(static_cast<double>(cpu) / 1e6);
        }
    }
    std::printf("# name\tn\twall_median_ms\twall_p10_ms\twall_p90_ms\tcpu_median_ms\n");
    for (const auto& v : variants) {
        if (!v.ok) {
            std::printf("%s\t0\tnan\tnan\tnan\tnan\n", v.name.c_str());
            continue;
        }
        std::printf("%s\t%zu\t%.3f\t%.3f\t%.3f\t%.3f\n", v.name.c_str(), v.wall_ms.size(),
                    percentile(v.wall_ms, 0.5), percentile(v.wall_ms, 0.1), percentile(v.wall_ms, 0.9),
                    percentile(v.cpu_ms, 0.5));
    }
    return 0;
}

// ------------------------------------------------------------------ /proc

struct ProcStat {
    pid_t pid = 0;
    char state = '?';
    pid_t ppid = 0;
    std::string comm;
};

bool read_proc_stat(pid_t pid, ProcStat& out) {
    const std::string s = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto open = s.find('(');
    const auto close = s.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 >= s.size()) return false;
    out.pid = pid;
    out.comm = s.substr(open + 1, close - open - 1);
    out.state = s[close + 2];
    out.ppid = static_cast<pid_t>(std::strtol(s.c_str() + close + 4, nullptr, 10));
    return true;
}

std::vector<ProcStat> children_of(pid_t parent) {
    std::vector<ProcStat> out;
    DIR* d = ::opendir("/proc");
    if (d == nullptr) die("cannot open /proc");
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        ProcStat st;
        if (read_proc_stat(static_cast<pid_t>(std::atol(e->d_name)), st) && st.ppid == parent) out.push_back(st);
    }
    ::closedir(d);
    return out;
}

long status_kb(const std::string& status, const char* key) {
    const auto at = status.find(std::string("\n") + key + ":");
    if (at == std::string::npos) return -1;
    return std::atol(status.c_str() + at + std::strlen(key) + 2);
}

// Waits until `init` has a child that exec'd `comm`.
bool wait_for_app(pid_t init, const std::string& comm, int timeout_ms) {
    const std::int64_t end = now_ns() + static_cast<std::int64_t>(timeout_ms) * 1000000;
    while (now_ns() < end) {
        for (const auto& c : children_of(init)) {
            if (c.comm == comm) return true;
        }
        sleep_ms(5);
    }
    return false;
}

std::string comm_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return (slash == std::string::npos ? path : path.substr(slash + 1)).substr(0, 15);
}

// ------------------------------------------------------------------ memory

int cmd_memory(int argc, char** argv) {
    if (argc < 7) die("usage: memory ROUNDS SETTLE_MS APP + NAME ARGV... [+ NAME ARGV...]");
    const auto rounds = parse_count(argv[2], "rounds");
    const auto settle = static_cast<long>(parse_count(argv[3], "settle ms"));
    const std::string app = argv[4];
    struct Init {
        std::string name;
        Argv argv;
        std::vector<double> rss, anon, file, pss;
    };
    std::vector<Init> inits;
    for (int i = 5; i < argc; ++i) {
        if (std::string_view(argv[i]) == "+") {
            if (i + 1 >= argc) die("memory: '+' without a name");
            inits.push_back({argv[i + 1], {}, {}, {}, {}, {}});
            ++i;
        } else {
            if (inits.empty()) die("memory: expected '+' before the first init");
            inits.back().argv.push_back(argv[i]);
        }
    }
    const int null_fd = open_or_die("/dev/null", O_RDWR);
    for (unsigned long r = 0; r < rounds; ++r) {
        for (auto& init : inits) {
            Argv full = init.argv;
            full.push_back(app);
            full.push_back("sleep");
            full.push_back("60");
            Process p(full, true);
            p.launch().in_fd = null_fd;
            p.launch().out_fd = null_fd;
            p.launch().err_fd = null_fd;
            const pid_t pid = p.start();
            if (!wait_for_app(pid, comm_of(app), 5000)) die("memory: '" + init.name + "' did not start the app");
            sleep_ms(settle);
            const std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
            const std::string rollup = read_file("/proc/" + std::to_string(pid) + "/smaps_rollup");
            init.rss.push_back(static_cast<double>(status_kb(status, "VmRSS")));
            init.anon.push_back(static_cast<double>(status_kb(status, "RssAnon")));
            init.file.push_back(static_cast<double>(status_kb(status, "RssFile")));
            init.pss.push_back(static_cast<double>(status_kb(rollup, "Pss")));
            ::kill(pid, SIGTERM);
            const int st = p.wait();
            if (!(WIFEXITED(st) && (WEXITSTATUS(st) == 143 || WEXITSTATUS(st) == 0)) && !WIFSIGNALED(st)) {
                std::fprintf(stderr, "stepdown-bench: note: '%s' ended with %s after SIGTERM\n", init.name.c_str(),
                             describe(st).c_str());
            }
        }
    }
    std::printf("# name\tn\tvmrss_kb\trss_anon_kb\trss_file_kb\tpss_kb\n");
    for (const auto& init : inits) {
        std::printf("%s\t%zu\t%.0f\t%.0f\t%.0f\t%.0f\n", init.name.c_str(), init.rss.size(), percentile(init.rss, 0.5),
                    percentile(init.anon, 0.5), percentile(init.file, 0.5), percentile(init.pss, 0.5));
    }
    return 0;
}

// ------------------------------------------------------------------ shared memory

constexpr std::size_t max_signals = 100000;
constexpr std::size_t max_orphans = 100000;

struct Shared {
    std::uint32_t ready;
    std::uint32_t ack;   // futex word: the last sequence number the receiver saw
    std::uint32_t seq;   // the sequence number of the signal in flight
    std::uint32_t done;  // futex word for orphan-app
    std::int64_t t_start, t_dead, t_reaped;
    std::uint64_t orphans, left;
    std::int64_t t_recv[max_signals];
    pid_t pids[max_orphans];
};

Shared* map_shared(const std::string& path, bool create) {
    const int fd = create ? open_or_die(path, O_RDWR | O_CREAT | O_TRUNC, 0666) : open_or_die(path, O_RDWR);
    if (create) {
        (void)!::fchmod(fd, 0666);  // the apps run as the dropped uid
        if (::ftruncate(fd, sizeof(Shared)) != 0) die("ftruncate");
    }
    void* p = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die("mmap");
    ::close(fd);
    return static_cast<Shared*>(p);
}

std::uint32_t load(const std::uint32_t& v) { return __atomic_load_n(&v, __ATOMIC_ACQUIRE); }
void store(std::uint32_t& v, std::uint32_t x) { __atomic_store_n(&v, x, __ATOMIC_RELEASE); }
void futex_wake(std::uint32_t* addr) { ::syscall(SYS_futex, addr, FUTEX_WAKE, 1, nullptr, nullptr, 0); }
void futex_wait(std::uint32_t* addr, std::uint32_t seen, long timeout_ms) {
    timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1000000};
    ::syscall(SYS_futex, addr, FUTEX_WAIT, seen, &ts, nullptr, 0);
}

// ------------------------------------------------------------------ signals

Shared* g_shared = nullptr;

void on_usr1(int) {
    const std::int64_t t = now_ns();
    const std::uint32_t s = load(g_shared->seq);
    if (s < max_signals) g_shared->t_recv[s] = t;
    store(g_shared->ack, s);
    futex_wake(&g_shared->ack);
}

int cmd_receiver(int argc, char** argv) {
    if (argc != 3) die("usage: receiver SHM");
    g_shared = map_shared(argv[2], false);
    struct sigaction sa {};
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGUSR1, &sa, nullptr);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGUSR1);
    sigaddset(&unblock, SIGTERM);
    ::sigprocmask(SIG_UNBLOCK, &unblock, nullptr);
    store(g_shared->ready, 1);
    futex_wake(&g_shared->ready);
    for (;;) ::pause();
}

bool wait_flag(std::uint32_t& flag, int timeout_ms) {
    const std::int64_t end = now_ns() + static_cast<std::int64_t>(timeout_ms) * 1000000;
    while (load(flag) == 0) {
        if (now_ns() > end) return false;
        futex_wait(&flag, 0, 50);
    }
    return true;
}

int cmd_signals(int argc, char** argv) {
    if (argc < 5) die("usage: signals COUNT SHM_DIR NAME [ARGV...]");
    const auto count = parse_count(argv[2], "count");
    if (count + 1 >= max_signals) die("signals: count too large");
    const std::string shm_path = std::string(argv[3]) + "/signals.shm";
    const std::string name = argv[4];
    Shared* sh = map_shared(shm_path, true);
    Argv full(argv + 5, argv + argc);
    const bool direct = full.empty();
    // The receiver: a copy of this binary anyone can run.
    full.push_back(std::string(argv[3]) + "/stepdown-bench");
    full.push_back("receiver");
    full.push_back(shm_path);
    Process p(full, !direct);
    const int null_fd = open_or_die("/dev/null", O_RDWR);
    p.launch().in_fd = null_fd;
    p.launch().out_fd = null_fd;
    const pid_t pid = p.start();
    if (!wait_flag(sh->ready, 5000)) die("signals: '" + name + "': the receiver did not become ready");

    const unsigned long warmup = 200;
    std::vector<double> lat_us;
    unsigned long lost = 0;
    for (unsigned long i = 1; i <= warmup + count; ++i) {
        const auto seq = static_cast<std::uint32_t>(i);
        store(sh->seq, seq);
        const std::int64_t t0 = now_ns();
        ::kill(pid, SIGUSR1);
        const std::int64_t deadline = t0 + 2000000000;
        std::uint32_t seen;
        while ((seen = load(sh->ack)) != seq && now_ns() < deadline) futex_wait(&sh->ack, seen, 100);
        if (seen != seq) {
            ++lost;
            continue;
        }
        if (i > warmup) lat_us.push_back(static_cast<double>(sh->t_recv[seq] - t0) / 1e3);
    }
    ::kill(pid, SIGTERM);
    p.wait();
    ::munmap(sh, sizeof(Shared));
    ::unlink(shm_path.c_str());
    std::printf("# name\tn\tp50_us\tp90_us\tp99_us\tmax_us\tlost\n");
    std::printf("%s\t%zu\t%.1f\t%.1f\t%.1f\t%.1f\t%lu\n", name.c_str(), lat_us.size(), percentile(lat_us, 0.5),
                percentile(lat_us, 0.9), percentile(lat_us, 0.99), percentile(lat_us, 1.0), lost);
    return 0;
}

// ------------------------------------------------------------------ orphans

int cmd_orphan_app(int argc, char** argv) {
    if (argc != 4) die("usage: orphan-app SHM COUNT");
    Shared* sh = map_shared(argv[2], false);
    const auto count = parse_count(argv[3], "count");
    if (count > max_orphans) die("orphan-app: count too large");
    sh->t_start = now_ns();
    int pfd[2];
    if (::pipe(pfd) != 0) die("pipe");
    const pid_t middle = ::fork();
    if (middle < 0) die("fork");
    if (middle == 0) {
        ::close(pfd[0]);
        std::uint64_t made = 0;
        for (; made < count; ++made) {
            const pid_t c = ::fork();
            if (c < 0) break;
            if (c == 0) ::_exit(0);  // closes its copy of the write end
            sh->pids[made] = c;
        }
        sh->orphans = made;
        ::_exit(0);  // the children become orphans of the init
    }
    ::close(pfd[1]);
    int status = 0;
    while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
    char b;
    while (::read(pfd[0], &b, 1) != 0) {
        if (errno != EINTR) break;
    }
    sh->t_dead = now_ns();  // every orphan has exited: from now on they are the init's zombies
    std::vector<pid_t> left(sh->pids, sh->pids + sh->orphans);
    const std::int64_t deadline = now_ns() + 30000000000LL;
    while (!left.empty() && now_ns() < deadline) {
        std::erase_if(left, [](pid_t p) { return ::kill(p, 0) != 0 && errno == ESRCH; });
        if (!left.empty()) sleep_ms(1);
    }
    sh->t_reaped = now_ns();
    sh->left = left.size();
    store(sh->done, 1);
    futex_wake(&sh->done);
    for (;;) ::pause();
}

int cmd_orphans(int argc, char** argv) {
    if (argc < 6) die("usage: orphans COUNT SHM_DIR NAME ARGV...");
    const auto count = parse_count(argv[2], "count");
    const std::string shm_path = std::string(argv[3]) + "/orphans.shm";
    const std::string name = argv[4];
    Shared* sh = map_shared(shm_path, true);
    Argv full(argv + 5, argv + argc);
    full.push_back(std::string(argv[3]) + "/stepdown-bench");
    full.push_back("orphan-app");
    full.push_back(shm_path);
    full.push_back(std::to_string(count));
    Process p(full, true);
    const int null_fd = open_or_die("/dev/null", O_RDWR);
    p.launch().in_fd = null_fd;
    p.launch().out_fd = null_fd;
    const pid_t pid = p.start();
    if (!wait_flag(sh->done, 90000)) die("orphans: '" + name + "' timed out");
    // From outside, while the init still runs: its children that are zombies.
    std::size_t zombies = 0, children = 0;
    for (const auto& c : children_of(pid)) {
        ++children;
        if (c.state == 'Z') ++zombies;
    }
    ::kill(pid, SIGTERM);
    p.wait();
    std::printf("# name\torphans\tcreate_and_reap_ms\treap_after_last_exit_ms\tnot_reaped\tzombies_in_proc\tinit_children\n");
    std::printf("%s\t%llu\t%.1f\t%.1f\t%llu\t%zu\t%zu\n", name.c_str(), static_cast<unsigned long long>(sh->orphans),
                static_cast<double>(sh->t_reaped - sh->t_start) / 1e6,
                static_cast<double>(sh->t_reaped - sh->t_dead) / 1e6, static_cast<unsigned long long>(sh->left),
                zombies, children);
    ::munmap(sh, sizeof(Shared));
    ::unlink(shm_path.c_str());
    return 0;
}

// ------------------------------------------------------------------ icount

// Counts the single-steps of ARGV and of every process and thread it starts,
// across exec, with ptrace: repeatable, works for any binary (static,
// stripped, Go), and slow, a few microseconds a step. A step is an
// instruction, except that each iteration of a rep-prefixed string
// instruction is a step of its own and the entry to a signal handler adds
// one. (callgrind counts a start on valgrind's simulated CPU, where glibc's
// start-up takes other paths: its figures differ, mostly upward.) perf stat has
// no instruction counter on this kind of VM, and valgrind loses the counts
// of an image that execs and cannot run Go binaries. On x86-64 it also counts
// the `cpuid`s executed (0F A2 at the instruction pointer of a stop, where an
// instruction starts; a prefixed cpuid, which compilers do not emit, would be
// missed): valgrind emulates cpuid, so only a real run shows how many a start
// issues.
bool at_cpuid(pid_t pid) {
#if defined(__x86_64__)
    user_regs_struct regs{};
    if (::ptrace(PTRACE_GETREGS, pid, nullptr, &regs) != 0) return false;
    errno = 0;
    const long word = ::ptrace(PTRACE_PEEKTEXT, pid, reinterpret_cast<void*>(regs.rip), nullptr);
    if (errno != 0) return false;
    return (static_cast<unsigned long>(word) & 0xffffUL) == 0xa20fUL;  // little-endian 0F A2
#else
    static_cast<void>(pid);
    return false;
#endif
}

int cmd_icount(int argc, char** argv) {
    if (argc < 3) die("usage: icount ARGV...");
    const int null_fd = open_or_die("/dev/null", O_RDWR);
    const pid_t child = ::fork();
    if (child < 0) die("fork");
    if (child == 0) {
        ::dup2(null_fd, STDIN_FILENO);
        ::dup2(null_fd, STDOUT_FILENO);
        ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
        ::raise(SIGSTOP);
        std::vector<std::string> env = bench_env();
        std::vector<char*> envp;
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        ::execve(argv[2], argv + 2, envp.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    const long options = PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC |
                         PTRACE_O_EXITKILL;
    ::ptrace(PTRACE_SETOPTIONS, child, nullptr, reinterpret_cast<void*>(options));
    // Skip the raise() and the execve of our own child: count from the exec on.
    bool counting = false;
    ::ptrace(PTRACE_CONT, child, nullptr, nullptr);
    std::uint64_t steps = 0;
    std::uint64_t cpuids = 0;
    std::size_t live = 1;
    int main_status = 0;
    while (live > 0) {
        const pid_t pid = ::waitpid(-1, &status, __WALL);
        if (pid < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            --live;
            if (pid == child) main_status = status;
            continue;
        }
        if (!WIFSTOPPED(status)) continue;
        const int sig = WSTOPSIG(status);
        const int event = status >> 16;
        int deliver = 0;
        if (sig == SIGTRAP && event == 0) {
            if (counting) ++steps;
            // Stopped before the next instruction: look at it before stepping it.
            if (counting && at_cpuid(pid)) ++cpuids;
        } else if (sig == SIGTRAP) {
            if (event == PTRACE_EVENT_EXEC) counting = true;
            if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) ++live;
        } else if (sig == SIGSTOP && pid != child) {
            // A new tracee's first stop (or a real SIGSTOP: rare here, dropped),
            // before its first instruction, which the next step executes.
            if (counting && at_cpuid(pid)) ++cpuids;
        } else {
            deliver = sig;
        }
        ::ptrace(counting ? PTRACE_SINGLESTEP : PTRACE_CONT, pid, nullptr,
                 reinterpret_cast<void*>(static_cast<long>(deliver)));
    }
    std::printf("%llu\t%llu\t%s\n", static_cast<unsigned long long>(steps), static_cast<unsigned long long>(cpuids),
                describe(main_status).c_str());
    return 0;
}

// ------------------------------------------------------------------ cpuid

int cmd_cpuid(int argc, char** argv) {
    if (argc != 3) die("usage: cpuid COUNT");
#if defined(__x86_64__)
    const auto count = parse_count(argv[2], "count");
    if (count == 0) die("count must be at least 1");
    const auto one = [] {
        unsigned a = 0, b = 0, c = 0, d = 0;
        asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0U), "c"(0U));
    };
    for (int i = 0; i < 100; ++i) one();
    std::vector<double> per_call;
    for (int batch = 0; batch < 5; ++batch) {
        const std::int64_t t0 = now_ns();
        for (unsigned long i = 0; i < count; ++i) one();
        per_call.push_back(static_cast<double>(now_ns() - t0) / 1000.0 / static_cast<double>(count));
    }
    std::printf("%.3f\n", percentile(per_call, 0.5));
    return 0;
#else
    static_cast<void>(argv);
    std::printf("n/a\n");
    return 0;
#endif
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) die("usage: stepdown-bench startup|memory|signals|orphans|icount|cpuid|receiver|orphan-app ...");
    const std::string_view cmd = argv[1];
    if (cmd == "startup") return cmd_startup(argc, argv);
    if (cmd == "memory") return cmd_memory(argc, argv);
    if (cmd == "signals") return cmd_signals(argc, argv);
    if (cmd == "orphans") return cmd_orphans(argc, argv);
    if (cmd == "receiver") return cmd_receiver(argc, argv);
    if (cmd == "orphan-app") return cmd_orphan_app(argc, argv);
    if (cmd == "icount") return cmd_icount(argc, argv);
    if (cmd == "cpuid") return cmd_cpuid(argc, argv);
    die("unknown command '" + std::string(cmd) + "'");
}
