#include "userdb/group_edit.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "base/numbers.hpp"
#include "userdb/lines.hpp"

namespace stepdown::userdb {

namespace {

// Characters that would break the line or list format if written into a name.
bool breaks_format(std::string_view name) {
    return name.find_first_of(std::string_view(":,\n\r\0", 5)) != std::string_view::npos;
}

bool valid_member_name(std::string_view name) {
    return !name.empty() && !breaks_format(name) && !detail::is_blank_comment_or_nis(name);
}

// A created group's name must also not be a number (shadow's groupadd refuses
// those too: "988" as a name would be read as a GID by every user-spec parser).
bool valid_group_name(std::string_view name) { return valid_member_name(name) && !all_digits(name); }

// The first field of a line, as far as it names something: entries, malformed
// lines and NIS lines ("+name", "-name") all claim their name; comments and
// blank lines claim nothing.
std::string_view claimed_name(std::string_view raw) {
    if (raw.empty() || raw.front() == '#') return {};
    std::string_view name = raw.substr(0, raw.find(':'));
    if (!name.empty() && (name.front() == '+' || name.front() == '-')) name.remove_prefix(1);
    return name;
}

// The GID a malformed /etc/group line seems to carry ("docker:x:988:a\r" in a
// CRLF file, "docker:x:988:a:extra"), so the planner never adds a second
// group with a GID that glibc may still resolve from that line.
std::optional<gid_t> malformed_gid(const GroupLine& line) {
    if (line.entry || detail::is_blank_comment_or_nis(line.raw)) return std::nullopt;
    const auto fields = detail::split_fields(line.raw);
    if (fields.size() < 3) return std::nullopt;
    std::string_view gid = fields[2];
    while (!gid.empty() && (gid.back() == '\r' || gid.back() == ' ' || gid.back() == '\t')) gid.remove_suffix(1);
    return parse_id(gid);
}

bool lists(const std::vector<std::string>& members, std::string_view name) {
    return std::find(members.begin(), members.end(), name) != members.end();
}

// Appends a name to the last field of a well-formed raw line, keeping every
// other byte as it was ("a" -> "a,app", "" -> "app", "a," -> "a,app").
void append_to_last_field(std::string& raw, std::string_view name) {
    if (raw.back() != ':' && raw.back() != ',') raw += ',';
    raw += name;
}

template <typename File, typename Line>
void append_line(File& file, Line line) {
    // A file without final newline gets one before the new line.
    file.lines.push_back(std::move(line));
    file.final_newline = true;
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string group_label(std::string_view name, gid_t gid) {
    return "group " + quoted(name) + " (" + std::to_string(gid) + ")";
}

// Reads the files as given and copies them only for an edit, and builds the
// set of taken names only to name a new group: a start whose group is already
// aligned (the usual one) does neither (issue 6: a fifth of its instructions).
class Planner {
public:
    Planner(const GroupFile& group, const std::optional<GshadowFile>& gshadow)
        : group_in_(group), gshadow_in_(gshadow) {}

    GroupOutcome apply(const GroupEditRequest& request) {
        GroupOutcome out;
        out.gid = request.gid;
        if (request.gid > max_id) {
            out.reason = "invalid GID " + std::to_string(request.gid) + ", not editing the group file";
            return out;
        }
        std::optional<std::string> member = request.member;
        std::string note;
        if (member && !valid_member_name(*member)) {
            note = "; " + quoted(*member) + " is not a name that can be listed";
            member.reset();
        }

        if (const auto line = line_with_gid(request.gid)) {
            reuse(*line, member, out);
        } else if (has_malformed_line_with(request.gid)) {
            out.reason = "a malformed line in the group file has GID " + std::to_string(request.gid) +
                         ", not editing it";
        } else if (!valid_group_name(request.preferred_name)) {
            out.reason = "invalid group name " + quoted(request.preferred_name) + ", no group created for GID " +
                         std::to_string(request.gid);
        } else {
            create(request, member, out);
        }
        out.reason += note;
        return out;
    }

    GroupEditPlan finish(std::vector<GroupOutcome> outcomes) && {
        GroupEditPlan plan;
        plan.outcomes = std::move(outcomes);
        plan.changes = changes_;
        plan.group_content = group().serialize();
        if (const std::optional<GshadowFile>& shadow = gshadow()) plan.gshadow_content = shadow->serialize();
        return plan;
    }

private:
    const GroupFile& group_in_;
    const std::optional<GshadowFile>& gshadow_in_;
    struct Files {
        GroupFile group;
        std::optional<GshadowFile> gshadow;
    };
    std::optional<Files> edited_;  // the copies an edit changes, made by edit()
    // Every name a line of either file claims; built on first use.
    mutable std::optional<std::set<std::string, std::less<>>> taken_;
    bool changes_ = false;

    [[nodiscard]] const GroupFile& group() const { return edited_ ? edited_->group : group_in_; }
    [[nodiscard]] const std::optional<GshadowFile>& gshadow() const {
        return edited_ ? edited_->gshadow : gshadow_in_;
    }
    // The files to change: copied on the first edit.
    Files& edit() {
        if (!edited_) edited_ = Files{group_in_, gshadow_in_};
        return *edited_;
    }

    std::set<std::string, std::less<>>& taken() const {
        if (!taken_) {
            taken_.emplace();
            for (const auto& line : group().lines) claim_into(*taken_, claimed_name(line.raw));
            if (gshadow()) {
                for (const auto& line : gshadow()->lines) claim_into(*taken_, claimed_name(line.raw));
            }
        }
        return *taken_;
    }
    static void claim_into(std::set<std::string, std::less<>>& set, std::string_view name) {
        if (!name.empty()) set.emplace(name);
    }
    void claim(std::string_view name) { claim_into(taken(), name); }
    [[nodiscard]] bool is_taken(std::string_view name) const { return taken().contains(name); }

    // The index of the first line with the GID (first wins, like GroupFile::by_gid).
    [[nodiscard]] std::optional<std::size_t> line_with_gid(gid_t gid) const {
        const auto& lines = group().lines;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i].entry && lines[i].entry->gid == gid) return i;
        }
        return std::nullopt;
    }

