// A recording fake of the syscall seam. Every call is appended to calls() as
// "name(args)"; fail_at(n, errno) makes the nth call (1-based, counting all
// methods) fail with that errno, fail_on("name", errno) makes every call of
// that name fail. Files live in an in-memory map so the /etc/group commit can
// be tested without touching the disk.
#pragma once

#include <fcntl.h>

#include <cerrno>
#include <cstdint>
#include <span>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sys/sys.hpp"

namespace stepdown::testing {

class FakeSys : public sys::Sys {
public:
    // Kernel state the fake pretends to have.
    sys::Ids uids{0, 0, 0};
    sys::Ids gids{0, 0, 0};
    std::vector<gid_t> groups{0};
    // The booleans are what verify() reads on the normal path; the masks (bit N
    // = capability N) back --keep-cap, whose proof compares exact sets. The
    // methods below keep both in step, with the kernel's rules.
    static constexpr std::uint64_t all_caps = (std::uint64_t{1} << 41) - 1;  // 0..40, as root has
    sys::CapState caps{true, true, false, false, true, all_caps, all_caps, 0, 0, all_caps};
    bool nnp = false;
    bool keepcaps = false;
    bool setuid_escapes = false;  // setuid(0) succeeds whatever the ids
    std::map<std::string, std::string> files;   // path -> content
    std::set<std::string> dirs;                  // paths open(O_DIRECTORY) accepts
    struct OpenArgs { int flags; mode_t mode; };
    std::map<std::string, OpenArgs> last_open;   // path -> flags and mode of its last open call
    std::map<int, std::string> open_fds;         // fd -> path (temp or real)
    std::map<int, std::string> pending;          // fd -> bytes written so far
    std::map<std::string, std::map<std::string, std::string>> xattrs;  // path -> name -> value
    int next_fd = 10;
    int temp_counter = 0;

    std::vector<std::string> calls;
    void fail_at(int nth, int err) { fail_nth_ = nth; fail_errno_ = err; }
    void fail_on(const std::string& name, int err) { fail_name_ = name; fail_name_errno_ = err; }

