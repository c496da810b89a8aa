#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_sys.hpp"
#include "userdb/commit.hpp"

using namespace stepdown;
using namespace stepdown::userdb;
using stepdown::testing::FakeSys;
using namespace std::string_literals;

namespace {

// A private directory under $TMPDIR, removed afterwards. The commit reads the
// old files' mode and owner from the real filesystem; contents live in the fake.
class TempDir {
public:
    TempDir() {
        std::string templ = (std::filesystem::temp_directory_path() / "stepdown-userdb-XXXXXX").string();
        if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = templ;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

void write_real(const std::string& path, const std::string& content, mode_t mode) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << content;
    }
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

struct Owner {
    uid_t uid;
    gid_t gid;
};
Owner owner_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return {st.st_uid, st.st_gid};
}

const std::string old_group = "root:x:0:\r\nodd\0line\n"s;
const std::string old_gshadow = "root:*::\n";
const std::string new_group = old_group + "docker:x:988:app\n";
const std::string new_gshadow = old_gshadow + "docker:!::app\n";

// A private "/etc" with group (0644) and, optionally, gshadow (0640).
struct Etc {
    TempDir tmp;
    EtcPaths paths;
    FakeSys sys;
    CommitRequest request;

    explicit Etc(bool with_gshadow = true) {
        paths.dir = tmp.path();
        write_real(paths.group(), old_group, 0644);
        sys.files[paths.group()] = old_group;
        request.group_content = new_group;
        if (with_gshadow) {
            write_real(paths.gshadow(), old_gshadow, 0640);
            sys.files[paths.gshadow()] = old_gshadow;
            request.gshadow_content = new_gshadow;
        }
        sys.dirs.insert(paths.dir);
    }

    Status commit(int timeout_ms = lock_timeout_ms) { return commit_group_files(sys, paths, request, timeout_ms); }

    [[nodiscard]] std::string d() const { return paths.dir; }

    // Files other than group, gshadow and the lock file (which stays, like
    // lckpwdf's): temp files the commit failed to clean up.
    [[nodiscard]] std::vector<std::string> strays() const {
        std::vector<std::string> out;
        for (const auto& [path, content] : sys.files) {
            if (path != paths.group() && path != paths.gshadow() && path != paths.lock()) out.push_back(path);
        }
        return out;
    }
};

std::string ids(const Owner& o) { return std::to_string(o.uid) + "," + std::to_string(o.gid); }

std::vector<std::string> expected_calls_with_gshadow(const Etc& etc) {
    const std::string d = etc.d();
    const std::string g = ids(owner_of(etc.paths.group()));
    const std::string s = ids(owner_of(etc.paths.gshadow()));
    return {
        "open(" + d + "/.pwd.lock)",
        "lock_wait(10,5000)",
        "mkstemp_in(" + d + ",.group.)",
        "fchown(" + d + "/.group.1," + g + ")",
        "fchmod(" + d + "/.group.1,420)",  // 0644
        "llistxattr(" + d + "/group)",     // none to copy
        "write_all(" + d + "/.group.1)",
        "mkstemp_in(" + d + ",.gshadow.)",
        "fchown(" + d + "/.gshadow.2," + s + ")",
        "fchmod(" + d + "/.gshadow.2,416)",  // 0640
        "llistxattr(" + d + "/gshadow)",
        "write_all(" + d + "/.gshadow.2)",
        "sync_start(" + d + "/.group.1)",  // both writebacks started before the first fsync
        "sync_start(" + d + "/.gshadow.2)",
        "fsync(" + d + "/.group.1)",
        "close(" + d + "/.group.1)",
        "fsync(" + d + "/.gshadow.2)",
        "close(" + d + "/.gshadow.2)",
        "open(" + d + "/group)",  // O_PATH holds on the files replaced
        "open(" + d + "/gshadow)",
        "rename_exchange(" + d + "/.group.1," + d + "/group)",  // the old group stays at the temp name
        "rename(" + d + "/.gshadow.2," + d + "/gshadow)",
        "unlink(" + d + "/.group.1)",  // until gshadow is in place
        "close(" + d + "/.pwd.lock)",
        "close(" + d + "/group)",  // no held_out: closed by the commit itself
        "close(" + d + "/gshadow)",
    };
}

}  // namespace

