#!/usr/bin/env bash
# Interactive use under a real pty (`script`), the way `docker run -it` runs
# the init: the app gets its own process group and that group becomes the
# terminal's foreground group, so ^C reaches the app straight from the
# terminal and an interactive bash has job control.
source "$(dirname "$0")/lib.sh"
scenario_begin

SD=("$STEPDOWN" --no-socket --user 1000:1000)

# pty CMD...: runs CMD as PID 1 of a new pid namespace on a fresh pty, the
# way runc does for docker run -it: CMD leads a new session whose controlling
# terminal is the pty (setsid -c takes it from script's session; root may),
# with its group in the foreground. Feeds this function's stdin to the
# terminal. Sets RUN_* like `run`; CR is dropped from the output.
# (unshare --pid --fork alone leaves CMD in the session of the process that
# started it: the layout test_tiocsti.sh must protect, not docker's.)
pty() {
  local cmd
  # --kill-child: when the timeout ends script, script ends unshare, and the
  # namespace's init (and with it everything in the namespace) is killed
  # rather than left behind stopped, whatever CMD is.
  printf -v cmd '%q ' unshare --pid --fork --mount-proc --kill-child setsid --ctty "$@"
  # The timeout bounds a frozen app (the failure mode of the ^Z case).
  run in_ns timeout "$(scaled 20)" script -qefc "$cmd" /dev/null
  RUN_OUT=${RUN_OUT//$'\r'/}
}

case_foreground_group() {
  require_cmd script
  pty "${SD[@]}" -- "$PROBE" report </dev/null
  assert_status 0
  local pid
  pid=$(report_value pid)
  assert_ne 1 "$pid" "the app is not the init"
  assert_report sid 1 "the init (PID 1) leads the session, as under runc"
  assert_report pgid "$pid" "the app leads its own process group"
  assert_report tty_fg "$pid" "the app's group is the terminal's foreground group"
  assert_report uid 1000,1000,1000
}
check "on a terminal the app runs in its own foreground process group" case_foreground_group

case_no_tty() {
  run in_pidns "${SD[@]}" -- "$PROBE" report </dev/null
  assert_status 0
  assert_report pgid "$(report_value pid)" "still its own group without a terminal"
  assert_report tty_fg -1 "no terminal"
}
check "without a terminal: own process group, no tcsetpgrp" case_no_tty

case_ctrl_c() {
  require_cmd script
  # ^C typed once the app runs: the terminal sends SIGINT to its foreground group.
  # (Input through < <(...), not a pipe: a pipeline would run pty in a subshell.)
  pty "${SD[@]}" -vv -p SIGKILL -- "$PROBE" sleep 30 < <(sleep 1; printf '\003'; sleep 2)
  assert_status 130 "the app died of the terminal's SIGINT"
  assert_contains "$RUN_OUT" "killed by SIGINT" "debug log on (control)"
  assert_not_contains "$RUN_OUT" "Received SIGINT" "the init must not be in the foreground group"
}
check "^C on the terminal goes to the app directly: exit 130" case_ctrl_c

# ^Z on the terminal of a PID-1 init (docker run -it ... app): no shell above
# could ever resume the app, so the init resumes it and ^Z is a no-op, as it
# is for a PID-1 app without an init. With tini the container freezes: the
# later ^C stays pending on a stopped process and this case times out.
case_ctrl_z_pid1() {
  require_cmd script
  # -p SIGKILL: if the app freezes, the timeout ends script, the pty hangs up
  # unshare, and the init dies with it instead of staying behind.
  pty "${SD[@]}" -vv -p SIGKILL -- "$PROBE" sleep 30 < <(sleep 1; printf '\032'; sleep 1.5; printf '\003'; sleep 2)
  assert_status 130 "after ^Z the app still ran and died of ^C"
  assert_contains "$RUN_OUT" "stopped by SIGTSTP" "control: ^Z did stop the app"
}
check "^Z on the terminal of a PID-1 init does not freeze the container" case_ctrl_z_pid1

# The same ^Z when stepdown is not PID 1 but no job-control shell is above it:
# an entrypoint script that did not exec stepdown (sh leads the session and
# runs stepdown in its own process group). Nobody would resume a stopped job,
# so ^Z must not stop the app: it runs to its end and the script goes on.
# (^C would reach sh as well, so the app ends by itself here.)
case_ctrl_z_under_sh() {
  require_cmd script sh
  local cmd
  printf -v cmd '%q ' "${SD[@]}" -vv -- "$PROBE" sleep 3
  pty sh -c "$cmd; echo \"after-status=\$?\"" < <(sleep 1; printf '\032'; sleep 4)
  assert_status 0 "the script ran to its end"
  assert_contains "$RUN_OUT" "running the app in a new session" "control: the app got a session of its own"
  assert_contains "$RUN_OUT" "no job-control shell above could resume it" "^Z was undone"
  assert_contains "$RUN_OUT" "after-status=0" "after ^Z the app still ran to its end"
}
check "^Z under a shell without job control does not freeze the terminal" case_ctrl_z_under_sh

case_bash_job_control() {
  require_cmd script bash
  pty "${SD[@]}" -- bash --norc --noprofile -i < <(
    printf '%s\n' 'echo "flags=$-"' 'sleep 30 &' 'jobs -l' 'kill %1; sleep 0.5' 'wait' 'echo "jobs-done"' 'exit 3')
  assert_status 3
  assert_match 'flags=[a-zA-Z]*m' "$RUN_OUT" "bash -i has job control (\$- contains m)"
  assert_contains "$RUN_OUT" "Terminated"
  assert_contains "$RUN_OUT" "jobs-done"
  assert_not_contains "$RUN_OUT" "no job control"
  assert_not_contains "$RUN_OUT" "cannot set terminal process group"
  assert_not_contains "$RUN_ERR" "cannot set terminal process group"
}
check "bash -i as the app keeps job control" case_bash_job_control

# `stepdown --init -- app` typed at an interactive shell (not PID 1): ^Z stops
# the app, and the init stops itself too so that the shell sees its job
# stopped and gives the prompt back; `fg` resumes both with the app in the
# foreground again. (tini leaves the shell waiting on a job that never stops.)
case_suspend_resume() {
  require_cmd script bash
  local cmd
  printf -v cmd '%q ' "${SD[@]}" --init -- "$PROBE" sleep 30
  run in_ns script -qefc "bash --norc --noprofile -i" /dev/null < <(
    sleep 0.5
    printf '%s\n' "$cmd"
    sleep 1.5
    printf '\032'
    sleep 1
    printf '%s\n' 'jobs -l' 'echo "jobs-listed"'
    sleep 0.5
    printf '%s\n' 'fg'
    sleep 1.5
    printf '\003'
    sleep 0.5
    printf '%s\n' 'echo "fg-status=$?"' 'exit 0')
  RUN_OUT=${RUN_OUT//$'\r'/}
  assert_status 0
  assert_match 'Stopped.*stepdown' "$RUN_OUT" "^Z stopped the shell's job"
  assert_contains "$RUN_OUT" "jobs-listed" "the shell got its prompt back"
  assert_contains "$RUN_OUT" "fg-status=130" "after fg, ^C reached the app in the foreground"
}
check "stepdown --init at an interactive shell: ^Z suspends the job, fg resumes it" case_suspend_resume

scenario_end
