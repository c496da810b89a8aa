// The one file that talks to libcap-ng.
//
// libcap-ng caveats that bite here:
// - capng_apply() returns negative codes (-1..-7 in 0.8.3) and does not always
//   set errno (e.g. when the library state is CAPNG_ERROR); we map a missing
//   errno to EPERM so no failure reads as success.
// - capng_change_id() and CAPNG_INIT_SUPP_GRP call initgroups()/getpwuid(), NSS
//   functions forbidden in PID 1: stepdown never calls capng_change_id.
// - capng_get_caps_process() reads /proc/<tid>/status for the bounding and
//   ambient sets: a /proc of another pid namespace makes it read another
//   process. And libcap-ng 0.8.3 probes once, at load, whether bounding and
//   ambient sets exist; if that one prctl fails (a seccomp filter), a later
//   capng_apply(CAPNG_SELECT_BOUNDS) does nothing and still returns 0.
//   So libcap-ng makes the changes, and what the kernel holds afterwards is
//   read with raw syscalls (capget v3, PR_CAPBSET_READ, PR_CAP_AMBIENT_IS_SET)
//   by kernel_masks() below, never through libcap-ng or /proc. The proof of
//   the drop (privilege/drop.cpp, verify) stands on those reads alone.
#include "privilege/caps.hpp"

#include <cap-ng.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <string>

namespace stepdown::caps {
namespace {

int errno_or_eperm() { return errno != 0 ? errno : EPERM; }

int apply(capng_select_t set) {
    errno = 0;
    if (capng_apply(set) != 0) return errno_or_eperm();
    return 0;
}

// The kernel's sets as bit masks, read with raw syscalls (capget v3,
// PR_CAPBSET_READ, PR_CAP_AMBIENT_IS_SET): cheap, and never /proc. libcap-ng
// is not asked to load the state before a change: capng_clear() starts from
// an empty state, and capng_apply(CAPNG_SELECT_BOUNDS) reads what it needs
// itself; each needless capng_get_caps_process() parsed /proc/<tid>/status
// with sscanf (~35k instructions a start, issue 6).
struct Masks {
    std::uint64_t effective = 0;
    std::uint64_t permitted = 0;
    std::uint64_t inheritable = 0;
    std::uint64_t bounding = 0;
    std::uint64_t ambient = 0;
};

std::uint64_t bit(int c) { return std::uint64_t{1} << static_cast<unsigned>(c); }

int capget_masks(Masks& out) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capget, &header, data) != 0) return errno_or_eperm();
    const auto join = [&data](std::uint32_t __user_cap_data_struct::*field) {
        return (std::uint64_t{data[1].*field} << 32) | data[0].*field;
    };
    out.effective = join(&__user_cap_data_struct::effective);
    out.permitted = join(&__user_cap_data_struct::permitted);
    out.inheritable = join(&__user_cap_data_struct::inheritable);
    return 0;
}

// Every capability number the kernel knows: PR_CAPBSET_READ answers EINVAL
// past the last one. Any other error is returned (fail closed).
int bounding_mask(std::uint64_t& out, std::uint64_t* ambient) {
    out = 0;
    if (ambient != nullptr) *ambient = 0;
    for (int c = 0; c < 64; ++c) {
        const int rc = prctl(PR_CAPBSET_READ, static_cast<unsigned long>(c), 0UL, 0UL, 0UL);
        if (rc < 0) {
            if (errno == EINVAL) break;
            return errno_or_eperm();
        }
        if (rc == 1) out |= bit(c);
        if (ambient == nullptr) continue;
        const int amb = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, static_cast<unsigned long>(c), 0UL, 0UL);
        if (amb < 0) return errno_or_eperm();
        if (amb == 1) *ambient |= bit(c);
    }
    return 0;
}

int kernel_masks(Masks& out) {
    out = Masks{};
    if (int e = capget_masks(out)) return e;
    return bounding_mask(out.bounding, &out.ambient);
}

std::vector<int> numbers(std::uint64_t mask) {
    std::vector<int> caps;
    for (int c = 0; c < 64; ++c)
        if ((mask & bit(c)) != 0) caps.push_back(c);
    return caps;
}

}  // namespace

int drop_bounding() { return drop_bounding_except({}); }

int drop_bounding_except(std::span<const int> keep) {
    const auto kept = [keep](int c) { return std::find(keep.begin(), keep.end(), c) != keep.end(); };
    capng_clear(CAPNG_SELECT_BOUNDS);
    for (int c : keep) {
        if (capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, static_cast<unsigned>(c)) != 0) return EINVAL;
    }
    if (int e = apply(CAPNG_SELECT_BOUNDS)) return e;
    // libcap-ng may have skipped the change without saying so (see the top of
    // this file): drop whatever the kernel still reports, one by one.
    std::uint64_t bounding = 0;
    if (int e = bounding_mask(bounding, nullptr)) return e;
    for (int c = 0; c < 64; ++c) {
        if ((bounding & bit(c)) == 0 || kept(c)) continue;
        if (prctl(PR_CAPBSET_DROP, static_cast<unsigned long>(c), 0UL, 0UL, 0UL) != 0) return errno_or_eperm();
    }
    return 0;
}

int clear_ambient() {
    // PR_CAP_AMBIENT_CLEAR_ALL needs no privilege and no library state.
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return errno_or_eperm();
    return 0;
}

int clear_all() {
    capng_clear(CAPNG_SELECT_CAPS);
    return apply(CAPNG_SELECT_CAPS);
}

int raise_ambient(std::span<const int> caps) {
    // The ambient set may only hold capabilities that are in both the
    // permitted and the inheritable set; raise those first, then ambient.
    capng_clear(CAPNG_SELECT_CAPS);
    for (int cap : caps) {
        const auto c = static_cast<unsigned>(cap);
        if (capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE), c) != 0)
            return EINVAL;
    }
    if (int e = apply(CAPNG_SELECT_CAPS)) return e;
    for (int cap : caps) {
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, static_cast<unsigned long>(cap), 0, 0) != 0)
            return errno_or_eperm();
    }
    return 0;
}

int read(sys::CapState& out) {
    Masks m;
    if (int e = kernel_masks(m)) return e;
    out.effective = m.effective;
    out.permitted = m.permitted;
    out.inheritable = m.inheritable;
    out.bounding = m.bounding;
    out.ambient = m.ambient;
    out.any_effective = out.effective != 0;
    out.any_permitted = out.permitted != 0;
    out.any_inheritable = out.inheritable != 0;
    out.any_bounding = out.bounding != 0;
    out.any_ambient = out.ambient != 0;
    return 0;
}

int read_sets(Sets& out) {
    out = Sets{};
    Masks m;
    if (int e = kernel_masks(m)) return e;
    out.effective = numbers(m.effective);
    out.permitted = numbers(m.permitted);
    out.inheritable = numbers(m.inheritable);
    out.bounding = numbers(m.bounding);
    out.ambient = numbers(m.ambient);
    return 0;
}

bool have_effective(int cap) {
    Masks m;
    if (capget_masks(m) != 0) return false;
    return cap >= 0 && cap < 64 && (m.effective & bit(cap)) != 0;
}

std::optional<int> from_name(std::string_view name) {
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("cap_", 0) == 0) lower.erase(0, 4);
    if (lower.empty()) return std::nullopt;
    const int cap = capng_name_to_capability(lower.c_str());
    if (cap < 0) return std::nullopt;
    return cap;
}

const char* name_of(int cap) {
    const char* n = capng_capability_to_name(static_cast<unsigned>(cap));
    return n != nullptr ? n : "unknown";
}

}  // namespace stepdown::caps
