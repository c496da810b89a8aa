#include "init/status.hpp"

#include <sys/wait.h>

#include <algorithm>

namespace stepdown::init {

int exit_code_from_status(int wait_status, std::span<const int> remap_to_zero) {
    int code = 0;
    if (WIFEXITED(wait_status)) {
        code = WEXITSTATUS(wait_status);
    } else if (WIFSIGNALED(wait_status)) {
        code = (128 + WTERMSIG(wait_status)) % 256;
    } else {
        // Stopped or continued: not a final status. Callers only pass final
        // ones; if not, treat it as a failure rather than success.
        code = 1;
    }
    if (std::find(remap_to_zero.begin(), remap_to_zero.end(), code) != remap_to_zero.end()) {
        code = 0;
    }
    return code;
}

}  // namespace stepdown::init
