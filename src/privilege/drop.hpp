// The privilege drop: a fixed syscall sequence over plain numbers, then a
// proof from the kernel. Exec-ing a half-dropped process is the one
// unforgivable bug, so any failure or mismatch is returned and the caller
// must not run the app.
//
// Order (every result checked):
//   1. setgroups(plan.groups)          exactly the plan; nothing inherited from root
//   2. setresgid(g, g, g)
//   3. drop the bounding set           needs CAP_SETPCAP, so before the uid change
//   4. clear the ambient set
//   5. setresuid(u, u, u)              the kernel clears effective/permitted/ambient
//   6. clear effective, permitted, inheritable (libcap-ng)
//   7. PR_SET_NO_NEW_PRIVS             unless plan.no_new_privs is false
// then verify(): getresuid/getresgid all equal the target, getgroups equals
// the plan, no capability in any set, no_new_privs as planned, setuid(0) fails.
//
// With plan.keep_caps (--keep-cap), steps 3-6 become:
//   3. reduce the bounding set to exactly keep_caps
//   4. clear the ambient set
//   5. PR_SET_KEEPCAPS 1, setresuid(u, u, u), PR_SET_KEEPCAPS 0
//                                      the permitted set survives the uid change
//   6. effective = permitted = inheritable = keep_caps, then raise each in ambient
// so the app, exec'd without file capabilities, holds exactly keep_caps in all
// five sets; verify() then expects exactly those, in every set.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "sys/sys.hpp"

namespace stepdown::privilege {

struct DropPlan {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // sorted, unique (normalize_groups)
    bool no_new_privs = true;
    std::vector<int> keep_caps;  // --keep-cap: capability numbers, sorted, unique; empty = none
};

// The capability mask (bit N = capability N) of a list of capability numbers.
std::uint64_t cap_mask(const std::vector<int>& caps);

std::vector<gid_t> normalize_groups(std::vector<gid_t> groups);

// Performs steps 1-7. Error.exit_code is exit_code::os_error.
Status drop(sys::Sys& sys, const DropPlan& plan);

// Proves the drop. Error.exit_code is exit_code::software.
Status verify(sys::Sys& sys, const DropPlan& plan);

// Started non-root: no ids to change, but no capability may reach the app
// either (a launcher or engine may leave ambient or inheritable ones, and a
// non-root process may hold permitted ones). Clears ambient, then effective,
// permitted and inheritable; sets no_new_privs unless told not to. The
// bounding set stays (dropping it needs CAP_SETPCAP; with no_new_privs and no
// permitted capabilities it grants nothing). Error.exit_code is os_error.
Status shed_capabilities(sys::Sys& sys, bool no_new_privs);
// Proves it: no capability in the effective, permitted, inheritable or
// ambient set; no_new_privs set when planned. Error.exit_code is software.
Status verify_shed(sys::Sys& sys, bool no_new_privs);

// Formats "[988,999]" for messages.
std::string format_groups(const std::vector<gid_t>& groups);

}  // namespace stepdown::privilege