    int setgroups(std::span<const gid_t> g) override {
        std::string a;
        for (auto x : g) a += (a.empty() ? "" : ",") + std::to_string(x);
        if (int e = record("setgroups", a)) return e;
        groups.assign(g.begin(), g.end());
        return 0;
    }
    int setresgid(gid_t r, gid_t e, gid_t s) override {
        if (int err = record("setresgid", ids(r, e, s))) return err;
        gids = {r, e, s};
        return 0;
    }
    int setresuid(uid_t r, uid_t e, uid_t s) override {
        if (int err = record("setresuid", ids(r, e, s))) return err;
        uids = {r, e, s};
        if (r != 0 && e != 0 && s != 0) {
            // All ids leave 0: effective and ambient are cleared; permitted
            // too unless PR_SET_KEEPCAPS (capabilities(7)).
            caps.any_effective = caps.any_ambient = false;
            caps.effective = caps.ambient = 0;
            if (!keepcaps) {
                caps.any_permitted = false;
                caps.permitted = 0;
            }
        }
        return 0;
    }
    int getresuid(sys::Ids& out) override {
        if (int e = record("getresuid", "")) return e;
        out = uids;
        return 0;
    }
    int getresgid(sys::Ids& out) override {
        if (int e = record("getresgid", "")) return e;
        out = gids;
        return 0;
    }
    int getgroups(std::vector<gid_t>& out) override {
        if (int e = record("getgroups", "")) return e;
        out = groups;
        return 0;
    }
    int setuid(uid_t u) override {
        if (int e = record("setuid", std::to_string(u))) return e;
        if (!setuid_escapes && uids.effective != 0 && u != uids.real && u != uids.saved) return EPERM;
        uids = {u, u, u};
        return 0;
    }
    int setgid(gid_t g) override {
        if (int e = record("setgid", std::to_string(g))) return e;
        if (!setuid_escapes && uids.effective != 0 && g != gids.real && g != gids.saved) return EPERM;
        gids = {g, g, g};
        return 0;
    }
    int caps_drop_bounding() override {
        if (int e = record("caps_drop_bounding", "")) return e;
        caps.any_bounding = false;
        caps.bounding = 0;
        return 0;
    }
    int caps_drop_bounding_except(std::span<const int> keep) override {
        if (int e = record("caps_drop_bounding_except", list(keep))) return e;
        caps.bounding &= mask(keep);
        caps.any_bounding = caps.bounding != 0;
        return 0;
    }
    int caps_clear_ambient() override {
        if (int e = record("caps_clear_ambient", "")) return e;
        caps.any_ambient = false;
        caps.ambient = 0;
        return 0;
    }
    int caps_clear_all() override {
        if (int e = record("caps_clear_all", "")) return e;
        caps.any_effective = caps.any_permitted = caps.any_inheritable = false;
        caps.effective = caps.permitted = caps.inheritable = 0;
        return 0;
    }
    int caps_raise_ambient(std::span<const int> c) override {
        if (int e = record("caps_raise_ambient", list(c))) return e;
        // capset cannot add to permitted, nor inheritable beyond the bounding
        // set; ambient needs permitted and inheritable.
        const std::uint64_t want = mask(c);
        if ((want & ~caps.permitted) != 0 || (want & ~(caps.bounding | caps.inheritable)) != 0) return EPERM;
        caps.effective = caps.permitted = caps.inheritable = caps.ambient = want;
        caps.any_effective = caps.any_permitted = caps.any_inheritable = caps.any_ambient = want != 0;
        return 0;
    }
    int caps_read(sys::CapState& out) override {
        if (int e = record("caps_read", "")) return e;
        out = caps;
        return 0;
    }
    int caps_keep_on_uid_change(bool keep) override {
        if (int e = record("caps_keep_on_uid_change", keep ? "1" : "0")) return e;
        keepcaps = keep;
        return 0;
    }
    int set_no_new_privs() override {
        if (int e = record("set_no_new_privs", "")) return e;
        nnp = true;
        return 0;
    }
    int get_no_new_privs(bool& out) override {
        if (int e = record("get_no_new_privs", "")) return e;
        out = nnp;
        return 0;
    }
    int open(const char* path, int flags, mode_t mode, int& fd_out) override;
    int mkstemp_in(const std::string& dir, const std::string& prefix, std::string& path_out,
                   int& fd_out) override;
    int lock_wait(int fd, int timeout_ms) override {
        if (int e = record("lock_wait", std::to_string(fd) + "," + std::to_string(timeout_ms))) return e;
        return 0;
    }
    int write_all(int fd, const char* data, std::size_t len) override {
        if (int e = record("write_all", open_fds[fd])) return e;
        pending[fd].append(data, len);
        return 0;
    }
    int fchmod(int fd, mode_t mode) override { return record("fchmod", open_fds[fd] + "," + std::to_string(mode)); }
    int fchown(int fd, uid_t u, gid_t g) override {
        return record("fchown", open_fds[fd] + "," + std::to_string(u) + "," + std::to_string(g));
    }
    int llistxattr(const char* path, std::vector<std::string>& names_out) override {
        if (int e = record("llistxattr", path)) return e;
        if (!files.count(path)) return ENOENT;
        names_out.clear();
        for (const auto& [name, value] : xattrs[path]) names_out.push_back(name);
        return 0;
    }
    int lgetxattr(const char* path, const char* name, std::string& value_out) override {
        if (int e = record("lgetxattr", std::string(path) + "," + name)) return e;
        auto it = xattrs[path].find(name);
        if (it == xattrs[path].end()) return ENODATA;
        value_out = it->second;
        return 0;
    }
    int fsetxattr(int fd, const char* name, const std::string& value) override {
        if (int e = record("fsetxattr", open_fds[fd] + "," + name)) return e;
        xattrs[open_fds[fd]][name] = value;
        return 0;
    }
    int sync_start(int fd) override { return record("sync_start", open_fds[fd]); }
    int fsync(int fd) override {
        if (int e = record("fsync", open_fds[fd])) return e;
        if (pending.count(fd)) files[open_fds[fd]] = pending[fd];
        return 0;
    }
    int rename(const char* from, const char* to) override {
        if (int e = record("rename", std::string(from) + "," + to)) return e;
        auto it = files.find(from);
        if (it == files.end()) return ENOENT;
        files[to] = it->second;
        files.erase(it);
        xattrs[to] = xattrs[from];
        xattrs.erase(from);
        return 0;
    }
    int rename_exchange(const char* a, const char* b) override {
        if (int e = record("rename_exchange", std::string(a) + "," + b)) return e;
        if (files.count(a) == 0 || files.count(b) == 0) return ENOENT;
        std::swap(files[a], files[b]);
        std::swap(xattrs[a], xattrs[b]);
        return 0;
    }
    int unlink(const char* path) override {
        if (int e = record("unlink", path)) return e;
        xattrs.erase(path);
        return files.erase(path) ? 0 : ENOENT;
    }
    int close(int fd) override {
        int e = record("close", open_fds[fd]);
        if (pending.count(fd)) files[open_fds[fd]] = pending[fd];
        pending.erase(fd);
        open_fds.erase(fd);
        return e;
    }

