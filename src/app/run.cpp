#include "app/run.hpp"

#include <sys/auxv.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "app/environment.hpp"
#include "app/exit_codes.hpp"
#include "app/plan.hpp"
#include "base/start_arena.hpp"
#include "check/check.hpp"
#include "config/options.hpp"
#include "init/init.hpp"
#include "init/sigmask.hpp"
#include "init/terminal.hpp"
#include "log/log.hpp"
#include "privilege/drop.hpp"
#include "privilege/keep_caps.hpp"
#include "sys/sys.hpp"
#include "userdb/commit.hpp"

namespace stepdown::app {
namespace {

void print_stdout(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

void log_socket(const socket::Decision& d) {
    using socket::Row;
    const std::string fix = d.fix.empty() ? "" : "; fix: " + d.fix;
    switch (d.row) {
        case Row::OwnerIsTarget:
        case Row::AclUser:
        case Row::AlreadyMember:
        case Row::WorldWritable:
        case Row::Grant:
        case Row::Accessible:
            log::info("{}", d.message);
            break;
        case Row::Absent:
            // The default path missing is normal for images that may or may not get a socket.
            if (d.ref.origin == socket::Origin::Default && !d.fatal) log::info("{}", d.message);
            else if (!d.fatal) log::warn("{}{}", d.message, fix);
            break;
        default:
            if (!d.fatal) log::warn("{}{}", d.message, fix);
            break;
    }
}

// Writes /etc/group (and /etc/gshadow). A failure is not fatal: the kernel
// needs only the number, so warn once and carry on.
// held: the replaced files' O_PATH descriptors, for the init to close once
// the app is started (userdb/commit.hpp).
void commit_group_edit(const Plan& p, const Facts& f, const userdb::EtcPaths& paths, std::vector<int>& held) {
    if (!p.group_edit) {
        if (!p.group_edit_note.empty()) log::info("{}", p.group_edit_note);
        return;
    }
    for (const auto& o : p.group_edit->outcomes) log::info("/etc/group: {}", o.reason);
    if (!p.group_edit->changes) return;
    userdb::CommitRequest req{p.group_edit->group_content, p.group_edit->gshadow_content, f.group_text,
                              p.group_edit->gshadow_content ? f.gshadow_text : std::nullopt};
    if (auto err = userdb::commit_group_files(sys::real(), paths, req, userdb::lock_timeout_ms, &held)) {
        std::string why = err->message();
        if (err->sys_errno == EROFS) why += " ('" + paths.dir + "' is read-only, e.g. docker run --read-only)";
        // The failed rename's message names the file; either may be the mount.
        if (err->sys_errno == EBUSY) why += " (a single-file bind mount cannot be replaced)";
        std::string gids;
        for (const auto& o : p.group_edit->outcomes) gids += (gids.empty() ? "" : ",") + std::to_string(o.gid);
        log::warn("cannot update /etc/group: {}; continuing with numeric group {}", why, gids);
    }
}

int fail(const Error& e) {
    log::error("{}", e.message());
    return e.exit_code != 0 ? e.exit_code : exit_code::os_error;
}

// What the init needs once the drop is proven; everything else (options,
// facts, the parsed /etc files, the plan) is freed before it runs.
struct Launch {
    init::InitOptions options;
    std::vector<std::string> argv;
    std::vector<std::string> env;
};

// Parse, plan, apply: an exit code, or the launch of the app.
// Not inlined: its frame (the options, the facts, the plan) must be gone once
// it returns, not stay under the supervisor for the container's life (issue 6).
[[gnu::noinline]] std::variant<int, Launch> prepare(int argc, char* argv[], char* envp[]) {
    // Installed set-user-ID or set-group-ID: refuse before reading anything as
    // root on behalf of the caller (files, socket paths, environment).
    if (::getauxval(AT_SECURE) != 0) {
        static const char msg[] = "stepdown: error: refusing to run: stepdown is installed set-user-ID or "
                                  "set-group-ID, which would let any user become root; remove the bit "
                                  "(chmod u-s,g-s)\n";
        const ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
        static_cast<void>(ignored);
        return exit_code::refused;
    }
    const auto env = config::environment_map(envp);
    auto parsed = config::parse(argc, argv, env);  // non-const: the command moves into the Launch
    if (!parsed) {
        log::setup(0, log::Format::Text);
        // tini answers a usage error with its usage text and exit code 1;
        // scripts written for it (and its own tests) expect that.
        if (argc > 0 && config::tini_name(argv[0]) && parsed.error().exit_code == exit_code::usage) {
            log::error("{}", parsed.error().message());
            const std::string help = config::help_text();
            std::fwrite(help.data(), 1, help.size(), stderr);
            return exit_code::tini_usage;
        }
        return fail(parsed.error());
    }
    const config::Options& o = *parsed;
    log::setup(o.verbosity, o.log_format);
    for (const auto& warning : o.warnings) log::warn("{}", warning);
    if (o.help) {
        print_stdout(config::help_text());
        return exit_code::ok;
    }
    if (o.version) {
        print_stdout(config::version_text());
        return exit_code::ok;
    }
    if (o.license) {
        print_stdout(std::string(config::license_text()));
        return exit_code::ok;
    }

    const userdb::EtcPaths paths;
    const Facts facts = gather(o, paths);
    const Plan plan = make_plan(o, facts);
    if (o.check) return check::report(o, facts, plan);

    if (facts.socket_note) log::info("{}", *facts.socket_note);
    for (const auto& d : plan.sockets) log_socket(d);
    if (!plan.runtime_groups.empty())
        log::info("keeping the supplementary groups the container runtime added ({}, e.g. docker run --group-add); "
                  "--no-runtime-groups (STEPDOWN_RUNTIME_GROUPS=0) drops them",
                  privilege::format_groups(plan.runtime_groups));
    for (const auto& note : plan.notes) log::warn("{}", note);
    if (plan.fatal) return fail(*plan.fatal);
    // Only a drop needs them (TIOCSTI protection, init/terminal.hpp; applied
    // below), read before anything changes.
    std::optional<init::TerminalFacts> tty;

    std::vector<std::string> app_env;
    std::vector<int> held;
    switch (plan.mode) {
        case Mode::Passthru:
            app_env = passthrough(envp);
            break;
        case Mode::NonRoot:
            log::info("started as uid {}, not root: no group alignment and no user switch", facts.euid);
            if (auto err = privilege::shed_capabilities(sys::real(), !o.allow_new_privs)) return fail(*err);
            if (auto err = privilege::verify_shed(sys::real(), !o.allow_new_privs)) return fail(*err);
            app_env = passthrough(envp);
            break;
        case Mode::Drop: {
            tty = init::terminal_facts();
            commit_group_edit(plan, facts, paths, held);
            if (auto err = privilege::drop(sys::real(), plan.drop)) return fail(*err);
            if (auto err = privilege::verify(sys::real(), plan.drop)) return fail(*err);
            std::string kept = "no capabilities";
            if (!plan.drop.keep_caps.empty()) {
                kept = "capabilities kept (ambient):";
                for (int cap : plan.drop.keep_caps) kept += " " + privilege::cap_display_name(cap);
            }
            log::info("dropped to uid {} gid {} groups {}; {}; no_new_privs {}", plan.drop.uid, plan.drop.gid,
                      privilege::format_groups(plan.drop.groups), kept, plan.drop.no_new_privs ? 1 : 0);
            app_env = app_environment(envp, plan.target->name, plan.target->home);
            break;
        }
    }

    init::InitOptions io = o.init;
    io.close_after_start = std::move(held);
    // Under a tini name stepdown is tini: always the parent, PID 1 or not, a
    // subreaper only when asked (-s, TINI_SUBREAPER), and otherwise a warning
    // that orphans will not come to it. Under its own name it execs the
    // command away from PID 1, unless an option that needs a parent asks for
    // one; --init and those options reap the command's orphans too.
    const bool asked = o.force_init || !o.supervision_options.empty();
    io.supervise = !o.force_exec && (o.tini_compat || asked || ::getpid() == 1);
    if (o.force_init || (!o.tini_compat && asked)) io.subreaper = true;
    if (tty) {
        // TIOCSTI protection (init/terminal.hpp): the dropped app must not share
        // the terminal of whoever started stepdown as root (a root shell), PID 1
        // or not (unshare --pid --fork from that shell).
        if (init::caller_terminal_exposed(*tty)) {
            if (o.force_exec) {
                log::warn("--exec: the app shares the controlling terminal of session {} and could push input "
                          "into it (TIOCSTI); without --exec stepdown runs it in a new session",
                          tty->session);
            } else {
                log::info("the controlling terminal belongs to {}: running the app in a new session, "
                          "so that it cannot push input into that terminal (TIOCSTI)",
                          tty->session == 0 ? std::string("a session outside this pid namespace")
                                            : "session " + std::to_string(tty->session));
                io.new_session = true;
                io.supervise = true;
                io.subreaper = true;
            }
        }
    }
    return Launch{std::move(io), std::move(parsed->command), std::move(app_env)};
}

}  // namespace

int run(int argc, char* argv[], char* envp[]) {
    // First of all: a log line to a closed pipe or past the file-size limit
    // must fail as a write, not end the start (init/sigmask.hpp).
    const std::optional<init::KernelSigset> launcher_mask = init::block_write_signals();
    // The start runs in the start-up arena (base/start_arena.hpp), and so
    // does the command built from it; the options the supervisor keeps are
    // copied out of it once the start is over. The arena is unmapped when the
    // supervisor frees the command after the fork.
    std::optional<init::InitOptions> options;
    std::unique_ptr<init::PreparedCommand> command;
    {
        auto prepared = prepare(argc, argv, envp);
        if (const int* code = std::get_if<int>(&prepared)) return *code;
        const Launch& launch = std::get<Launch>(prepared);
        try {
            command = std::make_unique<init::PreparedCommand>(launch.argv, launch.env);
            mem::end_start();
            options.emplace(launch.options);
            options->launcher_mask = launcher_mask;
        } catch (const std::exception& e) {
            log::error("cannot prepare the command: {}", e.what());
            return exit_code::os_error;
        }
    }
    return init::run(*options, std::move(command));
}

}  // namespace stepdown::app
