#include "init/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace stepdown::init {
namespace {

// The first of fds 0-2 that is a terminal whose session is `session` (our
// controlling terminal, when session is ours), or -1.
int stdio_terminal_of(pid_t session) {
    for (int i = 0; i <= 2; ++i) {
        if (::isatty(i) == 1 && ::tcgetsid(i) == session) return i;
    }
    return -1;
}

}  // namespace

TerminalFacts terminal_facts() {
    TerminalFacts f;
    f.session = ::getsid(0);
    f.session_leader = f.session == ::getpid();
    // /dev/tty is the controlling terminal, whatever fds 0-2 are: an app with
    // stdin from /dev/null can still open it. ENXIO: there is none.
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        f.has_controlling_tty = true;
        ::close(fd);
    } else {
        // No /dev/tty node (a bare /dev): a terminal on fd 0-2 whose session
        // is ours is our controlling terminal.
        f.has_controlling_tty = stdio_terminal_of(f.session) >= 0;
    }
    return f;
}

bool caller_terminal_exposed(const TerminalFacts& facts) {
    return facts.has_controlling_tty && !facts.session_leader;
}

int open_terminal_on_stdio() {
    int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        // No /dev/tty node (a bare /dev): the stdio descriptor on our
        // controlling terminal serves as well.
        const int stdio = stdio_terminal_of(::getsid(0));
        return stdio < 0 ? -1 : ::fcntl(stdio, F_DUPFD_CLOEXEC, 3);
    }
    if (fd <= 2) {  // keep 0-2 free for stdio
        const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
        ::close(fd);
        if (moved < 0) return -1;
        fd = moved;
    }
    // fstat() of /dev/tty describes /dev/tty itself; TIOCGDEV names the
    // terminal behind it.
    unsigned int tty = 0;
    if (::ioctl(fd, TIOCGDEV, &tty) == 0) {
        for (int i = 0; i <= 2; ++i) {
            unsigned int dev = 0;
            if (::isatty(i) == 1 && ::ioctl(i, TIOCGDEV, &dev) == 0 && dev == tty) return fd;
        }
    }
    ::close(fd);
    return -1;
}

bool in_foreground(int fd) {
    const pid_t own = ::getpgrp();
    if (own == 0) return true;
    const pid_t fg = ::tcgetpgrp(fd);
    return fg <= 0 || fg == own;
}

}  // namespace stepdown::init
