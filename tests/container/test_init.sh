#!/usr/bin/env bash
# shellcheck disable=SC2317 # the checks are functions called through `check NAME FN`
# Container tier, stepdown as the container's PID 1 (issue 4, scenarios 5 to 7):
# docker stop / docker kill reach the app, orphans are reaped, the
# `docker run --init` form (/sbin/docker-init -- CMD, env-only configuration)
# and job control in an interactive shell under `docker run -it`.
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tier

scratch_image "$GROUP_LINES"
IMG="$REPLY"

# The --init form: an image without stepdown; it comes from the bind mount,
# exactly where dockerd puts its init.
init_image() {
  local ctx
  ctx="$(mktemp -d "$T/ctx.XXXXXX")"
  rootfs "$ctx/rootfs"
  rm "$ctx/rootfs/usr/local/bin/stepdown"
  printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["%s", "report"]\n' "$PROBE_BIN" >"$ctx/Dockerfile"
  new_name noinit
  build_image "$REPLY" "$ctx"
}
init_image
INIT_IMG="$REPLY"
# What dockerd adds for `docker run --init`: the init read-only at
# /sbin/docker-init, and argv `/sbin/docker-init -- ENTRYPOINT CMD`.
AS_DOCKER_INIT=(-v "${STEPDOWN}:/sbin/docker-init:ro" --entrypoint /sbin/docker-init)

# A Debian image with a shell, for the sh comparison and job control; built
# once per run (checks run in subshells, so the tag is kept in a file).
debian_image() {
  if [[ -s "$T/debian_image" ]]; then
    REPLY="$(cat "$T/debian_image")"
    return 0
  fi
  require_base_image
  local ctx
  ctx="$(mktemp -d "$T/ctx.XXXXXX")"
  install -m 0755 "$STEPDOWN" "$ctx/stepdown"
  install -m 0755 "$PROBE" "$ctx/stepdown-probe"
  cat >"$ctx/Dockerfile" <<'EOF'
FROM debian:bookworm
RUN useradd --uid 1000 --user-group --create-home --shell /bin/bash app
COPY stepdown stepdown-probe /usr/local/bin/
ENTRYPOINT ["/usr/local/bin/stepdown", "--"]
CMD ["bash"]
EOF
  new_name debian
  build_image "$REPLY" "$ctx"
  echo "$REPLY" >"$T/debian_image"
}

# Live processes in a container (docker top reads the container's cgroup).
proc_count() { docker top "$1" -eo pid | tail -n +2 | wc -l; }
# Zombie children of the container's PID 1, from the host's /proc: a task
# leaves its cgroup when it exits, so `docker top` never shows zombies.
zombie_count() {
  local pid1 n=0 f key value state ppid
  pid1="$(docker inspect -f '{{.State.Pid}}' "$1")"
  for f in /proc/[0-9]*/status; do
    state="" ppid=""
    while read -r key value _; do
      case "$key" in
        State:) state="$value" ;;
        PPid:) ppid="$value" ;;
      esac
    done 2>/dev/null <"$f" || continue
    [[ "$ppid" == "$pid1" && "$state" == Z ]] && n=$((n + 1))
  done
  echo "$n"
}
procs_and_zombies() { [[ $(proc_count "$1") -eq "$2" && $(zombie_count "$1") -eq "$3" ]]; }

# Starts a detached container; waits until it has N processes. Sets REPLY to its name.
start_detached() {
  local n="$1"
  shift
  new_name "$1"
  local name="$REPLY"
  shift
  docker run -d --name "$name" --label "$LABEL" "$@" >/dev/null
  wait_for 15 bash -c "[[ \$(docker top '$name' -eo pid 2>/dev/null | tail -n +2 | wc -l) -ge $n ]]" ||
    fail "container '$name' did not reach $n processes: $(docker logs "$name" 2>&1 | tail -n 5)"
  REPLY="$name"
}

# docker stop TIMEOUT NAME; prints the seconds it took (millisecond precision).
timed_stop() {
  local t0 t1
  t0="$(date +%s%N)"
  docker stop -t "$1" "$2" >/dev/null
  t1="$(date +%s%N)"
  printf '%d.%03d' $(((t1 - t0) / 1000000000)) $((((t1 - t0) / 1000000) % 1000))
}

exit_code_of() { docker inspect -f '{{.State.ExitCode}}' "$1"; }

# 5. docker stop: SIGTERM reaches the app through stepdown, promptly.
docker_stop() {
  debian_image
  local img="$REPLY" name took code
  start_detached 2 stop "$img" "$PROBE_BIN" sleep 1000
  name="$REPLY"
  took="$(timed_stop 10 "$name")"
  code="$(exit_code_of "$name")"
  note "stepdown as PID 1: docker stop took ${took} s, exit code ${code}"
  # 143 is the proof that SIGTERM reached the app: had docker waited out its
  # timeout, its SIGKILL would give 137. The time is printed, not asserted.
  expect_eq "$code" 143 "exit code (the app killed by SIGTERM: 128+15)"

  # The comparison, printed and not asserted on time: the same image with a
  # plain sh entrypoint that does not exec. sh as PID 1 has no SIGTERM
  # handler, so the kernel drops the signal and docker waits out its timeout.
  start_detached 2 stop-sh --entrypoint /bin/sh "$img" -c "$PROBE_BIN sleep 1000; echo done"
  name="$REPLY"
  local took_sh code_sh
  took_sh="$(timed_stop 10 "$name")"
  code_sh="$(exit_code_of "$name")"
  echo "docker stop: stepdown ${took} s (exit ${code}); sh -c without exec ${took_sh} s (exit ${code_sh})" >&2
  say "       docker stop: stepdown ${took} s (exit ${code}) vs sh -c without exec ${took_sh} s (exit ${code_sh})" >"$T/compare"
}

