// The syscall seam: every privileged, file-editing and process syscall that
// stepdown's decisions depend on goes through this interface, one method per
// call and no policy in it. The real implementation (linux_sys.cpp) calls the
// kernel; the recording fake in tests/unit/fake_sys.hpp logs calls in order and
// can fail the Nth one with a chosen errno.
//
// Convention: methods return 0 on success or a positive errno value on failure
// (never -1 + errno), so callers cannot forget to read errno in time.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace stepdown::sys {

struct Ids {
    unsigned real = 0;
    unsigned effective = 0;
    unsigned saved = 0;
};

// What the kernel says about the capability sets of the calling thread: whether
// each set holds anything, and exactly what (bit N = capability N, the way
// /proc/PID/status prints them), for --keep-cap, whose proof needs the sets
// to hold exactly the kept capabilities.
struct CapState {
    bool any_effective = false;
    bool any_permitted = false;
    bool any_inheritable = false;
    bool any_ambient = false;
    bool any_bounding = false;
    std::uint64_t effective = 0;
    std::uint64_t permitted = 0;
    std::uint64_t inheritable = 0;
    std::uint64_t ambient = 0;
    std::uint64_t bounding = 0;
};

class Sys {
public:
    virtual ~Sys() = default;

    // --- credentials -----------------------------------------------------
    virtual int setgroups(std::span<const gid_t> groups) = 0;
    virtual int setresgid(gid_t r, gid_t e, gid_t s) = 0;
    virtual int setresuid(uid_t r, uid_t e, uid_t s) = 0;
    virtual int getresuid(Ids& out) = 0;
    virtual int getresgid(Ids& out) = 0;
    virtual int getgroups(std::vector<gid_t>& out) = 0;
    virtual int setuid(uid_t uid) = 0;  // only used to prove the drop is final
    virtual int setgid(gid_t gid) = 0;  // likewise

    // --- capabilities (implemented with libcap-ng in privilege/caps.cpp) --
    virtual int caps_drop_bounding() = 0;       // empty the bounding set
    virtual int caps_drop_bounding_except(std::span<const int> keep) = 0;  // keep-cap path
    virtual int caps_clear_ambient() = 0;       // empty the ambient set
    virtual int caps_clear_all() = 0;           // empty effective, permitted, inheritable
    virtual int caps_raise_ambient(std::span<const int> caps) = 0;  // keep-cap path
    virtual int caps_read(CapState& out) = 0;   // what the kernel reports now
    virtual int caps_keep_on_uid_change(bool keep) = 0;  // PR_SET_KEEPCAPS

    // --- process attributes ------------------------------------------------
    virtual int set_no_new_privs() = 0;
    virtual int get_no_new_privs(bool& out) = 0;

    // --- files (the /etc/group commit) ---------------------------------------
    virtual int open(const char* path, int flags, mode_t mode, int& fd_out) = 0;
    virtual int mkstemp_in(const std::string& dir, const std::string& prefix,
                           std::string& path_out, int& fd_out) = 0;
    virtual int lock_wait(int fd, int timeout_ms) = 0;  // fcntl F_SETLK write lock, bounded poll
    virtual int write_all(int fd, const char* data, std::size_t len) = 0;
    virtual int fchmod(int fd, mode_t mode) = 0;
    virtual int fchown(int fd, uid_t uid, gid_t gid) = 0;
    // Extended attributes (POSIX ACLs, SELinux labels, user.*): read from the
    // old file by path without following a final symlink, set on the temp
    // file's descriptor. The buffer sizing (ERANGE) is handled inside.
    virtual int llistxattr(const char* path, std::vector<std::string>& names_out) = 0;
    virtual int lgetxattr(const char* path, const char* name, std::string& value_out) = 0;
    virtual int fsetxattr(int fd, const char* name, const std::string& value) = 0;
    virtual int sync_start(int fd) = 0;  // sync_file_range(SYNC_FILE_RANGE_WRITE): start writeback
    virtual int fsync(int fd) = 0;
    virtual int rename(const char* from, const char* to) = 0;
    // renameat2(RENAME_EXCHANGE): swaps the two names atomically, so that a
    // replaced file can be put back. EINVAL where the file system cannot.
    virtual int rename_exchange(const char* a, const char* b) = 0;
    virtual int unlink(const char* path) = 0;
    virtual int close(int fd) = 0;
};

// The process-wide real implementation.
Sys& real();

}  // namespace stepdown::sys
