#include "config/options.hpp"

#include <getopt.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <string_view>

#include "app/exit_codes.hpp"
#include "base/numbers.hpp"
#include "init/signals.hpp"
#include "license.hpp"

#ifndef STEPDOWN_GIT
#define STEPDOWN_GIT "unknown"
#endif

namespace stepdown::config {
namespace {

Error usage(std::string what) { return Error{std::move(what), 0, exit_code::usage}; }
std::string q(std::string_view s) { return "'" + std::string(s) + "'"; }

std::optional<std::string> get(const std::map<std::string, std::string>& env, const char* name) {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
}

Result<bool> parse_bool(std::string_view name, std::string_view value) {
    if (value == "1" || value == "true" || value == "yes" || value == "on") return true;
    if (value.empty() || value == "0" || value == "false" || value == "no" || value == "off") return false;
    return usage("invalid " + std::string(name) + "=" + q(value) + ": expected 1 or 0");
}

Result<int> parse_grace(std::string_view text, std::string_view from) {
    // SECONDS with up to three decimals: "5", "0.5", "2.250". 0..3600.
    const auto dot = text.find('.');
    const auto whole = text.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    auto secs = parse_unsigned(whole, 3600);
    if (!secs || (dot != std::string_view::npos && (frac.empty() || frac.size() > 3 || !all_digits(frac))))
        return usage("invalid " + std::string(from) + " " + q(text) + ": expected seconds from 0 to 3600, e.g. 5 or 0.5");
    int ms = static_cast<int>(*secs) * 1000;
    int scale = 100;
    for (char c : frac) {
        ms += (c - '0') * scale;
        scale /= 10;
    }
    if (ms > 3600 * 1000) return usage("invalid " + std::string(from) + " " + q(text) + ": at most 3600 seconds");
    return ms;
}

Result<int> parse_exit_code(std::string_view text, std::string_view from) {
    auto v = parse_unsigned(text, 255);
    if (!v) return usage("invalid " + std::string(from) + " " + q(text) + ": expected an exit code from 0 to 255");
    return static_cast<int>(*v);
}

Status parse_remap_list(std::string_view list, std::vector<int>& out) {
    while (true) {
        const auto comma = list.find(',');
        auto code = parse_exit_code(list.substr(0, comma), "STEPDOWN_EXIT_REMAP entry");
        if (!code) return code.error();
        out.push_back(*code);
        if (comma == std::string_view::npos) return std::nullopt;
        list.remove_prefix(comma + 1);
    }
}

std::string basename_of(const char* path) {
    std::string_view s = path != nullptr ? path : "";
    const auto slash = s.rfind('/');
    return std::string(slash == std::string_view::npos ? s : s.substr(slash + 1));
}

enum LongOnly : int {
    opt_no_socket = 1000,
    opt_group_name,
    opt_allow_gid0,
    opt_allow_root_target,
    opt_require_socket,
    opt_allow_new_privs,
    opt_version,
    opt_check,
    opt_json,
    opt_init,
    opt_exec,
    opt_grace,
    opt_keep_cap,
    opt_force_keep_cap,
    opt_no_runtime_groups,
};

// The long options. Not getopt's `struct option` table itself: its name
// pointers would be relocated at every start of the static-pie, in a page
// that then stays resident for the container's life (issue 6: idle RssAnon).
// parse() builds getopt's table from this one on its stack.
struct LongOption {
    char name[20];
    int has_arg;
    int val;
};
constexpr LongOption long_options[] = {
    {"user", required_argument, 'u'},
    {"socket", required_argument, 'S'},
    {"no-socket", no_argument, opt_no_socket},
    {"groups", required_argument, 'G'},
    {"group-name", required_argument, opt_group_name},
    {"allow-gid0", no_argument, opt_allow_gid0},
    {"allow-root-target", no_argument, opt_allow_root_target},
    {"require-socket", no_argument, opt_require_socket},
    {"allow-new-privs", no_argument, opt_allow_new_privs},
    {"verbose", no_argument, 'v'},
    {"version", no_argument, opt_version},
    {"help", no_argument, 'h'},
    {"check", no_argument, opt_check},
    {"json", no_argument, opt_json},
    {"init", no_argument, opt_init},
    {"exec", no_argument, opt_exec},
    {"grace", required_argument, opt_grace},
    {"keep-cap", required_argument, opt_keep_cap},
    {"force-keep-cap", no_argument, opt_force_keep_cap},
    {"no-runtime-groups", no_argument, opt_no_runtime_groups},
};

// The name a created group gets: the same rule as the planner's
// (userdb/group_edit.cpp), checked here so that a name it would refuse is a
// usage error instead of a group silently not created. A number would be read
// as a GID; '-', '+' and '#' start NIS lines and comments.
bool valid_group_name(std::string_view name) {
    if (name.empty() || all_digits(name) || name.front() == '-' || name.front() == '+' || name.front() == '#')
        return false;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == ':' || c == ',') return false;
    }
    return true;
}

