#include "identity/user_spec.hpp"

#include "app/exit_codes.hpp"
#include "base/numbers.hpp"

namespace stepdown::identity {
namespace {

Error usage(std::string what) { return Error{std::move(what), 0, exit_code::usage}; }
Error unknown(std::string what) { return Error{std::move(what), 0, exit_code::no_user}; }

// Names and numbers never contain blanks, control characters or ':'.
bool clean_token(std::string_view t) {
    if (t.empty()) return false;
    for (char c : t) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == ':' || c == ',') return false;
    }
    return true;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// "-1", "+1000": numbers have no sign, and no passwd or group entry can have
// a name starting with '-' or '+' (those lines are NIS entries), so such a
// token is a mistake, never a name to look up.
bool signed_token(std::string_view t) { return !t.empty() && (t.front() == '-' || t.front() == '+'); }

// Why a name was not found may be a line stepdown does not read as an entry
// (CRLF line ends, a NUL, an id out of range, the wrong field count).
std::string malformed_note(std::size_t malformed, const char* file) {
    if (malformed == 0) return "";
    return " (" + std::to_string(malformed) + " malformed line" + (malformed == 1 ? "" : "s") + " in " + file +
           " ignored: CRLF line ends, NUL bytes, ids out of range or a wrong field count)";
}

Result<gid_t> resolve_group_token(std::string_view token, const userdb::GroupFile& group) {
    if (!clean_token(token)) return usage("invalid group " + quoted(token) + ": expected a name or a number");
    if (signed_token(token))
        return usage("invalid group " + quoted(token) + ": numbers have no sign (0 to 4294967294)");
    if (all_digits(token)) {
        auto gid = parse_id(token);
        if (!gid) return usage("invalid group " + quoted(token) + ": numbers range from 0 to 4294967294");
        return static_cast<gid_t>(*gid);
    }
    if (const auto* g = group.by_name(token)) return g->gid;
    return unknown("no group named " + quoted(token) + " in /etc/group" +
                   malformed_note(group.malformed_lines(), "/etc/group"));
}

}  // namespace

Result<Target> resolve_user(std::string_view spec, const userdb::PasswdDb& passwd,
                            const userdb::GroupFile& group) {
    const auto colon = spec.find(':');
    const std::string_view user = spec.substr(0, colon);
    const std::optional<std::string_view> grp =
        colon == std::string_view::npos ? std::nullopt : std::optional(spec.substr(colon + 1));

    if (spec.empty()) return usage("invalid user spec '': expected name, uid, name:group or uid:gid");
    if (!clean_token(user) || (grp && !clean_token(*grp)))
        return usage("invalid user spec " + quoted(spec) +
                     ": expected name, uid, name:group or uid:gid with no blanks (e.g. --user 1000:1000)");
    if (signed_token(user))
        return usage("invalid user spec " + quoted(spec) + ": numbers have no sign (0 to 4294967294, e.g. --user 1000:1000)");

    Target t;
    const userdb::PasswdEntry* entry = nullptr;
    if (all_digits(user)) {
        auto uid = parse_id(user);
        if (!uid) return usage("invalid uid " + quoted(user) + ": numbers range from 0 to 4294967294");
        t.uid = static_cast<uid_t>(*uid);
        entry = passwd.by_uid(t.uid);
    } else {
        entry = passwd.by_name(user);
        if (entry == nullptr)
            return unknown("no user named " + quoted(user) + " in /etc/passwd" +
                           malformed_note(passwd.malformed_lines, "/etc/passwd"));
        t.uid = entry->uid;
    }
    if (entry != nullptr) {
        t.name = entry->name;
        t.home = entry->home;
    }

    if (grp) {
        auto gid = resolve_group_token(*grp, group);
        if (!gid) return gid.error();
        t.gid = *gid;
    } else if (entry != nullptr) {
        t.gid = entry->gid;
    } else {
        const std::string u(user);
        return unknown("uid " + u + " has no entry in /etc/passwd, so it has no primary group; "
                       "name one: use --user " + u + ":" + u + malformed_note(passwd.malformed_lines, "/etc/passwd"));
    }
    return t;
}

Result<std::vector<gid_t>> resolve_groups(std::string_view list, const userdb::GroupFile& group) {
    std::vector<gid_t> out;
    if (list.empty()) return out;
    std::size_t start = 0;
    while (true) {
        const auto comma = list.find(',', start);
        const auto token = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        auto gid = resolve_group_token(token, group);
        if (!gid) return gid.error();
        out.push_back(*gid);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace stepdown::identity
