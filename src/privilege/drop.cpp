#include "privilege/drop.hpp"

#include <linux/capability.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "app/exit_codes.hpp"

namespace stepdown::privilege {
namespace {

Error os_error(std::string what, int err) { return Error{std::move(what), err, exit_code::os_error}; }
Error mismatch(std::string what) {
    return Error{"refusing to run the command: " + std::move(what), 0, exit_code::software};
}
std::string hex_mask(std::uint64_t mask) {
    std::array<char, 24> buf{};
    std::snprintf(buf.data(), buf.size(), "%016llx", static_cast<unsigned long long>(mask));
    return buf.data();
}
std::string ids(const sys::Ids& i) {
    return std::to_string(i.real) + "," + std::to_string(i.effective) + "," + std::to_string(i.saved);
}

}  // namespace

std::vector<gid_t> normalize_groups(std::vector<gid_t> groups) {
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    return groups;
}

std::string format_groups(const std::vector<gid_t>& groups) {
    std::string s = "[";
    for (std::size_t i = 0; i < groups.size(); ++i) s += (i > 0 ? "," : "") + std::to_string(groups[i]);
    return s + "]";
}

std::uint64_t cap_mask(const std::vector<int>& caps) {
    std::uint64_t m = 0;
    for (int c : caps) {
        if (c >= 0 && c < 64) m |= std::uint64_t{1} << static_cast<unsigned>(c);
    }
    return m;
}

Status drop(sys::Sys& sys, const DropPlan& p) {
    if (int e = sys.setgroups(p.groups))
        return os_error("cannot set supplementary groups to " + format_groups(p.groups), e);
    if (int e = sys.setresgid(p.gid, p.gid, p.gid))
        return os_error("cannot set real, effective and saved gid to " + std::to_string(p.gid), e);
    if (p.keep_caps.empty()) {
        if (int e = sys.caps_drop_bounding())
            return os_error("cannot clear the capability bounding set (needs CAP_SETPCAP)", e);
        if (int e = sys.caps_clear_ambient()) return os_error("cannot clear the ambient capability set", e);
        if (int e = sys.setresuid(p.uid, p.uid, p.uid))
            return os_error("cannot set real, effective and saved uid to " + std::to_string(p.uid), e);
        if (int e = sys.caps_clear_all())
            return os_error("cannot clear the effective, permitted and inheritable capability sets", e);
    } else {
        if (int e = sys.caps_drop_bounding_except(p.keep_caps))
            return os_error("cannot reduce the capability bounding set to the kept capabilities (needs CAP_SETPCAP)",
                            e);
        if (int e = sys.caps_clear_ambient()) return os_error("cannot clear the ambient capability set", e);
        if (int e = sys.caps_keep_on_uid_change(true))
            return os_error("cannot keep capabilities across the uid change (PR_SET_KEEPCAPS)", e);
        if (int e = sys.setresuid(p.uid, p.uid, p.uid))
            return os_error("cannot set real, effective and saved uid to " + std::to_string(p.uid), e);
        if (int e = sys.caps_keep_on_uid_change(false))
            return os_error("cannot reset PR_SET_KEEPCAPS after the uid change", e);
        if (int e = sys.caps_raise_ambient(p.keep_caps))
            return os_error("cannot reduce the capability sets to the kept capabilities and raise them in the "
                            "ambient set",
                            e);
    }
    if (p.no_new_privs) {
        if (int e = sys.set_no_new_privs()) return os_error("cannot set no_new_privs", e);
    }
    return std::nullopt;
}

Status shed_capabilities(sys::Sys& sys, bool no_new_privs) {
    if (int e = sys.caps_clear_ambient()) return os_error("cannot clear the ambient capability set", e);
    if (int e = sys.caps_clear_all())
        return os_error("cannot clear the effective, permitted and inheritable capability sets", e);
    if (no_new_privs) {
        if (int e = sys.set_no_new_privs()) return os_error("cannot set no_new_privs", e);
    }
    return std::nullopt;
}

Status verify_shed(sys::Sys& sys, bool no_new_privs) {
    sys::CapState c;
    if (int e = sys.caps_read(c)) return Error{"cannot read capabilities", e, exit_code::software};
    if (c.any_effective || c.any_permitted || c.any_inheritable || c.any_ambient)
        return mismatch("capabilities remain after clearing them");
    bool nnp = false;
    if (int e = sys.get_no_new_privs(nnp)) return Error{"cannot read no_new_privs", e, exit_code::software};
    if (no_new_privs && !nnp) return mismatch("no_new_privs is not set");
    return std::nullopt;
}

Status verify(sys::Sys& sys, const DropPlan& p) {
    sys::Ids u, g;
    if (int e = sys.getresuid(u)) return Error{"cannot read uids after the drop", e, exit_code::software};
    if (u.real != p.uid || u.effective != p.uid || u.saved != p.uid)
        return mismatch("uids are " + ids(u) + " after the drop, expected " + std::to_string(p.uid));
    if (int e = sys.getresgid(g)) return Error{"cannot read gids after the drop", e, exit_code::software};
    if (g.real != p.gid || g.effective != p.gid || g.saved != p.gid)
        return mismatch("gids are " + ids(g) + " after the drop, expected " + std::to_string(p.gid));
    std::vector<gid_t> groups;
    if (int e = sys.getgroups(groups)) return Error{"cannot read groups after the drop", e, exit_code::software};
    groups = normalize_groups(std::move(groups));
    if (groups != p.groups)
        return mismatch("supplementary groups are " + format_groups(groups) + " after the drop, expected " +
                        format_groups(p.groups));
    sys::CapState c;
    if (int e = sys.caps_read(c)) return Error{"cannot read capabilities after the drop", e, exit_code::software};
    const std::uint64_t want = cap_mask(p.keep_caps);
    if (want == 0) {
        if (c.any_effective || c.any_permitted || c.any_inheritable || c.any_ambient || c.any_bounding) {
            std::string left;
            if (c.any_effective) left += " effective";
            if (c.any_permitted) left += " permitted";
            if (c.any_inheritable) left += " inheritable";
            if (c.any_ambient) left += " ambient";
            if (c.any_bounding) left += " bounding";
            return mismatch("capabilities remain in the" + left + " set(s) after the drop");
        }
    } else {
        // --keep-cap: every set holds exactly the kept capabilities, no more, no fewer.
        std::string wrong;
        const std::pair<const char*, std::uint64_t> sets[] = {{"effective", c.effective},
                                                              {"permitted", c.permitted},
                                                              {"inheritable", c.inheritable},
                                                              {"ambient", c.ambient},
                                                              {"bounding", c.bounding}};
        for (const auto& [name, mask] : sets) {
            if (mask != want) wrong += std::string(wrong.empty() ? "" : ", ") + name + " " + hex_mask(mask);
        }
        if (!wrong.empty())
            return mismatch("capability sets after the drop are " + wrong + ", expected exactly " + hex_mask(want) +
                            " in every set");
    }
    bool nnp = false;
    if (int e = sys.get_no_new_privs(nnp)) return Error{"cannot read no_new_privs", e, exit_code::software};
    if (nnp != p.no_new_privs && p.no_new_privs)
        return mismatch("no_new_privs is not set after the drop");
    // A forced --keep-cap SETUID (or SETGID) makes setuid(0) (setgid(0)) succeed
    // by design; calling it then would really become root, so it is not tried.
    const bool keeps_setuid = std::find(p.keep_caps.begin(), p.keep_caps.end(), CAP_SETUID) != p.keep_caps.end();
    const bool keeps_setgid = std::find(p.keep_caps.begin(), p.keep_caps.end(), CAP_SETGID) != p.keep_caps.end();
    if (p.uid != 0 && !keeps_setuid) {
        const int e = sys.setuid(0);
        if (e == 0) return mismatch("setuid(0) succeeded after the drop");
        if (e != EPERM) return mismatch("setuid(0) failed with an unexpected error after the drop");
        if (p.gid != 0 && !keeps_setgid) {
            const int eg = sys.setgid(0);
            if (eg == 0) return mismatch("setgid(0) succeeded after the drop");
            if (eg != EPERM) return mismatch("setgid(0) failed with an unexpected error after the drop");
        }
    }
    return std::nullopt;
}

}  // namespace stepdown::privilege