// Every STEPDOWN_* variable stepdown reads; any other is reported (a typo such
// as STEPDOWN_REQUIRE_SOCKT would otherwise be ignored in silence).
// (Arrays of characters, not of pointers: see long_options.)
constexpr char known_env[][28] = {
    "STEPDOWN_USER",          "STEPDOWN_GROUPS",         "STEPDOWN_GROUP_NAME",
    "STEPDOWN_SOCKET",        "STEPDOWN_NO_SOCKET",      "STEPDOWN_ALLOW_GID0",
    "STEPDOWN_ALLOW_ROOT_TARGET", "STEPDOWN_REQUIRE_SOCKET", "STEPDOWN_ALLOW_NEW_PRIVS",
    "STEPDOWN_INIT",          "STEPDOWN_LOG_LEVEL",      "STEPDOWN_LOG_FORMAT",
    "STEPDOWN_EXIT_REMAP",    "STEPDOWN_GRACE",          "STEPDOWN_KEEP_CAPS",
    "STEPDOWN_FORCE_KEEP_CAP", "STEPDOWN_RUNTIME_GROUPS",
};

// Environment first (flags override it below).
Status apply_env(Options& o, const std::map<std::string, std::string>& env) {
    for (const auto& [name, value] : env) {
        if (name.rfind("STEPDOWN_", 0) != 0) continue;
        const std::string_view var = name;  // clang 14 cannot capture a structured binding
        if (std::none_of(std::begin(known_env), std::end(known_env), [var](const char* k) { return var == k; }))
            o.warnings.push_back("ignoring unknown environment variable '" + name + "'; see stepdown --help");
    }
    if (auto v = get(env, "STEPDOWN_USER")) {
        if (v->empty())
            return usage("STEPDOWN_USER is set but empty: unset it for the default 1000:1000, or name the user, "
                         "e.g. STEPDOWN_USER=1000:1000");
        o.user_spec = *v;
        o.user_source = Source::Env;
    }
    if (auto v = get(env, "STEPDOWN_GROUPS")) o.groups = *v;
    if (auto v = get(env, "STEPDOWN_GROUP_NAME")) o.group_name = *v;
    o.socket_env = get(env, "STEPDOWN_SOCKET");
    o.docker_host = get(env, "DOCKER_HOST");
    o.container_host = get(env, "CONTAINER_HOST");
    struct BoolVar {
        const char* name;
        bool* field;
    };
    const BoolVar bools[] = {
        {"STEPDOWN_NO_SOCKET", &o.no_socket},
        {"STEPDOWN_ALLOW_GID0", &o.allow_gid0},
        {"STEPDOWN_ALLOW_ROOT_TARGET", &o.allow_root_target},
        {"STEPDOWN_REQUIRE_SOCKET", &o.require_socket},
        {"STEPDOWN_ALLOW_NEW_PRIVS", &o.allow_new_privs},
        {"STEPDOWN_INIT", &o.force_init},
        {"STEPDOWN_FORCE_KEEP_CAP", &o.force_keep_cap},
        {"STEPDOWN_RUNTIME_GROUPS", &o.runtime_groups},
    };
    for (const auto& b : bools) {
        if (auto v = get(env, b.name)) {
            auto parsed = parse_bool(b.name, *v);
            if (!parsed) return parsed.error();
            *b.field = *parsed;
        }
    }
    // tini's variables: presence means on, whatever the value (tini's semantics).
    if (get(env, "TINI_SUBREAPER")) {
        o.init.subreaper = true;
        o.supervision_options.emplace_back("TINI_SUBREAPER");
    }
    if (get(env, "TINI_KILL_PROCESS_GROUP")) {
        o.init.kill_group = true;
        o.supervision_options.emplace_back("TINI_KILL_PROCESS_GROUP");
    }
    if (auto v = get(env, "TINI_VERBOSITY")) {
        auto n = parse_unsigned(*v, 10);
        if (!n) return usage("invalid TINI_VERBOSITY=" + q(*v) + ": expected a number from 0 to 10");
        o.verbosity = static_cast<int>(*n) - 1;  // tini: 1 = warnings, ours: 0 = warnings
    }
    if (auto v = get(env, "STEPDOWN_LOG_LEVEL")) {
        const int level = log::verbosity_from_level(*v);
        if (level < -1)
            return usage("invalid STEPDOWN_LOG_LEVEL=" + q(*v) + ": expected trace, debug, info, warn, error or off");
        o.verbosity = level;
    }
    if (auto v = get(env, "STEPDOWN_LOG_FORMAT")) {
        if (*v == "json") o.log_format = log::Format::Json;
        else if (*v == "text" || v->empty()) o.log_format = log::Format::Text;
        else return usage("invalid STEPDOWN_LOG_FORMAT=" + q(*v) + ": expected text or json");
    }
    if (auto v = get(env, "STEPDOWN_KEEP_CAPS"); v && !v->empty()) {
        // Names only here; privilege/keep_caps.cpp resolves and judges them.
        std::string_view rest = *v;
        while (true) {
            const auto comma = rest.find(',');
            const std::string_view name = rest.substr(0, comma);
            if (name.empty())
                return usage("invalid STEPDOWN_KEEP_CAPS=" + q(*v) +
                             ": expected capability names separated by commas, e.g. NET_BIND_SERVICE,NET_RAW");
            o.keep_caps.emplace_back(name);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    if (auto v = get(env, "STEPDOWN_EXIT_REMAP"); v && !v->empty()) {
        if (auto e = parse_remap_list(*v, o.init.remap_to_zero)) return e;
        o.supervision_options.emplace_back("STEPDOWN_EXIT_REMAP");
    }
    if (auto v = get(env, "STEPDOWN_GRACE")) {
        auto ms = parse_grace(*v, "STEPDOWN_GRACE");
        if (!ms) return ms.error();
        o.init.grace_ms = *ms;
        o.supervision_options.emplace_back("STEPDOWN_GRACE");
    }
    return std::nullopt;
}

}  // namespace

const char* source_name(Source s) {
    switch (s) {
        case Source::Default: return "default";
        case Source::Env: return "STEPDOWN_USER";
        case Source::Flag: return "--user";
    }
    return "?";
}

bool tini_name(const char* argv0) {
    const std::string self = basename_of(argv0);
    return self == "docker-init" || self == "podman-init" || self == "tini" || self == "tini-static";
}

std::map<std::string, std::string> environment_map(char* const envp[]) {
    std::map<std::string, std::string> env;
    for (char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
        std::string_view kv = *e;
        const auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
}

Result<Options> parse(int argc, char* const argv[], const std::map<std::string, std::string>& env) {
    Options o;
    o.tini_compat = argc > 0 && tini_name(argv[0]);
    if (auto e = apply_env(o, env)) return *e;
    // docker-init/tini mode: behave like tini unless a stepdown setting asks for the drop.
    // A kept capability needs the drop too: without it the app would run as
    // full root while --keep-cap asked for one capability.
    if (o.tini_compat)
        o.drop = get(env, "STEPDOWN_USER") || get(env, "STEPDOWN_SOCKET") || get(env, "STEPDOWN_GROUPS") ||
                 !o.keep_caps.empty();

    // tini: `--version` as the sole argument.
    bool flag_verbosity = false;
    std::vector<int> flag_remaps;
    std::vector<std::string> flag_keep_caps;
    std::array<struct option, std::size(long_options) + 1> getopt_options{};  // the last one all zero
    for (std::size_t i = 0; i < std::size(long_options); ++i) {
        getopt_options[i] = {long_options[i].name, long_options[i].has_arg, nullptr, long_options[i].val};
    }
    ::optind = 0;  // full reset of glibc's getopt state (parse may run more than once)
    ::opterr = 0;
    while (true) {
        int index = 0;
        const int c = ::getopt_long(argc, argv, "+:u:S:G:vhsgp:we:l", getopt_options.data(), &index);
        if (c == -1) break;
        const std::string arg = ::optarg != nullptr ? ::optarg : "";
        switch (c) {
            case 'u':
                o.user_spec = arg;
                o.user_source = Source::Flag;
                o.drop = true;
                break;
            case 'S': o.socket_flags.push_back(arg); o.drop = true; break;
            case opt_no_socket: o.no_socket = true; break;
            case 'G': o.groups = arg; o.drop = true; break;
            case opt_group_name: o.group_name = arg; break;
            case opt_allow_gid0: o.allow_gid0 = true; break;
            case opt_no_runtime_groups: o.runtime_groups = false; break;
            case opt_allow_root_target: o.allow_root_target = true; break;
            case opt_require_socket: o.require_socket = true; break;
            case opt_allow_new_privs: o.allow_new_privs = true; break;
            case opt_keep_cap:
                flag_keep_caps.push_back(arg);
                o.drop = true;
                break;
            case opt_force_keep_cap: o.force_keep_cap = true; break;
            case 'v':
                o.verbosity = flag_verbosity ? o.verbosity + 1 : 1;
                flag_verbosity = true;
                break;
            case opt_version: o.version = true; break;
            case 'h': o.help = true; break;
            case opt_check: o.check = true; break;
            case opt_json: o.json = true; break;
            case opt_init: o.force_init = true; break;
            case opt_exec: o.force_exec = true; break;
            case 's':
                o.init.subreaper = true;
                o.supervision_options.emplace_back("-s");
                break;
            case 'g':
                o.init.kill_group = true;
                o.supervision_options.emplace_back("-g");
                break;
            case 'w':
                o.init.warn_on_reap = true;
                o.supervision_options.emplace_back("-w");
                break;
            case 'l': o.license = true; break;
            case 'p': {
                auto sig = init::parse_signal(arg);
                if (!sig) return usage("invalid signal " + q(arg) + " for -p: expected a name such as SIGKILL or TERM");
                o.init.pdeathsig = *sig;
                break;
            }
            case 'e': {
                auto code = parse_exit_code(arg, "-e");
                if (!code) return code.error();
                flag_remaps.push_back(*code);
                o.supervision_options.emplace_back("-e");
                break;
            }
            case opt_grace: {
                auto ms = parse_grace(arg, "--grace");
                if (!ms) return ms.error();
                o.init.grace_ms = *ms;
                o.supervision_options.emplace_back("--grace");
                break;
            }
            case ':':
                return usage("option " + q(argv[::optind - 1]) + " needs a value; see stepdown --help");
            default: {
                const std::string bad = ::optopt != 0 ? std::string("-") + static_cast<char>(::optopt)
                                                      : std::string(argv[::optind - 1]);
                return usage("unknown option " + q(bad) + "; see stepdown --help");
            }
        }
    }
    o.init.remap_to_zero.insert(o.init.remap_to_zero.end(), flag_remaps.begin(), flag_remaps.end());
    if (!flag_keep_caps.empty()) o.keep_caps = std::move(flag_keep_caps);  // flags replace STEPDOWN_KEEP_CAPS
    for (int i = ::optind; i < argc; ++i) o.command.emplace_back(argv[i]);

    if (!valid_group_name(o.group_name))
        return usage("invalid group name " + q(o.group_name) +
                     ": expected a name without ':', ',', blanks or control characters, not a number and not "
                     "starting with '-', '+' or '#'");
    if (o.force_init && o.force_exec) return usage("--init and --exec exclude each other");
    if (o.force_exec && !o.supervision_options.empty()) {
        const std::string& other = o.supervision_options.front();
        return usage("--exec and " + other + " exclude each other: " + other +
                     " needs stepdown to stay the parent of COMMAND; drop --exec, or drop " + other);
    }
    if (o.json && !o.check) return usage("--json goes with --check");
    if (o.command.empty() && !o.help && !o.version && !o.license && !o.check)
        return usage("no command given: usage: stepdown [OPTIONS] [--] COMMAND [ARG...]; see stepdown --help");
    return o;
}

std::string_view license_text() { return stepdown_license; }

std::string version_text() {
    return "tini version " STEPDOWN_VERSION "_stepdown - git." STEPDOWN_GIT "\n";
}

std::string help_text() {
    return R"(usage: stepdown [OPTIONS] [--] COMMAND [ARG...]
       stepdown --check [--json] [OPTIONS]

Started as root: find the container-engine socket, make sure /etc/group has a
group with its GID, drop to the target user with exactly that supplementary
group, clear every capability set, set no_new_privs, prove the drop from the
kernel, then run COMMAND (as PID 1: supervise it as an init).
Started as another user: check socket access, explain any fix, run COMMAND.

identity
  -u, --user SPEC          target user: name, uid, name:group, uid:gid, name:gid,
                           uid:group (STEPDOWN_USER; default 1000:1000)
  -G, --groups LIST        extra supplementary groups, names or numbers,
                           comma-separated (STEPDOWN_GROUPS)
      --no-runtime-groups  started as root, do not keep the groups the runtime
                           added (docker run --group-add, compose group_add,
                           Kubernetes supplementalGroups) (STEPDOWN_RUNTIME_GROUPS=0)
      --group-name NAME    name for a group created for the socket GID
                           (STEPDOWN_GROUP_NAME; default docker)
      --allow-root-target  allow target uid 0 or gid 0 (STEPDOWN_ALLOW_ROOT_TARGET=1)
sockets
  -S, --socket PATH        socket to grant access to; repeatable
                           (STEPDOWN_SOCKET, colon-separated; else DOCKER_HOST
                           or CONTAINER_HOST unix://PATH; else
                           /var/run/docker.sock, or /run/podman/podman.sock
                           when that is absent)
      --no-socket          no socket handling (STEPDOWN_NO_SOCKET=1)
      --allow-gid0         grant a socket owned by group 0 (STEPDOWN_ALLOW_GID0=1)
      --require-socket     an absent or unusable socket is fatal
                           (STEPDOWN_REQUIRE_SOCKET=1)
hardening
      --allow-new-privs    do not set no_new_privs (STEPDOWN_ALLOW_NEW_PRIVS=1)
      --keep-cap NAME      keep capability NAME for the app through the ambient set,
                           e.g. NET_BIND_SERVICE; repeatable (STEPDOWN_KEEP_CAPS,
                           comma-separated); every other capability is still dropped
      --force-keep-cap     allow --keep-cap of capabilities off the allow-list
                           (NET_BIND_SERVICE, NET_BROADCAST, NET_RAW, IPC_LOCK,
                           LEASE, WAKE_ALARM, BLOCK_SUSPEND, AUDIT_WRITE,
                           SYS_NICE, SYS_RESOURCE) (STEPDOWN_FORCE_KEEP_CAP=1)
init (tini-compatible; -s, -g, -w, -e and --grace supervise COMMAND too)
      --init               supervise COMMAND even when not PID 1 (STEPDOWN_INIT=1)
      --exec               exec COMMAND directly, even as PID 1
  -s                       become a child subreaper (TINI_SUBREAPER)
  -g                       forward signals to COMMAND's process group
                           (TINI_KILL_PROCESS_GROUP)
  -p SIGNAL                parent-death signal, e.g. SIGTERM
  -w                       warn for each reaped orphan
  -e CODE                  exit 0 when COMMAND exits with CODE; repeatable
                           (STEPDOWN_EXIT_REMAP=143,130)
      --grace SECONDS      wait for descendants after COMMAND ends or on
                           SIGTERM before SIGKILL (STEPDOWN_GRACE; default 5)
diagnostics
      --check              explain every decision and probe the sockets; run nothing
      --json               with --check: machine-readable output
  -v, --verbose            make the output more verbose, repeatable
                           (STEPDOWN_LOG_LEVEL, TINI_VERBOSITY;
                           STEPDOWN_LOG_FORMAT=json)
      --version            print the version (tini-compatible line)
  -l                       print the license
  -h, --help               print this help

exit codes: COMMAND's own; 128+n if killed by signal n; 64 usage (1 under a
tini name); 65 bad /etc file; 67 unknown user or group; 69 socket unusable;
70 drop not proven; 71 privilege syscall failed; 77 refused as unsafe;
126 not executable; 127 not found.
)";
}

}  // namespace stepdown::config
