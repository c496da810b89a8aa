// The real syscall seam: thin wrappers, no policy.
#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "privilege/caps.hpp"
#include "sys/sys.hpp"

namespace stepdown::sys {
namespace {

int check(int rc) { return rc == 0 ? 0 : errno; }

// The *xattr calls' protocol: ask for the size, then read; if the value grew
// in between (ERANGE), ask again.
template <typename Call>
int sized_read(std::string& out, Call call) {
    while (true) {
        const ssize_t size = call(nullptr, 0);
        if (size < 0) return errno;
        out.resize(static_cast<std::size_t>(size));
        if (size == 0) return 0;
        const ssize_t got = call(out.data(), out.size());
        if (got >= 0) {
            out.resize(static_cast<std::size_t>(got));
            return 0;
        }
        if (errno != ERANGE) return errno;
    }
}

class LinuxSys final : public Sys {
public:
    int setgroups(std::span<const gid_t> groups) override {
        return check(::setgroups(groups.size(), groups.data()));
    }
    int setresgid(gid_t r, gid_t e, gid_t s) override { return check(::setresgid(r, e, s)); }
    int setresuid(uid_t r, uid_t e, uid_t s) override { return check(::setresuid(r, e, s)); }
    int getresuid(Ids& out) override {
        uid_t r = 0, e = 0, s = 0;
        if (::getresuid(&r, &e, &s) != 0) return errno;
        out = {r, e, s};
        return 0;
    }
    int getresgid(Ids& out) override {
        gid_t r = 0, e = 0, s = 0;
        if (::getresgid(&r, &e, &s) != 0) return errno;
        out = {r, e, s};
        return 0;
    }
    int getgroups(std::vector<gid_t>& out) override {
        const int n = ::getgroups(0, nullptr);
        if (n < 0) return errno;
        out.resize(static_cast<std::size_t>(n));
        const int m = ::getgroups(n, out.data());
        if (m < 0) return errno;
        out.resize(static_cast<std::size_t>(m));
        return 0;
    }
    int setuid(uid_t uid) override { return check(::setuid(uid)); }
    int setgid(gid_t gid) override { return check(::setgid(gid)); }

    int caps_drop_bounding() override { return caps::drop_bounding(); }
    int caps_drop_bounding_except(std::span<const int> keep) override { return caps::drop_bounding_except(keep); }
    int caps_clear_ambient() override { return caps::clear_ambient(); }
    int caps_clear_all() override { return caps::clear_all(); }
    int caps_raise_ambient(std::span<const int> c) override { return caps::raise_ambient(c); }
    int caps_read(CapState& out) override { return caps::read(out); }
    int caps_keep_on_uid_change(bool keep) override {
        return check(prctl(PR_SET_KEEPCAPS, keep ? 1UL : 0UL, 0UL, 0UL, 0UL));
    }

    int set_no_new_privs() override { return check(prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL)); }
    int get_no_new_privs(bool& out) override {
        const int rc = prctl(PR_GET_NO_NEW_PRIVS, 0UL, 0UL, 0UL, 0UL);
        if (rc < 0) return errno;
        out = rc == 1;
        return 0;
    }

    int open(const char* path, int flags, mode_t mode, int& fd_out) override {
        const int fd = ::open(path, flags | O_CLOEXEC, mode);
        if (fd < 0) return errno;
        fd_out = fd;
        return 0;
    }
    int mkstemp_in(const std::string& dir, const std::string& prefix, std::string& path_out,
                   int& fd_out) override {
        std::string templ = dir + "/" + prefix + "XXXXXX";
        const int fd = ::mkostemp(templ.data(), O_CLOEXEC);
        if (fd < 0) return errno;
        path_out = templ;
        fd_out = fd;
        return 0;
    }
    int lock_wait(int fd, int timeout_ms) override {
        // Poll F_SETLK instead of F_SETLKW + alarm(): PID 1 must not touch
        // process-wide signal state (glibc's lckpwdf does).
        struct flock fl {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        const int step_ms = 20;
        for (int waited = 0;; waited += step_ms) {
            if (::fcntl(fd, F_SETLK, &fl) == 0) return 0;
            if (errno != EACCES && errno != EAGAIN) return errno;
            if (waited >= timeout_ms) return ETIMEDOUT;
            struct timespec ts {0, step_ms * 1000000L};
            while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
        }
    }
    int write_all(int fd, const char* data, std::size_t len) override {
        while (len > 0) {
            const ssize_t n = ::write(fd, data, len);
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno;
            }
            if (n == 0) return EIO;
            data += n;
            len -= static_cast<std::size_t>(n);
        }
        return 0;
    }
    int fchmod(int fd, mode_t mode) override { return check(::fchmod(fd, mode)); }
    int fchown(int fd, uid_t uid, gid_t gid) override { return check(::fchown(fd, uid, gid)); }
    int llistxattr(const char* path, std::vector<std::string>& names_out) override {
        std::string buf;
        if (int e = sized_read(buf, [path](char* data, std::size_t size) { return ::llistxattr(path, data, size); })) {
            return e;
        }
        names_out.clear();
        // The list is names, each ending in a NUL byte.
        for (std::size_t start = 0; start < buf.size();) {
            const std::size_t end = buf.find('\0', start);
            if (end == std::string::npos) break;
            names_out.emplace_back(buf, start, end - start);
            start = end + 1;
        }
        return 0;
    }
    int lgetxattr(const char* path, const char* name, std::string& value_out) override {
        return sized_read(value_out,
                          [path, name](char* data, std::size_t size) { return ::lgetxattr(path, name, data, size); });
    }
    int fsetxattr(int fd, const char* name, const std::string& value) override {
        return check(::fsetxattr(fd, name, value.data(), value.size(), 0));
    }
    int sync_start(int fd) override { return check(::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE)); }
    int fsync(int fd) override { return check(::fsync(fd)); }
    int rename(const char* from, const char* to) override { return check(::rename(from, to)); }
    int rename_exchange(const char* a, const char* b) override {
        return check(::renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE));
    }
    int unlink(const char* path) override { return check(::unlink(path)); }
    int close(int fd) override { return check(::close(fd)); }
};

}  // namespace

Sys& real() {
    static LinuxSys instance;
    return instance;
}

}  // namespace stepdown::sys
