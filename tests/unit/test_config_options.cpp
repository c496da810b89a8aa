#include <catch2/catch.hpp>
#include <csignal>

#include "app/exit_codes.hpp"
#include "config/options.hpp"

using namespace stepdown;
using Env = std::map<std::string, std::string>;

namespace {
Result<config::Options> parse(std::vector<std::string> args, const Env& env = {}) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    return config::parse(static_cast<int>(args.size()), argv.data(), env);
}
}  // namespace

TEST_CASE("defaults", "[config]") {
    auto o = parse({"stepdown", "app"});
    REQUIRE(o);
    CHECK(o->user_spec == "1000:1000");
    CHECK(o->user_source == config::Source::Default);
    CHECK(o->group_name == "docker");
    CHECK(o->drop);
    CHECK_FALSE(o->tini_compat);
    CHECK_FALSE(o->allow_gid0);
    CHECK_FALSE(o->allow_new_privs);
    CHECK(o->command == std::vector<std::string>{"app"});
}

TEST_CASE("parsing stops at the first non-option, and -- is optional", "[config]") {
    auto o = parse({"stepdown", "-u", "app", "sh", "-c", "echo --user x"});
    REQUIRE(o);
    CHECK(o->user_spec == "app");
    CHECK(o->command == std::vector<std::string>{"sh", "-c", "echo --user x"});
    auto dd = parse({"stepdown", "--", "-weird", "--flag"});
    REQUIRE(dd);
    CHECK(dd->command == std::vector<std::string>{"-weird", "--flag"});
    auto twice = parse({"stepdown", "--", "--", "true"});
    REQUIRE(twice);
    CHECK(twice->command == std::vector<std::string>{"--", "true"});  // like tini: one -- consumed
}

TEST_CASE("flags override the environment, which overrides defaults", "[config]") {
    Env env{{"STEPDOWN_USER", "app:docker"}, {"STEPDOWN_SOCKET", "/a.sock:/b.sock"}, {"STEPDOWN_ALLOW_GID0", "1"},
            {"STEPDOWN_GROUPS", "44"}, {"STEPDOWN_GROUP_NAME", "dockerhost"}};
    auto e = parse({"stepdown", "true"}, env);
    REQUIRE(e);
    CHECK(e->user_spec == "app:docker");
    CHECK(e->user_source == config::Source::Env);
    CHECK(e->socket_env == std::string("/a.sock:/b.sock"));
    CHECK(e->allow_gid0);
    CHECK(e->groups == "44");
    CHECK(e->group_name == "dockerhost");
    auto f = parse({"stepdown", "--user", "2000:2000", "-S", "/c.sock", "-S", "/d.sock", "true"}, env);
    REQUIRE(f);
    CHECK(f->user_spec == "2000:2000");
    CHECK(f->user_source == config::Source::Flag);
    CHECK(f->socket_flags == std::vector<std::string>{"/c.sock", "/d.sock"});
}

TEST_CASE("every option parses", "[config]") {
    auto o = parse({"stepdown", "--no-socket", "--allow-gid0", "--allow-root-target", "--require-socket",
                    "--allow-new-privs", "-vv", "-G", "988,44", "--group-name", "dock", "-s", "-g", "-w",
                    "-p", "SIGKILL", "-e", "143", "-e", "130", "--grace", "0.25", "--init", "true"});
    REQUIRE(o);
    CHECK(o->no_socket);
    CHECK(o->allow_gid0);
    CHECK(o->allow_root_target);
    CHECK(o->require_socket);
    CHECK(o->allow_new_privs);
    CHECK(o->verbosity == 2);
    CHECK(o->groups == "988,44");
    CHECK(o->group_name == "dock");
    CHECK(o->init.subreaper);
    CHECK(o->init.kill_group);
    CHECK(o->init.warn_on_reap);
    CHECK(o->init.pdeathsig == SIGKILL);
    CHECK(o->init.remap_to_zero == std::vector<int>{143, 130});
    CHECK(o->init.grace_ms == 250);
    CHECK(o->force_init);
}

