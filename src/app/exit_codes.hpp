// stepdown's exit-code contract (README "Exit codes"; tested black-box).
// The app's own code passes through; 128+n when it was killed by signal n.
// stepdown's own failures use the BSD sysexits numbers, so they are
// documented, distinct, and unlikely to be confused with a shell's 1/2.
#pragma once

namespace stepdown::exit_code {

inline constexpr int ok = 0;
inline constexpr int tini_usage = 1;    // a usage error under a tini name (docker-init, tini): tini's code
inline constexpr int usage = 64;        // EX_USAGE: bad option, value, user spec or environment variable
inline constexpr int data = 65;         // EX_DATAERR: /etc/passwd or /etc/group unreadable or unusable
inline constexpr int no_user = 67;      // EX_NOUSER: user or group name not found; uid without passwd entry and no group
inline constexpr int unavailable = 69;  // EX_UNAVAILABLE: required socket absent or unusable; socket path not a socket
inline constexpr int software = 70;     // EX_SOFTWARE: the kernel's state after the drop differs from the plan
inline constexpr int os_error = 71;     // EX_OSERR: a privilege syscall failed (setgroups, setresgid, setresuid, caps, prctl)
inline constexpr int refused = 77;      // EX_NOPERM: refused as unsafe (GID 0, root target, setuid install) or missing CAP_SETUID/SETGID/SETPCAP
inline constexpr int not_executable = 126;
inline constexpr int not_found = 127;

}  // namespace stepdown::exit_code
