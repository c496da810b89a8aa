#!/usr/bin/env bash
# The drop-in form: Docker bind-mounts the init at /sbin/docker-init and runs
# `/sbin/docker-init -- ENTRYPOINT CMD` with the container's user and env
# (podman: /run/podman-init). argv is fixed there, so the environment is the
# only channel: TINI_* with tini's meaning, STEPDOWN_* for the rest. Under
# those names stepdown is a plain tini-compatible init unless a STEPDOWN_
# setting asks for the drop, and it must work when started as non-root.
source "$(dirname "$0")/lib.sh"
scenario_begin

# A symlink named like Docker's and Podman's init, as the bind mount shows it.
DI=$SCENARIO_DIR/bin/docker-init
PI=$SCENARIO_DIR/bin/podman-init
ln -s stepdown "$DI"
ln -s stepdown "$PI"

tmpname() { mktemp -u "$SCENARIO_TMP/$1.XXXXXX"; }

case_plain_init() {
  local init
  for init in "$DI" "$PI"; do
    run in_pidns "$init" -- "$PROBE" report
    assert_status 0 "${init##*/}"
    assert_report uid 0,0,0 "no STEPDOWN_ setting: no drop, as with tini"
    assert_report ppid 1 "the app is supervised by the init"
    assert_eq "" "$RUN_ERR" "a healthy start prints nothing"
  done
  run in_pidns "$DI" -- "$PROBE" exit 3
  assert_status 3
}
check "docker-init/podman-init -- CMD: a tini-compatible init, no drop" case_plain_init

case_without_dashdash() {
  run in_pidns "$DI" "$PROBE" exit 4
  assert_status 4 "ENTRYPOINT [\"docker-init\", \"prog\"] without --"
}
check "docker-init PROG without -- runs PROG" case_without_dashdash

case_drop_by_env() {
  run in_pidns env STEPDOWN_USER=1000:1000 STEPDOWN_NO_SOCKET=1 "$DI" -- "$PROBE" report
  assert_status 0
  assert_report uid 1000,1000,1000 "STEPDOWN_USER asks for the drop"
  assert_report cap_bnd 0000000000000000
  assert_report ppid 1
}
check "docker-init with STEPDOWN_USER drops to that user" case_drop_by_env

case_non_root() {
  run in_pidns --as 1000:1000 "$DI" -- "$PROBE" report
  assert_status 0 "started as uid 1000 (docker run --user 1000 --init)"
  assert_report uid 1000,1000,1000
  assert_report ppid 1
}
check "docker-init started as non-root just works" case_non_root

case_remap_on_stop() {
  spawn in_pidns env STEPDOWN_EXIT_REMAP=143 "$DI" -- "$PROBE" sleep 60
  local init
  init=$(ns_init_pid "$SPAWN_PID")
  wait_until 10 pgrep -P "$init" -f stepdown-probe >/dev/null || fail "the app did not start"
  kill -TERM "$init"
  reap "$SPAWN_PID" 10
  assert_status 0 "docker stop exits 0 with STEPDOWN_EXIT_REMAP=143"
}
check "docker-init with STEPDOWN_EXIT_REMAP=143: docker stop gives exit 0" case_remap_on_stop

case_group_by_env() {
  local f
  f=$(tmpname grandchild)
  # shellcheck disable=SC2016 # for the inner sh
  spawn in_pidns env TINI_KILL_PROCESS_GROUP=0 "$DI" -- \
    sh -c 'trap "" USR1; "$1" trap USR1 "$2" & wait' sh "$PROBE" "$f"
  local init
  init=$(ns_init_pid "$SPAWN_PID")
  wait_for_file "$f.ready"
  kill -USR1 "$init"
  reap "$SPAWN_PID" 10
  assert_status 0
  assert_file_eq "$f" $'10\n' "the grandchild got SIGUSR1 through the process group"
}
check "docker-init with TINI_KILL_PROCESS_GROUP (even =0) forwards to the group" case_group_by_env

case_verbosity_stderr_only() {
  run in_pidns env TINI_VERBOSITY=3 "$DI" -- "$PROBE" exit 0
  assert_status 0
  assert_eq "" "$RUN_OUT" "stdout belongs to the app, even at TINI_VERBOSITY=3"
  assert_contains "$RUN_ERR" "Received SIGCHLD"
}
check "TINI_VERBOSITY=3 logs debug lines, on stderr only" case_verbosity_stderr_only

case_version() {
  run "$DI" --version
  assert_status 0
  # dockerd's parseInitVersion: "tini version VERSION - git.COMMIT", one line.
  assert_match '^tini version [^ ]+ - git\.[^. ]+$' "$RUN_OUT"
  assert_contains "$RUN_OUT" "stepdown" "stepdown's identity is in the version"
}
check "docker-init --version prints one line dockerd can parse" case_version

scenario_end
