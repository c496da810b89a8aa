#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "app/environment.hpp"

using stepdown::app::app_environment;
using stepdown::app::passthrough;
using Strings = std::vector<std::string>;

namespace {
// A NULL-terminated environ made of the given entries.
struct Environ {
    Strings entries;
    std::vector<char*> pointers;
    explicit Environ(Strings e) : entries(std::move(e)) {
        for (auto& entry : entries) pointers.push_back(entry.data());
        pointers.push_back(nullptr);
    }
    char* const* envp() { return pointers.data(); }
};
}  // namespace

TEST_CASE("passthrough keeps order, repeated names and entries without '='", "[app][environment]") {
    Environ env({"Z=1", "A=2", "Z=3", "ODD", "=x", "EMPTY="});
    CHECK(passthrough(env.envp()) == env.entries);
    CHECK(passthrough(nullptr).empty());
}

TEST_CASE("a drop changes only HOME, USER and LOGNAME, each at its first place", "[app][environment]") {
    Environ env({"Z=1", "HOME=/root", "A=2", "USER=root", "A=3", "ODD", "HOME=/other", "LOGNAME=root", "USER"});
    CHECK(app_environment(env.envp(), std::string("app"), std::string("/home/app")) ==
          Strings{"Z=1", "HOME=/home/app", "A=2", "USER=app", "A=3", "ODD", "LOGNAME=app", "USER"});
}

TEST_CASE("a drop appends HOME, USER and LOGNAME when the launcher had none", "[app][environment]") {
    Environ env({"PATH=/bin"});
    CHECK(app_environment(env.envp(), std::string("app"), std::string("/home/app")) ==
          Strings{"PATH=/bin", "HOME=/home/app", "USER=app", "LOGNAME=app"});
}

TEST_CASE("without a passwd entry: HOME=/, USER and LOGNAME removed", "[app][environment]") {
    Environ env({"USER=root", "HOME=/root", "LOGNAME=root", "TERM=xterm"});
    CHECK(app_environment(env.envp(), std::nullopt, std::nullopt) == Strings{"HOME=/", "TERM=xterm"});
    CHECK(app_environment(env.envp(), std::string("app"), std::string("")) ==
          Strings{"USER=app", "HOME=/", "LOGNAME=app", "TERM=xterm"});
}
