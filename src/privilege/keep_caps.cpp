#include "privilege/keep_caps.hpp"

#include <linux/capability.h>

#include <algorithm>
#include <cctype>

#include "app/exit_codes.hpp"
#include "privilege/caps.hpp"

namespace stepdown::privilege {
namespace {

// The allow-list: what services legitimately need, none of which leads back
// to root, to other users' files or to the kernel. Some reach a little
// further than the app's own processes (NET_RAW, LEASE, SYS_NICE,
// SYS_RESOURCE): they are kept with a warning that says how. Anything not
// here is refused without --force-keep-cap, whatever a future kernel adds.
// Texts as arrays of characters, not pointers: a static-pie relocates every
// pointer of a table at each start, in a page that then stays resident for
// the container's life (issue 6: idle RssAnon). Too long a text does not compile.
struct Allowed {
    int cap;
    char warning[200];  // logged when kept; "" for none
};

constexpr Allowed allowed[] = {
    {CAP_NET_BIND_SERVICE, ""},
    {CAP_NET_BROADCAST, ""},
    {CAP_NET_RAW, "the app can send raw packets, so it can spoof addresses and craft packets to its neighbours on "
                  "the network, and read every packet of the network namespace (the host's with --network host)"},
    {CAP_IPC_LOCK, ""},
    {CAP_LEASE, "the app can take leases on files it does not own, root's included, and so delay other processes' "
                "writes to them (up to /proc/sys/fs/lease-break-time, 45 s by default)"},
    {CAP_WAKE_ALARM, ""},
    {CAP_BLOCK_SUSPEND, ""},
    {CAP_AUDIT_WRITE, ""},
    {CAP_SYS_NICE, "the app can lower the priority, scheduling policy and CPU affinity of any process in its pid "
                   "namespace, root's included (the host's with --pid host)"},
    {CAP_SYS_RESOURCE, "the app can raise its own resource limits and use the space reserved for root on "
                       "filesystems, so it can exhaust what the limits protect"},
};

constexpr const char* allowed_names =
    "NET_BIND_SERVICE, NET_BROADCAST, NET_RAW, IPC_LOCK, LEASE, WAKE_ALARM, BLOCK_SUSPEND, AUDIT_WRITE, SYS_NICE, "
    "SYS_RESOURCE";

struct Refused {
    int cap;
    char why[160];
};

// Specific reasons for the capabilities off the list; generic_reason for the rest.
constexpr Refused refused[] = {
    {CAP_SETUID, "the app could become root again (setuid(0))"},
    {CAP_SETGID, "the app could join any group, root's included"},
    {CAP_SETPCAP, "the app could change its own capability sets"},
    {CAP_SETFCAP, "the app could give file capabilities to programs that others run"},
    {CAP_SYS_ADMIN, "it is root in all but name (mount, namespaces and most administration)"},
    {CAP_SYS_PTRACE, "the app could trace and take over any process, root's included"},
    {CAP_SYS_MODULE, "the app could load kernel modules"},
    {CAP_SYS_RAWIO, "the app could use I/O ports and raw device memory"},
    {CAP_DAC_OVERRIDE, "the app could write any file, /etc/passwd and root's programs included"},
    {CAP_DAC_READ_SEARCH, "the app could read any file, and open_by_handle_at reaches outside the container"},
    {CAP_CHOWN, "the app could take over any file by changing its owner"},
    {CAP_FOWNER, "the app could change the mode of any file"},
    {CAP_FSETID, "the app could leave set-user-ID and set-group-ID bits on files it changes"},
    {CAP_MKNOD, "the app could create device nodes for raw disks"},
    {CAP_MAC_ADMIN, "the app could change the LSM policy (AppArmor, SELinux)"},
    {CAP_MAC_OVERRIDE, "the app could bypass the LSM policy (AppArmor, SELinux)"},
    {CAP_BPF, "the app could load BPF programs into the kernel"},
    {CAP_SYS_BOOT, "the app could load and boot another kernel (kexec_load) or reboot"},
    {CAP_NET_ADMIN, "the app could reconfigure interfaces, routes and the firewall (the host's own with --network "
                    "host), and nf_tables is a recurring path from it to kernel root"},
    {CAP_PERFMON, "the app could watch other processes and the kernel with perf and BPF tracing"},
    {CAP_SYSLOG, "the app could read the kernel log and kernel addresses, which defeats KASLR"},
    {CAP_SYS_TIME, "the app could set the host's clock, which no namespace isolates"},
    {CAP_AUDIT_CONTROL, "the app could change or switch off the host's audit rules"},
    {CAP_AUDIT_READ, "the app could read the host's audit log"},
    {CAP_KILL, "the app could signal any process, root's included (a shell started with docker exec)"},
    {CAP_IPC_OWNER, "the app could read and write any System V IPC object (shared memory), root's included"},
    {CAP_CHECKPOINT_RESTORE, "the app could choose the pids of new processes and open other processes' mapped "
                             "files (/proc/PID/map_files)"},
    {CAP_SYS_TTY_CONFIG, "the app could hang up terminals (vhangup) and reprogram the console's keyboard"},
    {CAP_SYS_CHROOT, "the app could chroot into a tree it built, where a set-user-ID program trusts the app's "
                     "/etc (a path back to root with --allow-new-privs)"},
    {CAP_LINUX_IMMUTABLE, "the app could clear the immutable and append-only flags that protect files"},
    {CAP_SYS_PACCT, "the app could switch the host's process accounting on or off (acct)"},
};

constexpr const char* generic_reason =
    "it is not on the list of capabilities that leave the drop meaningful";

std::string q(const std::string& s) { return "'" + s + "'"; }

const Allowed* find_allowed(int cap) {
    for (const auto& a : allowed)
        if (a.cap == cap) return &a;
    return nullptr;
}

}  // namespace

const char* refusal_reason(int cap) {
    if (find_allowed(cap) != nullptr) return nullptr;
    for (const auto& r : refused) {
        if (r.cap == cap) return r.why;
    }
    return generic_reason;
}

std::string cap_display_name(int cap) { return "CAP_" + cap_add_name(cap); }

std::string cap_add_name(int cap) {
    std::string name = caps::name_of(cap);
    if (name == "unknown") return std::to_string(cap);
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

Result<KeptCaps> resolve_keep_caps(const std::vector<std::string>& names, bool force) {
    KeptCaps out;
    for (const auto& name : names) {
        if (name.empty())
            return Error{"invalid --keep-cap '': expected a capability name such as NET_BIND_SERVICE", 0,
                         exit_code::usage};
        const auto cap = caps::from_name(name);
        if (!cap)
            return Error{"unknown capability " + q(name) +
                             " for --keep-cap (STEPDOWN_KEEP_CAPS): expected a name such as NET_BIND_SERVICE "
                             "(see capabilities(7))",
                         0, exit_code::usage};
        out.caps.push_back(*cap);
    }
    std::sort(out.caps.begin(), out.caps.end());
    out.caps.erase(std::unique(out.caps.begin(), out.caps.end()), out.caps.end());
    for (int cap : out.caps) {
        if (const Allowed* a = find_allowed(cap)) {
            if (a->warning[0] != '\0')
                out.warnings.push_back("keeping " + cap_display_name(cap) + " for the app: " + a->warning);
            continue;
        }
        const char* why = refusal_reason(cap);
        if (!force)
            return Error{"refusing to keep " + cap_display_name(cap) + " for the app: " + why +
                             "; keep only what the app needs (allowed: " + allowed_names +
                             "), or pass --force-keep-cap (STEPDOWN_FORCE_KEEP_CAP=1) to keep it anyway",
                         0, exit_code::refused};
        out.warnings.push_back("keeping " + cap_display_name(cap) + " for the app because --force-keep-cap was given: " +
                               why);
    }
    return out;
}

std::vector<int> unavailable_caps(const std::vector<int>& keep, std::uint64_t bounding, std::uint64_t permitted) {
    std::vector<int> missing;
    for (int cap : keep) {
        if (cap < 0 || cap > 63) {
            missing.push_back(cap);
            continue;
        }
        const std::uint64_t bit = std::uint64_t{1} << static_cast<unsigned>(cap);
        if ((bounding & bit) == 0 || (permitted & bit) == 0) missing.push_back(cap);
    }
    return missing;
}

Error unavailable_error(const std::vector<int>& missing, std::uint64_t bounding) {
    std::string names, run, list;
    bool outside_bounding = false;
    for (int cap : missing) {
        names += (names.empty() ? "" : ", ") + cap_display_name(cap);
        run += (run.empty() ? "" : " ") + std::string("--cap-add ") + cap_add_name(cap);
        list += (list.empty() ? "" : ", ") + cap_add_name(cap);
        if (cap < 0 || cap > 63 || (bounding & (std::uint64_t{1} << static_cast<unsigned>(cap))) == 0)
            outside_bounding = true;
    }
    const std::string where = outside_bounding
                                  ? "not in stepdown's bounding set (the container was started without it, e.g. "
                                    "docker run --cap-drop), and no process can add it back"
                                  : "not in stepdown's permitted set";
    return Error{"cannot keep " + names + " for the app: " + where + "; add it to the container: docker run " + run +
                     ", compose cap_add: [" + list + "], Kubernetes securityContext.capabilities.add: [" + list + "]",
                 0, exit_code::refused};
}

}  // namespace stepdown::privilege
