#!/usr/bin/env bash
# Under a tini name (tini, tini-static, docker-init, podman-init) stepdown is
# tini, PID 1 or not: always the supervising parent, tini's exit codes and
# usage errors, tini's messages where tools read them (-w, TINI_VERBOSITY),
# -l, the environment handed over untouched, and execvp's /bin/sh fallback
# for a script without #!. These are the expectations tini's own test suite
# encodes, in this project's words. Under its own name, an option that only
# a supervisor can honour turns supervision on, and --exec with one is a
# usage error. The last cases: a log line never kills or stalls the init
# (stderr a pipe without reader, a file at the size limit, a signal flood).
# shellcheck disable=SC2317,SC2119 # cases run through check
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
scenario_begin

TINI=$SCENARIO_DIR/bin/tini
DI=$SCENARIO_DIR/bin/docker-init
ln -s stepdown "$TINI"
ln -s stepdown "$DI"
NO_REAP="zombie reaping won't work"

# A plain child: no namespace, no drop (no STEPDOWN_ setting), as tini's
# suite runs it from a Python parent.
case_exit_remap_plain_child() {
  local t
  for t in "$TINI" "$DI"; do
    run "$t" -e 1 -- sh -c 'exit 1'
    assert_status 0 "${t##*/} -e 1: exit 1 becomes 0"
    run "$t" -e 2 -e 3 -- sh -c 'exit 1'
    assert_status 1 "${t##*/} -e 2 -e 3: exit 1 passes through"
    run env POSIXLY_CORRECT=1 "$t" -e 7 sh -c 'exit 7'
    assert_status 0 "POSIXLY_CORRECT, no --"
  done
  run in_pidns "$TINI" -e 5 -- sh -c 'exit 5'
  assert_status 0 "as PID 1 too"
}
check "tini -e CODE as a plain child: remapped (the parent supervises)" case_exit_remap_plain_child

case_signal_death_plain_child() {
  local sig
  for sig in TERM USR1 USR2; do
    spawn "$TINI" -- "$PROBE" sleep 60
    wait_until 10 pgrep -P "$SPAWN_PID" >/dev/null || fail "the app did not start"
    kill "-$sig" "$SPAWN_PID"
    reap "$SPAWN_PID" 20
    assert_status $((128 + $(kill -l "$sig"))) "SIG$sig forwarded, 128+n passed up"
  done
}
check "tini as a plain child: SIGTERM/USR1/USR2 reach the app, exit 128+n" case_signal_death_plain_child

case_group_plain_child() {
  local f=$SCENARIO_TMP/grandchild
  # shellcheck disable=SC2016 # for the inner sh
  spawn "$TINI" -g -- sh -c 'trap "" USR1; "$1" trap USR1 "$2" & wait' sh "$PROBE" "$f"
  wait_for_file "$f.ready"
  kill -USR1 "$SPAWN_PID"
  reap "$SPAWN_PID" 20
  assert_status 0
  assert_file_eq "$f" $'10\n' "the grandchild got SIGUSR1 through the process group"
}
check "tini -g as a plain child: signals go to the app's process group" case_group_plain_child

case_reaping_warning() {
  run "$TINI" -- true
  assert_status 0
  assert_eq 1 "$(grep -c "$NO_REAP" <<<"$RUN_ERR")" "neither PID 1 nor a subreaper: warned once"
  run "$TINI" -s -- true
  assert_not_contains "$RUN_ERR" "$NO_REAP" "-s"
  run env TINI_SUBREAPER= "$TINI" -- true
  assert_not_contains "$RUN_ERR" "$NO_REAP" "TINI_SUBREAPER"
  run in_pidns "$TINI" -- true
  assert_not_contains "$RUN_ERR" "$NO_REAP" "PID 1"
  run env TINI_VERBOSITY=0 "$TINI" -- true
  assert_eq "" "$RUN_ERR" "TINI_VERBOSITY=0 silences warnings"
}
check "tini away from PID 1 without -s warns that zombie reaping won't work" case_reaping_warning

case_inherited_subreaper() {
  # A launcher that made itself a subreaper and exec'd tini (tini's
  # subreaper-proxy pattern): orphans come to it, so no warning, and -w
  # names each one reaped.
  run "$PROBE" subreaper "$TINI" -w -- "$PROBE" orphans 3 --wait 1
  assert_status 0
  assert_not_contains "$RUN_ERR" "$NO_REAP"
  assert_eq 3 "$(grep -c 'Reaped zombie process with pid=[0-9]' <<<"$RUN_ERR")" "one line per orphan, tini's form"
  run "$PROBE" subreaper "$TINI" -- "$PROBE" orphans 3 --wait 1
  assert_eq "" "$RUN_ERR" "without -w, nothing"
}
check "tini under a subreaper launcher reaps, -w in tini's words" case_inherited_subreaper

