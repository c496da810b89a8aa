#include "init/signals.hpp"

#include <array>
#include <csignal>
#include <cstdint>

#include "base/numbers.hpp"

namespace stepdown::init {
namespace {

struct Named {
    std::string_view name;  // without "SIG"
    int signo;
};

// The Linux signals with their canonical names first; aliases after, so that
// signal_name() finds the canonical one.
constexpr std::array names{
    Named{"HUP", SIGHUP},     Named{"INT", SIGINT},       Named{"QUIT", SIGQUIT},
    Named{"ILL", SIGILL},     Named{"TRAP", SIGTRAP},     Named{"ABRT", SIGABRT},
    Named{"BUS", SIGBUS},     Named{"FPE", SIGFPE},       Named{"KILL", SIGKILL},
    Named{"USR1", SIGUSR1},   Named{"SEGV", SIGSEGV},     Named{"USR2", SIGUSR2},
    Named{"PIPE", SIGPIPE},   Named{"ALRM", SIGALRM},     Named{"TERM", SIGTERM},
    Named{"STKFLT", SIGSTKFLT}, Named{"CHLD", SIGCHLD},   Named{"CONT", SIGCONT},
    Named{"STOP", SIGSTOP},   Named{"TSTP", SIGTSTP},     Named{"TTIN", SIGTTIN},
    Named{"TTOU", SIGTTOU},   Named{"URG", SIGURG},       Named{"XCPU", SIGXCPU},
    Named{"XFSZ", SIGXFSZ},   Named{"VTALRM", SIGVTALRM}, Named{"PROF", SIGPROF},
    Named{"WINCH", SIGWINCH}, Named{"IO", SIGIO},         Named{"PWR", SIGPWR},
    Named{"SYS", SIGSYS},
    // aliases
    Named{"IOT", SIGIOT},     Named{"CLD", SIGCHLD},      Named{"POLL", SIGPOLL},
};

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (upper(a[i]) != upper(b[i])) return false;
    }
    return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (the "SIG" already removed).
std::optional<int> parse_realtime(std::string_view text) {
    const int rtmin = SIGRTMIN;
    const int rtmax = SIGRTMAX;
    const bool from_min = istarts_with(text, "RTMIN");
    const bool from_max = istarts_with(text, "RTMAX");
    if (!from_min && !from_max) return std::nullopt;
    std::string_view rest = text.substr(5);
    if (rest.empty()) return from_min ? rtmin : rtmax;
    const char sign = rest.front();
    if ((from_min && sign != '+') || (from_max && sign != '-')) return std::nullopt;
    const auto offset = parse_unsigned(rest.substr(1), static_cast<std::uint64_t>(rtmax - rtmin));
    if (!offset) return std::nullopt;
    const int n = static_cast<int>(*offset);
    return from_min ? rtmin + n : rtmax - n;
}

}  // namespace

std::optional<int> parse_signal(std::string_view text) {
    if (istarts_with(text, "SIG")) text.remove_prefix(3);
    if (text.empty()) return std::nullopt;
    for (const auto& entry : names) {
        if (iequals(text, entry.name)) return entry.signo;
    }
    return parse_realtime(text);
}

std::string signal_name(int signo) {
    for (const auto& entry : names) {
        if (entry.signo == signo) return "SIG" + std::string(entry.name);
    }
    const int rtmin = SIGRTMIN;
    const int rtmax = SIGRTMAX;
    if (signo == rtmin) return "SIGRTMIN";
    if (signo == rtmax) return "SIGRTMAX";
    if (signo > rtmin && signo < rtmax) return "SIGRTMIN+" + std::to_string(signo - rtmin);
    return "signal " + std::to_string(signo);
}

}  // namespace stepdown::init