TEST_CASE("commit: the exact call order with gshadow", "[userdb][commit]") {
    Etc etc;
    const Status st = etc.commit();
    REQUIRE_FALSE(st);
    CHECK(etc.sys.calls == expected_calls_with_gshadow(etc));
    CHECK(etc.sys.files[etc.paths.group()] == new_group);
    CHECK(etc.sys.files[etc.paths.gshadow()] == new_gshadow);
    CHECK(etc.strays().empty());
    CHECK(etc.sys.open_fds.empty());
}

TEST_CASE("commit: the lock file is opened with the right flags, the directory not at all", "[userdb][commit]") {
    Etc etc;
    REQUIRE_FALSE(etc.commit());
    const auto lock = etc.sys.last_open.at(etc.paths.lock());
    CHECK((lock.flags & O_ACCMODE) == O_WRONLY);
    CHECK((lock.flags & O_CREAT) != 0);
    CHECK((lock.flags & O_CLOEXEC) != 0);
    CHECK((lock.flags & O_TRUNC) == 0);
    CHECK(lock.mode == 0600);
    // Not synced after the renames (commit.hpp): a lost rename leaves the old file.
    CHECK(etc.sys.last_open.count(etc.paths.dir) == 0);
}

TEST_CASE("commit: without gshadow only /etc/group is replaced", "[userdb][commit]") {
    Etc etc(false);
    const std::string d = etc.d();
    const std::string g = ids(owner_of(etc.paths.group()));
    REQUIRE_FALSE(etc.commit(250));
    CHECK(etc.sys.calls == std::vector<std::string>{
                               "open(" + d + "/.pwd.lock)",
                               "lock_wait(10,250)",
                               "mkstemp_in(" + d + ",.group.)",
                               "fchown(" + d + "/.group.1," + g + ")",
                               "fchmod(" + d + "/.group.1,420)",
                               "llistxattr(" + d + "/group)",
                               "write_all(" + d + "/.group.1)",
                               "sync_start(" + d + "/.group.1)",
                               "fsync(" + d + "/.group.1)",
                               "close(" + d + "/.group.1)",
                               "open(" + d + "/group)",
                               "rename(" + d + "/.group.1," + d + "/group)",
                               "close(" + d + "/.pwd.lock)",
                               "close(" + d + "/group)",
                           });
    CHECK(etc.sys.files[etc.paths.group()] == new_group);
    CHECK(etc.sys.files.count(etc.paths.gshadow()) == 0);
    CHECK(etc.strays().empty());
}

