// src/log: STEPDOWN_LOG_FORMAT=json gives one valid JSON object per line with
// stable keys (time, level, program, pid, msg), whatever the message holds.
#include <catch2/catch.hpp>

#include <string>

#include "check/json.hpp"
#include "log/format.hpp"

using namespace stepdown;

using log::format_line;

TEST_CASE("log: json log lines: stable keys, in order", "[log][json]") {
    const std::string line = format_line(log::Format::Json, log::Level::Warn, "cannot update /etc/group");
    REQUIRE(!line.empty());
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);  // exactly one line
    CHECK(check::json_valid(line));
    CHECK_THAT(line, Catch::StartsWith("{\"time\":\""));
    const auto level = line.find("\"level\":\"warning\"");
    const auto program = line.find("\"program\":\"stepdown\"");
    const auto pid = line.find("\"pid\":");
    const auto msg = line.find("\"msg\":\"cannot update /etc/group\"}");
    CHECK(level != std::string::npos);
    CHECK(program > level);
    CHECK(pid > program);
    CHECK(msg > pid);
}

TEST_CASE("log: json log lines: messages with quotes, newlines, control bytes and bad UTF-8 stay valid", "[log][json]") {
    const std::string nasty[] = {
        "invalid socket path '\"/tmp/x\"' from --socket",
        "a\nsecond line\r\n\tindented",
        std::string("nul\0byte", 8),
        "escape \x1b[31mred\x1b[0m",
        "backslash \\ and slash /",
        "latin-1 \xe9t\xe9 and cut \xe2\x82",
        "{\"msg\":\"forged\"}",
    };
    for (const auto& m : nasty) {
        for (auto level : {log::Level::Info, log::Level::Err}) {
            const std::string line = format_line(log::Format::Json, level, m);
            INFO(line);
            CHECK(check::json_valid(line));
            CHECK(line.find('\n') == line.size() - 1);
        }
    }
    const std::string line = format_line(log::Format::Json, log::Level::Err, "say \"hi\"\n");
    CHECK_THAT(line, Catch::Contains(R"("level":"error")"));
    CHECK_THAT(line, Catch::EndsWith(R"("msg":"say \"hi\"\n"})" "\n"));
}

TEST_CASE("log: text log lines: 'stepdown: LEVEL: message'", "[log]") {
    CHECK(format_line(log::Format::Text, log::Level::Warn, "careful") == "stepdown: warning: careful\n");
    CHECK(format_line(log::Format::Text, log::Level::Info, "x") == "stepdown: info: x\n");
}

TEST_CASE("log: a text line stays one line, control bytes print as \\xNN", "[log]") {
    CHECK(format_line(log::Format::Text, log::Level::Err, "unknown user 'a\nstepdown: info: forged'") ==
          "stepdown: error: unknown user 'a\\x0astepdown: info: forged'\n");
    CHECK(format_line(log::Format::Text, log::Level::Warn, std::string_view("\x1b[2J\r\t\x7f\0z", 9)) ==
          "stepdown: warning: \\x1b[2J\\x0d\\x09\\x7f\\x00z\n");
    // UTF-8 passes unchanged.
    CHECK(format_line(log::Format::Text, log::Level::Warn, "gruppe-\xc3\xa4") == "stepdown: warning: gruppe-\xc3\xa4\n");
}
