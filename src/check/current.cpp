#include "check/current.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>

#include "privilege/drop.hpp"

namespace stepdown::check {
namespace {


}  // namespace

std::string format_id_map(const std::vector<IdMapEntry>& map) {
    std::string s;
    for (const auto& e : map) {
        if (!s.empty()) s += ", ";
        s += std::to_string(e.inside) + " " + std::to_string(e.outside) + " " + std::to_string(e.count);
    }
    return s.empty() ? "(empty)" : s;
}

std::string cap_name(int cap) {
    const std::string n = caps::name_of(cap);
    return n == "unknown" || n.empty() ? "cap_" + std::to_string(cap) : n;
}

std::vector<std::string> cap_names(const std::vector<int>& list) {
    std::vector<std::string> out;
    out.reserve(list.size());
    for (int c : list) out.push_back(cap_name(c));
    return out;
}

CurrentIdentity read_current() {
    CurrentIdentity c;
    uid_t ru = 0, eu = 0, su = 0;
    gid_t rg = 0, eg = 0, sg = 0;
    ::getresuid(&ru, &eu, &su);
    ::getresgid(&rg, &eg, &sg);
    c.uid = {ru, eu, su};
    c.gid = {rg, eg, sg};
    const int n = ::getgroups(0, nullptr);
    if (n > 0) {
        c.groups.resize(static_cast<std::size_t>(n));
        const int m = ::getgroups(n, c.groups.data());
        c.groups.resize(m > 0 ? static_cast<std::size_t>(m) : 0);
    }
    c.groups = privilege::normalize_groups(std::move(c.groups));
    c.caps_errno = caps::read_sets(c.caps);
    c.no_new_privs = ::prctl(PR_GET_NO_NEW_PRIVS, 0UL, 0UL, 0UL, 0UL);
    c.pid = ::getpid();

    {
        auto u = socket::read_id_map("/proc/self/uid_map");
        auto g = socket::read_id_map("/proc/self/gid_map");
        if (u && g) {
            c.userns.readable = true;
            c.userns.uid_map = std::move(*u);
            c.userns.gid_map = std::move(*g);
            c.userns.nested = !is_identity_map(c.userns.uid_map) || !is_identity_map(c.userns.gid_map);
        }
    }
    if (auto sg_text = socket::read_proc_file("/proc/self/setgroups")) {
        std::string v = *sg_text;
        while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
        c.userns.setgroups = v;
    }
    return c;
}

}  // namespace stepdown::check
