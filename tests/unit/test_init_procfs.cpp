#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "init/procfs.hpp"

using stepdown::init::descendants_of;
using stepdown::init::parse_proc_stat;
using stepdown::init::ProcEntry;
using stepdown::init::read_process_table;

TEST_CASE("parse_proc_stat reads pid, state, ppid and pgrp", "[init][procfs]") {
    const auto e = parse_proc_stat("1234 (sleep) S 1 1234 1234 0 -1 4194560 100 0 0 0\n");
    REQUIRE(e.has_value());
    CHECK(e->pid == 1234);
    CHECK(e->state == 'S');
    CHECK(e->ppid == 1);
    CHECK(e->pgrp == 1234);
}

TEST_CASE("parse_proc_stat survives a command name with spaces and parentheses", "[init][procfs]") {
    const auto e = parse_proc_stat("77 (a) Z 5 6 (b)) Z 9 10 11 12 0\n");
    REQUIRE(e.has_value());
    CHECK(e->pid == 77);
    CHECK(e->state == 'Z');
    CHECK(e->ppid == 9);
    CHECK(e->pgrp == 10);
}

TEST_CASE("parse_proc_stat refuses malformed lines", "[init][procfs]") {
    for (const char* bad : {"", "12", "12 (x)", "12 (x) S", "12 (x) S 1", "x (y) S 1 1", "12 (x) SS 1 1",
                            "12 (x) S -1 1", "12 x) S 1 1"}) {
        INFO("line: '" << bad << "'");
        CHECK_FALSE(parse_proc_stat(bad).has_value());
    }
}

TEST_CASE("descendants_of walks the whole subtree and nothing else", "[init][procfs]") {
    const std::vector<ProcEntry> table{
        {1, 'S', 0, 1},  {10, 'S', 1, 10}, {11, 'S', 10, 10}, {12, 'S', 11, 10},
        {20, 'S', 1, 20}, {30, 'S', 99, 30}, {31, 'Z', 30, 30}, {13, 'Z', 12, 10},
    };
    auto d = descendants_of(10, table);
    std::sort(d.begin(), d.end());
    CHECK(d == std::vector<pid_t>{11, 12, 13});
    auto all = descendants_of(1, table);
    std::sort(all.begin(), all.end());
    CHECK(all == std::vector<pid_t>{10, 11, 12, 13, 20});
    CHECK(descendants_of(20, table).empty());
    CHECK(descendants_of(42, table).empty());
}

TEST_CASE("descendants_of ends on a torn table with a cycle", "[init][procfs]") {
    const std::vector<ProcEntry> table{{5, 'S', 6, 5}, {6, 'S', 5, 6}, {7, 'S', 5, 7}};
    auto d = descendants_of(5, table);
    std::sort(d.begin(), d.end());
    CHECK(d == std::vector<pid_t>{6, 7});
}

TEST_CASE("read_process_table sees this process and a child of it", "[init][procfs]") {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    const auto table = read_process_table();
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    REQUIRE(table.has_value());
    const auto self = std::find_if(table->begin(), table->end(), [](const ProcEntry& e) { return e.pid == ::getpid(); });
    REQUIRE(self != table->end());
    CHECK(self->ppid == ::getppid());
    CHECK(self->pgrp == ::getpgrp());
    const auto d = descendants_of(::getpid(), *table);
    CHECK(std::find(d.begin(), d.end(), child) != d.end());
}
