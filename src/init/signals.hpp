// Signal names for -p and for log messages. Pure functions, no state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stepdown::init {

// A signal name as tini's -p takes it, plus what kill(1) users expect:
// "SIGTERM" or "TERM" (ASCII case-insensitive), the aliases SIGIOT, SIGCLD,
// SIGPOLL, and the real-time forms SIGRTMIN, SIGRTMIN+N, SIGRTMAX, SIGRTMAX-N
// (with or without "SIG"). Numbers are refused, as tini refuses them: "-p 9"
// is too easy to misread. Returns nullopt for anything else, including
// out-of-range real-time offsets.
std::optional<int> parse_signal(std::string_view text);

// "SIGTERM", "SIGRTMIN+3", or "signal 99" for a number with no name.
std::string signal_name(int signo);

}  // namespace stepdown::init
