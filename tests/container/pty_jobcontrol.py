#!/usr/bin/env python3
"""Drive an interactive shell in `docker run -it ...` through a real pty.

    pty_jobcontrol.py DOCKER_RUN_ARGV...

The command must start `bash --norc --noprofile -i` with PS1 set to the
marker below (the test passes `-e PS1=...`). The session types a foreground
job, stops it with Ctrl-Z (as a user would), lists it, resumes it in the
background, brings it back with `fg`, interrupts it with Ctrl-C, and exits
with a known status. Every step waits for the shell's answer instead of
sleeping, so the test is not timing-sensitive. The transcript goes to stderr;
the last stdout line is `jobcontrol=ok` or `jobcontrol=FAIL: why`.
"""
import os
import pty
import re
import select
import sys
import time

PROMPT = "@@sd-prompt@@ "
# A bound for a hang, never a measure: scaled for slow or loaded machines.
TIMEOUT = 30.0 * int(os.environ.get("STEPDOWN_TEST_TIME_SCALE", "1"))


class Session:
    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp(argv[0], argv)
        self.buf = ""
        self.seen = ""

    def read_until(self, pattern, timeout=TIMEOUT, poke=None):
        """Reads until PATTERN matches the unread output; POKE is sent every 0.5 s while waiting."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        next_poke = time.monotonic()
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            now = time.monotonic()
            if now > deadline:
                raise TimeoutError(f"no {pattern!r} within {timeout:.0f} s; unread output: {self.buf[-400:]!r}")
            if poke is not None and now >= next_poke:
                os.write(self.fd, poke)
                next_poke = now + 0.5
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    raise EOFError(f"session ended while waiting for {pattern!r}; unread output: {self.buf[-400:]!r}")
                text = data.decode("utf-8", "replace").replace("\r", "")
                sys.stderr.write(text)
                sys.stderr.flush()
                self.buf += text
                self.seen += text

    def send(self, text):
        os.write(self.fd, text.encode())

    def prompt(self):
        return self.read_until(re.escape(PROMPT))

    def wait_exit(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.1)
                if ready:
                    data = os.read(self.fd, 4096)
                    sys.stderr.write(data.decode("utf-8", "replace").replace("\r", ""))
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("the docker client did not exit")


def main(argv):
    s = Session(argv)
    s.prompt()
    # Facts first: the shell owns the terminal and is not PID 1.
    s.send('read -r -a st </proc/$$/stat; echo "@@ids pid=$$ pgrp=${st[4]} tpgid=${st[7]} uid=$(id -u) monitor=${-//[^m]/}@@"\n')
    m = s.read_until(r"@@ids pid=(\d+) pgrp=(\d+) tpgid=(\d+) uid=(\d+) monitor=(m?)@@")
    pid, pgrp, tpgid, uid, monitor = m.groups()
    s.prompt()
    problems = []
    if pid == "1":
        problems.append("the shell is PID 1: no init in front of it")
    if pgrp != tpgid:
        problems.append(f"the shell (pgrp {pgrp}) is not the terminal's foreground group ({tpgid})")
    if monitor != "m":
        problems.append("job control (set -m) is off")
    if "no job control" in s.seen or "cannot set terminal process group" in s.seen:
        problems.append("bash reported it has no job control")

    # A foreground job, stopped from the keyboard: Ctrl-Z is poked until the
    # job exists and the shell reports it stopped.
    s.send("sleep 300\n")
    time.sleep(0.3)
    s.read_until(r"\[1\]\+\s+Stopped\s+sleep 300", poke=b"\x1a")
    s.prompt()
    s.send("jobs -l\n")
    s.read_until(r"\[1\]\+\s+\d+ Stopped\s+sleep 300")
    s.prompt()
    s.send("bg %1\n")
    s.read_until(r"\[1\]\+ sleep 300 &")
    s.prompt()
    s.send("jobs\n")
    s.read_until(r"\[1\]\+\s+Running\s+sleep 300 &")
    s.prompt()
    # Back to the foreground, then Ctrl-C from the keyboard: the job dies of
    # SIGINT, the shell survives and reports 130.
    s.send("fg %1\n")
    s.read_until(r"sleep 300\n")
    time.sleep(0.3)
    s.send("\x03")
    s.prompt()
    s.send('echo "@@status=$?@@"\n')
    status = s.read_until(r"@@status=(\d+)@@").group(1)
    s.prompt()
    if status != "130":
        problems.append(f"fg job after Ctrl-C ended with {status}, expected 130")
    s.send("exit 7\n")
    code = s.wait_exit()
    if code != 7:
        problems.append(f"docker run exited {code}, expected the shell's 7")
    print(f"uid={uid}")
    print("jobcontrol=ok" if not problems else "jobcontrol=FAIL: " + "; ".join(problems))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (TimeoutError, EOFError) as e:
        print(f"jobcontrol=FAIL: {e}")
        sys.exit(0)
