#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "init/exec.hpp"

using stepdown::init::exec_candidates;
using stepdown::init::exec_failure_code;
using stepdown::init::find_env;
using stepdown::init::PreparedCommand;
using Strings = std::vector<std::string>;

namespace {

struct Outcome {
    int code = -1;       // exit code, or -1 when not exited normally
    std::string output;  // stdout and stderr together
};

// Runs PreparedCommand::exec in a forked child with stdout and stderr on a pipe.
Outcome run_exec(const Strings& argv, const Strings& env) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        const PreparedCommand command(argv, env);
        command.exec();
    }
    ::close(fds[1]);
    Outcome out;
    char buf[512];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.output.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (WIFEXITED(status)) out.code = WEXITSTATUS(status);
    return out;
}

// A private directory with files of chosen modes, removed afterwards.
struct TempDir {
    std::string path;
    mutable std::vector<std::string> files;
    TempDir() {
        std::string tmpl = "/tmp/stepdown-test-exec.XXXXXX";
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        for (const auto& f : files) ::unlink(f.c_str());
        ::rmdir(path.c_str());
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name, const std::string& content, mode_t mode) const {
        const std::string p = path + "/" + name;
        const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
        ::close(fd);
        files.push_back(p);
        REQUIRE(::chmod(p.c_str(), mode) == 0);
        return p;
    }
};

}  // namespace

TEST_CASE("exec_candidates: a name with '/' is used as it is", "[init][exec]") {
    CHECK(exec_candidates("/bin/sh", "/usr/bin") == Strings{"/bin/sh"});
    CHECK(exec_candidates("./app", "/usr/bin") == Strings{"./app"});
    CHECK(exec_candidates("sub/app", nullptr) == Strings{"sub/app"});
    CHECK(exec_candidates("", "/usr/bin") == Strings{""});
}

TEST_CASE("exec_candidates: PATH in order, empty elements are the current directory", "[init][exec]") {
    CHECK(exec_candidates("app", "/a:/b/") == Strings{"/a/app", "/b/app"});
    CHECK(exec_candidates("app", "/a::/b") == Strings{"/a/app", "app", "/b/app"});
    CHECK(exec_candidates("app", ":/a") == Strings{"app", "/a/app"});
    CHECK(exec_candidates("app", "/a:") == Strings{"/a/app", "app"});
    CHECK(exec_candidates("app", "") == Strings{"app"});
}

TEST_CASE("exec_candidates: no PATH means the default PATH", "[init][exec]") {
    CHECK(exec_candidates("app", nullptr) == Strings{"/usr/local/sbin/app", "/usr/local/bin/app", "/usr/sbin/app",
                                                     "/usr/bin/app", "/sbin/app", "/bin/app"});
}

TEST_CASE("find_env finds the first exact NAME=", "[init][exec]") {
    const Strings env{"PATHX=no", "XPATH=no", "PATH", "PATH=/first", "PATH=/second"};
    REQUIRE(find_env(env, "PATH") != nullptr);
    CHECK(std::string(find_env(env, "PATH")) == "/first");
    CHECK(find_env(env, "HOME") == nullptr);
    CHECK(std::string(find_env({"EMPTY="}, "EMPTY")).empty());
}

TEST_CASE("exec_failure_code: 127 for not found, 126 for found but not runnable", "[init][exec]") {
    CHECK(exec_failure_code(ENOENT) == 127);
    CHECK(exec_failure_code(ENOTDIR) == 127);
    CHECK(exec_failure_code(EACCES) == 126);
    CHECK(exec_failure_code(ENOEXEC) == 126);
    CHECK(exec_failure_code(E2BIG) == 126);
    CHECK(exec_failure_code(EISDIR) == 126);
}

TEST_CASE("PreparedCommand::exec runs the program with exactly the given argv and env", "[init][exec]") {
    const auto out = run_exec({"sh", "-c", "printf '%s|%s|%s' \"$0\" \"$1\" \"$FOO\"", "zero", "one"},
                              {"PATH=/usr/bin:/bin", "FOO=bar"});
    CHECK(out.code == 0);
    CHECK(out.output == "zero|one|bar");
}

TEST_CASE("PreparedCommand::exec searches PATH from the given env, not the caller's", "[init][exec]") {
    TempDir dir;
    dir.file("only-here", "#!/bin/sh\necho found-it\n", 0755);
    const auto out = run_exec({"only-here"}, {"PATH=/nonexistent:" + dir.path});
    CHECK(out.code == 0);
    CHECK(out.output == "found-it\n");
}

TEST_CASE("PreparedCommand::exec: not found is 127 with one line on stderr", "[init][exec]") {
    const auto out = run_exec({"stepdown-no-such-command"}, {"PATH=/nonexistent:/also-not"});
    CHECK(out.code == 127);
    CHECK(out.output == "stepdown: error: cannot execute 'stepdown-no-such-command': No such file or directory\n");
    const auto direct = run_exec({"/nonexistent/app"}, {});
    CHECK(direct.code == 127);
    CHECK(direct.output == "stepdown: error: cannot execute '/nonexistent/app': No such file or directory\n");
}

TEST_CASE("PreparedCommand::exec: found but not executable is 126", "[init][exec]") {
    TempDir dir;
    const std::string plain = dir.file("plain", "not a program\n", 0644);
    const auto by_path = run_exec({plain}, {});
    CHECK(by_path.code == 126);
    CHECK(by_path.output == "stepdown: error: cannot execute '" + plain + "': Permission denied\n");
    // Found by the search but not executable: execvp's "Permission denied", not "not found".
    const auto by_search = run_exec({"plain"}, {"PATH=" + dir.path + ":/nonexistent"});
    CHECK(by_search.code == 126);
    CHECK(by_search.output == "stepdown: error: cannot execute 'plain': Permission denied\n");
    const auto directory = run_exec({dir.path}, {});
    CHECK(directory.code == 126);
}

TEST_CASE("PreparedCommand::exec: a script without #! runs with /bin/sh, as execvp does", "[init][exec]") {
    TempDir dir;
    // No #! line and not ELF: the kernel says ENOEXEC; execvp (and so tini)
    // then runs /bin/sh FILE ARG...
    const std::string headless = dir.file("headless", "echo \"hi $0 $*\"\nexit 3\n", 0755);
    const auto direct = run_exec({headless, "a", "b"}, {});
    CHECK(direct.code == 3);
    CHECK(direct.output == "hi " + headless + " a b\n");
    const auto searched = run_exec({"headless", "c"}, {"PATH=/nonexistent:" + dir.path});
    CHECK(searched.code == 3);
    CHECK(searched.output == "hi " + dir.path + "/headless c\n");
}

TEST_CASE("PreparedCommand::exec: an empty argv is refused, not a crash", "[init][exec]") {
    const auto out = run_exec({}, {});
    CHECK(out.code == 127);
    CHECK(out.output == "stepdown: error: no command given\n");
}