TEST_CASE("commit: every call failed in turn", "[userdb][commit]") {
    const Etc names;
    const auto calls = expected_calls_with_gshadow(names);
    REQUIRE(calls.size() == 26);
    const auto renamed =
        std::find(calls.begin(), calls.end(), "rename_exchange(" + names.d() + "/.group.1," + names.d() + "/group)");
    REQUIRE(renamed != calls.end());
    const auto group_renamed = static_cast<std::size_t>(renamed - calls.begin()) + 1;
    for (const int err : {EIO, ENOSPC}) {
        for (std::size_t n = 1; n <= calls.size(); ++n) {
            Etc etc;
            etc.sys.fail_at(static_cast<int>(n), err);
            const Status st = etc.commit();
            const std::string failed = etc.sys.calls.at(n - 1);
            CAPTURE(err, n, failed);
            INFO("status: " << (st ? st->message() : std::string("ok")));

            // Nothing is left behind, whatever failed, but the old /etc/group
            // when removing it after both renames fails.
            const bool old_copy = n == group_renamed + 2;
            if (!old_copy) CHECK(etc.strays().empty());
            CHECK(etc.sys.open_fds.empty());

            const std::string group = etc.sys.files[etc.paths.group()];
            const std::string gshadow = etc.sys.files[etc.paths.gshadow()];
            const bool hint = failed.rfind("sync_start(", 0) == 0;  // the fsyncs are the guarantee
            const bool hold = failed == "open(" + etc.paths.group() + ")" || failed == "open(" + etc.paths.gshadow() + ")";
            if (hint || hold || n > group_renamed + 1) {
                // Best effort, or after both renames (closing descriptors loses nothing): done.
                CHECK_FALSE(st);
                CHECK(group == new_group);
                CHECK(gshadow == new_gshadow);
                continue;
            }
            // After the failed call only cleanup runs (and, when gshadow's
            // rename failed, the swap of /etc/group undone), and the lock goes
            // last but for the holds, which follow it.
            const auto names_after = etc.sys.call_names();
            for (std::size_t i = n; i < names_after.size(); ++i) {
                CAPTURE(etc.sys.calls[i]);
                const bool undo = n == group_renamed + 1 && i == n && names_after[i] == "rename_exchange";
                CHECK((names_after[i] == "close" || names_after[i] == "unlink" || undo));
            }
            REQUIRE(st);
            // Up to and including the rename of gshadow: both old, never one new and one old.
            CHECK(st->sys_errno == err);
            CHECK(group == old_group);
            CHECK(gshadow == old_gshadow);
            CHECK_THAT(st->message(), Catch::Contains("('" + etc.paths.group() + "' and '" +
                                                      etc.paths.gshadow() + "' are untouched)"));
            CHECK_THAT(st->message(), Catch::EndsWith(std::string(": ") + std::strerror(err)));
            if (n == group_renamed + 1) {
                CHECK(st->message() == "cannot rename '" + etc.d() + "/.gshadow.2' to '" + etc.paths.gshadow() +
                                           "' ('" + etc.paths.group() + "' and '" + etc.paths.gshadow() +
                                           "' are untouched): " + std::strerror(err));
            }
        }
    }
}

TEST_CASE("commit: the holds on the replaced files are O_PATH, and handed over when asked for", "[userdb][commit]") {
    Etc etc;
    std::vector<int> held;
    REQUIRE_FALSE(stepdown::userdb::commit_group_files(etc.sys, etc.paths, etc.request, 5000, &held));
    for (const auto& path : {etc.paths.group(), etc.paths.gshadow()}) {
        CAPTURE(path);
        CHECK(etc.sys.last_open.at(path).flags == (O_PATH | O_CLOEXEC | O_NOFOLLOW));
    }
    REQUIRE(held.size() == 2);
    // Handed over: still open, and the last call is the lock's release.
    CHECK(etc.sys.open_fds.at(held[0]) == etc.paths.group());
    CHECK(etc.sys.open_fds.at(held[1]) == etc.paths.gshadow());
    CHECK(etc.sys.calls.back() == "close(" + etc.paths.lock() + ")");
    CHECK(etc.sys.files[etc.paths.group()] == new_group);
}

