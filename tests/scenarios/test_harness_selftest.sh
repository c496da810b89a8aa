#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2119 # cases run through check; reap and scenario_begin take optional args
# Proves the scenario harness and the probe, using only the probe: the private
# /etc is what the namespace sees and the machine's /etc is untouched, sockets
# get the owner/group/mode asked for and enforce it, the probe's verdicts can
# fail, the read-only and single-file-bind variants behave like Docker's, and
# the harness counts failures and cleans up after a failing scenario.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
scenario_begin

real_etc_sums() { sha256sum /etc/passwd /etc/group; }

case_private_etc() {
  local before
  before=$(real_etc_sums)

  run in_ns cat /etc/passwd
  assert_status 0
  assert_eq "${SCENARIO_PASSWD%$'\n'}" "$RUN_OUT" "the namespace sees the private passwd"
  run in_ns id app
  assert_eq "uid=1000(app) gid=1000(app) groups=1000(app)" "$RUN_OUT" "id resolves from the private copy"
  run in_ns test -e /etc/gshadow
  assert_status 1 "the private copy has no gshadow unless a case writes one"

  # Writes and an atomic replace inside the namespace land in the copy only.
  run in_ns sh -c 'echo "docker:x:988:app" >>/etc/group &&
    cp /etc/group /etc/group.new && echo "probe:x:4242:" >>/etc/group.new && mv /etc/group.new /etc/group'
  assert_status 0
  assert_file_eq "$SCENARIO_ETC/group" "${SCENARIO_GROUP}docker:x:988:app
probe:x:4242:
"
  assert_stat "$SCENARIO_ETC/group" '%a %u:%g' '644 0:0'
  assert_no_file "$SCENARIO_ETC/group.new"
  assert_eq "$before" "$(real_etc_sums)" "the machine's passwd and group are unchanged"
  assert_not_contains "$(cat /etc/group)" "probe:x:4242:" "the real /etc/group never saw the write"
}

case_fresh_etc_per_case() {
  assert_file_eq "$SCENARIO_ETC/group" "$SCENARIO_GROUP" "each case starts from the default group file"
  etc_lines group "root:x:0:" "docker:x:988:"
  run in_ns cat /etc/group
  assert_eq $'root:x:0:\ndocker:x:988:' "$RUN_OUT"
}

# etc_reset only puts back what changed; prove it restores everything.
case_etc_reset_restores() {
  run in_ns sh -c 'echo "docker:x:988:" >>/etc/group && echo "docker:!::" >/etc/gshadow &&
    chmod 0600 /etc/passwd && rm -rf /etc/ssl && rm /etc/hostname && mkdir /etc/new.d &&
    touch /etc/new.d/x /etc/.pwd.lock && ln -sf /nowhere /etc/os-release'
  assert_status 0
  etc_reset
  local ref=$SCENARIO_TMP/ref
  SCENARIO_ETC=$ref _scenario_etc_full
  local tree='%P %y %m %U %G %s %l\n'
  assert_eq "$(cd "$ref" && find . -printf "$tree" | sort)" "$(cd "$SCENARIO_ETC" && find . -printf "$tree" | sort)" \
    "the same entries, types, modes and owners as a full copy"
  run diff -r --no-dereference "$ref" "$SCENARIO_ETC"
  assert_status 0 "the same contents as a full copy"
  assert_no_file "$SCENARIO_ETC/gshadow"
  assert_file_eq "$SCENARIO_ETC/group" "$SCENARIO_GROUP"
}

case_socket_owner_mode() {
  make_socket docker.sock 0 988 0660
  make_socket app.sock 1000 1000 0600 500
  make_fifo fifo 0 988 0660
  assert_stat "$SCENARIO_SOCK/docker.sock" '%F %u:%g %a' 'socket 0:988 660'
  assert_stat "$SCENARIO_SOCK/app.sock" '%F %u:%g %a' 'socket 1000:1000 600'
  assert_stat "$SCENARIO_SOCK/fifo" '%F %u:%g %a' 'fifo 0:988 660'
  stop_socket app.sock
  assert_no_file "$SCENARIO_SOCK/app.sock" "the server unlinks its socket on SIGTERM"
}

