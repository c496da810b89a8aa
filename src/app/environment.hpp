// The app's environment: everything passed through, except HOME, USER and
// LOGNAME, which come from the target's passwd entry (root's values are never
// handed to the app). Without an entry: HOME=/, USER and LOGNAME removed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stepdown::app {

std::vector<std::string> app_environment(const std::map<std::string, std::string>& env,
                                         const std::optional<std::string>& name,
                                         const std::optional<std::string>& home);

// The environment unchanged, as "NAME=value" strings.
std::vector<std::string> flatten(const std::map<std::string, std::string>& env);

}  // namespace stepdown::app
