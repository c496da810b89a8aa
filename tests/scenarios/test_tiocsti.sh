#!/usr/bin/env bash
# TIOCSTI injection (CVE-2016-2779 class, issue 7 item 7). A root shell on a
# real pty runs a dropped app that tries to push "touch MARKER" into that
# shell's terminal with ioctl(TIOCSTI), on fd 0 and on /dev/tty, after trying
# to take the terminal with TIOCSCTTY (stepdown-probe tiocsti). Whatever
# lands in the terminal's input queue is read and run by the root shell once
# the app is gone, so a marker file owned by root proves an injection.
#
# Controls, in the same shell: the injector run by root itself, and dropped
# the way gosu/setpriv/su-exec do it (same session, same terminal), do inject;
# so does stepdown --exec, which warns about it. Under stepdown the app runs
# in a new session (src/init/terminal.hpp): TIOCSCTTY and TIOCSTI fail with
# EPERM, /dev/tty with ENXIO, and nothing reaches the shell.
#
# Being PID 1 exempts nothing: under `unshare --pid --fork` typed at the shell
# stepdown is PID 1 in the shell's session, and the app must still leave it.
# Without a controlling terminal the kernel no longer stops the app when it
# reads the terminal from the background, so stepdown does: ^Z stops the app's
# whole group, and a background job's app stays stopped (a background dd
# captures nothing root types; under setpriv the kernel's SIGTTIN stops it).
#
# The PID-1 session-leader case (docker run -it: the app keeps the terminal
# and job control) is test_init_tty.sh: "on a terminal the app runs in its own foreground
# process group" and "bash -i as the app keeps job control".
#
# With dev.tty.legacy_tiocsti=0 (Linux 6.2+) the kernel refuses TIOCSTI with
# EIO to every process without CAP_SYS_ADMIN: the unprivileged controls then
# cannot inject, which is asserted and said; root's control still must.
source "$(dirname "$0")/lib.sh"
scenario_begin

SD=("$STEPDOWN" --no-socket --user 1000:1000)
# 1 when unprivileged processes may use TIOCSTI (the sysctl is absent before 6.2).
LEGACY_TIOCSTI=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)
T=$SCENARIO_TMP

# Feeder of root_shell: types each line followed by a step marker and waits
# (up to 15 s) until the shell has finished it, so that whatever an app
# injected is queued before the next typed line. "nowait:LINE" types LINE
# without waiting, "file:PATH" waits for PATH, "ctrl-c" and "ctrl-z" type
# ^C and ^Z.
_feed() {
  local i=0 item
  rm -f "$T"/.step.*
  sleep 0.2 # bash -i sets up the terminal first
  for item; do
    case $item in
      nowait:*) printf '%s; : >%q\n' "${item#nowait:}" "$T/.step.$((i++))" ;;
      file:*) wait_until 15 test -e "${item#file:}" || true ;;
      ctrl-c) printf '\003' ;;
      ctrl-z) printf '\032' ;;
      *)
        printf '%s; : >%q\n' "$item" "$T/.step.$i"
        wait_until 15 test -e "$T/.step.$((i++))" || true
        ;;
    esac
  done
  # The last step ended after any injection, so injected lines run before exit.
  printf '%s\n' 'exit 0'
  sleep 1
}

