// The child path, split so that all allocation happens before fork:
// PreparedCommand owns the argv/envp arrays and the list of paths to try;
// exec_prepared() only calls execve, write and _exit.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace stepdown::init {

// The PATH used when the environment given to the command has none (the
// Debian/Docker default, as tini and runc use).
inline constexpr std::string_view default_path =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The paths execve is tried on, in order, the way execvp(3) searches: a name
// containing '/' is used as it is; otherwise each PATH element in turn, where
// an empty element means the current directory. path_value is the value of
// PATH from the command's environment, or nullptr when it has none.
std::vector<std::string> exec_candidates(std::string_view name, const char* path_value);

// The value of NAME in env ("NAME=value" strings, first match wins, as getenv).
const char* find_env(const std::vector<std::string>& env, std::string_view name);

// 127 when nothing was found (ENOENT and friends on every candidate), 126 when
// something was found but could not be executed (EACCES, E2BIG, ENOEXEC when
// even /bin/sh could not run it, ...).
int exec_failure_code(int err);

class PreparedCommand {
public:
    // An empty argv is refused at exec time with "no command given" (127).
    PreparedCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env);
    // The pointer arrays point into the strings: never copy or move.
    PreparedCommand(const PreparedCommand&) = delete;
    PreparedCommand& operator=(const PreparedCommand&) = delete;
    PreparedCommand(PreparedCommand&&) = delete;
    PreparedCommand& operator=(PreparedCommand&&) = delete;
    ~PreparedCommand() = default;

    // Tries every candidate; on failure writes one line to stderr and
    // _exit()s with exec_failure_code(). Async-signal-safe: safe after fork.
    [[noreturn]] void exec() const noexcept;

    // argv[0] as given ("" without a command), for log lines.
    [[nodiscard]] std::string_view program() const noexcept;

private:
    std::vector<std::string> args_;
    std::vector<std::string> env_;
    std::vector<char*> argv_;  // null-terminated, into args_
    std::vector<char*> envp_;  // null-terminated, into env_
    std::vector<std::string> candidates_;
    // For each candidate, the argv that runs it as a shell script when the
    // kernel does not recognise its format (ENOEXEC: no #! line), as
    // execvp(3) does: /bin/sh CANDIDATE ARG...
    std::string shell_ = "/bin/sh";
    std::vector<std::vector<char*>> script_argvs_;
    bool searching_ = false;  // a PATH search, not a name with '/'

    // execve of candidate i, then /bin/sh on ENOEXEC; the errno to report.
    int try_candidate(std::size_t i) const noexcept;
};

// A plain write(2) of the concatenated parts to stderr, for the child path
// where the logging library must not be used. Async-signal-safe.
void child_message(std::initializer_list<std::string_view> parts) noexcept;

// The system error text, without translation or allocation (strerror may do
// both). Async-signal-safe.
std::string_view child_error_text(int err) noexcept;

}  // namespace stepdown::init
