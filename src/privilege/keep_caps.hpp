// --keep-cap: which capabilities the app may keep, by name. A pure function of
// the names (libcap-ng's name table is the only thing it consults).
//
// An allow-list: without --force-keep-cap only capabilities that leave the
// drop meaningful may be kept: NET_BIND_SERVICE, NET_BROADCAST, IPC_LOCK,
// WAKE_ALARM, BLOCK_SUSPEND, AUDIT_WRITE, and with a warning that says what
// they reach beyond the app (keep_caps.cpp): NET_RAW, LEASE, SYS_NICE,
// SYS_RESOURCE. Everything else is refused (exit 77), including whatever a
// newer kernel or libcap-ng adds; refusal_reason() says why, specifically for
// the dangerous ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace stepdown::privilege {

struct KeptCaps {
    std::vector<int> caps;              // capability numbers, sorted, unique
    std::vector<std::string> warnings;  // one per refused capability kept by force, and for NET_RAW
};

// names: as given ("NET_BIND_SERVICE", "net_bind_service", "CAP_NET_RAW").
// Errors: an empty or unknown name is a usage error (64); a refused name
// without force is refused (77), naming the opt-in.
Result<KeptCaps> resolve_keep_caps(const std::vector<std::string>& names, bool force);

// Why keeping cap defeats the drop; nullptr when it may be kept without force
// (it is on the allow-list). Never nullptr for a capability off the list.
const char* refusal_reason(int cap);

// The capabilities of keep that the starting process cannot hand on: missing
// from its bounding set (docker run --cap-drop) or its permitted set, given as
// masks (bit N = capability N). Sorted like keep; empty when all are there.
std::vector<int> unavailable_caps(const std::vector<int>& keep, std::uint64_t bounding, std::uint64_t permitted);

// The refusal (77) for unavailable capabilities, with the exact fix:
// docker run --cap-add, compose cap_add, Kubernetes capabilities.add.
Error unavailable_error(const std::vector<int>& missing, std::uint64_t bounding);

// "CAP_NET_BIND_SERVICE" (the kernel's spelling), "CAP_42" when unknown.
std::string cap_display_name(int cap);
// "NET_BIND_SERVICE": the spelling of docker run --cap-add and Kubernetes.
std::string cap_add_name(int cap);

}  // namespace stepdown::privilege
