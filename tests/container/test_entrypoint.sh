#!/usr/bin/env bash
# shellcheck disable=SC2317 # the checks are functions called through `check NAME FN`
# Container tier, stepdown as the image's ENTRYPOINT ["/usr/local/bin/stepdown", "--"]
# in FROM scratch images, against the real engine through socket relays with
# chosen GIDs (issue 4, scenarios 1 to 4). Facts come from the probe inside
# the container and from the host's /proc for the container's processes.
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tier

scratch_image "$GROUP_LINES"
IMG="$REPLY"

# The image's ENTRYPOINT ends in `--`, so options after the image name would
# be the command: docker users configure stepdown by STEPDOWN_* variables, and
# these checks pass flags by replacing the entrypoint.
FLAGS=(--entrypoint /usr/local/bin/stepdown)

# A group file with extra lines after the defaults.
groups_plus() { printf '%s\n%s' "$GROUP_LINES" "$1"; }

# 1. The default: root start, drop to 1000 with exactly the socket's group.
default_entrypoint() {
  start_relay 988
  probe_run "$REPLY" "$IMG"
  expect_dropped 988
  expect_eq "$(kv home "$OUT")" "/home/app" "HOME from the passwd entry"
  expect_eq "$(kv user "$OUT")" "app" "USER from the passwd entry"
  expect_eq "$(kv cap_prm "$OUT")" "0000000000000000" "permitted capabilities"
  expect_eq "$(kv cap_inh "$OUT")" "0000000000000000" "inheritable capabilities"
  expect_eq "$(kv cap_amb "$OUT")" "0000000000000000" "ambient capabilities"
  expect_eq "$(kv cap_bnd "$OUT")" "0000000000000000" "bounding set"
  expect_eq "$(kv fds "$OUT")" "" "file descriptors inherited beyond 0-2"
  expect_eq "$ERR" "" "stderr of a healthy start (quiet by default)"
}

# Without stepdown the same uid cannot use the socket: the relay really
# enforces its group, so the OK above is stepdown's doing.
control_without_stepdown() {
  start_relay 988
  probe_run "$REPLY" --user 1000:1000 --entrypoint "$PROBE_BIN" "$IMG" report --ping /var/run/docker.sock
  expect_eq "$RC" 0 "probe exit code"
  expect_eq "$(kv ping:/var/run/docker.sock "$OUT")" "error:Permission denied" "ping as plain uid 1000"
}

# `docker top` and the host's /proc: no process of the container is root or
# holds a capability, PID 1 (stepdown itself) included.
no_root_process() {
  start_relay 988
  local sock="$REPLY"
  new_name top
  local name="$REPLY" pids pid n=0
  docker run -d --name "$name" --label "$LABEL" -v "${sock}:/var/run/docker.sock" \
    "$IMG" "$PROBE_BIN" sleep 60 >/dev/null
  wait_for 10 bash -c "[[ \$(docker top '$name' -eo pid | tail -n +2 | wc -l) -ge 2 ]]" ||
    fail "expected stepdown and the app in 'docker top'"
  note "$(docker top "$name" -eo uid,gid,pid,ppid,args)"
  expect_eq "$(docker top "$name" -eo pid,uid | tail -n +2 | awk '{print $2}' | sort -u | tr '\n' ' ')" "1000 " "uids in docker top"
  pids="$(docker top "$name" -eo pid | tail -n +2)"
  for pid in $pids; do
    n=$((n + 1))
    expect_eq "$(host_status "$pid" Uid)" $'1000\t1000\t1000\t1000' "uids of pid $pid"
    expect_eq "$(host_status "$pid" Groups)" "988" "groups of pid $pid"
    expect_eq "$(host_status "$pid" CapEff)" "0000000000000000" "CapEff of pid $pid"
    expect_eq "$(host_status "$pid" CapBnd)" "0000000000000000" "CapBnd of pid $pid"
    expect_eq "$(host_status "$pid" NoNewPrivs)" "1" "NoNewPrivs of pid $pid"
  done
  expect_eq "$n" 2 "processes in the container (stepdown as PID 1 and the app)"
}