TEST_CASE("commit: the messages of the usual failures", "[userdb][commit]") {
    SECTION("gshadow cannot be renamed, and the swap of /etc/group cannot be undone") {
        Etc etc;
        const auto calls = expected_calls_with_gshadow(etc);
        const auto gshadow_rename =
            std::find(calls.begin(), calls.end(), "rename(" + etc.d() + "/.gshadow.2," + etc.paths.gshadow() + ")");
        REQUIRE(gshadow_rename != calls.end());
        etc.sys.fail_on("rename", EIO);
        etc.sys.fail_at(static_cast<int>(gshadow_rename - calls.begin()) + 2, EIO);  // the undo right after it
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK(st->message() == "cannot rename '" + etc.d() + "/.gshadow.2' to '" + etc.paths.gshadow() + "' ('" +
                                   etc.paths.group() + "' was already replaced, '" + etc.paths.gshadow() +
                                   "' is the old version; the old '" + etc.paths.group() + "' is kept as '" + etc.d() +
                                   "/.group.1'): Input/output error");
        CHECK(etc.sys.files[etc.paths.group()] == new_group);
        CHECK(etc.sys.files[etc.d() + "/.group.1"] == old_group);
    }
    SECTION("a file system that cannot swap names: plain renames") {
        Etc etc;
        etc.sys.fail_on("rename_exchange", EINVAL);
        REQUIRE_FALSE(etc.commit());
        CHECK(etc.sys.files[etc.paths.group()] == new_group);
        CHECK(etc.sys.files[etc.paths.gshadow()] == new_gshadow);
        CHECK(etc.strays().empty());
    }
    SECTION("rename over a single-file bind mount") {
        Etc etc;
        etc.sys.fail_on("rename_exchange", EBUSY);
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK(st->sys_errno == EBUSY);
        CHECK(st->message() == "cannot rename '" + etc.d() + "/.group.1' to '" + etc.d() + "/group' ('" + etc.d() +
                                   "/group' and '" + etc.d() + "/gshadow' are untouched): Device or resource busy");
        CHECK(etc.sys.files[etc.paths.group()] == old_group);
        CHECK(etc.strays().empty());
    }
    SECTION("read-only /etc") {
        Etc etc(false);
        etc.sys.fail_on("open", EROFS);
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK(st->message() == "cannot open lock file '" + etc.d() + "/.pwd.lock' ('" + etc.d() +
                                   "/group' is untouched): Read-only file system");
        CHECK(etc.sys.calls.size() == 1);
    }
    SECTION("lock held by someone else (the real lock_wait gives ETIMEDOUT)") {
        Etc etc;
        etc.sys.fail_on("lock_wait", ETIMEDOUT);
        const Status st = etc.commit(250);
        REQUIRE(st);
        CHECK(st->sys_errno == 0);
        CHECK(st->message() == "cannot lock '" + etc.d() + "/.pwd.lock' within 250 ms, another program holds it ('" +
                                   etc.d() + "/group' and '" + etc.d() + "/gshadow' are untouched)");
        CHECK(etc.sys.call_names() == std::vector<std::string>{"open", "lock_wait", "close"});
    }
    SECTION("disk full") {
        Etc etc;
        etc.sys.fail_on("write_all", ENOSPC);
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK(st->message() == "cannot write '" + etc.d() + "/.group.1' ('" + etc.d() + "/group' and '" + etc.d() +
                                   "/gshadow' are untouched): No space left on device");
        CHECK(etc.strays().empty());
    }
    SECTION("a temp file that cannot be removed is named") {
        Etc etc;
        etc.sys.fail_at(12, ENOSPC);  // write_all of gshadow's temp
        etc.sys.fail_on("unlink", EPERM);
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK_THAT(st->message(), Catch::Contains("the temporary file '" + etc.d() + "/.group.1' could not be removed"));
        CHECK_THAT(st->message(), Catch::Contains("the temporary file '" + etc.d() + "/.gshadow.2' could not be removed"));
        CHECK(etc.sys.files[etc.paths.group()] == old_group);
    }
}

TEST_CASE("commit: a failed start of the writeback changes nothing: the fsyncs are the guarantee", "[userdb][commit]") {
    Etc etc;
    etc.sys.fail_on("sync_start", EPERM);  // e.g. a seccomp profile that denies sync_file_range
    CHECK_FALSE(etc.commit());
    CHECK(etc.sys.files[etc.paths.group()] == new_group);
    CHECK(etc.sys.files[etc.paths.gshadow()] == new_gshadow);
    CHECK(etc.strays().empty());
}

TEST_CASE("commit: the old files' mode and owner are copied", "[userdb][commit]") {
    Etc etc;
    REQUIRE(::chmod(etc.paths.group().c_str(), 0604) == 0);
    REQUIRE(::chmod(etc.paths.gshadow().c_str(), 0400) == 0);
    REQUIRE_FALSE(etc.commit());
    CHECK(etc.sys.calls.at(4) == "fchmod(" + etc.d() + "/.group.1,388)");     // 0604
    CHECK(etc.sys.calls.at(9) == "fchmod(" + etc.d() + "/.gshadow.2,256)");  // 0400
}

TEST_CASE("commit: a missing /etc/group is created 0644 root:root", "[userdb][commit]") {
    Etc etc(false);
    REQUIRE(::unlink(etc.paths.group().c_str()) == 0);
    etc.sys.files.erase(etc.paths.group());
    REQUIRE_FALSE(etc.commit());
    CHECK(etc.sys.calls.at(3) == "fchown(" + etc.d() + "/.group.1,0,0)");
    CHECK(etc.sys.calls.at(4) == "fchmod(" + etc.d() + "/.group.1,420)");
    CHECK(etc.sys.files[etc.paths.group()] == new_group);
}

