// The app's environment: the launcher's, entry by entry, in its order, with
// repeated names and entries without '=' kept, as tini and execvp hand it on.
// A drop changes only HOME, USER and LOGNAME, which come from the target's
// passwd entry (root's values are never handed to the app); without an entry
// HOME=/ and USER and LOGNAME are removed.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace stepdown::app {

// envp as it is.
std::vector<std::string> passthrough(char* const envp[]);

// envp for the dropped app: each of HOME, USER and LOGNAME takes the place of
// its first occurrence (later ones go), or comes last when absent.
std::vector<std::string> app_environment(char* const envp[], const std::optional<std::string>& name,
                                         const std::optional<std::string>& home);

}  // namespace stepdown::app
