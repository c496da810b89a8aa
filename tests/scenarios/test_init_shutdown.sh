#!/usr/bin/env bash
# Graceful tree shutdown. When the app ends, or when the init gets SIGTERM,
# the processes left over get SIGTERM, the init waits up to the grace period
# (--grace, STEPDOWN_GRACE) and then SIGKILLs what is left, reaping all of it
# before it exits with the app's status. Nothing left: it returns at once, so
# a normal docker stop is never slower than with tini. tini and catatonit exit
# at once and let the kernel SIGKILL the rest, so a leftover that handles
# SIGTERM never gets to run its handler there: these cases fail on them.
source "$(dirname "$0")/lib.sh"
scenario_begin

SD=("$STEPDOWN" --no-socket --user 1000:1000)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
tmpname() { mktemp -u "$SCENARIO_TMP/$1.XXXXXX"; }

# children_of and first_child: lib.sh.

# The app: leaves an orphan behind and exits 0 once the orphan is ready.
#   app.sh PROBE ignorer DIR   an orphan that ignores SIGTERM
#   app.sh PROBE handler DIR   an orphan that records SIGTERM in DIR/handler and exits
#   app.sh PROBE both DIR      both
write_app() {
  cat >"$SCENARIO_TMP/app.sh" <<'EOF'
#!/bin/sh
probe=$1 kind=$2 dir=$3
case $kind in ignorer | both)
  # SIG_IGN survives both execs; the inner sh knows its own pid (the
  # subshell's $$ would be this shell's).
  ( trap '' TERM; exec sh -c 'echo $$ >"$1"; exec "$2" sleep 60' sh "$dir/ignorer.pid" "$probe" ) &
  while [ ! -s "$dir/ignorer.pid" ]; do sleep 0.01; done ;;
esac
case $kind in handler | both)
  ( "$probe" trap TERM "$dir/handler" & )
  while [ ! -e "$dir/handler.ready" ]; do sleep 0.01; done ;;
esac
exit 0
EOF
  chmod 0755 "$SCENARIO_TMP/app.sh"
}

new_dir() {
  local d
  d=$(tmpname case)
  mkdir -m 0777 "$d"
  printf '%s\n' "$d"
}

case_ignorer_killed() {
  write_app
  local d t0 ms
  d=$(new_dir)
  t0=$(now_ms)
  run in_pidns "${SD[@]}" -w "$@" -- "$SCENARIO_TMP/app.sh" "$PROBE" ignorer "$d"
  ms=$(($(now_ms) - t0))
  assert_status 0 "the app's own status"
  assert_contains "$RUN_ERR" "sending SIGKILL"
  assert_match "Reaped zombie process with pid=[0-9]+ \\(killed by SIGKILL\\)" "$RUN_ERR"
  ((ms >= GRACE_MS)) || fail "returned after ${ms} ms, before the ${GRACE_MS} ms grace period"
  ((ms < GRACE_MS + 8000)) || fail "returned after ${ms} ms, long after the ${GRACE_MS} ms grace period"
}
GRACE_MS=1000 check "a leftover that ignores SIGTERM is SIGKILLed after --grace 1" case_ignorer_killed --grace 1

case_ignorer_killed_env() {
  write_app
  local d t0 ms
  d=$(new_dir)
  t0=$(now_ms)
  run in_pidns env STEPDOWN_GRACE=0.5 "${SD[@]}" -w -- "$SCENARIO_TMP/app.sh" "$PROBE" ignorer "$d"
  ms=$(($(now_ms) - t0))
  assert_status 0
  assert_match "Reaped zombie process with pid=[0-9]+ \\(killed by SIGKILL\\)" "$RUN_ERR"
  ((ms >= 500)) || fail "returned after ${ms} ms, before the 500 ms grace period"
  ((ms < 8000)) || fail "returned after ${ms} ms"
}
check "STEPDOWN_GRACE=0.5 sets the grace period" case_ignorer_killed_env

