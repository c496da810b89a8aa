#include <catch2/catch.hpp>

#include <csignal>
#include <string>
#include <vector>

#include "init/signals.hpp"

using stepdown::init::parse_signal;
using stepdown::init::signal_name;

TEST_CASE("parse_signal takes tini's names, with or without SIG, any case", "[init][signals]") {
    struct Row {
        const char* text;
        int signo;
    };
    for (const Row& row : {Row{"SIGHUP", SIGHUP}, Row{"HUP", SIGHUP}, Row{"SIGINT", SIGINT}, Row{"SIGQUIT", SIGQUIT},
                           Row{"SIGKILL", SIGKILL}, Row{"KILL", SIGKILL}, Row{"SIGUSR1", SIGUSR1},
                           Row{"USR2", SIGUSR2}, Row{"SIGTERM", SIGTERM}, Row{"term", SIGTERM},
                           Row{"SigTerm", SIGTERM}, Row{"SIGCHLD", SIGCHLD}, Row{"SIGCLD", SIGCHLD},
                           Row{"SIGIOT", SIGABRT}, Row{"SIGPOLL", SIGIO}, Row{"SIGWINCH", SIGWINCH},
                           Row{"SIGPWR", SIGPWR}, Row{"SIGSYS", SIGSYS}, Row{"SIGSTKFLT", SIGSTKFLT},
                           Row{"SIGSTOP", SIGSTOP}, Row{"SIGCONT", SIGCONT}, Row{"SIGTTOU", SIGTTOU}}) {
        INFO("input: '" << row.text << "'");
        CHECK(parse_signal(row.text) == row.signo);
    }
}

TEST_CASE("parse_signal takes every standard signal by the name signal_name gives", "[init][signals]") {
    for (int signo = 1; signo < 32; ++signo) {
        const std::string name = signal_name(signo);
        INFO("signal " << signo << " named '" << name << "'");
        REQUIRE(name.rfind("SIG", 0) == 0);
        CHECK(parse_signal(name) == signo);
        CHECK(parse_signal(name.substr(3)) == signo);
    }
}

TEST_CASE("parse_signal takes the real-time forms", "[init][signals]") {
    CHECK(parse_signal("SIGRTMIN") == SIGRTMIN);
    CHECK(parse_signal("RTMIN") == SIGRTMIN);
    CHECK(parse_signal("SIGRTMIN+0") == SIGRTMIN);
    CHECK(parse_signal("SIGRTMIN+3") == SIGRTMIN + 3);
    CHECK(parse_signal("rtmin+5") == SIGRTMIN + 5);
    CHECK(parse_signal("SIGRTMAX") == SIGRTMAX);
    CHECK(parse_signal("SIGRTMAX-2") == SIGRTMAX - 2);
    CHECK(parse_signal("SIGRTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN)) == SIGRTMAX);
    for (int signo = SIGRTMIN; signo <= SIGRTMAX; ++signo) {
        INFO("signal " << signo);
        CHECK(parse_signal(signal_name(signo)) == signo);
    }
}

TEST_CASE("parse_signal refuses numbers, junk and out-of-range offsets", "[init][signals]") {
    const std::vector<std::string> bads{"", "SIG", "9", "15", "-9", "SIG15", "TERM ", " TERM", "SIGTERM\n", "SIGFOO", "TERMX", "SIGSIGTERM",
          "SIGRTMIN+", "SIGRTMIN-1", "SIGRTMAX+1", "SIGRTMIN+-1", "SIGRTMIN+ 1", "SIGRTMIN+1x",
          "SIGRTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN + 1), "SIGRTMAX-" + std::to_string(SIGRTMAX - SIGRTMIN + 1),
          "SIGRTMIN+99999999999999999999", "RT", "SIGUNUSED"};
    for (const std::string& bad : bads) {
        INFO("input: '" << bad << "'");
        CHECK_FALSE(parse_signal(bad).has_value());
    }
}

TEST_CASE("signal_name names what it knows and numbers the rest", "[init][signals]") {
    CHECK(signal_name(SIGTERM) == "SIGTERM");
    CHECK(signal_name(SIGCHLD) == "SIGCHLD");
    CHECK(signal_name(SIGABRT) == "SIGABRT");
    CHECK(signal_name(SIGRTMIN) == "SIGRTMIN");
    CHECK(signal_name(SIGRTMIN + 3) == "SIGRTMIN+3");
    CHECK(signal_name(SIGRTMAX) == "SIGRTMAX");
    CHECK(signal_name(0) == "signal 0");
    CHECK(signal_name(99) == "signal 99");
}
