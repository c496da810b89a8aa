// The process table from /proc, for the shutdown of what remains when the init
// is not PID 1 (then kill(-1) would reach processes that are not ours) and for
// finding reparented orphans. Parsing and the tree walk are pure functions.
#pragma once

#include <sys/types.h>

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace stepdown::init {

struct ProcEntry {
    pid_t pid = 0;
    char state = '?';
    pid_t ppid = 0;
    pid_t pgrp = 0;
};

// One /proc/PID/stat line: "PID (COMM) STATE PPID PGRP ...". COMM may hold
// spaces and parentheses, so the fields are found after the last ')'.
std::optional<ProcEntry> parse_proc_stat(std::string_view line);

// Every process whose parent chain reaches root (root itself excluded), in
// table order. Robust against cycles in a table read while processes change.
std::vector<pid_t> descendants_of(pid_t root, std::span<const ProcEntry> table);

// The table as /proc shows it now. nullopt when /proc is not mounted or shows
// another pid namespace than ours (then its pids are not our pids).
std::optional<std::vector<ProcEntry>> read_process_table();

}  // namespace stepdown::init
