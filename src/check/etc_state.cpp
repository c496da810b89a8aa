#include "check/etc_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stepdown::check {
namespace {

// The mount id, or 0 when statx cannot say (then st_dev decides).
bool same_mount(const std::string& a, const std::string& b) {
    struct statx sa {}, sb {};
    const unsigned mask = STATX_MNT_ID | STATX_INO;
    if (::statx(AT_FDCWD, a.c_str(), 0, mask, &sa) != 0 || ::statx(AT_FDCWD, b.c_str(), 0, mask, &sb) != 0)
        return true;  // cannot tell: assume the ordinary case
    if ((sa.stx_mask & STATX_MNT_ID) != 0 && (sb.stx_mask & STATX_MNT_ID) != 0) return sa.stx_mnt_id == sb.stx_mnt_id;
    return sa.stx_dev_major == sb.stx_dev_major && sa.stx_dev_minor == sb.stx_dev_minor;
}

}  // namespace

std::string EtcState::why_not() const {
    if (read_only) return "'" + dir + "' is read-only, e.g. docker run --read-only";
    if (group_is_mount) return "'" + dir + "/group' is a single-file bind mount, which cannot be replaced";
    if (dir_write_errno != 0) return "'" + dir + "' is not writable: " + std::strerror(dir_write_errno);
    return "";
}

EtcState inspect_etc(const userdb::EtcPaths& paths) {
    EtcState s;
    s.dir = paths.dir;
    struct statvfs vfs {};
    if (::statvfs(paths.dir.c_str(), &vfs) == 0) s.read_only = (vfs.f_flag & ST_RDONLY) != 0;
    if (::access(paths.dir.c_str(), W_OK) != 0) s.dir_write_errno = errno;
    if (s.dir_write_errno == EROFS) s.read_only = true;
    struct stat st {};
    if (::stat(paths.group().c_str(), &st) == 0) s.group_is_mount = !same_mount(paths.group(), paths.dir);
    return s;
}

}  // namespace stepdown::check
