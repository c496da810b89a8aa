#!/usr/bin/env bash
# Reaping: orphans reparented to the init are reaped (zombies counted from
# /proc, never inferred from an exit code), -w warns once per orphan, and away
# from PID 1 the init is a child subreaper with --init, -s or TINI_SUBREAPER,
# so orphans come to it rather than to the namespace's PID 1.
source "$(dirname "$0")/lib.sh"
scenario_begin

SD=("$STEPDOWN" --no-socket --user 1000:1000)

orphans_reported() { grep -qx "orphans=$2" "$1"; }
zombies_are() { [[ $(pidns_zombies "$1") == "$2" ]]; }

case_1000_orphans() {
  spawn in_pidns "${SD[@]}" -- "$PROBE" orphans 1000 --wait 60
  local init
  init=$(ns_init_pid "$SPAWN_PID")
  wait_until 30 orphans_reported "$SPAWN_OUT" 1000 || fail "the probe did not make its 1000 orphans"
  wait_until 10 zombies_are "$init" 0 || true
  assert_eq 0 "$(pidns_zombies "$init")" "zombies left in the namespace"
  # Only the init and the probe are left: every orphan was reaped, none is running.
  assert_eq 2 "$(pidns_procs "$init" | wc -l)" "processes in the namespace"
  kill -TERM "$init"
  reap "$SPAWN_PID" 10
  assert_status 143
}
check "1000 orphans are reaped: no zombie left in /proc" case_1000_orphans

# The same count with nobody reaping, so a broken count cannot pass the case above.
case_control_no_reaping() {
  spawn in_pidns "${SD[@]}" --exec -- "$PROBE" orphans 50 --wait 60
  local init
  init=$(ns_init_pid "$SPAWN_PID")
  wait_until 30 orphans_reported "$SPAWN_OUT" 50 || fail "the probe did not make its orphans"
  wait_until 5 zombies_are "$init" 50 || true
  assert_eq 50 "$(pidns_zombies "$init")" "with --exec the probe is PID 1 and reaps nothing"
  kill -KILL "$init"
  reap "$SPAWN_PID" 10
}
check "control: with --exec (no init) the 50 orphans stay zombies" case_control_no_reaping

case_warn_per_orphan() {
  # --wait: the app outlives its orphans (otherwise the shutdown's SIGTERM may
  # end some of them first, which is right but not what this case counts).
  run in_pidns "${SD[@]}" -w -- "$PROBE" orphans 5 --wait 1
  assert_status 0
  assert_eq 5 "$(grep -c '^stepdown: warning: Reaped zombie process with pid=[0-9]* (exit code 0)$' <<<"$RUN_ERR")" \
    "one warning per orphan"
  run in_pidns "${SD[@]}" -- "$PROBE" orphans 5 --wait 1
  assert_status 0
  assert_eq "" "$RUN_ERR" "without -w a healthy run prints nothing"
}
check "-w warns once per reaped orphan; quiet without it" case_warn_per_orphan

# Away from PID 1: the namespace's PID 1 is a shell that stays; the launcher
# prints its pid and execs stepdown. The app makes an orphan that reports its
# parent after the app's own shell has gone: the subreaper (stepdown) when
# one is asked for, the namespace's PID 1 otherwise.
write_scripts() {
  cat >"$SCENARIO_TMP/launch.sh" <<'EOF'
#!/bin/sh
echo "init=$$"
exec "$@"
EOF
  cat >"$SCENARIO_TMP/app.sh" <<'EOF'
#!/bin/sh
# $1: the probe. The subshell forks the reporter and exits at once, so the
# reporter is orphaned while this shell is still running.
( sh -c 'sleep 0.3; exec "$1" report' sh "$1" & )
sleep 1.5
EOF
  chmod 0755 "$SCENARIO_TMP/launch.sh" "$SCENARIO_TMP/app.sh"
}

case_subreaper() {
  local want=$1
  shift
  write_scripts
  # shellcheck disable=SC2016 # for the inner sh
  run in_pidns sh -c '"$@"; echo "pid1-still-here"' pid1 "$@" "$SCENARIO_TMP/app.sh" "$PROBE"
  assert_status 0
  assert_contains "$RUN_OUT" "pid1-still-here"
  local init ppid
  init=$(report_value init) ppid=$(report_value ppid)
  assert_ne 1 "$init" "stepdown must not be PID 1 here"
  if [[ $want == subreaper ]]; then
    assert_eq "$init" "$ppid" "the orphan's parent is stepdown"
  else
    assert_eq 1 "$ppid" "the orphan's parent is the namespace's PID 1"
  fi
}
check "--init away from PID 1: stepdown is the orphans' subreaper" case_subreaper subreaper \
  "$SCENARIO_TMP/launch.sh" "${SD[@]}" --init --
check "-s away from PID 1: subreaper" case_subreaper subreaper \
  "$SCENARIO_TMP/launch.sh" "${SD[@]}" -s --
check "TINI_SUBREAPER away from PID 1: subreaper" case_subreaper subreaper \
  env TINI_SUBREAPER= "$SCENARIO_TMP/launch.sh" "${SD[@]}" --
check "control: neither, away from PID 1: exec mode, orphans go to PID 1" case_subreaper pid1 \
  "$SCENARIO_TMP/launch.sh" "${SD[@]}" --

scenario_end
