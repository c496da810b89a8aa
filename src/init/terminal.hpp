// TIOCSTI protection (CVE-2016-2779 class). A process may push input into its
// controlling terminal with ioctl(TIOCSTI) (unless the kernel's
// dev.tty.legacy_tiocsti is 0, Linux 6.2+): an app that inherits the
// controlling terminal of a root shell can type commands into that shell,
// which runs them once the app is gone. gosu, su-exec, setpriv, chpst and
// s6-setuidgid all hand the terminal on.
//
// stepdown runs the dropped app in a new session, which has no controlling
// terminal (TIOCSTI then fails with EPERM, and /dev/tty cannot be opened),
// when the caller's terminal is exposed: stepdown has a controlling terminal
// and does not lead that terminal's session (a shell or another program above
// it does). Being PID 1 proves nothing: `unshare --pid --fork stepdown ...`
// typed at a root shell makes stepdown PID 1 in the shell's session, with the
// shell's terminal. As the session leader (docker run -it and docker exec -it:
// runc makes the process the leader of a new session on the pty), nothing
// above stepdown reads from that terminal, and the app keeps job control.
#pragma once

#include <sys/types.h>

namespace stepdown::init {

struct TerminalFacts {
    bool has_controlling_tty = false;  // /dev/tty opens (or a tty on fd 0-2 is ours)
    bool session_leader = false;       // getsid(0) == getpid() (0 when the leader is outside
                                       // our pid namespace: not us)
    pid_t session = 0;                 // getsid(0), for the message
};

// Reads them from the kernel (opens /dev/tty without making it a controlling terminal).
TerminalFacts terminal_facts();

// Whether the app must get a new session: a controlling terminal whose
// session another process leads (PID 1 or not).
bool caller_terminal_exposed(const TerminalFacts& facts);

// In a new session the kernel's job control no longer applies to the app: it
// may read the caller's terminal through the descriptors it holds even while
// stepdown's job is in the background. The supervisor therefore keeps the
// app's group stopped while stepdown's group is not the terminal's foreground
// group (supervise.cpp). A pty relay would close this fully (SECURITY.md).

// The controlling terminal (/dev/tty, or without that node a duplicate of the
// fd 0-2 on it), O_CLOEXEC, when one of fds 0-2 is that terminal (the app
// could read it); else -1.
int open_terminal_on_stdio();

// Whether our process group is the foreground group of terminal fd, or the
// answer cannot be had (no foreground group, an error, or our group leader
// outside our pid namespace, where getpgrp() is 0).
bool in_foreground(int fd);

}  // namespace stepdown::init
