#include "app/environment.hpp"

#include <utility>

namespace stepdown::app {

std::vector<std::string> flatten(const std::map<std::string, std::string>& env) {
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [k, v] : env) {
        std::string entry;
        entry.reserve(k.size() + 1 + v.size());
        entry.append(k).append(1, '=').append(v);
        out.push_back(std::move(entry));
    }
    return out;
}

std::vector<std::string> app_environment(const std::map<std::string, std::string>& env,
                                         const std::optional<std::string>& name,
                                         const std::optional<std::string>& home) {
    auto copy = env;
    copy.erase("USER");
    copy.erase("LOGNAME");
    copy["HOME"] = home && !home->empty() ? *home : "/";
    if (name) {
        copy["USER"] = *name;
        copy["LOGNAME"] = *name;
    }
    return flatten(copy);
}

}  // namespace stepdown::app