case_usage_errors() {
  local t
  for t in "$TINI" "$DI"; do
    run "$t" -z true
    assert_status 1 "${t##*/} -z: tini's usage code"
    assert_contains "$RUN_ERR" "more verbose" "the usage text follows"
    run "$t"
    assert_status 1 "${t##*/} without a command"
    assert_contains "$RUN_ERR" "more verbose"
    run "$t" -e 256 true
    assert_status 1 "${t##*/} -e 256"
  done
  run "$STEPDOWN" -z true
  assert_status 64 "stepdown's own name keeps its usage code"
  run "$TINI" -h
  assert_status 0
  assert_contains "$RUN_OUT" "more verbose"
}
check "usage errors exit 1 under a tini name (64 under stepdown's)" case_usage_errors

case_verbosity() {
  run env TINI_VERBOSITY=3 "$TINI" true
  assert_status 0
  assert_contains "$RUN_ERR" "Received SIGCHLD"
  run "$TINI" -vvv true
  assert_status 0
  assert_contains "$RUN_ERR" "Received SIGCHLD"
  run "$TINI" -vvv false
  assert_status 1
  run "$TINI" -vvv -- true
  assert_status 0
  run "$TINI" -vvv -- -- true
  assert_status 127 "one -- consumed; the second is the command"
}
check "TINI_VERBOSITY=3 and -vvv log each signal received, by name" case_verbosity

case_license() {
  local t
  for t in "$TINI" "$STEPDOWN"; do
    run "$t" -l
    assert_status 0
    assert_eq "$(<"$SOURCE_DIR/LICENSE")" "$RUN_OUT" "${t##*/} -l prints LICENSE"
  done
}
check "-l prints the license" case_license

case_exec_failures() {
  run "$TINI" foobar123
  assert_status 127 "not found"
  run "$TINI" /etc
  assert_status 126 "a directory"
  printf 'echo "script ran: $*"\nexit 4\n' >"$SCENARIO_TMP/noshebang"
  chmod 0755 "$SCENARIO_TMP/noshebang"
  run "$TINI" "$SCENARIO_TMP/noshebang" a b
  assert_status 4 "a script without #! runs with /bin/sh, as execvp does"
  assert_eq "script ran: a b" "$RUN_OUT"
  run env PATH="$SCENARIO_TMP:/usr/bin:/bin" "$TINI" noshebang c
  assert_status 4 "found on PATH"
  assert_eq "script ran: c" "$RUN_OUT"
  run in_ns "$STEPDOWN" --no-socket --exec -- "$SCENARIO_TMP/noshebang" d
  assert_status 4 "dropped, exec'd in place"
  assert_eq "script ran: d" "$RUN_OUT"
  run bash -c 'echo "exit 5" | "$1" sh' pipe "$TINI"
  assert_status 5 "stdin is handed to the child"
}
check "127, 126, a script without #! runs with /bin/sh, stdin passes" case_exec_failures

case_environment_verbatim() {
  local -a env=(Z=1 HOME=/root A=2 USER=root A=3 ODD HOME=/elsewhere "PATH=/usr/bin:/bin" "=x")
  run "$PROBE" with-env "${env[@]}" -- "$TINI" /usr/bin/env
  assert_status 0
  assert_eq "$(printf '%s\n' "${env[@]}")" "$RUN_OUT" "order, repeats and odd entries as given"
  run in_ns "$PROBE" with-env "${env[@]}" -- "$STEPDOWN" --no-socket -- /usr/bin/env
  assert_status 0
  assert_eq "$(printf '%s\n' Z=1 HOME=/home/app A=2 USER=app A=3 ODD "PATH=/usr/bin:/bin" "=x" LOGNAME=app)" \
    "$RUN_OUT" "a drop changes only HOME, USER and LOGNAME"
}
check "the environment is handed over verbatim; a drop changes only HOME/USER/LOGNAME" case_environment_verbatim