TEST_CASE("bad input is a usage error (64) with the value quoted", "[config]") {
    struct Bad {
        std::vector<std::string> args;
        Env env;
        const char* says;
    };
    const Bad bad[] = {
        {{"stepdown"}, {}, "no command given"},
        {{"stepdown", "--bogus", "true"}, {}, "unknown option '--bogus'"},
        {{"stepdown", "-x", "true"}, {}, "unknown option '-x'"},
        {{"stepdown", "--user"}, {}, "needs a value"},
        {{"stepdown", "-e", "256", "true"}, {}, "'256'"},
        {{"stepdown", "-e", "-1", "true"}, {}, "'-1'"},
        {{"stepdown", "-p", "9", "true"}, {}, "invalid signal '9'"},
        {{"stepdown", "-p", "SIGNOPE", "true"}, {}, "invalid signal"},
        {{"stepdown", "--grace", "abc", "true"}, {}, "--grace 'abc'"},
        {{"stepdown", "--grace", "3601", "true"}, {}, "--grace"},
        {{"stepdown", "--grace", "1.", "true"}, {}, "--grace"},
        {{"stepdown", "--group-name", "a:b", "true"}, {}, "invalid group name"},
        {{"stepdown", "--group-name", "988", "true"}, {}, "not a number"},
        {{"stepdown", "--group-name", "-docker", "true"}, {}, "invalid group name '-docker'"},
        {{"stepdown", "--group-name", "+docker", "true"}, {}, "invalid group name"},
        {{"stepdown", "--group-name", "#docker", "true"}, {}, "invalid group name"},
        {{"stepdown", "--group-name", "dock\x01er", "true"}, {}, "control characters"},
        {{"stepdown", "true"}, {{"STEPDOWN_GROUP_NAME", "-1"}}, "invalid group name '-1'"},
        {{"stepdown", "true"}, {{"STEPDOWN_USER", ""}}, "STEPDOWN_USER is set but empty"},
        {{"stepdown", "--init", "--exec", "true"}, {}, "exclude"},
        {{"stepdown", "--json", "true"}, {}, "--json goes with --check"},
        {{"stepdown", "true"}, {{"STEPDOWN_ALLOW_GID0", "maybe"}}, "STEPDOWN_ALLOW_GID0='maybe'"},
        {{"stepdown", "true"}, {{"STEPDOWN_REQUIRE_SOCKET", " 1"}}, "STEPDOWN_REQUIRE_SOCKET"},
        {{"stepdown", "true"}, {{"STEPDOWN_LOG_LEVEL", "loud"}}, "STEPDOWN_LOG_LEVEL='loud'"},
        {{"stepdown", "true"}, {{"STEPDOWN_LOG_FORMAT", "xml"}}, "STEPDOWN_LOG_FORMAT"},
        {{"stepdown", "true"}, {{"STEPDOWN_EXIT_REMAP", "143,x"}}, "'x'"},
        {{"stepdown", "true"}, {{"STEPDOWN_EXIT_REMAP", "143,"}}, "STEPDOWN_EXIT_REMAP"},
        {{"stepdown", "true"}, {{"STEPDOWN_GRACE", "-1"}}, "STEPDOWN_GRACE '-1'"},
        {{"stepdown", "true"}, {{"TINI_VERBOSITY", "lots"}}, "TINI_VERBOSITY='lots'"},
    };
    for (const auto& b : bad) {
        std::string joined;
        for (const auto& a : b.args) joined += a + " ";
        INFO(joined);
        auto o = parse(b.args, b.env);
        REQUIRE_FALSE(o);
        CHECK(o.error().exit_code == exit_code::usage);
        CHECK_THAT(o.error().message(), Catch::Contains(b.says));
    }
}

TEST_CASE("docker-init and tini names are tini-compatible and drop only when asked", "[config]") {
    for (const char* name : {"/sbin/docker-init", "/run/podman-init", "tini", "/usr/bin/tini-static"}) {
        INFO(name);
        auto o = parse({name, "--", "app"});
        REQUIRE(o);
        CHECK(o->tini_compat);
        CHECK_FALSE(o->drop);
        auto asked = parse({name, "--", "app"}, {{"STEPDOWN_USER", "1000:1000"}});
        REQUIRE(asked);
        CHECK(asked->drop);
    }
    auto o = parse({"/usr/local/bin/stepdown", "app"});
    REQUIRE(o);
    CHECK_FALSE(o->tini_compat);
}

