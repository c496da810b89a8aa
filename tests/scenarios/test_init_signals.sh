#!/usr/bin/env bash
# Signals through the init, as PID 1 of a fresh pid namespace, sent from the
# parent namespace the way `docker kill -s` does: forwarding with 128+n exits
# (real-time signals included), forwarding by an init that runs at uid 1000
# with no capabilities at all (no CAP_KILL), group forwarding reaching a
# grandchild (-g, TINI_KILL_PROCESS_GROUP), the signal mask and ignored set
# handed to the app (tini's sigconf), job-control signals, and the
# parent-death signal set after the drop.
source "$(dirname "$0")/lib.sh"
scenario_begin

SD=("$STEPDOWN" --no-socket --user 1000:1000)

# children_of and first_child: lib.sh.

proc_state() { _scenario_stat_field "$1" 0; }
state_is() { [[ $(proc_state "$1") == "$2" ]]; }
status_line() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

# start_init ARGS...: spawn `in_pidns ARGS`; sets INIT (host pid of the
# namespace's PID 1) and APP (its first child). With START_EXEC set (the
# default is the probe), waits until APP runs that program.
start_init() {
  spawn in_pidns "$@"
  INIT=$(ns_init_pid "$SPAWN_PID")
  APP=$(first_child "$INIT")
  if [[ -n ${START_EXEC-$PROBE} ]]; then wait_exec "$APP" "${START_EXEC-$PROBE}"; fi
}

# A fresh file name in the shared temp dir (cases must not see each other's files).
tmpname() { mktemp -u "$SCENARIO_TMP/$1.XXXXXX"; }

case_forward() {
  local sig=$1 n
  n=$(kill -l "SIG$sig" 2>/dev/null || kill -l "$sig")
  start_init "${SD[@]}" -- "$PROBE" sleep 60
  kill -s "$sig" "$INIT"
  reap "$SPAWN_PID" 10
  assert_status $((128 + n)) "the app died of SIG$sig"
}
for sig in TERM INT HUP USR1 USR2 QUIT RTMIN+3 RTMAX; do
  check "SIG$sig to PID 1 reaches the app: exit $((128 + $(kill -l "SIG$sig")))" case_forward "$sig"
done

# glibc keeps 32 and 33 for its threads and its sigprocmask() cannot block
# them; the init blocks them with the raw system call, so they are forwarded
# like every other real-time signal instead of being lost or killing the init.
case_forward_32() {
  start_init "${SD[@]}" -- "$PROBE" sleep 60
  kill -n 32 "$INIT"
  reap "$SPAWN_PID" 10
  assert_status 160
}
check "signal 32 (glibc-reserved) is forwarded too: exit 160" case_forward_32

case_no_cap_kill() {
  local f
  f=$(tmpname got)
  start_init "${SD[@]}" -- "$PROBE" trap USR1 "$f"
  wait_for_file "$f.ready"
  # The init itself runs as the app's uid, with no capability in any set.
  assert_eq $'1000\t1000\t1000\t1000' "$(status_line "$INIT" Uid)" "init uid"
  assert_eq 0000000000000000 "$(status_line "$INIT" CapEff)" "init CapEff"
  assert_eq 0000000000000000 "$(status_line "$INIT" CapPrm)" "init CapPrm"
  assert_eq 0000000000000000 "$(status_line "$INIT" CapBnd)" "init CapBnd (no CAP_KILL to fall back on)"
  assert_eq $'1000\t1000\t1000\t1000' "$(status_line "$APP" Uid)" "app uid"
  kill -USR1 "$INIT"
  wait_for_file "$f"
  assert_file_eq "$f" $'10\n' "the app caught the forwarded SIGUSR1"
  reap "$SPAWN_PID" 10
  assert_status 0
  assert_not_contains "$RUN_ERR" "cannot forward"
}
check "an init at uid 1000 without CAP_KILL forwards to the app" case_no_cap_kill

case_no_cap_kill_term() {
  start_init "${SD[@]}" -- "$PROBE" sleep 60
  assert_eq 0000000000000000 "$(status_line "$INIT" CapBnd)"
  kill -TERM "$INIT"
  reap "$SPAWN_PID" 10
  assert_status 143 "docker stop on a uid-1000 init ends the app at once"
}
check "SIGTERM to a uid-1000 init without CAP_KILL: exit 143" case_no_cap_kill_term

