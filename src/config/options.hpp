// Configuration: command-line flags, then STEPDOWN_* (and tini's TINI_*)
// environment variables, then defaults. Parsed strictly; nothing here looks
// at the system beyond argv and the environment given.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "init/init.hpp"
#include "log/log.hpp"

namespace stepdown::config {

// Where the user identity came from (reported by --check and -v).
enum class Source { Default, Env, Flag };
const char* source_name(Source s);

struct Options {
    // identity
    std::string user_spec = "1000:1000";
    Source user_source = Source::Default;
    std::string groups;  // --groups LIST (names or numbers, comma-separated)
    std::string group_name = "docker";
    bool allow_root_target = false;
    // Keep the supplementary groups the container runtime gave the root start
    // (docker run --group-add, compose group_add, Kubernetes supplementalGroups);
    // --no-runtime-groups, STEPDOWN_RUNTIME_GROUPS=0 turn it off.
    bool runtime_groups = true;

    // sockets
    std::vector<std::string> socket_flags;     // -S, repeatable
    std::optional<std::string> socket_env;     // STEPDOWN_SOCKET
    std::optional<std::string> docker_host;    // DOCKER_HOST
    std::optional<std::string> container_host; // CONTAINER_HOST (Podman's), read when DOCKER_HOST is unset
    bool no_socket = false;
    bool allow_gid0 = false;
    bool require_socket = false;

    // hardening
    bool allow_new_privs = false;
    std::vector<std::string> keep_caps;  // --keep-cap NAME (repeatable), else STEPDOWN_KEEP_CAPS; names as given
    bool force_keep_cap = false;         // --force-keep-cap: keep even caps that defeat the drop

    // mode
    bool drop = true;            // false in docker-init/tini mode unless STEPDOWN_* asks for it
    bool tini_compat = false;    // invoked as docker-init, podman-init or tini
    bool force_init = false;     // --init
    bool force_exec = false;     // --exec
    bool check = false;          // --check
    bool json = false;           // --json
    bool help = false;
    bool version = false;
    bool license = false;        // -l, as tini

    // The options given that only a supervising parent can honour (-e, -w,
    // -g, -s, --grace and their variables), as the user spelled them: under
    // stepdown's own name they turn supervision on, and --exec with one of
    // them is a usage error that names both.
    std::vector<std::string> supervision_options;

    // init
    init::InitOptions init;

    // logging
    int verbosity = 0;
    log::Format log_format = log::Format::Text;

    std::vector<std::string> command;  // COMMAND [ARG...]

    // Not errors, but worth one warning each (e.g. an unknown STEPDOWN_* variable).
    std::vector<std::string> warnings;
};

// Whether argv[0] names stepdown as tini: docker-init, podman-init, tini or
// tini-static (any directory). Such a stepdown behaves as tini does: always
// the supervising parent, usage errors exit 1.
bool tini_name(const char* argv0);

// argv[0] decides tini compatibility; env is the process environment.
Result<Options> parse(int argc, char* const argv[], const std::map<std::string, std::string>& env);

std::map<std::string, std::string> environment_map(char* const envp[]);

// The usage text for --help.
std::string help_text();

// The LICENSE file, for -l.
std::string_view license_text();

// "tini version 0.19.0 - git.stepdown-0.1.0" and stepdown's identity: the
// first line is what dockerd's init-version parser accepts.
std::string version_text();

}  // namespace stepdown::config
