// The exit-code contract of the init, as a pure function: the main child's
// code passes through, death by signal n becomes 128+n, and codes listed with
// -e / STEPDOWN_EXIT_REMAP become 0 (applied after the 128+n mapping, so
// "-e 143" turns a SIGTERM death into a clean exit, as with tini).
#pragma once

#include <span>

namespace stepdown::init {

// wait_status is what waitpid() stored. Returns 0..255.
int exit_code_from_status(int wait_status, std::span<const int> remap_to_zero);

}  // namespace stepdown::init