# The app is `sh -c 'trap "" USR1; probe trap USR1 FILE & wait'`: the trap is
# a grandchild of the init in the app's process group, and sh itself ignores
# SIGUSR1 (the probe installs its own handler). Group forwarding must reach the
# grandchild, which records the signal and exits, and then sh exits 0; plain
# forwarding reaches only sh, so nothing happens until SIGTERM ends the app.
case_group() {
  local want=$1
  shift
  local f
  f=$(tmpname grandchild)
  # shellcheck disable=SC2016 # for the inner sh
  START_EXEC="" start_init "$@" -- sh -c 'trap "" USR1; "$1" trap USR1 "$2" & wait' sh "$PROBE" "$f"
  wait_for_file "$f.ready"
  kill -USR1 "$INIT"
  if [[ $want == reached ]]; then
    reap "$SPAWN_PID" 10
    assert_status 0 "sh ended when its child did"
    assert_file_eq "$f" $'10\n' "the grandchild caught SIGUSR1"
  else
    sleep 0.5
    assert_no_file "$f" "the grandchild must not get the signal without -g"
    kill -TERM "$INIT"
    reap "$SPAWN_PID" 10
    assert_status 143
  fi
}
check "-g: a signal reaches a grandchild in the app's process group" case_group reached "${SD[@]}" -g
check "TINI_KILL_PROCESS_GROUP=1 does the same" case_group reached env TINI_KILL_PROCESS_GROUP=1 "${SD[@]}"
check "TINI_KILL_PROCESS_GROUP=0 too (presence means on, as tini)" case_group reached \
  env TINI_KILL_PROCESS_GROUP=0 "${SD[@]}"
check "control: without -g only the app itself gets the signal" case_group missed "${SD[@]}"

# tini's sigconf test, made exact: a launcher blocks ILL TERM TTIN USR2 and
# ignores INT SEGV TTOU HUP; the app must see exactly the launcher's SigBlk
# and SigIgn, whatever the init does in between (it unblocks ILL for itself).
# shellcheck disable=SC2016 # perl code
SIGCONF=(perl -MPOSIX -e '
  sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGILL, SIGTERM, SIGTTIN, SIGUSR2)) or die "sigprocmask: $!";
  $SIG{$_} = "IGNORE" for qw(INT SEGV TTOU HUP);
  exec @ARGV or die "exec: $!";')

case_sigconf() {
  require_cmd perl
  run in_pidns "${SIGCONF[@]}" "$PROBE" report
  assert_status 0
  local blk ign
  blk=$(report_value sig_blk) ign=$(report_value sig_ign)
  # The control has the bits the launcher set: ILL 4, USR2 12, TERM 15, TTIN 21
  # blocked = 0x104808; HUP 1, INT 2, SEGV 11, TTOU 22 ignored = 0x200403.
  assert_eq 0000000000104808 "$blk" "control: the launcher's SigBlk"
  assert_eq 0000000000200403 "$ign" "control: the launcher's SigIgn"
  local mode
  for mode in "" --exec; do
    # shellcheck disable=SC2086 # mode is one word or none
    run in_pidns "${SIGCONF[@]}" "${SD[@]}" $mode -- "$PROBE" report
    assert_status 0
    assert_report sig_blk "$blk" "the app's SigBlk ($mode)"
    assert_report sig_ign "$ign" "the app's SigIgn ($mode)"
  done
}
check "sigconf: the app gets exactly the launcher's blocked and ignored signals" case_sigconf

case_default_sigconf() {
  run in_pidns "${SD[@]}" -- "$PROBE" report
  assert_status 0
  assert_report sig_blk 0000000000000000
  assert_report sig_ign 0000000000000000
}
check "sigconf: from a default launcher the app blocks and ignores nothing" case_default_sigconf