# 2. GID collisions and the special GIDs.
gid_collides_with_image_group() {
  local gid="$1" name="$2"
  scratch_image "$(groups_plus "${name}:x:${gid}:")"
  local img="$REPLY"
  start_relay "$gid"
  local sock="$REPLY"
  new_name keep
  local ctr="$REPLY"
  RC=0
  docker run --name "$ctr" --label "$LABEL" -v "${sock}:/var/run/docker.sock" "$img" >"$T/out" 2>"$T/err" || RC=$?
  OUT="$(cat "$T/out")"
  ERR="$(cat "$T/err")"
  note "stdout: ${OUT//$'\n'/ | }"
  note "stderr: ${ERR//$'\n'/ | }"
  expect_dropped "$gid"
  local after
  after="$(file_from "$ctr" /etc/group)"
  note "/etc/group after: ${after//$'\n'/ | }"
  # Reused, never renamed or renumbered: app added as a member.
  expect_eq "$after" "$(groups_plus "${name}:x:${gid}:app")" "/etc/group after the run"
}

docker_group_has_other_gid() {
  scratch_image "$(groups_plus "docker:x:999:")"
  local img="$REPLY"
  start_relay 988
  local sock="$REPLY"
  new_name keep
  local ctr="$REPLY"
  RC=0
  docker run --name "$ctr" --label "$LABEL" -v "${sock}:/var/run/docker.sock" "$img" >"$T/out" 2>"$T/err" || RC=$?
  OUT="$(cat "$T/out")"
  ERR="$(cat "$T/err")"
  note "stdout: ${OUT//$'\n'/ | }"
  note "stderr: ${ERR//$'\n'/ | }"
  expect_dropped 988
  local after
  after="$(file_from "$ctr" /etc/group)"
  note "/etc/group after: ${after//$'\n'/ | }"
  # docker keeps 999 and no member; a group with 988 now exists, app in it.
  expect_contains "$after" $'\ndocker:x:999:\n' "the image's docker group, untouched"
  expect_match "$(grep -E '^[^:]+:x:988:' <<<"$after")" '^[a-z_][a-z0-9_-]*:x:988:app$' "the new group with GID 988"
  expect_eq "$(grep -c ':988:' <<<"$after")" 1 "lines with GID 988"
  expect_eq "$(head -n 3 <<<"$after")" "$GROUP_LINES" "the lines before, byte for byte"
}

gid0_refused() {
  start_relay 0
  probe_run "$REPLY" "$IMG"
  expect_eq "$RC" 77 "exit code (refused as unsafe)"
  expect_contains "$ERR" "--allow-gid0" "the message names the opt-in"
  expect_eq "$OUT" "" "the app did not run"
}

gid0_allowed() {
  start_relay 0
  local sock="$REPLY"
  probe_run "$sock" "${FLAGS[@]}" "$IMG" --allow-gid0 -- "$PROBE_BIN" report --ping /var/run/docker.sock
  expect_dropped 0
  expect_contains "$ERR" "group 0" "the loud warning"
  probe_run "$sock" -e STEPDOWN_ALLOW_GID0=1 "$IMG"
  expect_dropped 0
}

# 3. Hardened `docker run` flags.
read_only_root() {
  start_relay 988
  probe_run "$REPLY" --read-only "$IMG"
  expect_dropped 988
  expect_contains "$ERR" "cannot update /etc/group" "the warning about the read-only /etc"
  expect_contains "$ERR" "continuing with numeric group 988" "what happens next"
}

only_setuid_setgid() {
  start_relay 988
  probe_run "$REPLY" --cap-drop ALL --cap-add SETUID --cap-add SETGID "$IMG"
  if ((RC == 0)); then
    expect_dropped 988
  else
    expect_eq "$RC" 77 "exit code when a capability is missing"
    expect_match "$ERR" 'CAP_SETPCAP|SETPCAP|CAP_CHOWN|CAP_DAC_OVERRIDE|CAP_FOWNER' "the message names the missing capability"
    expect_eq "$OUT" "" "the app did not run"
  fi
}

