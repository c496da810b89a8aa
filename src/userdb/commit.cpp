#include "userdb/commit.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <vector>

#include "init/sigmask.hpp"

namespace stepdown::userdb {

namespace {

std::string quoted(const std::string& text) { return "'" + text + "'"; }

const char* file_type_name(mode_t mode) {
    if (S_ISDIR(mode)) return "directory";
    if (S_ISFIFO(mode)) return "FIFO";
    if (S_ISSOCK(mode)) return "socket";
    if (S_ISCHR(mode)) return "character device";
    if (S_ISBLK(mode)) return "block device";
    if (S_ISLNK(mode)) return "symbolic link";
    return "file of unknown type";
}

std::string octal_mode(mode_t mode) {
    std::array<char, 16> buf{};
    std::snprintf(buf.data(), buf.size(), "%04o", static_cast<unsigned>(mode));
    return buf.data();
}

// Closes a plain (non-seam) descriptor on every return path of read_db_file.
class PlainFd {
public:
    explicit PlainFd(int fd) : fd_(fd) {}
    PlainFd(const PlainFd&) = delete;
    PlainFd& operator=(const PlainFd&) = delete;
    ~PlainFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

// One file being replaced: where it goes, what goes in, and the temp file
// standing in for it until the rename.
struct Replacement {
    std::string target;
    const std::string* content = nullptr;
    std::string temp_prefix;
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    bool exists = false;  // the old file exists: its extended attributes are copied
    std::string temp;  // set once mkstemp_in succeeded
    int fd = -1;       // open temp descriptor
};

// Mode and owner the new file must have: the old file's. A missing old file
// gets root's and a conservative mode (gshadow holds password hashes).
std::optional<Error> take_metadata(Replacement& file, mode_t default_mode, const std::string& untouched) {
    struct stat st {};
    if (::lstat(file.target.c_str(), &st) != 0) {
        if (errno != ENOENT) return Error{"cannot stat " + quoted(file.target) + untouched, errno};
        file.mode = default_mode;
        return std::nullopt;
    }
    // rename(2) would replace a symlink by a regular file, silently moving
    // the edit away from wherever the link pointed: refuse instead.
    if (!S_ISREG(st.st_mode)) {
        return Error{"refusing to replace " + quoted(file.target) + ", a " + file_type_name(st.st_mode) +
                         ", not a regular file" + untouched,
                     0};
    }
    // A file that is a mount point (a single-file bind mount) cannot be
    // renamed over (EBUSY). Both files are checked before the first rename,
    // so that one is never replaced while the other cannot be. A kernel
    // without statx or without the attribute (before 5.8) leaves this to
    // the rename, which then fails before (group) or after (gshadow) the
    // first file is replaced, and says which.
    struct statx stx {};
    if (::statx(AT_FDCWD, file.target.c_str(), AT_SYMLINK_NOFOLLOW, 0, &stx) == 0 &&
        (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0) {
        return Error{"refusing to replace " + quoted(file.target) +
                         ", a mount point (a single-file bind mount cannot be replaced)" + untouched,
                     0};
    }
    file.mode = st.st_mode & 07777;
    file.uid = st.st_uid;
    file.gid = st.st_gid;
    file.exists = true;
    return std::nullopt;
}

// The file size stepdown writes must be one it reads back: a file grown past
// max_db_file_size would make every later start refuse it.
std::optional<Error> check_size(const std::string& target, const std::string& content, const std::string& untouched) {
    if (content.size() <= max_db_file_size) return std::nullopt;
    return Error{"refusing to write " + quoted(target) + ": the new version would be " +
                     std::to_string(content.size()) + " bytes, larger than the " +
                     std::to_string(max_db_file_size / (1024 * 1024)) + " MiB stepdown reads" + untouched,
                 0};
}

// Holds SIGTERM, SIGINT, SIGHUP and SIGQUIT from before the lock until the
// last rename (as vipw does), so that a stop request (docker exec, stepdown
// under docker run --init) cannot end the edit between its steps and leave
// temp files or one file replaced and the other not. Restoring the mask lets
// a held signal take its normal effect once the edit is over.
// SIGXFSZ is ignored meanwhile: past RLIMIT_FSIZE a write then fails with
// EFBIG, an error of the edit like any other, instead of killing the start.
// (A real start has SIGXFSZ blocked as well, from its first step: the signal
// then stays pending, and the init drops it as raised by itself.)
// Process state, not a file effect, so outside the seam; these calls cannot
// fail with these arguments, and the edit goes ahead if one did.
class SignalHold {
public:
    SignalHold() {
        const init::KernelSigset held = init::sig_bit(SIGTERM) | init::sig_bit(SIGINT) | init::sig_bit(SIGHUP) |
                                        init::sig_bit(SIGQUIT);
        masked_ = init::kernel_sigprocmask(SIG_BLOCK, &held, &old_mask_) == 0;
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ignored_ = ::sigaction(SIGXFSZ, &ignore, &old_xfsz_) == 0;
    }
    SignalHold(const SignalHold&) = delete;
    SignalHold& operator=(const SignalHold&) = delete;
    ~SignalHold() {
        if (ignored_) ::sigaction(SIGXFSZ, &old_xfsz_, nullptr);
        if (masked_) init::kernel_sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    }

private:
    init::KernelSigset old_mask_ = 0;
    struct sigaction old_xfsz_ {};
    bool masked_ = false;
    bool ignored_ = false;
};

class Commit {
public:
    Commit(sys::Sys& sys, const EtcPaths& paths, const CommitRequest& request, std::vector<int>* held_out)
        : sys_(sys), paths_(paths), request_(request), held_out_(held_out) {
        files_.push_back(Replacement{paths.group(), &request.group_content, ".group.", 0, 0, 0, false, {}, -1});
        if (request.gshadow_content) {
            files_.push_back(
                Replacement{paths.gshadow(), &*request.gshadow_content, ".gshadow.", 0, 0, 0, false, {}, -1});
            untouched_ = " (" + quoted(paths.group()) + " and " + quoted(paths.gshadow()) + " are untouched)";
        } else {
            untouched_ = " (" + quoted(paths.group()) + " is untouched)";
        }
    }
    Commit(const Commit&) = delete;
    Commit& operator=(const Commit&) = delete;
    ~Commit() = default;

    Status run(int timeout_ms) {
        for (const auto& file : files_) {
            if (auto err = check_size(file.target, *file.content, untouched_)) return err;
        }
        // Destroyed after every path out of locked_run, the cleanup of a
        // failed edit included.
        const SignalHold hold;
        return locked_run(timeout_ms);
    }

private:
    Status locked_run(int timeout_ms) {
        const std::string lock = paths_.lock();
        // O_NONBLOCK: a FIFO planted at the lock path must not block PID 1 forever.
        if (int e = sys_.open(lock.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0600,
                              lock_fd_)) {
            lock_fd_ = -1;
            return Error{"cannot open lock file " + quoted(lock) + untouched_, e};
        }
        if (int e = sys_.lock_wait(lock_fd_, timeout_ms)) {
            if (e == ETIMEDOUT) {  // strerror would say "Connection timed out"
                return abort(Error{"cannot lock " + quoted(lock) + " within " + std::to_string(timeout_ms) +
                                       " ms, another program holds it" + untouched_,
                                   0});
            }
            return abort(Error{"cannot lock " + quoted(lock) + untouched_, e});
        }
        // Metadata is read under the lock, so it is that of the file replaced.
        const std::array<mode_t, 2> default_modes{0644, 0600};
        for (std::size_t i = 0; i < files_.size(); ++i) {
            if (auto err = take_metadata(files_[i], default_modes[i], untouched_)) return abort(std::move(*err));
        }
        if (auto err = check_unchanged()) return abort(std::move(*err));
        for (auto& file : files_) {
            if (auto err = write_temp(file)) return abort(std::move(*err));
        }
        // A hint: both files' data start for the disk together, and the
        // second fsync finds its own on the way (0.75 -> 0.54 ms for both
        // files on this benchmark's ext4; on overlayfs it does nothing). The
        // fsyncs below are the guarantee, so a failure here changes nothing.
        for (auto& file : files_) static_cast<void>(sys_.sync_start(file.fd));
        for (auto& file : files_) {
            if (auto err = sync_and_close(file)) return abort(std::move(*err));
        }
        // The old files stay referenced (O_PATH: no access to their bytes)
        // across the renames, so that freeing their inodes (~0.2 ms each on
        // ext4 and overlayfs) happens when the holder closes them: in the
        // supervisor after the app is started, when the caller takes them.
        // Best effort: without a hold the rename frees the inode itself.
        for (auto& file : files_) {
            int fd = -1;
            if (sys_.open(file.target.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW, 0, fd) == 0) held_.push_back(fd);
        }

        // The point of no return: before it every failure leaves the old files.
        Replacement& group = files_[0];
        if (files_.size() == 1) {
            if (int e = sys_.rename(group.temp.c_str(), group.target.c_str())) {
                return abort(Error{"cannot rename " + quoted(group.temp) + " to " + quoted(group.target) + untouched_, e});
            }
            group.temp.clear();
        } else if (auto err = replace_both(group, files_[1])) {
            return abort(std::move(*err));
        }
        release();
        if (held_out_ == nullptr) {
            close_held();
        } else {
            held_out_->insert(held_out_->end(), held_.begin(), held_.end());
            held_.clear();
        }
        return std::nullopt;
    }

    sys::Sys& sys_;
    const EtcPaths& paths_;
    const CommitRequest& request_;
    std::vector<Replacement> files_;
    std::string untouched_;
    int lock_fd_ = -1;
    std::vector<int>* held_out_;
    std::vector<int> held_;  // O_PATH descriptors of the replaced files

    // Under the lock: the files must still be what the edit was planned from.
    Status check_unchanged() {
        const std::pair<const std::optional<std::string>*, std::string> planned[] = {
            {&request_.planned_from_group, paths_.group()},
            {&request_.planned_from_gshadow, paths_.gshadow()},
        };
        for (const auto& [expected, path] : planned) {
            if (!*expected) continue;
            auto now = read_db_file(path);
            if (!now && now.error().sys_errno != ENOENT) {
                // Unreadable is not "changed": say what failed (EACCES, EIO, ...).
                Error e = now.error();
                e.what += untouched_;
                return e;
            }
            if (!now || *now != **expected) {
                return Error{quoted(path) + " was changed by another program while stepdown planned its edit; not "
                                 "writing over that change" + untouched_,
                             0};
            }
        }
        return std::nullopt;
    }

    Status write_temp(Replacement& file) {
        if (int e = sys_.mkstemp_in(paths_.dir, file.temp_prefix, file.temp, file.fd)) {
            file.temp.clear();
            file.fd = -1;
            return Error{"cannot create a temporary file in " + quoted(paths_.dir) + untouched_, e};
        }
        // Owner first: chown may clear mode bits, chmod after it sets them all.
        if (int e = sys_.fchown(file.fd, file.uid, file.gid)) {
            return Error{"cannot change the owner of " + quoted(file.temp) + " to " + std::to_string(file.uid) +
                             ":" + std::to_string(file.gid) + untouched_,
                         e};
        }
        if (int e = sys_.fchmod(file.fd, file.mode)) {
            return Error{"cannot change the mode of " + quoted(file.temp) + " to " + octal_mode(file.mode) + untouched_,
                         e};
        }
        if (file.exists) {
            if (auto err = copy_xattrs(file)) return err;
        }
        if (int e = sys_.write_all(file.fd, file.content->data(), file.content->size())) {
            return Error{"cannot write " + quoted(file.temp) + untouched_, e};
        }
        return std::nullopt;
    }

    // Every extended attribute of the old file (POSIX ACLs, the SELinux
    // label, user.*) goes onto the temp file, as shadow-utils does: the
    // rename must not drop them. After fchown and fchmod, so that neither
    // changes what was copied (chmod rewrites an ACL's mask entry). A file
    // system without extended attributes has none to copy.
    Status copy_xattrs(const Replacement& file) {
        std::vector<std::string> names;
        if (int e = sys_.llistxattr(file.target.c_str(), names)) {
            if (e == ENOTSUP) return std::nullopt;
            return Error{"cannot list the extended attributes of " + quoted(file.target) + untouched_, e};
        }
        for (const auto& name : names) {
            std::string value;
            if (int e = sys_.lgetxattr(file.target.c_str(), name.c_str(), value)) {
                return Error{"cannot read the extended attribute " + quoted(name) + " of " + quoted(file.target) +
                                 untouched_,
                             e};
            }
            if (int e = sys_.fsetxattr(file.fd, name.c_str(), value)) {
                return Error{"cannot copy the extended attribute " + quoted(name) + " to " + quoted(file.temp) +
                                 untouched_,
                             e};
            }
        }
        return std::nullopt;
    }

    Status sync_and_close(Replacement& file) {
        if (int e = sys_.fsync(file.fd)) return Error{"cannot sync " + quoted(file.temp) + untouched_, e};
        const int fd = file.fd;
        file.fd = -1;  // closed even when close reports an error
        if (int e = sys_.close(fd)) return Error{"cannot close " + quoted(file.temp) + untouched_, e};
        return std::nullopt;
    }

    // Both files or neither: /etc/group is swapped with its temp file
    // (RENAME_EXCHANGE), so that the old one stays at the temp name until
    // gshadow is in place too; if gshadow cannot be, the swap is undone.
    // Where the file system cannot swap (EINVAL), or a seccomp filter or an
    // old kernel refuses renameat2 (EPERM, ENOSYS), a plain rename: gshadow is
    // then checked as well as it can be beforehand (not a mount point), and
    // a later failure says which file is new.
    Status replace_both(Replacement& group, Replacement& gshadow) {
        const int swapped = sys_.rename_exchange(group.temp.c_str(), group.target.c_str());
        if (swapped == EINVAL || swapped == ENOSYS || swapped == EPERM) {
            if (int e = sys_.rename(group.temp.c_str(), group.target.c_str())) {
                return Error{"cannot rename " + quoted(group.temp) + " to " + quoted(group.target) + untouched_, e};
            }
            group.temp.clear();
        } else if (swapped != 0) {
            return Error{"cannot rename " + quoted(group.temp) + " to " + quoted(group.target) + untouched_, swapped};
        }
        // After a swap group.temp holds the old /etc/group: abort() removes
        // it once the swap is undone, and success removes it below.
        if (int e = sys_.rename(gshadow.temp.c_str(), gshadow.target.c_str())) {
            std::string state = " (" + quoted(group.target) + " was already replaced, " + quoted(gshadow.target) +
                                " is the old version)";
            if (swapped == 0) {
                if (sys_.rename_exchange(group.temp.c_str(), group.target.c_str()) == 0) {
                    state = untouched_;
                } else {
                    state.pop_back();
                    state += "; the old " + quoted(group.target) + " is kept as " + quoted(group.temp) + ")";
                    group.temp.clear();  // holds the old file, the only copy left: abort() must keep it
                }
            }
            return Error{"cannot rename " + quoted(gshadow.temp) + " to " + quoted(gshadow.target) + state, e};
        }
        gshadow.temp.clear();
        if (swapped == 0) {
            // The old /etc/group: nothing depends on it any more.
            static_cast<void>(sys_.unlink(group.temp.c_str()));
        }
        group.temp.clear();
        return std::nullopt;
    }

    void close_held() {
        for (int fd : held_) sys_.close(fd);  // O_PATH: nothing to lose
        held_.clear();
    }

    // Removes every temp file still standing, closes every descriptor and the
    // lock, and returns the error, noting any temp file that stayed behind.
    Error abort(Error error) {
        for (auto& file : files_) {
            if (file.fd >= 0) sys_.close(file.fd);
            file.fd = -1;
            if (!file.temp.empty() && sys_.unlink(file.temp.c_str()) != 0) {
                error.what += "; the temporary file " + quoted(file.temp) + " could not be removed";
            }
            file.temp.clear();
        }
        release();
        close_held();
        return error;
    }

    void release() {
        if (lock_fd_ >= 0) sys_.close(lock_fd_);  // closing releases the fcntl lock
        lock_fd_ = -1;
    }
};

}  // namespace

Result<std::string> read_db_file(const std::string& path) {
    const PlainFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) return Error{"cannot open " + quoted(path), errno};
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Error{"cannot stat " + quoted(path), errno};
    if (!S_ISREG(st.st_mode)) {
        return Error{"refusing to read " + quoted(path) + ", a " + file_type_name(st.st_mode) +
                         ", not a regular file",
                     0};
    }
    const auto too_big = [&path] {
        return Error{"refusing to read " + quoted(path) + ", larger than " +
                         std::to_string(max_db_file_size / (1024 * 1024)) + " MiB",
                     0};
    };
    if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) > max_db_file_size) return too_big();

    // Read straight into the string, sized from fstat plus room to see the
    // end (or growth) of the file: no copy, and no 4 kB buffer deepening
    // the stack of a PID 1 that keeps its stack pages (issue 6).
    std::string content(static_cast<std::size_t>(st.st_size) + 512, '\0');
    std::size_t size = 0;
    while (true) {
        // Grown up to one byte past the limit, which the check below then refuses.
        if (size == content.size()) content.resize(std::min(content.size() * 2, max_db_file_size + 1));
        const ssize_t n = ::read(fd.get(), content.data() + size, content.size() - size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error{"cannot read " + quoted(path), errno};
        }
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
        if (size > max_db_file_size) return too_big();  // grew while being read
    }
    content.resize(size);
    return content;
}

Status commit_group_files(sys::Sys& sys, const EtcPaths& paths, const CommitRequest& request, int timeout_ms,
                          std::vector<int>* held_out) {
    Commit commit(sys, paths, request, held_out);
    return commit.run(timeout_ms);
}

}  // namespace stepdown::userdb