case_own_name_supervision() {
  run in_ns "$STEPDOWN" --no-socket -e 1 -- sh -c 'exit 1'
  assert_status 0 "-e turns supervision on away from PID 1"
  run in_ns env STEPDOWN_EXIT_REMAP=1 "$STEPDOWN" --no-socket -- sh -c 'exit 1'
  assert_status 0 "so does STEPDOWN_EXIT_REMAP"
  run in_ns "$STEPDOWN" --no-socket -w -- "$PROBE" orphans 2 --wait 1
  assert_status 0
  assert_eq 2 "$(grep -c 'Reaped zombie process with pid=' <<<"$RUN_ERR")" "-w: a subreaper that reaps"
  local opt
  for opt in "-e 1" -w -g -s "--grace 1"; do
    # shellcheck disable=SC2086 # the option and its value
    run "$STEPDOWN" --exec $opt true
    assert_status 64 "--exec $opt"
    assert_contains "$RUN_ERR" "--exec and ${opt% *} exclude each other"
  done
  run env STEPDOWN_GRACE=1 "$STEPDOWN" --exec true
  assert_status 64
  assert_contains "$RUN_ERR" "--exec and STEPDOWN_GRACE exclude each other"
}
check "stepdown's own name: -e/-w/-g/-s/--grace supervise; --exec with one is refused" case_own_name_supervision

# A log line must never kill or stall the init. The reader of stderr is
# gone, so each write fails with EPIPE and raises SIGPIPE at stepdown itself.
case_stderr_reader_gone_at_start() {
  # shellcheck disable=SC2016 # for the inner bash
  run in_pidns bash -c 'exec 2> >(exit 0); sleep 0.5; exec "$@"' sh \
    "$STEPDOWN" --no-socket -vv -- "$PROBE" exit 3
  assert_status 3 "the start logs into a dead pipe and goes on"
}
check "-vv with stderr a pipe whose reader is gone: the start goes on" case_stderr_reader_gone_at_start

case_stderr_reader_gone_while_supervising() {
  # The reader leaves after the start (the lines so far sit in the pipe),
  # before the app's exit is logged.
  # shellcheck disable=SC2016 # for the inner bash
  run in_pidns bash -c 'exec 2> >(sleep 1); exec "$@"' sh \
    "$STEPDOWN" --no-socket -vv -- "$PROBE" sleep 2.5
  assert_status 0 "the app's exit is reaped and passed up"
  # shellcheck disable=SC2016 # for the inner bash
  spawn in_pidns bash -c 'exec 2> >(sleep 0.5); exec "$@"' sh \
    "$STEPDOWN" --no-socket -vv -- "$PROBE" sleep 60
  local init
  init=$(ns_init_pid "$SPAWN_PID")
  wait_until 10 pgrep -P "$init" >/dev/null || fail "the app did not start"
  sleep 1.5
  kill -WINCH "$init"  # logged into the dead pipe, forwarded, ignored by the app
  sleep 0.2
  kill -TERM "$init"
  reap "$SPAWN_PID" 20
  assert_status 143 "docker stop's SIGTERM is still acted on"
}
check "-vv with stderr's reader gone while supervising: no livelock, exit passed up" \
  case_stderr_reader_gone_while_supervising

case_stderr_file_at_size_limit() {
  # shellcheck disable=SC2016 # for the inner bash
  run in_pidns bash -c 'ulimit -f 0; exec "$@" 2>"$0"' "$SCENARIO_TMP/err.log" \
    "$STEPDOWN" --no-socket -vv -- "$PROBE" exit 3
  assert_status 3 "a file at RLIMIT_FSIZE: no SIGXFSZ death"
}
check "-vv with stderr a file at the size limit: the start goes on" case_stderr_file_at_size_limit

case_signal_flood() {
  # The app ignores SIGUSR1 (the ignored disposition survives exec) and ends
  # by itself; a flood of SIGUSR1 at the init must not hide its SIGCHLD.
  # shellcheck disable=SC2016 # for the inner sh
  spawn in_pidns "$STEPDOWN" --no-socket -vv -- sh -c 'trap "" USR1; exec "$1" sleep 2' sh "$PROBE"
  local init i=0
  init=$(ns_init_pid "$SPAWN_PID")
  local end=$((SECONDS + 30))
  while process_alive "$init" && ((SECONDS < end)); do
    kill -USR1 "$init" 2>/dev/null || true
    i=$((i + 1))
  done
  reap "$SPAWN_PID" 20
  assert_status 0 "the app's end was seen through $i SIGUSR1s"
}
check "a flood of other signals does not hide the app's exit" case_signal_flood

scenario_end
