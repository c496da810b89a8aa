#!/usr/bin/env bash
# shellcheck disable=SC2317 # the checks are functions called through `check NAME FN`
# Container tier: the groups the app ends up with, against the real engine.
# The groups `docker run --group-add` gives a root start are kept (and can be
# turned off); a socket of GID 65534 in the engine's initial user namespace
# is a group like any other; with a read-only root, `docker exec c stepdown
# -- CMD` drops again with the socket's number while `docker exec -u app`
# has no socket group; the --cap-drop ALL and GID-0 refusals give the fix
# that works (real numbers; the variable before the flag).
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tier

scratch_image "$GROUP_LINES"
IMG="$REPLY"
FLAGS=(--entrypoint /usr/local/bin/stepdown)

# docker run --group-add 4242 (compose group_add, Kubernetes
# supplementalGroups for a root container): the app keeps 4242 beside the
# socket's group, and an info line says so.
runtime_group_kept() {
  start_relay 988
  local sock="$REPLY"
  probe_run "$sock" --group-add 4242 "$IMG"
  expect_dropped 988,4242
  expect_eq "$ERR" "" "stderr of a healthy start (the runtime groups are logged at info)"
  probe_run "$sock" --group-add 4242 -e STEPDOWN_LOG_LEVEL=info "$IMG"
  expect_dropped 988,4242
  expect_contains "$ERR" "keeping the supplementary groups the container runtime added ([4242]" "the info line"
  # --check shows them, and its probe takes them.
  probe_run "$sock" --group-add 4242 "${FLAGS[@]}" "$IMG" --check --json
  expect_eq "$RC" 0 "--check exit code"
  expect_contains "$OUT" '"runtime_groups":[4242]' "--check --json target.runtime_groups"
  expect_contains "$OUT" '"groups":[988,4242]' "--check --json: the app's groups"
}

runtime_group_off() {
  start_relay 988
  local sock="$REPLY"
  probe_run "$sock" --group-add 4242 -e STEPDOWN_RUNTIME_GROUPS=0 "$IMG"
  expect_dropped 988
  probe_run "$sock" --group-add 4242 "${FLAGS[@]}" "$IMG" --no-runtime-groups -- "$PROBE_BIN" report --ping /var/run/docker.sock
  expect_dropped 988
}

# The runtime's group is the socket's: already a member, /etc/group untouched.
runtime_group_is_socket_group() {
  start_relay 988
  local sock="$REPLY"
  new_name keep
  local ctr="$REPLY"
  RC=0
  docker run --name "$ctr" --label "$LABEL" -v "${sock}:/var/run/docker.sock" --group-add 988 "$IMG" \
    >"$T/out" 2>"$T/err" || RC=$?
  OUT="$(cat "$T/out")"
  ERR="$(cat "$T/err")"
  note "stdout: ${OUT//$'\n'/ | }"
  note "stderr: ${ERR//$'\n'/ | }"
  expect_dropped 988
  expect_eq "$(file_from "$ctr" /etc/group)" "$GROUP_LINES" "/etc/group (nothing to align)"
}

# The engine runs containers in its initial user namespace unless it uses
# userns-remap: there 65534 is an ordinary group.
gid_65534_initial_namespace() {
  if docker info --format '{{.SecurityOptions}}' | grep -q 'name=userns'; then
    skip "the engine runs with userns-remap: 65534 is the overflow GID there"
  fi
  start_relay 65534
  local sock="$REPLY"
  probe_run "$sock" "$IMG"
  expect_dropped 65534
  expect_not_contains "$ERR" "overflow" "no overflow warning"
  probe_run "$sock" "${FLAGS[@]}" "$IMG" --check
  expect_eq "$RC" 0 "--check exit code"
  expect_contains "$OUT" "gid_map 0 0 4294967295" "--check names the initial namespace"
  expect_not_contains "$OUT" "--userns=host" "no --userns=host advice"
}

# --read-only: /etc/group is never written, so only PID 1 and what it starts
# have the socket's group. `docker exec -u app` gets the image's groups (none);
# `docker exec c stepdown -- CMD` execs as root and stepdown drops again.
read_only_exec() {
  start_relay 988
  local sock="$REPLY"
  new_name ro
  local ctr="$REPLY"
  docker run -d --name "$ctr" --label "$LABEL" --read-only -v "${sock}:/var/run/docker.sock" \
    "$IMG" "$PROBE_BIN" sleep 120 >/dev/null
  wait_for 20 bash -c "[[ \$(docker top '$ctr' -eo pid 2>/dev/null | tail -n +2 | wc -l) -ge 2 ]]" ||
    fail "expected stepdown and the app running in '$ctr'"
  OUT="$(docker exec -u app "$ctr" "$PROBE_BIN" report --ping /var/run/docker.sock 2>&1)"
  note "exec -u app: ${OUT//$'\n'/ | }"
  expect_eq "$(kv groups "$OUT")" "1000" "groups of docker exec -u app (the image's /etc/group has no socket group)"
  expect_eq "$(kv ping:/var/run/docker.sock "$OUT")" "error:Permission denied" "ping of docker exec -u app"
  RC=0
  OUT="$(docker exec "$ctr" /usr/local/bin/stepdown -- "$PROBE_BIN" report --ping /var/run/docker.sock 2>"$T/err")" || RC=$?
  ERR="$(cat "$T/err")"
  note "exec stepdown: ${OUT//$'\n'/ | }"
  note "stderr: ${ERR//$'\n'/ | }"
  expect_dropped 988
  expect_contains "$ERR" "continuing with numeric group 988" "the read-only warning"
}

# --cap-drop ALL: the alternative start names the target and the socket's GID.
cap_drop_all_fix() {
  start_relay 988
  probe_run "$REPLY" --cap-drop ALL "$IMG"
  expect_eq "$RC" 77 "exit code"
  expect_contains "$ERR" "docker run --user 1000:1000 --group-add 988" "the fix with real numbers"
  expect_not_contains "$ERR" "--group-add GID" "no placeholder"
  expect_eq "$OUT" "" "the app did not run"
}

# GID 0 under ENTRYPOINT ["stepdown", "--"]: flags after the image are the
# command, so the refusal names the variable first, then the flag.
gid0_fix_variable_first() {
  start_relay 0
  probe_run "$REPLY" "$IMG"
  expect_eq "$RC" 77 "exit code"
  expect_contains "$ERR" "--allow-gid0" "the flag is still named"
  expect_contains "${ERR%%--allow-gid0*}" "STEPDOWN_ALLOW_GID0=1" "STEPDOWN_ALLOW_GID0=1 before --allow-gid0"
}

check "docker run --group-add 4242: the app keeps 4242 beside the socket's 988; --check shows it" runtime_group_kept
check "STEPDOWN_RUNTIME_GROUPS=0 / --no-runtime-groups: only the socket's group" runtime_group_off
check "docker run --group-add 988 for a 988 socket: already a member, /etc/group untouched" runtime_group_is_socket_group
check "socket GID 65534 in the engine's initial user namespace: granted, ping OK" gid_65534_initial_namespace
check "--read-only: docker exec -u app has no socket group; docker exec c stepdown -- CMD does" read_only_exec
check "--cap-drop ALL: refused (77) with docker run --user 1000:1000 --group-add 988" cap_drop_all_fix
check "socket GID 0: the refusal leads with STEPDOWN_ALLOW_GID0=1, then --allow-gid0" gid0_fix_variable_first
finish