TEST_CASE("docker-init and tini names: --keep-cap and STEPDOWN_KEEP_CAPS ask for the drop", "[config][keep-cap]") {
    for (const char* name : {"/sbin/docker-init", "/run/podman-init", "tini", "/usr/bin/tini-static"}) {
        INFO(name);
        auto flag = parse({name, "--keep-cap", "NET_BIND_SERVICE", "--", "app"});
        REQUIRE(flag);
        CHECK(flag->drop);
        CHECK(flag->keep_caps == std::vector<std::string>{"NET_BIND_SERVICE"});
        auto env = parse({name, "--", "app"}, {{"STEPDOWN_KEEP_CAPS", "net_bind_service"}});
        REQUIRE(env);
        CHECK(env->drop);
        // Empty means none: still a plain init; the force flag alone asks for nothing.
        CHECK_FALSE(parse({name, "--", "app"}, {{"STEPDOWN_KEEP_CAPS", ""}})->drop);
        CHECK_FALSE(parse({name, "--", "app"}, {{"STEPDOWN_FORCE_KEEP_CAP", "1"}})->drop);
    }
}

TEST_CASE("tini's environment variables: presence means on", "[config]") {
    auto o = parse({"docker-init", "--", "app"},
                   {{"TINI_SUBREAPER", ""}, {"TINI_KILL_PROCESS_GROUP", "0"}, {"TINI_VERBOSITY", "3"}});
    REQUIRE(o);
    CHECK(o->init.subreaper);
    CHECK(o->init.kill_group);
    CHECK(o->verbosity == 2);
    auto r = parse({"stepdown", "-e", "1", "app"}, {{"STEPDOWN_EXIT_REMAP", "143,130"}, {"STEPDOWN_GRACE", "2"}});
    REQUIRE(r);
    CHECK(r->init.remap_to_zero == std::vector<int>{143, 130, 1});
    CHECK(r->init.grace_ms == 2000);
}

TEST_CASE("version: one line that dockerd init-version parser accepts", "[config]") {
    const auto v = config::version_text();
    CHECK(v.rfind("tini version ", 0) == 0);
    CHECK_THAT(v, Catch::Contains("_stepdown - git."));
    CHECK(std::count(v.begin(), v.end(), '\n') == 1);
    auto o = parse({"stepdown", "--version"});
    REQUIRE(o);
    CHECK(o->version);
}

TEST_CASE("unknown STEPDOWN_* variables are reported, not silently ignored", "[config]") {
    auto o = parse({"stepdown", "app"}, {{"STEPDOWN_REQUIRE_SOCKT", "1"}, {"STEPDOWN_USER", "app"}, {"OTHER", "x"}});
    REQUIRE(o);
    REQUIRE(o->warnings.size() == 1);
    CHECK_THAT(o->warnings[0], Catch::Contains("'STEPDOWN_REQUIRE_SOCKT'"));
    CHECK_FALSE(o->require_socket);
    auto clean = parse({"stepdown", "app"}, {{"STEPDOWN_USER", "app"}, {"TINI_SUBREAPER", ""}});
    REQUIRE(clean);
    CHECK(clean->warnings.empty());
}

TEST_CASE("keep-cap: the flag is repeatable, STEPDOWN_KEEP_CAPS is comma-separated, flags replace it", "[config][keep-cap]") {
    auto flags = parse({"stepdown", "--keep-cap", "NET_BIND_SERVICE", "--keep-cap", "net_raw", "app"});
    REQUIRE(flags);
    CHECK(flags->keep_caps == std::vector<std::string>{"NET_BIND_SERVICE", "net_raw"});
    CHECK_FALSE(flags->force_keep_cap);
    auto env = parse({"stepdown", "app"}, {{"STEPDOWN_KEEP_CAPS", "NET_BIND_SERVICE,cap_net_raw"},
                                           {"STEPDOWN_FORCE_KEEP_CAP", "1"}});
    REQUIRE(env);
    CHECK(env->keep_caps == std::vector<std::string>{"NET_BIND_SERVICE", "cap_net_raw"});
    CHECK(env->force_keep_cap);
    CHECK(env->warnings.empty());
    auto both = parse({"stepdown", "--keep-cap", "KILL", "--force-keep-cap", "app"}, {{"STEPDOWN_KEEP_CAPS", "NET_RAW"}});
    REQUIRE(both);
    CHECK(both->keep_caps == std::vector<std::string>{"KILL"});
    CHECK(both->force_keep_cap);
    CHECK(parse({"stepdown", "app"}, {{"STEPDOWN_KEEP_CAPS", ""}})->keep_caps.empty());
    for (const char* bad : {",", "NET_RAW,", ",NET_RAW", "NET_RAW,,KILL"}) {
        INFO(bad);
        auto o = parse({"stepdown", "app"}, {{"STEPDOWN_KEEP_CAPS", bad}});
        REQUIRE_FALSE(o);
        CHECK(o.error().exit_code == exit_code::usage);
        CHECK_THAT(o.error().message(), Catch::Contains("STEPDOWN_KEEP_CAPS"));
    }
    CHECK_FALSE(parse({"stepdown", "app"}, {{"STEPDOWN_FORCE_KEEP_CAP", "yes please"}}));
}

