// parse_group and parse_gshadow on arbitrary bytes: no crash, no UB, the
// lossless round trip (serialize() == input, byte for byte, NULs, CRs and a
// missing final newline included), and every entry survives being formatted
// and parsed again.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/numbers.hpp"
#include "fuzz_check.hpp"
#include "userdb/group.hpp"
#include "userdb/lines.hpp"

using namespace stepdown;

namespace {

bool clean_name(const std::string& s) {
    return !s.empty() && s.find_first_of(std::string_view(":\n\r\0", 4)) == std::string::npos;
}

bool clean_list(const std::vector<std::string>& items) {
    for (const auto& m : items) {
        if (m.empty() || m.find_first_of(std::string_view(":,\n\r\0", 5)) != std::string::npos) return false;
    }
    return true;
}

void check_group(std::string_view text) {
    const userdb::GroupFile file = userdb::parse_group(text);
    FUZZ_CHECK(file.serialize() == text);
    FUZZ_CHECK(file.lines.size() == userdb::detail::split_lines(text).lines.size());

    std::size_t malformed = 0;
    for (std::size_t i = 0; i < file.lines.size(); ++i) {
        const userdb::GroupLine& line = file.lines[i];
        FUZZ_CHECK(line.raw.find('\n') == std::string::npos);
        if (!line.entry) {
            if (!userdb::detail::is_blank_comment_or_nis(line.raw)) ++malformed;
            continue;
        }
        const userdb::GroupEntry& e = *line.entry;
        FUZZ_CHECK(clean_name(e.name));
        FUZZ_CHECK(e.gid <= max_id);
        FUZZ_CHECK(clean_list(e.members));
        FUZZ_CHECK(line.raw.rfind(e.name + ":", 0) == 0);
        // Formatting an entry gives a line that parses back to the same entry.
        const std::string formatted = userdb::format_group_entry(e);
        const userdb::GroupFile again = userdb::parse_group(formatted);
        FUZZ_CHECK(again.lines.size() == 1 && again.lines[0].entry);
        const userdb::GroupEntry& a = *again.lines[0].entry;
        FUZZ_CHECK(a.name == e.name && a.password == e.password && a.gid == e.gid && a.members == e.members);
        // First wins: the lookups return the earliest entry with the key.
        const userdb::GroupEntry* first_gid = &e;
        const userdb::GroupEntry* first_name = &e;
        for (std::size_t j = i; j-- > 0;) {
            const auto& other = file.lines[j].entry;
            if (other && other->gid == e.gid) first_gid = &*other;
            if (other && other->name == e.name) first_name = &*other;
        }
        FUZZ_CHECK(file.by_gid(e.gid) == first_gid);
        FUZZ_CHECK(file.by_name(e.name) == first_name);
    }
    FUZZ_CHECK(malformed == file.malformed_lines());
}

void check_gshadow(std::string_view text) {
    const userdb::GshadowFile file = userdb::parse_gshadow(text);
    FUZZ_CHECK(file.serialize() == text);
    for (std::size_t i = 0; i < file.lines.size(); ++i) {
        const userdb::GshadowLine& line = file.lines[i];
        if (!line.entry) continue;
        const userdb::GshadowEntry& e = *line.entry;
        FUZZ_CHECK(clean_name(e.name));
        FUZZ_CHECK(clean_list(e.admins) && clean_list(e.members));
        const userdb::GshadowFile again = userdb::parse_gshadow(userdb::format_gshadow_entry(e));
        FUZZ_CHECK(again.lines.size() == 1 && again.lines[0].entry);
        const userdb::GshadowEntry& a = *again.lines[0].entry;
        FUZZ_CHECK(a.name == e.name && a.password == e.password && a.admins == e.admins && a.members == e.members);
        const userdb::GshadowEntry* first_name = &e;
        for (std::size_t j = i; j-- > 0;) {
            const auto& other = file.lines[j].entry;
            if (other && other->name == e.name) first_name = &*other;
        }
        FUZZ_CHECK(file.by_name(e.name) == first_name);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    check_group(text);
    check_gshadow(text);
    return 0;
}