case_probe_as_root() {
  make_socket ok.sock 0 988 0660 ok
  make_socket err.sock 0 988 0660 500
  make_socket close.sock 0 988 0660 close
  make_socket wrong.sock 0 988 0660 wrong
  run in_ns "$PROBE" report --ping "$SCENARIO_SOCK/ok.sock" --ping "$SCENARIO_SOCK/err.sock" \
    --ping "$SCENARIO_SOCK/close.sock" --ping "$SCENARIO_SOCK/wrong.sock" --connect "$SCENARIO_SOCK/missing.sock"
  assert_status 0
  assert_report uid 0,0,0
  assert_report gid 0,0,0
  assert_report setuid0 succeeds
  assert_report sig_ign 0000000000000000 "in_ns starts commands with default dispositions"
  assert_report sig_blk 0000000000000000 "and nothing blocked"
  assert_report cwd /
  assert_report "ping:$SCENARIO_SOCK/ok.sock" OK
  assert_report "ping:$SCENARIO_SOCK/err.sock" "error:http 500 Internal Server Error" \
    "a socket that answers 500 is an error, never success"
  assert_match '^error:' "$(report_value "ping:$SCENARIO_SOCK/close.sock")" "accept-and-close is an error"
  assert_report "ping:$SCENARIO_SOCK/wrong.sock" "error:unexpected body 'NOT OK'" "200 without the OK body is an error"
  assert_report "connect:$SCENARIO_SOCK/missing.sock" "error:No such file or directory"
  assert_eq "GET /_ping" "$(socket_requests ok.sock)" "the ok server saw exactly one ping"
}

case_probe_as_app() {
  make_socket docker.sock 0 988 0660
  local sock=$SCENARIO_SOCK/docker.sock
  run in_ns --as 1000:1000 "$PROBE" report --connect "$sock" --ping "$sock"
  assert_report uid 1000,1000,1000
  assert_report groups ""
  assert_report cap_eff 0000000000000000
  assert_report setuid0 fails
  assert_report "connect:$sock" "error:Permission denied" "uid 1000 without group 988 is refused"
  assert_report "ping:$sock" "error:Permission denied"

  run in_ns --as 1000:1000:988 "$PROBE" report --connect "$sock" --ping "$sock"
  assert_report groups 988
  assert_report "connect:$sock" ok "group 988 opens the 0660 socket"
  assert_report "ping:$sock" OK
}

case_default_socket_path() {
  make_socket docker.sock 0 988 0660
  run in_ns --bind "$SCENARIO_SOCK" /var/run "$PROBE" report --ping /var/run/docker.sock
  assert_report "ping:/var/run/docker.sock" OK "--bind puts the scenario's socket at the default path"
}

case_etc_read_only() {
  run in_ns --etc-ro sh -c 'echo "docker:x:988:" >>/etc/group'
  assert_ne 0 "$RUN_STATUS" "appending to the read-only /etc fails"
  assert_contains "$RUN_ERR" "Read-only file system"
  run in_ns --etc-ro touch /etc/group.tmp
  assert_ne 0 "$RUN_STATUS" "creating a temp file in the read-only /etc fails"
  assert_file_eq "$SCENARIO_ETC/group" "$SCENARIO_GROUP"
  assert_no_file "$SCENARIO_ETC/group.tmp"
}

case_group_file_bind() {
  local replace='cp /etc/group /etc/group.tmp && echo "docker:x:988:" >>/etc/group.tmp && mv -T /etc/group.tmp /etc/group'
  run in_ns --group-file sh -c "$replace"
  assert_ne 0 "$RUN_STATUS" "rename over a single-file bind mount fails"
  assert_contains "$RUN_ERR" "Device or resource busy"
  assert_file_eq "$SCENARIO_ETC/group" "$SCENARIO_GROUP" "the bound file is untouched"
  [[ -e $SCENARIO_ETC/group.tmp ]] || fail "the temp file went to the private copy, not the real /etc"

  run in_ns --group-file sh -c 'echo "docker:x:988:" >>/etc/group'
  assert_status 0 "in-place writes through the bind mount still work"

  rm -f "$SCENARIO_ETC/group.tmp"
  run in_ns sh -c "$replace"
  assert_status 0 "control: without --group-file the same rename succeeds"
}

case_pid_namespace() {
  run in_pidns "$PROBE" report
  assert_report pid 1
  assert_report ppid 0
  run in_pidns "$PROBE" exit 42
  assert_status 42
  run in_ns "$PROBE" kill-self TERM
  assert_status 143 "outside a pid namespace SIGTERM kills"
  run in_pidns "$PROBE" kill-self TERM
  assert_status 1 "PID 1 survives its own default-action SIGTERM"
  assert_contains "$RUN_ERR" "still alive after signal 15"
}

case_trap_and_signal_pid1() {
  spawn in_pidns "$PROBE" trap USR1 "$SCENARIO_TMP/got"
  wait_for_file "$SCENARIO_TMP/got.ready"
  local init
  init=$(ns_init_pid "$SPAWN_PID")
  assert_eq 1 "$(cat "$SCENARIO_TMP/got.ready")" "the trap runs as PID 1"
  kill -USR1 "$init"
  reap
  assert_status 0
  assert_file_eq "$SCENARIO_TMP/got" $'10\n' "the trap recorded SIGUSR1"
}