TEST_CASE("options that need a supervising parent are recorded, as spelled", "[config][tini]") {
    auto flags = parse({"stepdown", "-e", "3", "-w", "-g", "-s", "--grace", "1", "true"});
    REQUIRE(flags);
    CHECK(flags->supervision_options == std::vector<std::string>{"-e", "-w", "-g", "-s", "--grace"});
    auto env = parse({"stepdown", "true"}, {{"STEPDOWN_EXIT_REMAP", "143"}, {"STEPDOWN_GRACE", "2"},
                                            {"TINI_SUBREAPER", ""}, {"TINI_KILL_PROCESS_GROUP", "0"}});
    REQUIRE(env);
    CHECK(env->supervision_options.size() == 4);
    auto none = parse({"stepdown", "-p", "SIGTERM", "-v", "true"});
    REQUIRE(none);
    CHECK(none->supervision_options.empty());  // -p works in exec mode: the app keeps it through execve
}

TEST_CASE("exec mode with an option that needs supervision is a usage error naming both", "[config][tini]") {
    for (const auto& [opt, value] : std::vector<std::pair<std::string, std::string>>{
             {"-e", "1"}, {"-w", ""}, {"-g", ""}, {"-s", ""}, {"--grace", "1"}}) {
        std::vector<std::string> args{"stepdown", "--exec", opt};
        if (!value.empty()) args.push_back(value);
        args.emplace_back("true");
        auto o = parse(args);
        REQUIRE_FALSE(o);
        CHECK(o.error().exit_code == exit_code::usage);
        CHECK_THAT(o.error().message(), Catch::Contains("--exec and " + opt + " exclude each other"));
    }
    auto env = parse({"stepdown", "--exec", "true"}, {{"STEPDOWN_EXIT_REMAP", "143"}});
    REQUIRE_FALSE(env);
    CHECK_THAT(env.error().message(), Catch::Contains("--exec and STEPDOWN_EXIT_REMAP exclude each other"));
}

TEST_CASE("tini -l asks for the license, which is the LICENSE file", "[config][tini]") {
    auto o = parse({"tini", "-l"});
    REQUIRE(o);
    CHECK(o->license);
    CHECK_FALSE(o->help);
    CHECK_THAT(std::string(config::license_text()), Catch::StartsWith("MIT License"));
}

TEST_CASE("tini names, in any directory", "[config][tini]") {
    for (const char* name : {"tini", "tini-static", "docker-init", "podman-init", "/sbin/docker-init",
                             "/usr/libexec/podman/podman-init", "/usr/bin/tini-static"}) {
        CHECK(config::tini_name(name));
    }
    for (const char* name : {"stepdown", "/usr/local/bin/stepdown", "tini2", "init", "", "docker-init/"}) {
        CHECK_FALSE(config::tini_name(name));
    }
    CHECK_FALSE(config::tini_name(nullptr));
}

TEST_CASE("help describes -v as making the output more verbose, and lists -l", "[config][tini]") {
    const std::string help = config::help_text();
    CHECK_THAT(help, Catch::Contains("more verbose"));
    CHECK_THAT(help, Catch::Contains("  -l "));
}

TEST_CASE("runtime groups: kept by default, --no-runtime-groups and STEPDOWN_RUNTIME_GROUPS=0 drop them", "[config]") {
    auto def = parse({"stepdown", "app"});
    REQUIRE(def);
    CHECK(def->runtime_groups);
    auto flag = parse({"stepdown", "--no-runtime-groups", "app"});
    REQUIRE(flag);
    CHECK_FALSE(flag->runtime_groups);
    auto env = parse({"stepdown", "app"}, {{"STEPDOWN_RUNTIME_GROUPS", "0"}});
    REQUIRE(env);
    CHECK_FALSE(env->runtime_groups);
    CHECK(env->warnings.empty());  // a known variable
    CHECK_FALSE(parse({"stepdown", "app"}, {{"STEPDOWN_RUNTIME_GROUPS", "sometimes"}}));
    CHECK_THAT(config::help_text(), Catch::Contains("--no-runtime-groups"));
    CHECK_THAT(config::help_text(), Catch::Contains("STEPDOWN_RUNTIME_GROUPS=0"));
}
