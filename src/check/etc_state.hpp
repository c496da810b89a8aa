// Whether the /etc/group edit a real start would make could be written:
// a read-only /etc (docker run --read-only) or a single-file bind mount of
// /etc/group (rename(2) onto a mount point gives EBUSY) make the real start
// warn once and continue with the numeric GID. Looked at, never written.
#pragma once

#include <string>

#include "userdb/commit.hpp"

namespace stepdown::check {

struct EtcState {
    std::string dir;
    bool read_only = false;          // statvfs: the filesystem of the directory is mounted read-only
    bool group_is_mount = false;     // /etc/group is on another mount than its directory
    int dir_write_errno = 0;         // access(dir, W_OK) failed with this errno (0: writable)
    [[nodiscard]] bool writable() const { return !read_only && !group_is_mount && dir_write_errno == 0; }
    // Why it is not writable, in the words of the real start's warning; "" when writable.
    [[nodiscard]] std::string why_not() const;
};

EtcState inspect_etc(const userdb::EtcPaths& paths);

}  // namespace stepdown::check