TEST_CASE("commit: a symlinked or non-regular /etc/group is refused", "[userdb][commit]") {
    SECTION("symlink") {
        Etc etc(false);
        const std::string elsewhere = etc.d() + "/elsewhere";
        REQUIRE(::rename(etc.paths.group().c_str(), elsewhere.c_str()) == 0);
        REQUIRE(::symlink(elsewhere.c_str(), etc.paths.group().c_str()) == 0);
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK(st->message() == "refusing to replace '" + etc.paths.group() +
                                   "', a symbolic link, not a regular file ('" + etc.paths.group() +
                                   "' is untouched)");
        CHECK(etc.sys.call_names() == std::vector<std::string>{"open", "lock_wait", "close"});
        CHECK(etc.sys.files[etc.paths.group()] == old_group);
    }
    SECTION("directory gshadow") {
        Etc etc;
        REQUIRE(::unlink(etc.paths.gshadow().c_str()) == 0);
        REQUIRE(::mkdir(etc.paths.gshadow().c_str(), 0700) == 0);
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK_THAT(st->message(), Catch::StartsWith("refusing to replace '" + etc.paths.gshadow() + "', a directory"));
        CHECK(etc.sys.call_names() == std::vector<std::string>{"open", "lock_wait", "close"});
    }
}

TEST_CASE("commit: a result larger than the read limit is not written", "[userdb][commit]") {
    SECTION("group") {
        Etc etc;
        etc.request.group_content = std::string(max_db_file_size + 1, '#');
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK(st->sys_errno == 0);
        CHECK(st->message() == "refusing to write '" + etc.paths.group() + "': the new version would be " +
                                   std::to_string(max_db_file_size + 1) + " bytes, larger than the 32 MiB stepdown "
                                   "reads ('" + etc.paths.group() + "' and '" + etc.paths.gshadow() +
                                   "' are untouched)");
        CHECK(etc.sys.calls.empty());  // not even the lock
        CHECK(etc.sys.files[etc.paths.group()] == old_group);
        CHECK(etc.sys.files[etc.paths.gshadow()] == old_gshadow);
    }
    SECTION("gshadow") {
        Etc etc;
        etc.request.gshadow_content = std::string(max_db_file_size + 1, '#');
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK_THAT(st->message(), Catch::StartsWith("refusing to write '" + etc.paths.gshadow() + "'"));
        CHECK(etc.sys.calls.empty());
    }
    SECTION("exactly at the limit is written: stepdown reads it back") {
        Etc etc(false);
        etc.request.group_content = std::string(max_db_file_size, '#');
        REQUIRE_FALSE(etc.commit());
        CHECK(etc.sys.files[etc.paths.group()].size() == max_db_file_size);
    }
}

TEST_CASE("commit: every extended attribute of the old files is copied to the new ones", "[userdb][commit]") {
    Etc etc;
    const std::string acl = "\x02\x00\x00\x00\x01\x00\x06\x00"s;  // bytes, NULs included
    etc.sys.xattrs[etc.paths.group()] = {{"system.posix_acl_access", acl}, {"user.note", "kept"}};
    etc.sys.xattrs[etc.paths.gshadow()] = {{"security.selinux", "system_u:object_r:shadow_t:s0"}};
    REQUIRE_FALSE(etc.commit());
    CHECK(etc.sys.xattrs[etc.paths.group()] ==
          std::map<std::string, std::string>{{"system.posix_acl_access", acl}, {"user.note", "kept"}});
    CHECK(etc.sys.xattrs[etc.paths.gshadow()] ==
          std::map<std::string, std::string>{{"security.selinux", "system_u:object_r:shadow_t:s0"}});
    // Set on the temp file before its content is written, after its mode.
    const std::string d = etc.d();
    const auto& c = etc.sys.calls;
    const auto at = [&c](const std::string& call) { return std::find(c.begin(), c.end(), call) - c.begin(); };
    CHECK(at("fchmod(" + d + "/.group.1,420)") < at("fsetxattr(" + d + "/.group.1,system.posix_acl_access)"));
    CHECK(at("fsetxattr(" + d + "/.group.1,user.note)") < at("write_all(" + d + "/.group.1)"));
    CHECK(at("fsetxattr(" + d + "/.gshadow.2,security.selinux)") < at("write_all(" + d + "/.gshadow.2)"));
}