no_capabilities_at_all() {
  start_relay 988
  probe_run "$REPLY" --cap-drop ALL "$IMG"
  expect_ne "$RC" 0 "exit code without CAP_SETUID/CAP_SETGID"
  expect_match "$ERR" 'SETGID|SETUID' "the message names the missing capability"
  expect_eq "$OUT" "" "the app did not run"
}

security_opt_no_new_privileges() {
  start_relay 988
  probe_run "$REPLY" --security-opt no-new-privileges "$IMG"
  expect_dropped 988
}

# 4. Non-root start: nothing to drop, stepdown says the exact fix.
user_1000_hint() {
  start_relay 988
  probe_run "$REPLY" --user 1000 "$IMG"
  expect_eq "$RC" 0 "exit code (the app still runs)"
  expect_eq "$(kv uid "$OUT")" "1000,1000,1000" "uid"
  expect_eq "$(kv ping:/var/run/docker.sock "$OUT")" "error:Permission denied" "ping without the group"
  expect_contains "$ERR" "--group-add 988" "the docker run hint"
  expect_contains "$ERR" 'group_add: ["988"]' "the compose hint"
  expect_contains "$ERR" "supplementalGroups: [988]" "the Kubernetes hint"
}

user_1000_group_add() {
  start_relay 988
  local sock="$REPLY"
  probe_run "$sock" --user 1000 --group-add 988 "$IMG"
  expect_eq "$RC" 0 "exit code"
  expect_eq "$(kv uid "$OUT")" "1000,1000,1000" "uid"
  expect_contains ",$(kv groups "$OUT")," ",988," "groups"
  expect_eq "$(kv ping:/var/run/docker.sock "$OUT")" "OK" "ping"
  expect_eq "$(kv no_new_privs "$OUT")" "1" "no_new_privs (set on the non-root path too)"
  expect_not_contains "$ERR" "--group-add" "no hint when the group is there"
  probe_run "$sock" --user 1000 --group-add 988 "${FLAGS[@]}" "$IMG" --require-socket -- "$PROBE_BIN" report
  expect_eq "$RC" 0 "exit code with --require-socket when the socket is usable"
}

user_1000_require_socket() {
  start_relay 988
  probe_run "$REPLY" --user 1000 -e STEPDOWN_REQUIRE_SOCKET=1 "$IMG"
  expect_eq "$RC" 69 "exit code with STEPDOWN_REQUIRE_SOCKET=1 and no access"
  expect_contains "$ERR" "--group-add 988" "the hint"
  expect_eq "$OUT" "" "the app did not run"
}

check "1 default ENTRYPOINT: uid 1000, groups [988], no caps, NoNewPrivs, ping OK" default_entrypoint
check "1 control: plain uid 1000 without stepdown is denied by the relay" control_without_stepdown
check "1 docker top: no root process, every process dropped (host /proc)" no_root_process
check "2 socket GID 999 collides with image group 'systemd-journal'" gid_collides_with_image_group 999 systemd-journal
check "2 socket GID 100 collides with image group 'users'" gid_collides_with_image_group 100 users
check "2 image 'docker' group has GID 999, socket 988: new group, nothing renumbered" docker_group_has_other_gid
check "2 socket GID 0 refused (77, names --allow-gid0)" gid0_refused
check "2 socket GID 0 with --allow-gid0 / STEPDOWN_ALLOW_GID0=1" gid0_allowed
check "3 docker run --read-only: numeric group, loud warning" read_only_root
check "3 --cap-drop ALL --cap-add SETUID --cap-add SETGID" only_setuid_setgid
check "3 --cap-drop ALL: refused, names the capability" no_capabilities_at_all
check "3 --security-opt no-new-privileges" security_opt_no_new_privileges
check "4 --user 1000: the exact --group-add 988 hint" user_1000_hint
check "4 --user 1000 --group-add 988: works" user_1000_group_add
check "4 --user 1000 STEPDOWN_REQUIRE_SOCKET=1 without the group: 69" user_1000_require_socket
finish
