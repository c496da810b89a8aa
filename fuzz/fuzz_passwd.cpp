// parse_passwd on arbitrary bytes: no crash, no UB, and the database it
// returns is consistent with the text (every entry comes from one well-formed
// line; lookups return the first match).
#include <cstddef>
#include <cstdint>

#include "base/numbers.hpp"
#include "fuzz_check.hpp"
#include "userdb/lines.hpp"
#include "userdb/passwd.hpp"

using namespace stepdown;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    const userdb::PasswdDb db = userdb::parse_passwd(text);

    const auto lines = userdb::detail::split_lines(text).lines;
    std::size_t skipped = 0;  // blank, comment and NIS lines are neither entries nor malformed
    for (auto line : lines) skipped += userdb::detail::is_blank_comment_or_nis(line) ? 1 : 0;
    FUZZ_CHECK(db.entries.size() + db.malformed_lines + skipped == lines.size());

    for (std::size_t i = 0; i < db.entries.size(); ++i) {
        const userdb::PasswdEntry& e = db.entries[i];
        FUZZ_CHECK(!e.name.empty());
        FUZZ_CHECK(e.name.find_first_of(std::string_view(":\n\0", 3)) == std::string::npos);
        FUZZ_CHECK(e.home.find_first_of(std::string_view(":\n\0", 3)) == std::string::npos);
        FUZZ_CHECK(e.uid <= max_id && e.gid <= max_id);
        // First wins: the lookups return the earliest entry with the key.
        std::size_t first_name = i, first_uid = i;
        for (std::size_t j = i; j-- > 0;) {
            if (db.entries[j].name == e.name) first_name = j;
            if (db.entries[j].uid == e.uid) first_uid = j;
        }
        FUZZ_CHECK(db.by_name(e.name) == &db.entries[first_name]);
        FUZZ_CHECK(db.by_uid(e.uid) == &db.entries[first_uid]);
        // The line it came from is in the text.
        FUZZ_CHECK(text.find(e.name + ":") != std::string_view::npos);
    }
    return 0;
}