case_orphans_counted() {
  # The probe as PID 1 does not reap: its 25 orphans stay zombies until it exits.
  spawn in_pidns "$PROBE" orphans 25 --wait 60
  local init
  init=$(ns_init_pid "$SPAWN_PID")
  wait_until 10 grep -qx 'orphans=25' "$SPAWN_OUT" || fail "orphans did not report"
  assert_eq 25 "$(pidns_zombies "$init")" "zombies counted from /proc"
  kill -KILL "$init"
  reap
  # unshare cannot re-raise SIGKILL (util-linux 2.38 exits 1 instead of 137).
  assert_ne 0 "$RUN_STATUS" "SIGKILL from outside ends the namespace's PID 1"
}

case_assertions_can_fail() {
  local f=$SCENARIO_TMP/exact
  printf 'a\n' >"$f"
  if (assert_eq a b) 2>/dev/null; then fail "assert_eq passed on a mismatch"; fi
  if (assert_contains abc x) 2>/dev/null; then fail "assert_contains passed on a mismatch"; fi
  if (assert_file_eq "$f" a) 2>/dev/null; then fail "assert_file_eq ignored a trailing newline"; fi
  if (assert_stat "$f" '%a' 777) 2>/dev/null; then fail "assert_stat passed on a mismatch"; fi
  assert_file_eq "$f" $'a\n'
}

# A scenario inside the scenario: counts, the summary line, skips, exit code,
# and cleanup of servers, background processes and the temp dir on failure.
case_harness_counts_and_cleans() {
  local nested=$SCENARIO_TMP/nested.sh record=$SCENARIO_TMP/record
  cat >"$nested" <<EOF
source '$SOURCE_DIR/tests/scenarios/lib.sh'
scenario_begin nested
passes() { make_socket s.sock 0 0 0600; echo "\$SCENARIO_DIR" >'$record.dir'; }
fails() { spawn sleep 300; echo "\$SPAWN_PID" >'$record.pid'; assert_eq 1 2 "one is not two"; }
skips() { skip "not today"; }
check passes passes
check fails fails
check skips skips
scenario_end
EOF
  run env STEPDOWN="$SCENARIO_STEPDOWN_BIN" PROBE="$SCENARIO_PROBE_BIN" bash "$nested"
  assert_status 1 "a failed check makes the scenario fail"
  assert_eq "1 passed, 1 failed, 1 skipped" "$(tail -n 1 <<<"$RUN_OUT")"
  assert_contains "$RUN_OUT" "FAIL - fails"
  assert_contains "$RUN_OUT" "FAIL: one is not two"
  assert_contains "$RUN_OUT" "skip - skips: not today"
  assert_no_file "$(cat "$record.dir")" "the nested temp dir is removed"
  if process_alive "$(cat "$record.pid")"; then fail "the failing case's background process survived"; fi

  # An error outside any check still cleans up (and kills scenario-level servers).
  cat >"$nested" <<EOF
set -e
source '$SOURCE_DIR/tests/scenarios/lib.sh'
scenario_begin nested
make_socket s.sock 0 0 0600
echo "\$SCENARIO_DIR \$(cat "\$SCENARIO_DIR/.state/serve\${SCENARIO_SOCK//\//_}_s.sock.pid")" >'$record'
false
EOF
  run env STEPDOWN="$SCENARIO_STEPDOWN_BIN" PROBE="$SCENARIO_PROBE_BIN" bash "$nested"
  assert_status 1
  local dir pid
  read -r dir pid <"$record"
  assert_no_file "$dir"
  if process_alive "$pid"; then fail "the scenario-level server survived"; fi
}

case_not_root_skips() {
  local nested=$SCENARIO_TMP/nonroot.sh
  printf 'source %q\nscenario_begin nonroot\n' "$SOURCE_DIR/tests/scenarios/lib.sh" >"$nested"
  chmod 0644 "$nested"
  run setpriv --reuid=1000 --regid=1000 --clear-groups env STEPDOWN="$STEPDOWN" PROBE="$PROBE" bash "$nested"
  assert_status 77 "not root is a skip (77), never a pass"
  assert_contains "$RUN_OUT" "needs real root (running as uid 1000)"
}

check "private /etc is visible in the namespace, the machine's is not touched" case_private_etc
check "every case starts from a fresh /etc" case_fresh_etc_per_case
check "etc_reset restores every kind of change" case_etc_reset_restores
check "served sockets get the owner, group and mode asked for" case_socket_owner_mode
check "probe as root: ids, ping OK, 500, close and a wrong body are errors" case_probe_as_root
check "probe as uid 1000: socket permissions are enforced" case_probe_as_app
check "--bind serves the socket at /var/run/docker.sock" case_default_socket_path
check "read-only /etc rejects writes" case_etc_read_only
check "single-file bind of /etc/group: rename gives EBUSY" case_group_file_bind
check "pid namespace: the command is PID 1" case_pid_namespace
check "trap records a signal sent to PID 1" case_trap_and_signal_pid1
check "orphans become zombies, counted from /proc" case_orphans_counted
check "assertions fail on mismatches" case_assertions_can_fail
check "failures are counted and cleaned up" case_harness_counts_and_cleans
check "not root: skip with the reason" case_not_root_skips
scenario_end
