/* The least a static init can do (issue 6, bench/run.sh): start the app with
 * vfork(2) and execv(2), wait for it, exit with its status. No signal
 * forwarding, no reaping of others, no privilege work: what is left is the
 * cost of being a separate static process at all, which every init of the
 * comparison pays (stepdown, tini-static, catatonit). bench/run.sh builds it
 * twice, against glibc (static-pie, as stepdown is) and against musl, and
 * times it like the inits, to show how much of a start is the C library's
 * own start-up on the machine at hand.
 *
 *   stepdown-floor APP [ARG...]
 */
#include <errno.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char* argv[]) {
    if (argc < 2) {
        fputs("usage: stepdown-floor APP [ARG...]\n", stderr);
        return 2;
    }
    const pid_t pid = vfork();
    if (pid < 0) {
        perror("stepdown-floor: vfork");
        return 71;
    }
    if (pid == 0) {
        execv(argv[1], argv + 1);
        _exit(127); /* the vfork child may call nothing but execve and _exit */
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("stepdown-floor: waitpid");
            return 71;
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}
