#!/usr/bin/env bash
# --keep-cap as real root: the app (uid 1000) holds exactly the kept
# capabilities in all five sets (effective, permitted, inheritable, ambient,
# bounding) as the kernel reports them, really binds port 80 with
# NET_BIND_SERVICE (and cannot without it); only the allow-list is kept
# without --force-keep-cap, everything else is refused (77); invoked as tini
# or docker-init, --keep-cap still drops; a capability the container was
# started without (not in the bounding set) is refused up front (77), with
# the fix; --check reports the kept capability and the probe holds it.
source "$(dirname "$0")/lib.sh"
scenario_begin

PY=/usr/bin/python3
BIND80='import socket
s = socket.socket()
s.bind(("0.0.0.0", 80))
print("bound", s.getsockname()[1])'

# assert_caps MASK: every capability set of the probe holds exactly MASK.
assert_caps() {
  local set
  for set in cap_eff cap_prm cap_inh cap_amb cap_bnd; do assert_report "$set" "$1"; done
}

assert_dropped_user() {
  assert_report uid 1000,1000,1000
  assert_report gid 1000,1000,1000
  assert_report no_new_privs 1
}

case_net_bind_service() {
  run in_ns "$STEPDOWN" --no-socket --keep-cap NET_BIND_SERVICE -- "$PROBE" report
  assert_status 0
  assert_dropped_user
  assert_caps 0000000000000400
  assert_report setuid0 fails
  assert_eq "" "$RUN_ERR" "a healthy start prints nothing"
}
check "--keep-cap NET_BIND_SERVICE: exactly that capability in all five sets, from the kernel" case_net_bind_service

case_env_list() {
  run in_ns env STEPDOWN_KEEP_CAPS=net_bind_service,CAP_NET_RAW "$STEPDOWN" --no-socket -- "$PROBE" report
  assert_status 0
  assert_dropped_user
  assert_caps 0000000000002400
  assert_contains "$RUN_ERR" "keeping CAP_NET_RAW for the app: the app can send raw packets" "NET_RAW is kept, with a warning"
}
check "STEPDOWN_KEEP_CAPS=net_bind_service,CAP_NET_RAW: both, any spelling; NET_RAW warns" case_env_list

# The allow-list, by number: each is kept without force, and nothing else.
ALLOWED=(NET_BIND_SERVICE:10 NET_BROADCAST:11 NET_RAW:13 IPC_LOCK:14 LEASE:28 WAKE_ALARM:35 BLOCK_SUSPEND:36
  AUDIT_WRITE:29 SYS_NICE:23 SYS_RESOURCE:24)

case_allowed() {
  local entry name number bounding
  # This machine's bounding set (a container may lack some, e.g. SYS_RESOURCE):
  # a capability missing there must be refused up front instead.
  bounding=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
  for entry in "${ALLOWED[@]}"; do
    name=${entry%%:*} number=${entry#*:}
    run in_ns "$STEPDOWN" --no-socket --keep-cap "$name" -- "$PROBE" report
    if (((bounding >> number & 1) == 0)); then
      assert_status 77 "--keep-cap $name, not in this machine's bounding set"
      assert_contains "$RUN_ERR" "cannot keep CAP_$name for the app: not in stepdown's bounding set"
      assert_contains "$RUN_ERR" "docker run --cap-add $name"
      continue
    fi
    assert_status 0 "--keep-cap $name"
    assert_dropped_user
    assert_caps "$(printf '%016x' $((1 << number)))"
    case $name in
      NET_RAW | LEASE | SYS_NICE | SYS_RESOURCE)
        assert_contains "$RUN_ERR" "keeping CAP_$name for the app: the app can" "--keep-cap $name: kept, with a warning" ;;
      *) assert_eq "" "$RUN_ERR" "--keep-cap $name: a healthy start prints nothing" ;;
    esac
  done
}
check "the allow-list: each capability on it is kept without force, exactly, in all five sets (or refused up front when the machine lacks it)" case_allowed

case_pid1() {
  run in_pidns "$STEPDOWN" --no-socket --keep-cap NET_BIND_SERVICE -- "$PROBE" report
  assert_status 0
  assert_dropped_user
  assert_caps 0000000000000400
}
check "as PID 1 (supervising): the app holds exactly the kept capability" case_pid1