TEST_CASE("commit: an extended attribute that cannot be copied fails the edit, the old files stay", "[userdb][commit]") {
    for (const std::string& call : std::vector<std::string>{"llistxattr", "lgetxattr", "fsetxattr"}) {
        CAPTURE(call);
        Etc etc;
        etc.sys.xattrs[etc.paths.group()] = {{"security.selinux", "system_u:object_r:etc_t:s0"}};
        etc.sys.fail_on(call, EPERM);
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK(st->sys_errno == EPERM);
        CHECK_THAT(st->message(), Catch::EndsWith("('" + etc.paths.group() + "' and '" + etc.paths.gshadow() +
                                                  "' are untouched): Operation not permitted"));
        if (call == "fsetxattr") {
            CHECK(st->message() == "cannot copy the extended attribute 'security.selinux' to '" + etc.d() +
                                       "/.group.1' ('" + etc.paths.group() + "' and '" + etc.paths.gshadow() +
                                       "' are untouched): Operation not permitted");
        }
        CHECK(etc.sys.files[etc.paths.group()] == old_group);
        CHECK(etc.sys.files[etc.paths.gshadow()] == old_gshadow);
        CHECK(etc.strays().empty());
        CHECK(etc.sys.open_fds.empty());
    }
}

TEST_CASE("commit: a file system without extended attributes has none to copy", "[userdb][commit]") {
    Etc etc;
    etc.sys.fail_on("llistxattr", ENOTSUP);
    REQUIRE_FALSE(etc.commit());
    CHECK(etc.sys.files[etc.paths.group()] == new_group);
    CHECK(etc.sys.files[etc.paths.gshadow()] == new_gshadow);
}

namespace {

// The real signal state of this process: which of the held signals are
// blocked, and whether SIGXFSZ is ignored.
struct SignalState {
    bool term, intr, hup, quit, xfsz_ignored;
    bool operator==(const SignalState&) const = default;
};
SignalState signal_state() {
    sigset_t mask;
    sigemptyset(&mask);
    REQUIRE(::sigprocmask(SIG_BLOCK, nullptr, &mask) == 0);
    struct sigaction xfsz {};
    REQUIRE(::sigaction(SIGXFSZ, nullptr, &xfsz) == 0);
    return {sigismember(&mask, SIGTERM) == 1, sigismember(&mask, SIGINT) == 1, sigismember(&mask, SIGHUP) == 1,
            sigismember(&mask, SIGQUIT) == 1, xfsz.sa_handler == SIG_IGN};
}

// Samples the signal state when the temp file is written and when the files
// are renamed.
class SamplingSys : public FakeSys {
public:
    std::vector<SignalState> during;
    int write_all(int fd, const char* data, std::size_t len) override {
        during.push_back(signal_state());
        return FakeSys::write_all(fd, data, len);
    }
    int rename(const char* from, const char* to) override {
        during.push_back(signal_state());
        return FakeSys::rename(from, to);
    }
};

}  // namespace

TEST_CASE("commit: stop signals are held and SIGXFSZ ignored during the edit, restored after it", "[userdb][commit]") {
    const SignalState before = signal_state();
    REQUIRE(before == SignalState{false, false, false, false, false});
    for (const int fail : {0, EIO}) {
        CAPTURE(fail);
        Etc etc;
        SamplingSys sys;
        sys.files = etc.sys.files;
        sys.dirs = etc.sys.dirs;
        if (fail != 0) sys.fail_on("rename", fail);
        const Status st = commit_group_files(sys, etc.paths, etc.request);
        CHECK(static_cast<bool>(st) == (fail != 0));
        REQUIRE_FALSE(sys.during.empty());
        for (const auto& s : sys.during) CHECK(s == SignalState{true, true, true, true, true});
        CHECK(signal_state() == before);
    }
}

// --- read_db_file: plain syscalls on real files in a private directory ------

