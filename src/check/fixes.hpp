// The exact change an operator makes, in each form people run containers:
// docker run flags, a compose key, a Kubernetes field, and anything else
// (host commands, a socket proxy). Pure text builders, unit-tested.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace stepdown::check {

struct Fix {
    std::string docker_run;  // "--group-add 988"
    std::string compose;     // "group_add: [\"988\"]"
    std::string kubernetes;  // "securityContext.supplementalGroups: [988]"
    std::string other;       // host-side or general advice
    [[nodiscard]] bool empty() const {
        return docker_run.empty() && compose.empty() && kubernetes.empty() && other.empty();
    }
};

// Give the app the socket's group from outside (started non-root).
Fix fix_group_add(gid_t gid);
// Mount the socket at path (absent, or Docker created a directory).
Fix fix_mount_socket(const std::string& path);
// Opt in to granting group 0, or avoid it.
Fix fix_allow_gid0();
// Start as root with the capabilities the drop needs, or start as the target
// (uid:gid with its groups, numbers as the plan has them).
Fix fix_capabilities(bool setuid, bool setgid, bool setpcap, uid_t uid, gid_t gid, const std::vector<gid_t>& groups);
// "docker run --user 1000:1000 --group-add 988": start as the target itself.
std::string run_as_target(uid_t uid, gid_t gid, const std::vector<gid_t>& groups);
// --keep-cap of capabilities the container was started without (numbers).
Fix fix_cap_add(const std::vector<int>& caps);
// Pick a non-root target, or opt in.
Fix fix_root_target();
// A socket proxy for read-only needs (appended to several fixes).
std::string socket_proxy_advice();

}  // namespace stepdown::check