case_binds_port_80() {
  [[ -x $PY ]] || skip "needs $PY"
  # A fresh network namespace: port 80 is free and privileged there (1024 is
  # the default ip_unprivileged_port_start of a new namespace).
  run in_ns unshare --net "$STEPDOWN" --no-socket --keep-cap NET_BIND_SERVICE -- "$PY" -c "$BIND80"
  assert_status 0
  assert_eq "bound 80" "$RUN_OUT" "uid 1000 binds port 80 with NET_BIND_SERVICE"
  run in_ns unshare --net "$STEPDOWN" --no-socket -- "$PY" -c "$BIND80"
  assert_ne 0 "$RUN_STATUS" "without --keep-cap the bind must fail"
  assert_contains "$RUN_ERR" "Permission denied"
}
check "the app really binds port 80 with NET_BIND_SERVICE, and cannot without it" case_binds_port_80

case_refused() {
  local name
  # Every capability off the allow-list, the ones a deny-list let through
  # (SYS_BOOT ... SYS_PACCT) included.
  for name in SETUID SETGID SETPCAP SETFCAP SYS_ADMIN SYS_PTRACE SYS_MODULE SYS_RAWIO DAC_OVERRIDE \
    DAC_READ_SEARCH CHOWN FOWNER FSETID MKNOD MAC_ADMIN MAC_OVERRIDE BPF SYS_BOOT NET_ADMIN PERFMON SYSLOG \
    SYS_TIME AUDIT_CONTROL AUDIT_READ KILL IPC_OWNER CHECKPOINT_RESTORE SYS_TTY_CONFIG SYS_CHROOT \
    LINUX_IMMUTABLE SYS_PACCT; do
    run in_ns "$STEPDOWN" --no-socket --keep-cap NET_BIND_SERVICE --keep-cap "$name" -- "$PROBE" report
    assert_status 77 "--keep-cap $name"
    assert_contains "$RUN_ERR" "refusing to keep CAP_$name for the app"
    assert_contains "$RUN_ERR" "--force-keep-cap"
    assert_eq "" "$RUN_OUT" "refused: the app must not run"
  done
  run in_ns env STEPDOWN_KEEP_CAPS=sys_admin "$STEPDOWN" --no-socket -- "$PROBE" report
  assert_status 77
}
check "every capability off the allow-list is refused (77), the opt-in named" case_refused

case_forced() {
  run in_ns "$STEPDOWN" --no-socket --keep-cap SYS_ADMIN --force-keep-cap -- "$PROBE" report
  assert_status 0
  assert_dropped_user
  assert_caps 0000000000200000
  assert_contains "$RUN_ERR" "keeping CAP_SYS_ADMIN for the app because --force-keep-cap was given"
  run in_ns env STEPDOWN_FORCE_KEEP_CAP=1 STEPDOWN_KEEP_CAPS=SETUID "$STEPDOWN" --no-socket -- "$PROBE" report
  assert_status 0
  assert_caps 0000000000000080
  # Forced means forced: with CAP_SETUID the app can become root again.
  assert_report setuid0 succeeds
}
check "--force-keep-cap keeps them anyway, with a warning" case_forced

case_bad_names() {
  run in_ns "$STEPDOWN" --no-socket --keep-cap FLY -- "$PROBE" report
  assert_status 64
  assert_contains "$RUN_ERR" "unknown capability 'FLY' for --keep-cap"
  run in_ns env STEPDOWN_KEEP_CAPS=NET_RAW,, "$STEPDOWN" --no-socket -- "$PROBE" report
  assert_status 64
  assert_contains "$RUN_ERR" "invalid STEPDOWN_KEEP_CAPS="
  assert_eq "" "$RUN_OUT"
}
check "unknown or empty capability names: usage error (64)" case_bad_names

case_non_root() {
  run in_ns --as 1000:1000 "$STEPDOWN" --no-socket --keep-cap NET_BIND_SERVICE -- "$PROBE" report
  assert_status 77
  assert_contains "$RUN_ERR" "--keep-cap needs stepdown started as root"
  assert_eq "" "$RUN_OUT"
}
check "started non-root, --keep-cap cannot be honoured: refused (77)" case_non_root

