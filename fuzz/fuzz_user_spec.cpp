// identity::resolve_user and resolve_groups against fuzzed passwd and group
// files. Input: SPEC %% GROUP-LIST %% /etc/passwd %% /etc/group, the
// sections separated by "\n%%\n" (fuzz_check.hpp).
//
// Invariants: numbers are strict (all digits, 0..4294967294, never wrapped);
// a name resolves to the first passwd entry of that name; without an explicit
// group the gid comes from a passwd entry and never defaults (to 0 or
// anything else); refusals carry the usage or no-user exit code.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "app/exit_codes.hpp"
#include "base/numbers.hpp"
#include "fuzz_check.hpp"
#include "identity/user_spec.hpp"

using namespace stepdown;

namespace {

bool is_refusal_code(int code) { return code == exit_code::usage || code == exit_code::no_user; }

void check_user(std::string_view spec, const userdb::PasswdDb& passwd, const userdb::GroupFile& group) {
    const auto r = identity::resolve_user(spec, passwd, group);
    if (!r) {
        FUZZ_CHECK(is_refusal_code(r.error().exit_code));
        FUZZ_CHECK(!r.error().what.empty());
        return;
    }
    const identity::Target& t = *r;
    FUZZ_CHECK(t.uid <= max_id && t.gid <= max_id);
    FUZZ_CHECK(!spec.empty());
    for (char c : spec) FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7f && c != ',');

    const auto colon = spec.find(':');
    const std::string_view user = spec.substr(0, colon);
    FUZZ_CHECK(user.front() != '-' && user.front() != '+');  // numbers have no sign; no such name exists
    const userdb::PasswdEntry* entry = nullptr;
    if (all_digits(user)) {
        const auto uid = parse_id(user);
        FUZZ_CHECK(uid && *uid == t.uid);
        entry = passwd.by_uid(t.uid);
    } else {
        entry = passwd.by_name(user);
        FUZZ_CHECK(entry != nullptr && entry->uid == t.uid);
    }
    FUZZ_CHECK(t.name.has_value() == (entry != nullptr));
    if (entry != nullptr) FUZZ_CHECK(*t.name == entry->name && t.home == entry->home);

    if (colon == std::string_view::npos) {
        // No default group: the gid is the entry's, and there must be an entry.
        FUZZ_CHECK(entry != nullptr && t.gid == entry->gid);
        return;
    }
    const std::string_view grp = spec.substr(colon + 1);
    FUZZ_CHECK(!grp.empty() && grp.find(':') == std::string_view::npos);
    if (all_digits(grp)) {
        const auto gid = parse_id(grp);
        FUZZ_CHECK(gid && *gid == t.gid);
    } else {
        const auto* g = group.by_name(grp);
        FUZZ_CHECK(g != nullptr && g->gid == t.gid);
    }
}

void check_groups(std::string_view list, const userdb::GroupFile& group) {
    const auto r = identity::resolve_groups(list, group);
    if (!r) {
        FUZZ_CHECK(is_refusal_code(r.error().exit_code));
        return;
    }
    if (list.empty()) {
        FUZZ_CHECK(r->empty());
        return;
    }
    std::vector<std::string_view> tokens;
    for (std::string_view rest = list;;) {
        const auto comma = rest.find(',');
        tokens.push_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    FUZZ_CHECK(tokens.size() == r->size());
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (all_digits(tokens[i])) {
            const auto gid = parse_id(tokens[i]);
            FUZZ_CHECK(gid && *gid == (*r)[i]);
        } else {
            const auto* g = group.by_name(tokens[i]);
            FUZZ_CHECK(g != nullptr && g->gid == (*r)[i]);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = fuzz::split_sections(fuzz::as_text(data, size), fuzz::section, 4);
    const userdb::PasswdDb passwd = userdb::parse_passwd(parts[2]);
    const userdb::GroupFile group = userdb::parse_group(parts[3]);
    check_user(parts[0], passwd, group);
    check_groups(parts[1], group);
    return 0;
}