TEST_CASE("read_db_file: regular files are read whole", "[userdb][commit][read]") {
    TempDir tmp;
    const std::string path = tmp.path() + "/group";
    const std::string content = "root:x:0:\r\n\0nul\nno newline"s;
    write_real(path, content, 0644);
    auto r = read_db_file(path);
    REQUIRE(r.ok());
    CHECK(*r == content);

    write_real(path, "", 0644);
    r = read_db_file(path);
    REQUIRE(r.ok());
    CHECK(r->empty());

    const std::string big = std::string(10 * 1024 * 1024, 'x') + "\n";  // 10 MB are read
    write_real(path, big, 0644);
    r = read_db_file(path);
    REQUIRE(r.ok());
    CHECK(*r == big);

    const std::string link = tmp.path() + "/link";
    REQUIRE(::symlink(path.c_str(), link.c_str()) == 0);
    r = read_db_file(link);
    REQUIRE(r.ok());
    CHECK(r->size() == big.size());
}

TEST_CASE("read_db_file: refusals name the problem", "[userdb][commit][read]") {
    TempDir tmp;
    const std::string d = tmp.path();

    auto r = read_db_file(d + "/missing");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().sys_errno == ENOENT);
    CHECK(r.error().message() == "cannot open '" + d + "/missing': No such file or directory");

    r = read_db_file(d);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "refusing to read '" + d + "', a directory, not a regular file");

    const std::string fifo = d + "/fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    r = read_db_file(fifo);  // must not block waiting for a writer
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "refusing to read '" + fifo + "', a FIFO, not a regular file");

    const std::string link = d + "/link-to-fifo";
    REQUIRE(::symlink(fifo.c_str(), link.c_str()) == 0);
    r = read_db_file(link);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message(), Catch::Contains("a FIFO"));

    r = read_db_file("/dev/null");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "refusing to read '/dev/null', a character device, not a regular file");

    const std::string huge = d + "/huge";
    write_real(huge, "", 0644);
    REQUIRE(::truncate(huge.c_str(), static_cast<off_t>(max_db_file_size + 1)) == 0);  // sparse
    r = read_db_file(huge);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "refusing to read '" + huge + "', larger than 32 MiB");

    REQUIRE(::truncate(huge.c_str(), static_cast<off_t>(max_db_file_size)) == 0);  // the limit itself is fine
    r = read_db_file(huge);
    REQUIRE(r.ok());
    CHECK(r->size() == max_db_file_size);
}

TEST_CASE("commit: the files are re-read under the lock and must be what was planned from", "[userdb][commit]") {
    SECTION("unchanged: the commit goes ahead") {
        Etc etc;
        etc.request.planned_from_group = old_group;
        etc.request.planned_from_gshadow = old_gshadow;
        REQUIRE_FALSE(etc.commit());
        CHECK(etc.sys.files[etc.paths.group()] == new_group);
    }
    SECTION("changed by another program: nothing written, no temp file") {
        Etc etc;
        etc.request.planned_from_group = old_group + "someone:x:5:\n";
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK_THAT(st->message(), Catch::Contains("was changed by another program"));
        CHECK(etc.sys.call_names() == std::vector<std::string>{"open", "lock_wait", "close"});
        CHECK(etc.sys.files[etc.paths.group()] == old_group);
        CHECK(etc.strays().empty());
    }
    SECTION("unreadable is reported as unreadable, not as changed") {
        Etc etc(false);
        etc.request.planned_from_group = old_group;
        // A sparse file over the size limit: read_db_file refuses it (no root needed).
        REQUIRE(::truncate(etc.paths.group().c_str(), static_cast<off_t>(max_db_file_size + 1)) == 0);
        const Status st = etc.commit();
        REQUIRE(st);
        CHECK_THAT(st->message(), !Catch::Contains("changed by another program"));
        CHECK_THAT(st->message(), Catch::StartsWith("refusing to read '" + etc.paths.group() + "', larger than"));
        CHECK_THAT(st->message(), Catch::EndsWith("('" + etc.paths.group() + "' is untouched)"));
        CHECK(etc.sys.files[etc.paths.group()] == old_group);
        CHECK(etc.strays().empty());
    }
}