case_handler_prompt() {
  write_app
  local d t0 ms
  d=$(new_dir)
  t0=$(now_ms)
  run in_pidns "${SD[@]}" --grace 30 -- "$SCENARIO_TMP/app.sh" "$PROBE" handler "$d"
  ms=$(($(now_ms) - t0))
  assert_status 0
  assert_file_eq "$d/handler" $'15\n' "the leftover ran its SIGTERM handler"
  ((ms < 10000)) || fail "took ${ms} ms: the init waited for the grace period instead of for the leftover"
  assert_eq "" "$RUN_ERR" "nothing needed SIGKILL"
}
check "a leftover that exits on SIGTERM ends the container promptly (--grace 30)" case_handler_prompt

# docker stop while the app runs: the app gets SIGTERM; so does an orphan of
# it, at the same moment, not only once the app has finished its own
# (slow, 4 s) shutdown.
case_stop_orphan_in_parallel() {
  local d
  d=$(new_dir)
  # shellcheck disable=SC2016 # for the inner sh
  spawn in_pidns "${SD[@]}" --grace 30 -- sh -c '
    ( "$1" trap TERM "$2/handler" & )
    while [ ! -e "$2/handler.ready" ]; do sleep 0.01; done
    trap "sleep 4; exit 7" TERM
    touch "$2/app.ready"
    while :; do sleep 0.05; done' sh "$PROBE" "$d"
  local init app
  init=$(ns_init_pid "$SPAWN_PID")
  wait_for_file "$d/app.ready"
  app=$(first_child "$init")
  kill -TERM "$init"
  wait_until 5 test -e "$d/handler" || fail "the orphan did not get SIGTERM"
  process_alive "$app" || fail "the app ended before the orphan got SIGTERM: not in parallel"
  reap "$SPAWN_PID" 10
  assert_status 7 "the app's own exit code"
  assert_file_eq "$d/handler" $'15\n'
}
check "docker stop: an orphan gets SIGTERM while the app is still shutting down" case_stop_orphan_in_parallel

case_stop_fast() {
  spawn in_pidns "${SD[@]}" --grace 30 -- "$PROBE" sleep 60
  local init app t0 ms
  init=$(ns_init_pid "$SPAWN_PID")
  app=$(first_child "$init")
  wait_exec "$app" "$PROBE"
  t0=$(now_ms)
  kill -TERM "$init"
  reap "$SPAWN_PID" 10
  ms=$(($(now_ms) - t0))
  assert_status 143
  ((ms < 5000)) || fail "docker stop took ${ms} ms with nothing left to wait for (--grace 30)"
}
check "docker stop with nothing left over returns at once, whatever --grace is" case_stop_fast

# Away from PID 1 (--init) kill(-1) would reach every process of the uid: the
# init must signal only its own descendants. An unrelated process of the same
# uid 1000 runs next to it and must be spared; the init's own leftovers must
# be handled, down to the SIGKILL the kernel would not send here.
case_not_pid1() {
  write_app
  local d
  d=$(new_dir)
  cat >"$SCENARIO_TMP/outer.sh" <<'EOF'
#!/bin/sh
probe=$1 dir=$2 app=$3
shift 3
setpriv --reuid=1000 --regid=1000 --clear-groups "$probe" trap TERM "$dir/unrelated" &
u=$!
while [ ! -e "$dir/unrelated.ready" ]; do sleep 0.01; done
"$@" -- "$app" "$probe" both "$dir"
echo "stepdown=$?"
sleep 0.2
if [ -e "$dir/unrelated" ]; then echo unrelated=signalled; else echo unrelated=spared; fi
kill -KILL "$u"
pid=$(cat "$dir/ignorer.pid")
if [ -e "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"; then
  echo ignorer=alive
  kill -KILL "$pid"
else
  echo ignorer=gone
fi
EOF
  chmod 0755 "$SCENARIO_TMP/outer.sh"
  run in_pidns "$SCENARIO_TMP/outer.sh" "$PROBE" "$d" "$SCENARIO_TMP/app.sh" "${SD[@]}" --init --grace 1
  assert_status 0
  assert_report stepdown 0
  assert_report unrelated spared "a process outside stepdown's tree got a signal"
  assert_file_eq "$d/handler" $'15\n' "the handler orphan got SIGTERM"
  assert_report ignorer gone "the SIGTERM-ignoring orphan was SIGKILLed"
}
check "--init away from PID 1 signals only its own descendants" case_not_pid1

scenario_end
