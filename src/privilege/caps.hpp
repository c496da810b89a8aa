// Capability operations. privilege/caps.cpp is the only translation unit that
// includes <cap-ng.h>. Each function returns 0 or a positive errno (libcap-ng
// does not always set errno; see caps.cpp for where that bites).
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sys/sys.hpp"

namespace stepdown::caps {

int drop_bounding();
int drop_bounding_except(std::span<const int> keep);  // --keep-cap: the bounding set becomes exactly keep
int clear_ambient();
int clear_all();
int raise_ambient(std::span<const int> caps);
int read(sys::CapState& out);

// The capabilities held in each set of the calling thread (stepdown --check
// lists them by name). Numbers, ascending; up to 63 so that capabilities of a
// kernel newer than libcap-ng's table still show (as "cap_N").
struct Sets {
    std::vector<int> effective;
    std::vector<int> permitted;
    std::vector<int> inheritable;
    std::vector<int> bounding;
    std::vector<int> ambient;
};
int read_sets(Sets& out);

// Whether the calling thread has cap in its effective set (false on error).
bool have_effective(int cap);

// "NET_BIND_SERVICE", "cap_net_bind_service" -> number; nullopt if unknown.
std::optional<int> from_name(std::string_view name);
// Number -> "net_bind_service" (libcap-ng's spelling); "cap_N" when unknown.
const char* name_of(int cap);

}  // namespace stepdown::caps