    [[nodiscard]] bool has_malformed_line_with(gid_t gid) const {
        return std::any_of(group().lines.begin(), group().lines.end(),
                           [gid](const GroupLine& line) { return malformed_gid(line) == gid; });
    }

    void reuse(std::size_t index, const std::optional<std::string>& member, GroupOutcome& out) {
        const GroupEntry& found = *group().lines[index].entry;
        out.group_name = found.name;
        const std::string label = group_label(found.name, found.gid);
        if (!member) {
            out.reason = label + " already exists, no user name to list";
            return;
        }
        if (lists(found.members, *member)) {
            out.reason = label + " already lists " + quoted(*member);
            return;
        }
        GroupLine& line = edit().group.lines[index];
        GroupEntry& entry = *line.entry;
        append_to_last_field(line.raw, *member);
        entry.members.push_back(*member);
        add_gshadow_member(entry.name, *member);
        out.action = GroupAction::AddedMember;
        out.reason = "added " + quoted(*member) + " to " + label;
        changes_ = true;
    }

    // The gshadow line of the group gets the member too. When the group has
    // no gshadow line, none is invented: tools then use /etc/group's list.
    void add_gshadow_member(std::string_view group_name, const std::string& member) {
        std::optional<GshadowFile>& shadow = edit().gshadow;
        if (!shadow) return;
        for (auto& line : shadow->lines) {
            if (!line.entry || line.entry->name != group_name) continue;
            if (!lists(line.entry->members, member)) {
                append_to_last_field(line.raw, member);
                line.entry->members.push_back(member);
            }
            return;  // first wins
        }
    }

    [[nodiscard]] std::string free_name(const std::string& preferred, gid_t gid) const {
        if (!is_taken(preferred)) return preferred;
        const std::string base = preferred + "-" + std::to_string(gid);
        std::string name = base;
        // Ends: every step tries a new name and only finitely many are taken.
        for (unsigned n = 2; is_taken(name); ++n) name = base + "-" + std::to_string(n);
        return name;
    }

    void create(const GroupEditRequest& request, const std::optional<std::string>& member, GroupOutcome& out) {
        const std::string name = free_name(request.preferred_name, request.gid);
        GroupEntry entry{name, "x", request.gid, {}};
        if (member) entry.members.push_back(*member);
        std::string raw = format_group_entry(entry);
        Files& files = edit();
        append_line(files.group, GroupLine{std::move(raw), std::move(entry)});
        if (files.gshadow) {
            GshadowEntry shadow{name, "!", {}, {}};
            if (member) shadow.members.push_back(*member);
            std::string shadow_raw = format_gshadow_entry(shadow);
            append_line(*files.gshadow, GshadowLine{std::move(shadow_raw), std::move(shadow)});
        }
        claim(name);
        changes_ = true;

        out.action = GroupAction::Created;
        out.group_name = name;
        out.reason = "created " + group_label(name, request.gid);
        if (member) out.reason += " listing " + quoted(*member);
        if (name != request.preferred_name) {
            out.reason += ", because the name " + quoted(request.preferred_name) + " is taken";
            if (const GroupEntry* other = group().by_name(request.preferred_name)) {
                out.reason += " by GID " + std::to_string(other->gid);
            }
        }
    }
};

}  // namespace

GroupEditPlan plan_group_edit(const GroupFile& group, const std::optional<GshadowFile>& gshadow,
                              const std::vector<GroupEditRequest>& requests) {
    Planner planner(group, gshadow);
    std::vector<GroupOutcome> outcomes;
    outcomes.reserve(requests.size());
    for (const auto& request : requests) outcomes.push_back(planner.apply(request));
    return std::move(planner).finish(std::move(outcomes));
}

}  // namespace stepdown::userdb
