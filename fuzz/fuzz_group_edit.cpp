// userdb::plan_group_edit on fuzzed /etc/group, /etc/gshadow and requests.
// Input: REQUESTS %% GROUP [%% GSHADOW], sections separated by "\n%%\n"
// (without a second separator there is no gshadow). REQUESTS is a line
// "NAME[<TAB>MEMBER]" (the --group-name and the target's passwd name; no
// MEMBER field: the target has none) followed by up to four GID lines.
//
// Invariants, checked against a model built from the old files and the
// outcomes the planner reports:
// - the new files re-parse: every entry stays an entry, added lines are entries;
// - every line other than the edited and added ones is byte-identical, and an
//   edited line only grows (",member" or "member" appended);
// - a GID ends up present exactly once when the planner created it, with the
//   member listed; a GID already present keeps its group (never renamed or
//   renumbered) and gains the member; no group for the GID only for the three
//   documented refusals (invalid GID, malformed line with the GID, invalid name);
// - created names were free in both files;
// - planning again on the result changes nothing (a second start is a no-op).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/numbers.hpp"
#include "fuzz_check.hpp"
#include "userdb/group.hpp"
#include "userdb/group_edit.hpp"

using namespace stepdown;
using userdb::GroupAction;

namespace {

struct Parts {
    std::string_view requests, group;
    std::optional<std::string_view> gshadow;
};

Parts split(std::string_view text) {
    Parts p;
    auto a = text.find(fuzz::section);
    if (a == std::string_view::npos) {
        p.requests = text;
        return p;
    }
    p.requests = text.substr(0, a);
    text.remove_prefix(a + fuzz::section.size());
    auto b = text.find(fuzz::section);
    p.group = text.substr(0, b);
    if (b != std::string_view::npos) p.gshadow = text.substr(b + fuzz::section.size());
    return p;
}

// Like make_plan, every request carries the same preferred name and member;
// only the GIDs differ (or repeat: two sockets may share a GID).
std::vector<userdb::GroupEditRequest> parse_requests(std::string_view text) {
    std::vector<userdb::GroupEditRequest> out;
    const auto nl = text.find('\n');
    const std::string_view head = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    const auto tab = head.find('\t');
    const std::string name(head.substr(0, tab));
    std::optional<std::string> member;
    if (tab != std::string_view::npos) member = std::string(head.substr(tab + 1));
    while (!text.empty() && out.size() < 4) {
        const auto end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        const auto gid = parse_unsigned(line, 0xffffffffULL);  // 4294967295 too: the planner refuses it
        if (gid) out.push_back({static_cast<gid_t>(*gid), name, member});
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// What a name the planner refuses to list looks like (documented in group_edit.cpp).
bool unlistable(const std::string& name) {
    return name.empty() || name.find_first_of(std::string_view(":,\n\r\0", 5)) != std::string::npos ||
           name.front() == '#' || name.front() == '+' || name.front() == '-';
}

// Names a line claims: the first field of everything but comments and blank
// lines, with a NIS '+'/'-' stripped.
template <typename File>
void claimed(const File& file, std::set<std::string>& out) {
    for (const auto& line : file.lines) {
        std::string_view raw = line.raw;
        if (raw.empty() || raw.front() == '#') continue;
        std::string_view name = raw.substr(0, raw.find(':'));
        if (!name.empty() && (name.front() == '+' || name.front() == '-')) name.remove_prefix(1);
        if (!name.empty()) out.emplace(name);
    }
}

struct ModelLine {
    std::optional<userdb::GroupEntry> entry;
    bool edited = false;
    bool added = false;
};
struct ShadowModelLine {
    std::optional<userdb::GshadowEntry> entry;
    bool edited = false;
    bool added = false;
};

bool lists(const std::vector<std::string>& members, const std::string& m) {
    return std::find(members.begin(), members.end(), m) != members.end();
}

bool same_entry(const userdb::GroupEntry& a, const userdb::GroupEntry& b) {
    return a.name == b.name && a.password == b.password && a.gid == b.gid && a.members == b.members;
}
bool same_entry(const userdb::GshadowEntry& a, const userdb::GshadowEntry& b) {
    return a.name == b.name && a.password == b.password && a.admins == b.admins && a.members == b.members;
}

// Old lines unedited: same bytes. Edited: the old bytes plus an appended tail.
template <typename OldFile, typename NewFile, typename Model>
void check_lines(const OldFile& old_file, const NewFile& new_file, const Model& model) {
    FUZZ_CHECK(new_file.lines.size() == model.size());
    for (std::size_t i = 0; i < model.size(); ++i) {
        const auto& now = new_file.lines[i];
        FUZZ_CHECK(now.entry.has_value() == model[i].entry.has_value());  // it re-parses as planned
        if (model[i].entry) FUZZ_CHECK(same_entry(*now.entry, *model[i].entry));
        if (i < old_file.lines.size()) {
            const std::string& before = old_file.lines[i].raw;
            if (model[i].edited) FUZZ_CHECK(now.raw.size() > before.size() && starts_with(now.raw, before));
            else FUZZ_CHECK(now.raw == before);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Parts parts = split(fuzz::as_text(data, size));
    const auto requests = parse_requests(parts.requests);
    const userdb::GroupFile group = userdb::parse_group(parts.group);
    std::optional<userdb::GshadowFile> gshadow;
    if (parts.gshadow) gshadow = userdb::parse_gshadow(*parts.gshadow);

    const userdb::GroupEditPlan plan = userdb::plan_group_edit(group, gshadow, requests);
    FUZZ_CHECK(plan.outcomes.size() == requests.size());
    FUZZ_CHECK(plan.gshadow_content.has_value() == gshadow.has_value());

    // The model of the new files, from the old ones and the reported outcomes.
    std::vector<ModelLine> model;
    for (const auto& line : group.lines) model.push_back({line.entry, false, false});
    std::vector<ShadowModelLine> shadow_model;
    if (gshadow) {
        for (const auto& line : gshadow->lines) shadow_model.push_back({line.entry, false, false});
    }
    std::set<std::string> taken;
    claimed(group, taken);
    if (gshadow) claimed(*gshadow, taken);

    bool any_action = false;
    for (std::size_t r = 0; r < requests.size(); ++r) {
        const auto& req = requests[r];
        const auto& out = plan.outcomes[r];
        FUZZ_CHECK(out.gid == req.gid);
        auto with_gid = std::find_if(model.begin(), model.end(),
                                     [&](const ModelLine& l) { return l.entry && l.entry->gid == req.gid; });
        const bool member_ok = req.member && !unlistable(*req.member);
        // The planner appends this note when it will not list the member (an
        // invalid GID is refused before the member is looked at).
        const bool noted = req.member && ends_with(out.reason, "; '" + *req.member + "' is not a name that can be listed");
        if (req.member && req.gid <= max_id) FUZZ_CHECK(noted == !member_ok);

        switch (out.action) {
            case GroupAction::Created: {
                any_action = true;
                FUZZ_CHECK(req.gid <= max_id);
                FUZZ_CHECK(with_gid == model.end());  // never a second group with a GID
                FUZZ_CHECK(!out.group_name.empty() && !all_digits(out.group_name));
                FUZZ_CHECK(!taken.contains(out.group_name));  // the name was free in both files
                taken.insert(out.group_name);
                userdb::GroupEntry e{out.group_name, "x", req.gid, {}};
                if (member_ok) e.members.push_back(*req.member);
                model.push_back({e, false, true});
                if (gshadow) {
                    userdb::GshadowEntry s{out.group_name, "!", {}, {}};
                    if (member_ok) s.members.push_back(*req.member);
                    shadow_model.push_back({s, false, true});
                }
                break;
            }
            case GroupAction::AddedMember: {
                any_action = true;
                FUZZ_CHECK(with_gid != model.end() && member_ok);
                FUZZ_CHECK(out.group_name == with_gid->entry->name);
                FUZZ_CHECK(!lists(with_gid->entry->members, *req.member));
                with_gid->entry->members.push_back(*req.member);
                with_gid->edited = !with_gid->added;
                if (gshadow) {  // the first gshadow line of that name gains the member, none is invented
                    auto s = std::find_if(shadow_model.begin(), shadow_model.end(), [&](const ShadowModelLine& l) {
                        return l.entry && l.entry->name == out.group_name;
                    });
                    if (s != shadow_model.end() && !lists(s->entry->members, *req.member)) {
                        s->entry->members.push_back(*req.member);
                        s->edited = !s->added;
                    }
                }
                break;
            }
            case GroupAction::Unchanged:
                if (with_gid != model.end()) {
                    FUZZ_CHECK(out.group_name == with_gid->entry->name);
                    if (member_ok) FUZZ_CHECK(lists(with_gid->entry->members, *req.member));
                } else {
                    // No group has the GID and none was created: only the documented refusals.
                    FUZZ_CHECK(out.group_name.empty());
                    FUZZ_CHECK(starts_with(out.reason, "invalid GID") ||
                               starts_with(out.reason, "a malformed line in the group file has GID") ||
                               starts_with(out.reason, "invalid group name"));
                    if (starts_with(out.reason, "invalid GID")) FUZZ_CHECK(req.gid > max_id);
                }
                break;
        }
    }

    FUZZ_CHECK(plan.changes == any_action);
    const userdb::GroupFile after = userdb::parse_group(plan.group_content);
    FUZZ_CHECK(after.serialize() == plan.group_content);
    check_lines(group, after, model);
    if (!plan.changes) {
        FUZZ_CHECK(plan.group_content == parts.group);
        if (gshadow) FUZZ_CHECK(*plan.gshadow_content == *parts.gshadow);
    }
    // The GID ends up present with the member: the first entry with it lists him.
    for (std::size_t r = 0; r < requests.size(); ++r) {
        const auto& out = plan.outcomes[r];
        const userdb::GroupEntry* now = after.by_gid(requests[r].gid);
        if (out.group_name.empty()) continue;  // refused (a later request may still have created it)
        FUZZ_CHECK(now != nullptr);
        FUZZ_CHECK(now->name == out.group_name);
        if (requests[r].member && !unlistable(*requests[r].member)) FUZZ_CHECK(lists(now->members, *requests[r].member));
    }

    std::optional<userdb::GshadowFile> shadow_after;
    if (gshadow) {
        shadow_after = userdb::parse_gshadow(*plan.gshadow_content);
        FUZZ_CHECK(shadow_after->serialize() == *plan.gshadow_content);
        check_lines(*gshadow, *shadow_after, shadow_model);
    }

    // A second start on the aligned files changes nothing.
    const userdb::GroupEditPlan again = userdb::plan_group_edit(after, shadow_after, requests);
    FUZZ_CHECK(!again.changes);
    FUZZ_CHECK(again.group_content == plan.group_content);
    return 0;
}