case_init_mask() {
  start_init "${SD[@]}" -- "$PROBE" sleep 60
  # Everything blocked but KILL/STOP and the fault signals ILL TRAP ABRT BUS
  # FPE SEGV SYS, which stay deliverable so a crash in the init is a crash.
  assert_eq ffffffffbffbfa07 "$(status_line "$INIT" SigBlk)" "init SigBlk"
  assert_eq 0000000000000000 "$(status_line "$INIT" SigIgn)" "init SigIgn"
  assert_eq 0000000000000000 "$(status_line "$INIT" SigCgt)" "init has no signal handlers"
  kill -TERM "$INIT"
  reap "$SPAWN_PID" 10
  assert_status 143
}
check "the init blocks every signal except the fault signals" case_init_mask

# SIGTSTP and SIGCONT sent to the init go to the app (docker kill -s TSTP);
# SIGTTIN/SIGTTOU concern the init's own terminal access and are not passed
# on (they would stop the app).
case_job_signals() {
  start_init "${SD[@]}" -- "$PROBE" sleep 60
  kill -TSTP "$INIT"
  wait_until 5 state_is "$APP" T || fail "SIGTSTP did not stop the app (state $(proc_state "$APP"))"
  sleep 0.5
  assert_eq T "$(proc_state "$APP")" "a forwarded SIGTSTP keeps the app stopped until SIGCONT"
  kill -CONT "$INIT"
  wait_until 5 state_is "$APP" S || fail "SIGCONT did not resume the app (state $(proc_state "$APP"))"
  kill -TTIN "$INIT"
  kill -TTOU "$INIT"
  sleep 0.5
  assert_eq S "$(proc_state "$APP")" "SIGTTIN/SIGTTOU to the init must not stop the app"
  assert_eq S "$(proc_state "$INIT")" "the init keeps running"
  kill -TERM "$INIT"
  reap "$SPAWN_PID" 10
  assert_status 143
}
check "SIGTSTP/SIGCONT are forwarded, SIGTTIN/SIGTTOU are not" case_job_signals

# The parent-death signal is set after the drop (setresuid clears it). When
# the namespace's launcher dies, the init gets SIGUSR1 and forwards it.
case_pdeathsig_pid1() {
  local f
  f=$(tmpname pdeath)
  start_init "${SD[@]}" -p SIGUSR1 -- "$PROBE" trap USR1 "$f"
  wait_for_file "$f.ready"
  local parent
  parent=$(_scenario_stat_field "$INIT" 1)
  assert_eq unshare "$(cat "/proc/$parent/comm")" "the init's parent"
  kill -KILL "$parent"
  wait_until 10 test -e "$f" || {
    kill -KILL "$INIT"
    fail "the app did not get SIGUSR1 after the init's parent died"
  }
  assert_file_eq "$f" $'10\n'
  wait_until 10 _scenario_not_alive "$INIT" || {
    kill -KILL "$INIT"
    fail "the init did not exit after the app"
  }
  reap "$SPAWN_PID" 10
}
check "-p SIGUSR1: the init's parent dies, the app gets SIGUSR1" case_pdeathsig_pid1

case_pdeathsig_control() {
  local f
  f=$(tmpname pdeath)
  start_init "${SD[@]}" -- "$PROBE" trap USR1 "$f"
  wait_for_file "$f.ready"
  kill -KILL "$(_scenario_stat_field "$INIT" 1)"
  sleep 1
  local alive=0
  process_alive "$INIT" && alive=1
  kill -KILL "$INIT" 2>/dev/null || true
  reap "$SPAWN_PID" 10
  assert_no_file "$f" "no -p, no signal"
  assert_eq 1 "$alive" "without -p the init outlives its parent"
}
check "control: without -p nothing is sent when the parent dies" case_pdeathsig_control

# In exec mode (no init) -p is set before the exec and survives it.
case_pdeathsig_exec() {
  local f
  f=$(tmpname pdeath)
  # shellcheck disable=SC2016 # for the inner sh
  run in_ns sh -c '"$@" & while [ ! -e "$0.ready" ]; do sleep 0.02; done' "$f" \
    "${SD[@]}" --exec -p SIGUSR1 -- "$PROBE" trap USR1 "$f"
  assert_status 0
  wait_until 10 test -e "$f" || {
    kill -KILL "$(cat "$f.ready")" 2>/dev/null
    fail "the exec'd app did not get SIGUSR1 when its parent exited"
  }
  assert_file_eq "$f" $'10\n'
}
check "-p in exec mode: set after the drop, kept across the exec" case_pdeathsig_exec

scenario_end