    // Names of the calls only, in order ("setgroups", "setresgid", ...).
    [[nodiscard]] std::vector<std::string> call_names() const {
        std::vector<std::string> out;
        for (const auto& c : calls) out.push_back(c.substr(0, c.find('(')));
        return out;
    }

private:
    int fail_nth_ = 0;
    int fail_errno_ = 0;
    std::string fail_name_;
    int fail_name_errno_ = 0;

    static std::uint64_t mask(std::span<const int> c) {
        std::uint64_t m = 0;
        for (int x : c) m |= std::uint64_t{1} << static_cast<unsigned>(x);
        return m;
    }
    static std::string list(std::span<const int> c) {
        std::string a;
        for (auto x : c) a += (a.empty() ? "" : ",") + std::to_string(x);
        return a;
    }
    static std::string ids(unsigned r, unsigned e, unsigned s) {
        return std::to_string(r) + "," + std::to_string(e) + "," + std::to_string(s);
    }
    int record(const std::string& name, const std::string& args) {
        calls.push_back(name + "(" + args + ")");
        if (fail_nth_ != 0 && static_cast<int>(calls.size()) == fail_nth_) return fail_errno_;
        if (!fail_name_.empty() && name == fail_name_) return fail_name_errno_;
        return 0;
    }
};

inline int FakeSys::open(const char* path, int flags, mode_t mode, int& fd_out) {
    last_open[path] = OpenArgs{flags, mode};
    if (int e = record("open", path)) return e;
    if (flags & O_DIRECTORY) {
        if (!dirs.count(path)) return files.count(path) ? ENOTDIR : ENOENT;
        fd_out = next_fd++;
        open_fds[fd_out] = path;
        return 0;
    }
    if (!(flags & O_CREAT) && !files.count(path)) return ENOENT;
    if (!files.count(path)) files[path] = "";
    fd_out = next_fd++;
    open_fds[fd_out] = path;
    return 0;
}

inline int FakeSys::mkstemp_in(const std::string& dir, const std::string& prefix, std::string& path_out,
                               int& fd_out) {
    if (int e = record("mkstemp_in", dir + "," + prefix)) return e;
    path_out = dir + "/" + prefix + std::to_string(++temp_counter);
    files[path_out] = "";
    fd_out = next_fd++;
    open_fds[fd_out] = path_out;
    return 0;
}

}  // namespace stepdown::testing