# root_shell LINE...: an interactive root bash on a fresh pty (script owns
# the terminal, bash leads its session) in the case's namespace, typing
# the lines (see _feed). Sets RUN_* like `run`; RUN_OUT is the transcript.
root_shell() {
  require_cmd script bash
  run in_ns timeout "$(scaled 30)" script -qefc "bash --norc --noprofile -i" /dev/null < <(_feed "$@")
  RUN_OUT=${RUN_OUT//$'\r'/}
}

# The injector, its output in $T/NAME.out: markers $T/NAME.stdin and $T/NAME.tty.
inject_cmd() {
  printf '%q tiocsti 0 %q /dev/tty %q >%q 2>&1' "$PROBE" \
    "touch $T/$1.stdin" "touch $T/$1.tty" "$T/$1.out"
}

# assert_injected NAME: both channels worked and the shell ran both lines as root.
assert_injected() {
  local out
  out=$(<"$T/$1.out")
  assert_contains "$out" "tiocsti:0=ok" "TIOCSTI on fd 0"
  assert_contains "$out" "tiocsti:/dev/tty=ok" "TIOCSTI on /dev/tty"
  assert_stat "$T/$1.stdin" '%u' 0 "the root shell ran the line injected through fd 0"
  assert_stat "$T/$1.tty" '%u' 0 "the root shell ran the line injected through /dev/tty"
}

# assert_not_injected NAME ERROR: every attempt failed with ERROR, nothing ran.
assert_not_injected() {
  local out
  out=$(<"$T/$1.out")
  assert_contains "$out" "tiocsti:0=error:$2" "TIOCSTI on fd 0"
  assert_no_file "$T/$1.stdin" "the root shell ran a line injected through fd 0"
  assert_no_file "$T/$1.tty" "the root shell ran a line injected through /dev/tty"
}

case_control_root() {
  root_shell "$(inject_cmd root)" 'echo "shell-alive"'
  assert_status 0
  assert_contains "$RUN_OUT" "shell-alive"
  assert_injected root
}
check "control: root's own TIOCSTI reaches the root shell" case_control_root

# gosu, su-exec, setpriv, chpst and s6-setuidgid all exec the app in the
# caller's session, with the caller's controlling terminal.
case_control_plain_drop() {
  root_shell "setpriv --reuid 1000 --regid 1000 --clear-groups -- $(inject_cmd setpriv)"
  assert_status 0
  if ((LEGACY_TIOCSTI)); then
    assert_injected setpriv
  else
    printf 'dev.tty.legacy_tiocsti=0: the kernel refuses TIOCSTI without CAP_SYS_ADMIN, so a plain drop cannot inject here\n'
    assert_not_injected setpriv "Input/output error"
  fi
}
check "control: an app dropped by setpriv (as gosu does) injects into the root shell" case_control_plain_drop

case_stepdown_new_session() {
  local cmd
  printf -v cmd '%q ' "${SD[@]}" -v -- "$PROBE" tiocsti 0 "touch $T/sd.stdin" /dev/tty "touch $T/sd.tty" \
    parent-fd0 "touch $T/sd.parent"
  root_shell "$cmd >$T/sd.out 2>$T/sd.err; echo \"rc=\$?\""
  assert_status 0
  assert_contains "$RUN_OUT" "rc=0"
  local out
  out=$(<"$T/sd.out")
  assert_contains "$out" "tiocsctty=error:Operation not permitted" "the app cannot take the terminal"
  if ((LEGACY_TIOCSTI)); then
    assert_not_injected sd "Operation not permitted"
  else
    assert_not_injected sd "Input/output error"
  fi
  assert_contains "$out" "tiocsti:/dev/tty=error:open: No such device or address" "no controlling terminal"
  # stepdown stays on the terminal as the app's init, same uid, but not dumpable.
  assert_contains "$out" "tiocsti:parent-fd0=error:open: Permission denied" "the init's terminal through /proc"
  assert_no_file "$T/sd.parent"
  assert_contains "$(<"$T/sd.err")" "running the app in a new session"
}
check "stepdown from a root shell: the app's TIOCSTI fails and nothing reaches the shell" case_stepdown_new_session

# The same with --init, and the facts: own session, no terminal, dropped.
case_stepdown_session_facts() {
  local cmd
  printf -v cmd '%q ' "${SD[@]}" --init -- "$PROBE" report
  root_shell "$cmd >$T/report.out 2>$T/report.err; echo \"rc=\$?\""
  assert_contains "$RUN_OUT" "rc=0"
  RUN_OUT=$(<"$T/report.out")
  local pid
  pid=$(report_value pid)
  assert_report sid "$pid" "the app leads a session of its own"
  assert_report pgid "$pid"
  assert_report tty_fg -1 "fd 0 is not the app's controlling terminal"
  assert_report uid 1000,1000,1000
  assert_eq "" "$(<"$T/report.err")" "no warning"
}
check "stepdown --init from a root shell: the app has its own session and no terminal" case_stepdown_session_facts

# In its own session the app is no longer in the terminal's foreground group,
# but ^C still stops it: the terminal signals stepdown, which forwards.
case_stepdown_ctrl_c() {
  local cmd
  printf -v cmd '%q ' "${SD[@]}" -- sh -c ": >$T/ready; exec $PROBE sleep 30"
  root_shell "nowait:$cmd; echo \"rc=\$?\"" "file:$T/ready" ctrl-c "file:$T/.step.0"
  assert_status 0
  assert_contains "$RUN_OUT" "rc=130" "the app died of the forwarded SIGINT"
}
check "stepdown from a root shell: ^C still reaches the app (exit 130)" case_stepdown_ctrl_c

# The reviewer's layout: `unshare --pid --fork stepdown ...` typed at a root
# shell. stepdown is PID 1 of the new pid namespace, but it sits in the
# shell's session with the shell's terminal (unshare makes no session): being
# PID 1 must not exempt it. (docker run -it makes PID 1 the session leader;
# test_init_tty.sh runs that layout.)
case_pid1_in_callers_session() {
  require_cmd unshare
  local cmd
  printf -v cmd '%q ' unshare --pid --fork --mount-proc "${SD[@]}" -v -- sh -c \
    "echo \"ppid=\$PPID\" >$T/ns.ppid; exec $PROBE tiocsti 0 'touch $T/ns.stdin' /dev/tty 'touch $T/ns.tty'"
  root_shell "$cmd >$T/ns.out 2>$T/ns.err; echo \"rc=\$?\""
  assert_status 0
  assert_contains "$RUN_OUT" "rc=0"
  assert_eq "ppid=1" "$(<"$T/ns.ppid")" "control: stepdown ran as PID 1 and supervised the app"
  assert_contains "$(<"$T/ns.out")" "tiocsctty=error:Operation not permitted" "the app cannot take the terminal"
  if ((LEGACY_TIOCSTI)); then
    assert_not_injected ns "Operation not permitted"
  else
    assert_not_injected ns "Input/output error"
  fi
  assert_contains "$(<"$T/ns.out")" "tiocsti:/dev/tty=error:open: No such device or address" "no controlling terminal"
  assert_contains "$(<"$T/ns.err")" "running the app in a new session"
}
check "stepdown as PID 1 under unshare from a root shell: the app's TIOCSTI fails" case_pid1_in_callers_session

# ^Z stops the app's whole process group, not only the app: in its own
# session the terminal stops none of them, and a child left running could go
# on reading the terminal. In the background (kill -CONT) the group stays
# stopped (see below); fg resumes all of it.
case_stepdown_ctrl_z_group() {
  local cmd
  printf -v cmd '%q ' "${SD[@]}" -- sh -c \
    "(sleep 2; : >$T/gc.alive) & echo \$! >$T/gc.pid; echo \$\$ >$T/app.pid; : >$T/z.ready; exec $PROBE sleep 30"
  # shellcheck disable=SC2016 # typed into the root shell
  local state='s() { cut -d" " -f3 "/proc/$(cat "$1")/stat"; }'
  root_shell "$state" "nowait:$cmd" "file:$T/z.ready" ctrl-z "file:$T/.step.1" \
    "sleep 0.5; echo \"stopped=\$(s $T/app.pid),\$(s $T/gc.pid)\"" \
    "kill -CONT %1; sleep 2.5; jobs -l; echo \"held=\$(s $T/app.pid),\$(s $T/gc.pid),\$(ls $T/gc.alive 2>&1)\"" \
    'nowait:fg; echo "fg-status=$?"' "file:$T/gc.alive" ctrl-c "file:$T/.step.4"
  assert_status 0
  assert_match 'Stopped.*stepdown' "$RUN_OUT" "^Z stopped the shell's job"
  assert_contains "$RUN_OUT" "stopped=T,T" "the app and its child are stopped"
  assert_match 'Stopped \(tty input\).*stepdown' "$RUN_OUT" "kill -CONT in the background: stopped for tty input"
  assert_match 'held=T,T,.*No such file' "$RUN_OUT" "the group stays stopped in the background"
  assert_contains "$RUN_OUT" "fg-status=130" "after fg the app ran and died of ^C"
  assert_stat "$T/gc.alive" '%u' 1000 "after fg the app's child ran on"
}
check "stepdown from a root shell: ^Z stops the app's whole process group, fg resumes it" case_stepdown_ctrl_z_group

# In its own session the kernel's job control no longer stops the app when
# it reads the terminal from the background (only a controlling terminal's
# readers get SIGTTIN): stepdown keeps the app stopped while its job is not
# in the foreground, and stops itself for tty input as a background reader
# would. Under setpriv the same dd is stopped by the kernel's SIGTTIN.
case_background_reader() {
  local cmd
  printf -v cmd '%q ' "${SD[@]}" -- dd bs=1 count=60 "of=$T/stolen"
  root_shell "{ $cmd 2>/dev/null & }" 'sleep 1; jobs -l' 'echo "typed-by-root"' 'kill %1; wait; echo "bg-done"'
  assert_status 0
  if [[ -s $T/stolen ]]; then fail "the background app read the terminal: $(<"$T/stolen")"; fi
  assert_contains "$RUN_OUT" "typed-by-root" "the shell, not the app, read the line"
  assert_contains "$RUN_OUT" "bg-done"
  assert_match 'Stopped \(tty input\).*stepdown' "$RUN_OUT" "the job shows as stopped for tty input"
}
check "stepdown -- reader & from a root shell: the app reads nothing the shell is typed" case_background_reader

# The same with no /dev/tty node (a bare /dev): the hold uses the stdio
# descriptor on the terminal instead.
case_background_reader_bare_dev() {
  local cmd
  printf -v cmd '%q ' "${SD[@]}" -- dd bs=1 count=60 "of=$T/stolen4"
  root_shell "{ unshare --mount sh -c 'mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 && exec $cmd' 2>/dev/null & }" \
    'sleep 1; jobs -l' 'echo "typed-by-root"' 'kill %1; wait; echo "bg-done"'
  assert_status 0
  if [[ -s $T/stolen4 ]]; then fail "the background app read the terminal: $(<"$T/stolen4")"; fi
  assert_contains "$RUN_OUT" "typed-by-root" "the shell, not the app, read the line"
  assert_contains "$RUN_OUT" "bg-done"
  assert_match 'Stopped \(tty input\)' "$RUN_OUT" "the job shows as stopped for tty input"
}
check "stepdown -- reader & from a root shell, no /dev/tty: the app reads nothing the shell is typed" \
  case_background_reader_bare_dev

case_control_background_reader() {
  # SIGKILL: only the kernel's stop is under test here, and once in CI bash's
  # kill %1 (SIGTERM, then SIGCONT) left this stopped dd stopped. And a pause
  # before wait: once in CI bash's wait ran before the killed job was reaped,
  # found it still stopped ("warning: job 1 stopped") and returned, and the
  # shell then refused to exit ("There are stopped jobs"). bash reaps it when
  # the sleep ends.
  root_shell "{ setpriv --reuid 1000 --regid 1000 --clear-groups -- dd bs=1 count=60 of=$T/stolen3 2>/dev/null & }" \
    'sleep 1; jobs -l' 'echo "typed-by-root"' 'kill -KILL %1; sleep 0.5; wait; echo "bg-done"'
  assert_status 0
  if [[ -s $T/stolen3 ]]; then fail "the background app read the terminal: $(<"$T/stolen3")"; fi
  assert_match 'Stopped \(tty input\).*setpriv' "$RUN_OUT" "the kernel stopped the background reader"
}
check "control: a background reader dropped by setpriv is stopped by the kernel (SIGTTIN)" case_control_background_reader

# A job started in the foreground and sent to the background with ^Z and bg
# is held again: it stays stopped until fg.
case_bg_after_ctrl_z() {
  local cmd
  printf -v cmd '%q ' "${SD[@]}" -- sh -c ": >$T/bz.ready; exec dd bs=1 count=60 of=$T/stolen2 2>/dev/null"
  root_shell "nowait:$cmd" "file:$T/bz.ready" ctrl-z "file:$T/.step.0" 'bg; sleep 1; jobs -l' \
    'echo "typed-by-root"' 'kill %1; wait; echo "bg-done"'
  assert_status 0
  if [[ -s $T/stolen2 ]]; then fail "the background app read the terminal: $(<"$T/stolen2")"; fi
  assert_contains "$RUN_OUT" "typed-by-root"
  assert_contains "$RUN_OUT" "bg-done"
  assert_match 'Stopped \(tty input\).*stepdown' "$RUN_OUT" "bg: stopped again for tty input"
}
check "stepdown from a root shell, ^Z then bg: the app reads nothing the shell is typed" case_bg_after_ctrl_z

# A request to end a held job (kill %1) lets the app run so that it can act
# on it; an app that ignores it runs on in the background (SECURITY.md). Once
# the app stops again, the hold is armed again: the next SIGCONT to the job
# (bg, or kill -CONT %1 while stepdown runs) keeps it stopped for tty input
# instead of letting it read.
case_hold_rearmed_after_end_request() {
  local cmd
  printf -v cmd '%q ' "${SD[@]}" -- sh -c "echo \$\$ >$T/ra.pid; trap '' TERM; : >$T/ra.ready
    until [ -e $T/ra.go ]; do sleep 0.1; done; exec dd bs=1 count=60 of=$T/stolen5 2>/dev/null"
  root_shell "nowait:$cmd" "file:$T/ra.ready" ctrl-z "file:$T/.step.0" 'bg; sleep 1' \
    'kill %1; sleep 1; jobs -l' "kill -STOP \$(cat $T/ra.pid); sleep 0.5; touch $T/ra.go" \
    'kill -CONT %1; sleep 1; echo "after-rearm"; jobs -l' 'echo "typed-by-root"' \
    "kill -KILL %1 \$(cat $T/ra.pid); sleep 0.5; wait; echo bg-done"  # the pause: see case_control_background_reader
  assert_status 0
  if [[ -s $T/stolen5 ]]; then fail "the background app read the terminal: $(<"$T/stolen5")"; fi
  assert_contains "$RUN_OUT" "typed-by-root"
  assert_contains "$RUN_OUT" "bg-done"
  assert_match 'Running.*stepdown' "$RUN_OUT" "control: kill %1 let the app run (it ignores SIGTERM)"
  assert_match 'Stopped \(tty input\).*stepdown' "${RUN_OUT##*after-rearm}" "after its next stop, SIGCONT meets the hold again"
}
check "stepdown from a root shell: after kill %1 and a stop, the hold is armed again" case_hold_rearmed_after_end_request

# --exec gives up the protection; the warning must be true.
case_stepdown_exec() {
  local cmd
  printf -v cmd '%q ' "${SD[@]}" --exec -- "$PROBE" tiocsti 0 "touch $T/exec.stdin" /dev/tty "touch $T/exec.tty"
  root_shell "$cmd >$T/exec.out 2>$T/exec.err"
  assert_status 0
  assert_contains "$(<"$T/exec.err")" "could push input into it (TIOCSTI); without --exec stepdown runs it in a new session"
  if ((LEGACY_TIOCSTI)); then
    assert_injected exec
  else
    assert_not_injected exec "Input/output error"
  fi
}
check "stepdown --exec from a root shell warns, and the warning is true" case_stepdown_exec

# Started as the session leader of its terminal (docker exec -it c stepdown
# ...: runc makes the process the session leader): no shell reads from that
# terminal, so the app keeps it and job control.
case_session_leader() {
  require_cmd script
  local cmd
  printf -v cmd '%q ' "${SD[@]}" -v -- "$PROBE" report
  run in_ns timeout "$(scaled 20)" script -qefc "exec $cmd" /dev/null </dev/null
  RUN_OUT=${RUN_OUT//$'\r'/}
  assert_status 0
  local pid
  pid=$(report_value pid)
  assert_report sid "$pid" "stepdown exec'd the app as the session leader (no new session)"
  assert_report tty_fg "$pid" "fd 0 is the app's controlling terminal, the app in its foreground group"
  assert_not_contains "$RUN_OUT" "new session"
}
check "stepdown as the session leader of its terminal (docker exec -it): the app keeps the terminal" case_session_leader

scenario_end