docker_stop_remap_env() {
  local name
  start_detached 2 remap -e STEPDOWN_EXIT_REMAP=143 "$IMG" "$PROBE_BIN" sleep 1000
  name="$REPLY"
  timed_stop 10 "$name" >/dev/null
  expect_eq "$(exit_code_of "$name")" 0 "exit code with STEPDOWN_EXIT_REMAP=143"
}

# docker kill -s USR1: the app, not stepdown, receives it; stepdown then exits
# with the app's status.
kill_usr1() {
  local dir="$T/trap.$BASHPID" name pid
  mkdir -p "$dir"
  chown 1000:1000 "$dir"
  start_detached 2 usr1 -v "$dir:/trap" "$IMG" "$PROBE_BIN" trap USR1 /trap/usr1
  name="$REPLY"
  wait_for 10 test -s "$dir/usr1.ready" || fail "the probe did not arm its handler"
  pid="$(cat "$dir/usr1.ready")"
  expect_ne "$pid" 1 "the app's pid (stepdown is PID 1)"
  docker kill -s USR1 "$name" >/dev/null
  wait_for 10 test -s "$dir/usr1" || fail "USR1 did not reach the app"
  expect_eq "$(cat "$dir/usr1")" 10 "the signal the app received"
  wait_for 10 bash -c "[[ \$(docker inspect -f '{{.State.Running}}' '$name') == false ]]" ||
    fail "the container kept running after the app exited"
  expect_eq "$(exit_code_of "$name")" 0 "exit code (the app's, after it handled USR1)"
}

# Zombies created inside the container are reaped by stepdown as PID 1. The
# control runs the same program as PID 1 without stepdown and sees them.
zombies_reaped() {
  local name
  start_detached 2 orphans "$IMG" "$PROBE_BIN" orphans 50 --linger 0.3 --wait 60
  name="$REPLY"
  wait_for 10 bash -c "docker logs '$name' 2>/dev/null | grep -qx 'orphans=50'" || fail "the probe made no orphans"
  sleep 1 # the orphans exit after 0.3 s
  wait_for 10 procs_and_zombies "$name" 2 0 || true
  note "$(docker top "$name" -eo pid,ppid,stat,args)"
  expect_eq "$(zombie_count "$name")" 0 "zombies in the container"
  expect_eq "$(proc_count "$name")" 2 "processes left (stepdown and the app)"

  start_detached 1 orphans-ctl --entrypoint "$PROBE_BIN" "$IMG" orphans 50 --linger 0.3 --wait 60
  name="$REPLY"
  wait_for 10 bash -c "docker logs '$name' 2>/dev/null | grep -qx 'orphans=50'" || fail "the control made no orphans"
  wait_for 10 procs_and_zombies "$name" 1 50 ||
    fail "control: expected 50 zombies without stepdown, got $(zombie_count "$name")"
}

# 6. The --init form, with env-only configuration.
init_env_user() {
  start_relay 988
  probe_run "$REPLY" "${AS_DOCKER_INIT[@]}" -e STEPDOWN_USER=1000:1000 "$INIT_IMG" \
    -- "$PROBE_BIN" report --ping /var/run/docker.sock
  expect_dropped 988
  expect_eq "$(kv ppid "$OUT")" 1 "the app's parent (the init is PID 1)"
  expect_eq "$ERR" "" "stderr of a healthy start"
}

init_tini_compatible() {
  start_relay 988
  local sock="$REPLY"
  # No stepdown setting: behave like tini, no drop.
  probe_run "$sock" "${AS_DOCKER_INIT[@]}" "$INIT_IMG" -- "$PROBE_BIN" report
  expect_eq "$RC" 0 "exit code"
  expect_eq "$(kv uid "$OUT")" "0,0,0" "uid (no drop without STEPDOWN_USER)"
  expect_eq "$(kv ppid "$OUT")" 1 "the app's parent"
  probe_run "$sock" "${AS_DOCKER_INIT[@]}" "$INIT_IMG" -- "$PROBE_BIN" exit 42
  expect_eq "$RC" 42 "the app's exit code passed through"
  probe_run "$sock" "${AS_DOCKER_INIT[@]}" "$INIT_IMG" -- "$PROBE_BIN" kill-self TERM
  expect_eq "$RC" 143 "128+15 for an app killed by SIGTERM"
  # A non-root container (docker run --user) must just work.
  probe_run "$sock" "${AS_DOCKER_INIT[@]}" --user 1000:1000 --group-add 988 "$INIT_IMG" \
    -- "$PROBE_BIN" report --ping /var/run/docker.sock
  expect_eq "$RC" 0 "exit code as --user 1000:1000"
  expect_eq "$(kv uid "$OUT")" "1000,1000,1000" "uid"
  expect_eq "$(kv ping:/var/run/docker.sock "$OUT")" "OK" "ping"
}