# Invoked as tini or docker-init (dockerd's --init), --keep-cap and
# STEPDOWN_KEEP_CAPS ask for the drop, as --user does: never full root.
case_tini_name() {
  local tini=$SCENARIO_DIR/bin/tini di=$SCENARIO_DIR/bin/docker-init
  ln -sf stepdown "$tini"
  ln -sf stepdown "$di"
  run in_pidns "$tini" --no-socket --keep-cap NET_BIND_SERVICE -- "$PROBE" report
  assert_status 0
  assert_dropped_user
  assert_caps 0000000000000400
  assert_report ppid 1 "the app is supervised by the init"
  run in_pidns env STEPDOWN_KEEP_CAPS=NET_BIND_SERVICE STEPDOWN_NO_SOCKET=1 "$di" -- "$PROBE" report
  assert_status 0
  assert_dropped_user
  assert_caps 0000000000000400
  run in_pidns env STEPDOWN_KEEP_CAPS=SYS_ADMIN "$di" -- "$PROBE" report
  assert_status 77
  assert_contains "$RUN_ERR" "refusing to keep CAP_SYS_ADMIN for the app"
  assert_eq "" "$RUN_OUT" "refused: the app must not run"
  # Control: without a stepdown setting it stays a plain init, as tini.
  run in_pidns "$tini" -- "$PROBE" report
  assert_status 0
  assert_report uid 0,0,0
}
check "invoked as tini or docker-init: --keep-cap and STEPDOWN_KEEP_CAPS drop to uid 1000 with the capability" case_tini_name

# docker run --cap-drop NET_BIND_SERVICE: the capability is gone from the
# bounding set before stepdown starts; refused before any credential change.
case_not_in_bounding_set() {
  run in_ns setpriv --bounding-set=-net_bind_service "$STEPDOWN" --no-socket --keep-cap NET_BIND_SERVICE -- \
    "$PROBE" report
  assert_status 77
  assert_contains "$RUN_ERR" "cannot keep CAP_NET_BIND_SERVICE for the app: not in stepdown's bounding set"
  assert_contains "$RUN_ERR" "docker run --cap-add NET_BIND_SERVICE"
  assert_contains "$RUN_ERR" "compose cap_add: [NET_BIND_SERVICE]"
  assert_contains "$RUN_ERR" "securityContext.capabilities.add: [NET_BIND_SERVICE]"
  assert_not_contains "$RUN_ERR" "cannot reduce" "refused up front, not by a failing syscall after setresuid"
  assert_eq "" "$RUN_OUT" "refused: the app must not run"
  # Another kept capability still in the set is not enough: all or nothing.
  run in_ns setpriv --bounding-set=-net_bind_service "$STEPDOWN" --no-socket --keep-cap NET_RAW \
    --keep-cap NET_BIND_SERVICE -- "$PROBE" report
  assert_status 77
  # Control: the same start without the missing capability works.
  run in_ns setpriv --bounding-set=-net_bind_service "$STEPDOWN" --no-socket --keep-cap SYS_NICE -- "$PROBE" report
  assert_status 0
  assert_caps 0000000000800000
}
check "a kept capability missing from the bounding set: refused up front (77) with the --cap-add fix" case_not_in_bounding_set

# stepdown --check with --keep-cap: the report says the capability is kept,
# and the probe child, which takes the identity as a real start does, holds
# exactly it (and --check refuses what a real start refuses).
case_check() {
  require_cmd python3
  run in_ns "$STEPDOWN" --check --json --no-socket --keep-cap NET_BIND_SERVICE
  assert_status 0
  local got
  got=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
a = d["after"]; p = d["probe"]["as"]
print(a["capabilities_kept"], "net_bind_service" in a["capabilities_dropped"], p["capabilities_as_planned"],
      p["capabilities_held"], p["capabilities_empty"], d["probe"]["error"])
' "$RUN_OUT" 2>&1)
  assert_eq "['net_bind_service'] False True ['net_bind_service'] False None" "$got" "--check --json with --keep-cap"
  run in_ns "$STEPDOWN" --check --no-socket --keep-cap NET_BIND_SERVICE
  assert_status 0
  assert_contains "$RUN_OUT" "keeps net_bind_service (--keep-cap) in every set, nothing else"
  assert_contains "$RUN_OUT" "capabilities exactly net_bind_service in every set, as planned (--keep-cap)"
  assert_not_contains "$RUN_OUT" "not all sets empty"
  run in_ns setpriv --bounding-set=-net_bind_service "$STEPDOWN" --check --json --no-socket \
    --keep-cap NET_BIND_SERVICE
  assert_status 77
  assert_contains "$RUN_OUT" '"code":"keep-cap-unavailable"'
  assert_contains "$RUN_OUT" '"docker_run":"--cap-add NET_BIND_SERVICE"'
}
check "--check --keep-cap: kept in text and JSON, the probe holds exactly it; a missing one is 77" case_check

scenario_end
