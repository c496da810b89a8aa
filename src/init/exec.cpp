#include "init/exec.hpp"

#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <initializer_list>

namespace stepdown::init {
namespace {

// errno values that mean "not here, try the next PATH element" (execvp's list).
bool keep_searching(int err) {
    return err == ENOENT || err == ENOTDIR || err == ESTALE || err == ENODEV || err == ETIMEDOUT;
}

}  // namespace

// strerror() may translate and allocate; strerrordesc_np (glibc 2.32+) returns
// a static English string, which is what we want after fork.
std::string_view child_error_text(int err) noexcept {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    const char* text = strerrordesc_np(err);
    return text != nullptr ? std::string_view(text) : std::string_view("Unknown error");
#else
    return std::strerror(err);
#endif
}

void child_message(std::initializer_list<std::string_view> parts) noexcept {
    std::array<iovec, 8> iov{};
    std::size_t count = 0;
    for (std::string_view part : parts) {
        if (count == iov.size()) break;
        // iovec wants a non-const pointer; writev only reads from it.
        iov[count].iov_base = const_cast<char*>(part.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
        iov[count].iov_len = part.size();
        ++count;
    }
    // One writev so concurrent writers cannot split the line. Nothing to do on failure.
    const ssize_t ignored = ::writev(STDERR_FILENO, iov.data(), static_cast<int>(count));
    static_cast<void>(ignored);
}

std::vector<std::string> exec_candidates(std::string_view name, const char* path_value) {
    std::vector<std::string> out;
    if (name.empty() || name.find('/') != std::string_view::npos) {
        out.emplace_back(name);
        return out;
    }
    std::string_view path = path_value != nullptr ? std::string_view(path_value) : default_path;
    for (;;) {
        const std::size_t colon = path.find(':');
        const std::string_view dir = path.substr(0, colon);
        if (dir.empty()) {
            out.emplace_back(name);  // empty element: the current directory
        } else {
            std::string candidate(dir);
            if (candidate.back() != '/') candidate += '/';
            candidate += name;
            out.push_back(std::move(candidate));
        }
        if (colon == std::string_view::npos) break;
        path.remove_prefix(colon + 1);
    }
    return out;
}

const char* find_env(const std::vector<std::string>& env, std::string_view name) {
    for (const auto& entry : env) {
        if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
            entry[name.size()] == '=') {
            return entry.c_str() + name.size() + 1;
        }
    }
    return nullptr;
}

int exec_failure_code(int err) { return keep_searching(err) ? 127 : 126; }

PreparedCommand::PreparedCommand(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env)
    : args_(argv), env_(env) {
    argv_.reserve(args_.size() + 1);
    for (auto& arg : args_) argv_.push_back(arg.data());
    argv_.push_back(nullptr);
    envp_.reserve(env_.size() + 1);
    for (auto& entry : env_) envp_.push_back(entry.data());
    envp_.push_back(nullptr);
    if (args_.empty()) return;
    searching_ = !args_.front().empty() && args_.front().find('/') == std::string::npos;
    candidates_ = exec_candidates(args_.front(), find_env(env_, "PATH"));
    script_argvs_.reserve(candidates_.size());
    for (auto& candidate : candidates_) {
        std::vector<char*> script{shell_.data(), candidate.data()};
        script.insert(script.end(), argv_.begin() + 1, argv_.end());  // ARG... and the final nullptr
        script_argvs_.push_back(std::move(script));
    }
}

int PreparedCommand::try_candidate(std::size_t i) const noexcept {
    ::execve(candidates_[i].c_str(), argv_.data(), envp_.data());
    if (errno != ENOEXEC) return errno;
    ::execve(shell_.c_str(), script_argvs_[i].data(), envp_.data());
    // No shell to run it with (a scratch image): the file itself is what
    // cannot be executed.
    return ENOEXEC;
}

std::string_view PreparedCommand::program() const noexcept {
    return args_.empty() ? std::string_view() : std::string_view(args_.front());
}

void PreparedCommand::exec() const noexcept {
    if (args_.empty()) {
        child_message({"stepdown: error: no command given\n"});
        ::_exit(127);
    }
    int err = ENOENT;
    if (!searching_) {
        err = try_candidate(0);
    } else {
        // execvp's rules: go on past "not here"; stop at any other error;
        // when nothing ran, say EACCES if some candidate existed but was not
        // executable, else ENOENT.
        bool denied = false;
        int stop = 0;
        for (std::size_t i = 0; i < candidates_.size(); ++i) {
            const int e = try_candidate(i);
            if (e == EACCES) {
                // Either the file is there and not executable, or a directory
                // on the way cannot be searched (a PATH entry like /root/bin
                // for uid 1000): only the first counts as found.
                struct stat st{};
                if (::stat(candidates_[i].c_str(), &st) == 0) denied = true;
                continue;
            }
            if (keep_searching(e)) continue;
            stop = e;
            break;
        }
        err = stop != 0 ? stop : denied ? EACCES : ENOENT;
    }
    child_message({"stepdown: error: cannot execute '", args_.front(), "': ", child_error_text(err), "\n"});
    ::_exit(exec_failure_code(err));
}

}  // namespace stepdown::init
