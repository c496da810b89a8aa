#include "init/procfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "base/numbers.hpp"

namespace stepdown::init {
namespace {

constexpr auto pid_max = static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max());

std::optional<pid_t> parse_pid(std::string_view text) {
    const auto value = parse_unsigned(text, pid_max);
    if (!value) return std::nullopt;
    return static_cast<pid_t>(*value);
}

// The next space-separated field of text, removed from it.
std::string_view next_field(std::string_view& text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    const std::size_t end = text.find(' ');
    const std::string_view field = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
    return field;
}

// Reads a small file into buf; returns the bytes read or nullopt.
std::optional<std::string_view> read_small(int dirfd, const char* name, std::array<char, 1024>& buf) {
    const int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::size_t used = 0;
    while (used < buf.size()) {
        const ssize_t n = ::read(fd, buf.data() + used, buf.size() - used);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (used == 0) return std::nullopt;
    return std::string_view(buf.data(), used);
}

}  // namespace

std::optional<ProcEntry> parse_proc_stat(std::string_view line) {
    const std::size_t open = line.find(" (");
    const std::size_t close = line.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return std::nullopt;
    }
    ProcEntry entry;
    const auto pid = parse_pid(line.substr(0, open));
    std::string_view rest = line.substr(close + 1);
    const std::string_view state = next_field(rest);
    const auto ppid = parse_pid(next_field(rest));
    const auto pgrp = parse_pid(next_field(rest));
    if (!pid || state.size() != 1 || !ppid || !pgrp) return std::nullopt;
    entry.pid = *pid;
    entry.state = state.front();
    entry.ppid = *ppid;
    entry.pgrp = *pgrp;
    return entry;
}

std::vector<pid_t> descendants_of(pid_t root, std::span<const ProcEntry> table) {
    std::unordered_map<pid_t, std::vector<pid_t>> children;
    for (const auto& entry : table) children[entry.ppid].push_back(entry.pid);
    // Breadth-first; a pid is visited at most once, so a table torn by
    // concurrent forks and exits (even a cycle) cannot make this loop forever.
    std::vector<pid_t> found;
    std::unordered_set<pid_t> seen{root};
    std::vector<pid_t> queue{root};
    for (std::size_t i = 0; i < queue.size(); ++i) {
        const auto it = children.find(queue[i]);
        if (it == children.end()) continue;
        for (pid_t pid : it->second) {
            if (!seen.insert(pid).second) continue;
            queue.push_back(pid);
            found.push_back(pid);
        }
    }
    return found;
}

std::optional<std::vector<ProcEntry>> read_process_table() {
    // /proc/self names our pid as that /proc's namespace sees it.
    std::array<char, 32> self{};
    const ssize_t len = ::readlink("/proc/self", self.data(), self.size() - 1);
    if (len <= 0) return std::nullopt;
    const auto self_pid = parse_pid(std::string_view(self.data(), static_cast<std::size_t>(len)));
    if (!self_pid || *self_pid != ::getpid()) return std::nullopt;

    DIR* dir = ::opendir("/proc");  // glibc opens it O_CLOEXEC
    if (dir == nullptr) return std::nullopt;
    std::vector<ProcEntry> table;
    std::array<char, 1024> buf{};
    while (const dirent* ent = ::readdir(dir)) {
        if (!all_digits(ent->d_name)) continue;
        const std::string path = std::string(ent->d_name) + "/stat";
        const auto line = read_small(::dirfd(dir), path.c_str(), buf);
        if (!line) continue;  // exited meanwhile
        if (auto entry = parse_proc_stat(*line)) table.push_back(*entry);
    }
    ::closedir(dir);
    return table;
}

}  // namespace stepdown::init
