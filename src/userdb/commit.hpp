// Writing /etc/group the way vipw does: take the lock, write a temp file in
// the same directory with the old file's mode, owner and extended attributes,
// fsync it, rename it over the old file. Stop signals are held from before
// the lock to the last rename. Every file syscall goes through the seam. On
// any failure the old files are untouched and no temp file is left.
//
// The directory is not synced after the renames: a crash may undo a rename,
// which leaves the old file, whole (and the synced temp file beside it), and
// the next start makes the same edit again (stepdown's edit is redone at
// every start that needs it). What must
// never happen, a renamed file whose data is not on disk, the fsync before
// the rename prevents. (Issue 6: the directory fsync was ~0.25 ms of a fresh
// container's start on the benchmark machine.)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "sys/sys.hpp"

namespace stepdown::userdb {

struct EtcPaths {
    std::string dir = "/etc";
    [[nodiscard]] std::string group() const { return dir + "/group"; }
    [[nodiscard]] std::string gshadow() const { return dir + "/gshadow"; }
    [[nodiscard]] std::string passwd() const { return dir + "/passwd"; }
    [[nodiscard]] std::string lock() const { return dir + "/.pwd.lock"; }
};

// The largest /etc file stepdown reads (a 10 MB /etc/group is read; more is refused).
inline constexpr std::size_t max_db_file_size = 32UL * 1024 * 1024;

// Reads a whole regular file (not following a final symlink to a non-regular
// file; refusing directories, FIFOs and files over max_db_file_size).
// ENOENT is reported as an Error with sys_errno == ENOENT.
Result<std::string> read_db_file(const std::string& path);

struct CommitRequest {
    std::string group_content;
    std::optional<std::string> gshadow_content;  // only when /etc/gshadow exists
    // The bytes the edit was planned from. When set, the files are read again
    // under the lock and nothing is written if another program changed them
    // in the meantime (no lost update); the caller carries on with numbers.
    std::optional<std::string> planned_from_group;
    std::optional<std::string> planned_from_gshadow;
};

inline constexpr int lock_timeout_ms = 5000;

// Commits both files; refuses (before taking the lock) content larger than
// max_db_file_size, and (before any rename) a file that is a mount point.
// gshadow is renamed after group; both temp files are
// written, then their writeback is started together (so that the second
// fsync finds its data already on the way), then each is fsynced, all before
// the first rename.
// With held_out, a successful commit appends O_PATH, close-on-exec
// descriptors of the replaced files, for the caller to close once the app is
// started (freeing an inode is the slow part of a rename over a file);
// without it they are closed before the commit returns.
Status commit_group_files(sys::Sys& sys, const EtcPaths& paths, const CommitRequest& request,
                          int timeout_ms = lock_timeout_ms, std::vector<int>* held_out = nullptr);

}  // namespace stepdown::userdb
