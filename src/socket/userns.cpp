#include "socket/userns.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "base/numbers.hpp"

namespace stepdown::socket {

std::optional<std::vector<IdMapEntry>> parse_id_map(std::string_view text) {
    std::vector<IdMapEntry> out;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        std::uint32_t v[3] = {};
        int field = 0;
        while (true) {
            const auto start = line.find_first_not_of(' ');
            if (start == std::string_view::npos) break;
            line.remove_prefix(start);
            const auto end = line.find(' ');
            if (field == 3) return std::nullopt;
            // Not parse_id: the identity map's count is 4294967295.
            const auto n = parse_unsigned(line.substr(0, end), 4294967295U);
            if (!n) return std::nullopt;
            v[field++] = static_cast<std::uint32_t>(*n);
            if (end == std::string_view::npos) break;
            line.remove_prefix(end);
        }
        if (field == 0) continue;  // blank line
        if (field != 3) return std::nullopt;
        out.push_back({v[0], v[1], v[2]});
    }
    return out;
}

std::optional<std::string> read_proc_file(const char* path) {
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    // An id map has at most 340 lines of at most 33 bytes each (user_namespaces(7)).
    std::string text;
    char buf[4096];
    ssize_t n = 0;
    while (text.size() < 65536 && (n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    if (n < 0) return std::nullopt;
    return text;
}

std::optional<std::vector<IdMapEntry>> read_id_map(const char* path) {
    const auto text = read_proc_file(path);
    if (!text) return std::nullopt;
    return parse_id_map(*text);
}

bool is_identity_map(const std::vector<IdMapEntry>& map) {
    return map.size() == 1 && map[0].inside == 0 && map[0].outside == 0 && map[0].count == 4294967295U;
}

std::optional<std::uint32_t> outside_id(const std::vector<IdMapEntry>& map, std::uint32_t inside) {
    for (const auto& e : map)
        if (inside >= e.inside && inside - e.inside < e.count) return e.outside + (inside - e.inside);
    return std::nullopt;
}

void explain_rootless(Decision& d, const Identity& app, const std::vector<IdMapEntry>& uid_map,
                      const std::vector<IdMapEntry>& gid_map) {
    // Gid0Refused: podman.socket makes the user's socket 0660, which shows as
    // 0:0 0660; granting group 0 would work there, but keep-id is the fix
    // that gives the app no more than the socket.
    if (d.row != Row::GroupNotWritable && d.row != Row::NeedsGroup && d.row != Row::Gid0Refused) return;
    if (d.st.uid != 0 || app.uid == 0) return;
    const auto root_outside = outside_id(uid_map, 0);
    if (!root_outside || *root_outside == 0) return;  // not a user namespace of an unprivileged user
    const std::string host_uid = std::to_string(*root_outside);
    const auto group_outside = outside_id(gid_map, d.st.gid);
    const std::string host_group = group_outside ? " (group: host gid " + std::to_string(*group_outside) + ")" : "";
    const std::string uid = std::to_string(app.uid);
    const std::string gid = std::to_string(app.gid);
    d.rootless = true;
    d.message += "; this is a rootless container (uid map: uid 0 here is host uid " + host_uid +
                 "), so the socket belongs to host uid " + host_uid + host_group +
                 ", the user who runs the container, who is uid 0 here, not uid " + uid;
    d.fix = "podman run --userns=keep-id:uid=" + uid + ",gid=" + gid + " (uid " + uid + " here is then host uid " +
            host_uid + ", the socket's owner)";
}

}  // namespace stepdown::socket
