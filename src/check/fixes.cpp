#include "check/fixes.hpp"

#include "privilege/keep_caps.hpp"

namespace stepdown::check {

std::string socket_proxy_advice() {
    return "for read-only needs, put a socket proxy that allows only GET requests in front of the daemon (e.g. "
           "tecnativa/docker-socket-proxy) and point the app at it with DOCKER_HOST=tcp://PROXY:2375 (stepdown then "
           "needs no socket group)";
}

Fix fix_group_add(gid_t gid) {
    const std::string g = std::to_string(gid);
    Fix f;
    f.docker_run = "--group-add " + g;
    f.compose = "group_add: [\"" + g + "\"]";
    f.kubernetes = "securityContext.supplementalGroups: [" + g + "]";
    return f;
}

Fix fix_mount_socket(const std::string& path) {
    Fix f;
    f.docker_run = "-v /var/run/docker.sock:" + path;
    f.compose = "volumes: [\"/var/run/docker.sock:" + path + "\"]";
    f.kubernetes = "volumes: [{name: docker-sock, hostPath: {path: /var/run/docker.sock, type: Socket}}] and "
                   "volumeMounts: [{name: docker-sock, mountPath: " + path + "}]";
    f.other = "start the daemon on the host before the container, so the host path is a socket when it is mounted";
    return f;
}

Fix fix_allow_gid0() {
    Fix f;
    f.docker_run = "-e STEPDOWN_ALLOW_GID0=1 (or stepdown --allow-gid0)";
    f.compose = "environment: [\"STEPDOWN_ALLOW_GID0=1\"]";
    f.kubernetes = "env: [{name: STEPDOWN_ALLOW_GID0, value: \"1\"}]";
    f.other = "better: give the socket a dedicated group on the host (the usual 'docker' group); or " +
              socket_proxy_advice() + "; --allow-gid0 makes the app a member of root's group";
    return f;
}

std::string run_as_target(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
    std::string s = "docker run --user " + std::to_string(uid) + ":" + std::to_string(gid);
    for (gid_t g : groups) s += " --group-add " + std::to_string(g);
    return s;
}

Fix fix_capabilities(bool setuid, bool setgid, bool setpcap, uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
    std::string run, list;
    auto add = [&](bool missing, const char* name) {
        if (!missing) return;
        run += std::string(run.empty() ? "" : " ") + "--cap-add " + name;
        list += std::string(list.empty() ? "" : ", ") + name;
    };
    add(setuid, "SETUID");
    add(setgid, "SETGID");
    add(setpcap, "SETPCAP");
    Fix f;
    f.docker_run = run;
    f.compose = "cap_add: [" + list + "]";
    f.kubernetes = "securityContext.capabilities.add: [" + list + "]";
    f.other = "or start the container as the target user with its groups: " + run_as_target(uid, gid, groups);
    return f;
}

Fix fix_cap_add(const std::vector<int>& caps) {
    std::string run, list;
    for (int cap : caps) {
        const std::string name = privilege::cap_add_name(cap);
        run += std::string(run.empty() ? "" : " ") + "--cap-add " + name;
        list += std::string(list.empty() ? "" : ", ") + name;
    }
    Fix f;
    f.docker_run = run;
    f.compose = "cap_add: [" + list + "]";
    f.kubernetes = "securityContext.capabilities.add: [" + list + "]";
    return f;
}

Fix fix_root_target() {
    Fix f;
    f.docker_run = "-e STEPDOWN_USER=1000:1000 (or stepdown --user 1000:1000)";
    f.compose = "environment: [\"STEPDOWN_USER=1000:1000\"]";
    f.kubernetes = "env: [{name: STEPDOWN_USER, value: \"1000:1000\"}]";
    f.other = "or accept a root app explicitly with --allow-root-target (STEPDOWN_ALLOW_ROOT_TARGET=1); its "
              "capabilities are still cleared";
    return f;
}

}  // namespace stepdown::check