init_version_parses_like_dockerd() {
  local out version commit rest
  out="$(docker run --rm --label "$LABEL" "${AS_DOCKER_INIT[@]}" "$INIT_IMG" --version)"
  note "--version: $out"
  # dockerd's parseInitVersion (daemon/info_unix.go), on the whole output.
  rest="${out#* - }"
  [[ "$rest" != "$out" ]] || fail "no ' - ' in '$out'"
  commit="$(sed -E 's/^[[:space:]]+|[[:space:]]+$//g' <<<"$rest")"
  [[ "$commit" =~ ^git\.([^.]+)$ ]] && commit="${BASH_REMATCH[1]}" || commit=""
  version="${out%% - *}"
  [[ "$version" == "tini version "* ]] && version="${version#tini version }" || version=""
  expect_ne "$version" "" "version as dockerd parses it"
  expect_ne "$commit" "" "commit as dockerd parses it"
}

init_stop_and_remap() {
  local name
  start_detached 2 init-stop "${AS_DOCKER_INIT[@]}" -e STEPDOWN_USER=1000 -e STEPDOWN_EXIT_REMAP=143 \
    "$INIT_IMG" -- "$PROBE_BIN" sleep 1000
  name="$REPLY"
  local took
  took="$(timed_stop 10 "$name")"
  note "docker stop took ${took} s"
  ((${took%.*} < 5)) || fail "docker stop took ${took} s"
  expect_eq "$(exit_code_of "$name")" 0 "exit code (143 remapped by STEPDOWN_EXIT_REMAP)"
}

# 7. docker run -t: the shell gets the terminal and job control works.
tty_job_control() {
  debian_image
  local img="$REPLY" out
  new_name tty
  out="$(docker run --rm -t --name "$REPLY" --label "$LABEL" "$img" bash -ic \
    'read -r -a st </proc/$$/stat; echo "@@ pid=$$ pgrp=${st[4]} tpgid=${st[7]} uid=$(id -u)"; cat & sleep 1; jobs -l; kill -9 %1' \
    </dev/null | tr -d '\r')"
  note "$out"
  expect_not_contains "$out" "no job control" "bash's complaint"
  expect_not_contains "$out" "cannot set terminal process group" "bash's complaint"
  local line
  line="$(grep '^@@ ' <<<"$out")"
  [[ "$line" =~ pid=([0-9]+)\ pgrp=([0-9]+)\ tpgid=([0-9]+)\ uid=([0-9]+) ]] || fail "no ids line"
  expect_ne "${BASH_REMATCH[1]}" 1 "the shell's pid (stepdown is PID 1)"
  expect_eq "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "the shell's process group is the terminal's foreground group"
  expect_eq "${BASH_REMATCH[4]}" 1000 "the shell's uid"
  expect_match "$out" 'Stopped \(tty input\)[[:space:]]+cat' "a background reader stopped by SIGTTIN"
}

tty_interactive_session() {
  command -v python3 >/dev/null || skip "python3 is needed to drive a pty"
  debian_image
  local img="$REPLY" out
  new_name it
  out="$(python3 "$(dirname "${BASH_SOURCE[0]}")/pty_jobcontrol.py" \
    docker run -it --rm --name "$REPLY" --label "$LABEL" -e 'PS1=@@sd-prompt@@ ' \
    "$img" bash --norc --noprofile -i)"
  note "$out"
  expect_eq "$(kv uid "$out")" 1000 "the shell's uid"
  expect_eq "$(kv jobcontrol "$out")" ok "Ctrl-Z, jobs, bg, fg, Ctrl-C in docker run -it"
}

check "5 docker stop: the app's 143 inside the stop timeout (vs sh without exec, printed)" docker_stop
[[ ! -s "$T/compare" ]] || cat "$T/compare"
check "5 docker stop with STEPDOWN_EXIT_REMAP=143: exit 0" docker_stop_remap_env
check "5 docker kill -s USR1 reaches the app" kill_usr1
check "5 50 orphans reaped, none left as zombies (control without stepdown: 50)" zombies_reaped
check "6 --init form: /sbin/docker-init -- app with STEPDOWN_USER" init_env_user
check "6 --init form without stepdown settings: tini-compatible, exit codes" init_tini_compatible
check "6 --init form: --version parses as dockerd's init version" init_version_parses_like_dockerd
check "6 --init form: docker stop with env-only STEPDOWN_EXIT_REMAP" init_stop_and_remap
check "7 docker run -t bash -i: foreground group, SIGTTIN stops a background job" tty_job_control
check "7 docker run -it interactive: Ctrl-Z, bg, fg, Ctrl-C" tty_interactive_session
finish
