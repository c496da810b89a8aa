// config::parse (getopt_long + STEPDOWN_* / TINI_* / DOCKER_HOST) and
// config::environment_map on fuzzed argv and environment. Input: a sequence
// of NUL-terminated strings; those before the first empty string are argv
// (argv[0] first: "docker-init" and "tini" switch to tini mode), the rest are
// environment entries "NAME=value" (an entry without '=' is ignored, as
// environment_map documents).
//
// Invariants: a refusal is a usage error (64) with a message; a success is
// a complete, consistent Options; parsing is deterministic (getopt's global
// state is reset) and leaves argv as it was.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "app/exit_codes.hpp"
#include "config/options.hpp"
#include "fuzz_check.hpp"

using namespace stepdown;

namespace {

std::vector<std::string> strings_of(std::string_view text) {
    std::vector<std::string> out;
    for (;;) {
        const auto nul = text.find('\0');
        out.emplace_back(text.substr(0, nul));
        if (nul == std::string_view::npos) break;
        text.remove_prefix(nul + 1);
    }
    return out;
}

// NULL-terminated char* arrays over strings that outlive them.
std::vector<char*> c_array(std::vector<std::string>& items) {
    std::vector<char*> out;
    out.reserve(items.size() + 1);
    for (auto& s : items) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

bool same(const config::Options& a, const config::Options& b) {
    return a.user_spec == b.user_spec && a.user_source == b.user_source && a.groups == b.groups &&
           a.group_name == b.group_name && a.socket_flags == b.socket_flags && a.socket_env == b.socket_env &&
           a.docker_host == b.docker_host && a.no_socket == b.no_socket && a.allow_gid0 == b.allow_gid0 &&
           a.require_socket == b.require_socket && a.allow_new_privs == b.allow_new_privs &&
           a.allow_root_target == b.allow_root_target && a.drop == b.drop && a.tini_compat == b.tini_compat &&
           a.force_init == b.force_init && a.force_exec == b.force_exec && a.check == b.check &&
           a.json == b.json && a.help == b.help && a.version == b.version && a.license == b.license &&
           a.verbosity == b.verbosity && a.supervision_options == b.supervision_options &&
           a.command == b.command && a.init.grace_ms == b.init.grace_ms &&
           a.init.remap_to_zero == b.init.remap_to_zero && a.init.pdeathsig == b.init.pdeathsig &&
           a.init.subreaper == b.init.subreaper && a.init.kill_group == b.init.kill_group;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<std::string> items = strings_of(fuzz::as_text(data, size));
    std::vector<std::string> args, env_entries;
    bool in_env = false;
    for (const auto& s : items) {
        if (!in_env && s.empty()) {
            in_env = true;
            continue;
        }
        (in_env ? env_entries : args).push_back(s);
    }
    if (args.size() > 64 || env_entries.size() > 64) return 0;  // nothing new past that, only slower

    std::vector<char*> envp = c_array(env_entries);
    const std::map<std::string, std::string> env = config::environment_map(envp.data());
    for (const auto& entry : env_entries) {
        const auto eq = entry.find('=');
        if (eq == std::string::npos) continue;
        const auto it = env.find(entry.substr(0, eq));
        FUZZ_CHECK(it != env.end());
    }

    const std::vector<std::string> before = args;
    std::vector<char*> argv = c_array(args);
    const int argc = static_cast<int>(args.size());
    const auto first = config::parse(argc, argv.data(), env);
    const auto second = config::parse(argc, argv.data(), env);
    FUZZ_CHECK(args == before);  // getopt with '+' never permutes

    FUZZ_CHECK(first.ok() == second.ok());
    if (!first) {
        FUZZ_CHECK(first.error().exit_code == exit_code::usage);
        FUZZ_CHECK(!first.error().what.empty());
        FUZZ_CHECK(first.error().what == second.error().what);
        return 0;
    }
    const config::Options& o = *first;
    FUZZ_CHECK(same(o, *second));
    FUZZ_CHECK(!o.command.empty() || o.help || o.version || o.license || o.check);
    // --exec never goes with an option that only a supervising parent honours.
    FUZZ_CHECK(!o.force_exec || o.supervision_options.empty());
    FUZZ_CHECK(!o.group_name.empty() && o.group_name.find_first_of(":,\n \t") == std::string::npos);
    FUZZ_CHECK(o.group_name.front() != '-' && o.group_name.front() != '+' && o.group_name.front() != '#');
    for (const auto& w : o.warnings) FUZZ_CHECK(w.find("'STEPDOWN_") != std::string::npos);
    FUZZ_CHECK(o.init.grace_ms >= 0 && o.init.grace_ms <= 3600 * 1000);
    for (int code : o.init.remap_to_zero) FUZZ_CHECK(code >= 0 && code <= 255);
    FUZZ_CHECK(!(o.force_init && o.force_exec));
    FUZZ_CHECK(!o.json || o.check);
    if (o.user_source == config::Source::Default) FUZZ_CHECK(o.user_spec == "1000:1000");
    if (o.user_source == config::Source::Env) FUZZ_CHECK(env.contains("STEPDOWN_USER") && o.user_spec == env.at("STEPDOWN_USER"));
    // The command is the tail of argv, verbatim.
    FUZZ_CHECK(o.command.size() <= args.size());
    for (std::size_t i = 0; i < o.command.size(); ++i)
        FUZZ_CHECK(o.command[i] == args[args.size() - o.command.size() + i]);
    return 0;
}
