# shellcheck shell=bash
# Shared harness for the container tier: end-to-end scenarios against the
# machine's real Docker engine. Source it from tests/container/test_*.sh.
#
#   check NAME FN [ARGS...]   run FN in a subshell with `set -e`; its output is
#                             shown only when it fails (or with VERBOSE=1)
#   finish                    prints the closing line `N passed, N failed` and
#                             sets the exit status
#
# Inputs (ctest passes them; by hand they default to the build in $BUILD_DIR):
#   STEPDOWN  the shipped static stepdown     PROBE  the static stepdown-probe
#   BUILD_DIR, SOURCE_DIR
#
# What a test may rely on:
#   - every container, image, compose project, socket relay and temporary
#     directory made through these helpers is removed by an EXIT trap, also
#     when a check fails or the script is interrupted; names start with
#     stepdown-test-<pid>-, containers and images carry the label
#     org.stepdown.test=<run id>;
#   - the machine's own /var/run/docker.sock is only ever connected to
#     (through socat relays the tests own), never chowned, chmodded or mounted;
#   - skips say why; under CI=true a skip counts as a failure, because CI has
#     Docker, socat and the static binaries;
#   - every time limit is a bound for a hang, never a measure: it is
#     multiplied by STEPDOWN_TEST_TIME_SCALE (a whole number, default 1) for
#     slow or loaded machines; normal durations (pauses, intervals) are not.
set -euo pipefail

SOURCE_DIR="${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
BUILD_DIR="${BUILD_DIR:-${SOURCE_DIR}/build}"
STEPDOWN="${STEPDOWN:-${BUILD_DIR}/stepdown}"
PROBE="${PROBE:-${BUILD_DIR}/tests/stepdown-probe}"
HOST_SOCKET=/var/run/docker.sock

TIME_SCALE="${STEPDOWN_TEST_TIME_SCALE:-1}"
if [[ ! "$TIME_SCALE" =~ ^[1-9][0-9]{0,2}$ ]]; then
  echo "STEPDOWN_TEST_TIME_SCALE='$TIME_SCALE': expected a whole number from 1 to 999" >&2
  exit 2
fi
# scaled SECONDS: a time limit for this machine.
scaled() { echo $(($1 * TIME_SCALE)); }

RUN_ID="stepdown-test-$$-$(date +%s)"
LABEL="org.stepdown.test=${RUN_ID}"
T="$(mktemp -d "/tmp/${RUN_ID}.XXXXXX")"
chmod 755 "$T"
: >"$T/pids"
: >"$T/images"
: >"$T/compose"

TIER_NAME=container
# shellcheck source=../lib/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"


# ---------------------------------------------------------------- clean-up

# The Compose CLI: the v2 plugin or the v1 docker-compose.
compose_cli() {
  if docker compose version >/dev/null 2>&1; then
    echo "docker compose"
  elif command -v docker-compose >/dev/null; then
    echo docker-compose
  else
    return 1
  fi
}


cleanup() {
  local rc=$?
  set +e
  if ((!finished)); then
    # The harness itself failed outside a check: say so, with the closing line.
    say "FAIL - $(basename "$0") stopped early (exit ${rc}) outside any check"
    say "${passed} passed, $((failed + 1)) failed"
    ((rc != 0)) || rc=1
  fi
  local ids project
  ids="$(docker ps -aq --filter "label=${LABEL}" 2>/dev/null)"
  # shellcheck disable=SC2086 # word splitting of the id list is intended
  [[ -z "$ids" ]] || docker rm -f -v $ids >/dev/null 2>&1
  local compose
  compose="$(compose_cli)"
  while read -r project; do
    [[ -n "$project" && -n "$compose" ]] || continue
    # shellcheck disable=SC2086 # $compose is one or two words
    $compose -p "$project" -f "$SOURCE_DIR/examples/compose.yaml" down -v --remove-orphans >/dev/null 2>&1
  done <"$T/compose"
  ids="$(docker ps -aq --filter "label=${LABEL}" 2>/dev/null)"
  # shellcheck disable=SC2086
  [[ -z "$ids" ]] || docker rm -f -v $ids >/dev/null 2>&1
  local img
  while read -r img; do
    [[ -n "$img" ]] && docker rmi -f "$img" >/dev/null 2>&1
  done <"$T/images"
  ids="$(docker images -q --filter "label=${LABEL}" 2>/dev/null | sort -u)"
  # shellcheck disable=SC2086
  [[ -z "$ids" ]] || docker rmi -f $ids >/dev/null 2>&1
  local pid
  while read -r pid; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null
  done <"$T/pids"
  while read -r pid; do
    [[ -n "$pid" ]] && wait "$pid" 2>/dev/null
  done <"$T/pids"
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# Leftovers of runs that were killed outright (SIGKILL, a ctest timeout) and
# could not run their EXIT trap: their process is gone, their names and temp
# directories carry its pid. Relays are ended by the pids the run recorded,
# and only when the process still is that run's socat.
sweep_stale_runs() {
  local dir run pid p ids
  for dir in /tmp/stepdown-test-*.*; do
    [[ -d "$dir" ]] || continue
    run="${dir##*/}"
    run="${run%.*}"
    pid="${run#stepdown-test-}"
    pid="${pid%%-*}"
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    if kill -0 "$pid" 2>/dev/null && [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *test_*.sh* ]]; then continue; fi
    if [[ -f "$dir/pids" ]]; then
      while read -r p; do
        [[ "$p" =~ ^[0-9]+$ ]] || continue
        if [[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" == "socat UNIX-LISTEN:${dir}/"* ]]; then kill "$p" 2>/dev/null || true; fi
      done <"$dir/pids"
    fi
    ids="$(docker ps -aq --filter "label=org.stepdown.test=${run}" 2>/dev/null)"
    # shellcheck disable=SC2086
    [[ -z "$ids" ]] || docker rm -f -v $ids >/dev/null 2>&1 || true
    if [[ -f "$dir/images" ]]; then
      while read -r p; do [[ -z "$p" ]] || docker rmi -f "$p" >/dev/null 2>&1 || true; done <"$dir/images"
    fi
    ids="$(docker images -q --filter "label=org.stepdown.test=${run}" 2>/dev/null | sort -u)"
    # shellcheck disable=SC2086
    [[ -z "$ids" ]] || docker rmi -f $ids >/dev/null 2>&1 || true
    echo "# removed the leftovers of an interrupted run: ${run}"
    rm -rf "$dir"
  done
}

# ---------------------------------------------------------------- harness


# Each check ends the socket relays it started: the mark is the pid file's
# length before it.
check_begin() { wc -l <"$T/pids"; }
check_end() { stop_relays_after "$1"; }

# Ends the relays recorded after line N of the pid file (those of one check).
stop_relays_after() {
  local pid
  while read -r pid; do
    kill "$pid" 2>/dev/null || true
  done < <(tail -n +"$(($1 + 1))" "$T/pids")
  return 0
}







# ---------------------------------------------------------------- prerequisites


# Exits the script (skip_all) when the tier cannot run here.
require_tier() {
  command -v docker >/dev/null || skip_all "no docker CLI"
  docker info >/dev/null 2>&1 || skip_all "the Docker engine does not answer ('docker info' failed)"
  command -v socat >/dev/null || skip_all "socat not installed (scripts/setup.sh installs it)"
  [[ $EUID -eq 0 ]] || skip_all "needs root (socket relays owned by root:GID, docker as root)"
  is_static "$STEPDOWN" || skip_all "'$STEPDOWN' is missing or not static; FROM scratch images need the shipped static build (a sanitizer build has none)"
  is_static "$PROBE" || skip_all "'$PROBE' is missing or not static"
  sweep_stale_runs
  say "# run ${RUN_ID}: stepdown '$STEPDOWN', probe '$PROBE'"
}

# The debian:bookworm base, made locally when absent (cached, seconds).
require_base_image() {
  docker image inspect debian:bookworm >/dev/null 2>&1 && return 0
  "$SOURCE_DIR/scripts/make-base-image.sh" >&2
}

# A docker CLI that can build with BuildKit (for --output), or empty.
# Docker CLI >= 23 needs the buildx plugin for BuildKit; 20.10's client has it built in.
buildkit_cli() {
  local cli ver
  for cli in docker /usr/bin/docker /usr/local/bin/docker; do
    command -v "$cli" >/dev/null || continue
    if "$cli" buildx version >/dev/null 2>&1; then
      echo "$cli"
      return 0
    fi
    ver="$("$cli" version --format '{{.Client.Version}}' 2>/dev/null || true)"
    if [[ "$ver" =~ ^(19|20)\. ]]; then
      echo "$cli"
      return 0
    fi
  done
  return 1
}

# ---------------------------------------------------------------- names, images, containers

NAME_SEQ=0
# new_name WHAT: a unique name for a container, image or project of this run.
new_name() {
  NAME_SEQ=$((NAME_SEQ + 1))
  REPLY="${RUN_ID}-${BASHPID}-${NAME_SEQ}-$1"
  REPLY="${REPLY,,}"
}

# build_image TAG CONTEXT [docker build args...]: the image is recorded for
# removal and labelled. BuildKit when a CLI here can use it (several times
# faster on fuse-overlayfs), else the classic builder.
build_image() {
  local tag="$1" ctx="$2" log="$T/build.$BASHPID.log"
  shift 2
  echo "$tag" >>"$T/images"
  if [[ ! -e "$T/buildkit_cli" ]]; then buildkit_cli >"$T/buildkit_cli" || true; fi
  local cli
  cli="$(cat "$T/buildkit_cli")"
  if [[ -n "$cli" ]]; then
    DOCKER_BUILDKIT=1 "$cli" build --label "$LABEL" -t "$tag" "$@" "$ctx" >"$log" 2>&1 || {
      tail -n 30 "$log" >&2
      fail "docker build (BuildKit, $cli) of '$tag' from '$ctx'"
    }
  else
    DOCKER_BUILDKIT=0 docker build -q --label "$LABEL" -t "$tag" "$@" "$ctx" >"$log" 2>&1 || {
      tail -n 30 "$log" >&2
      fail "docker build of '$tag' from '$ctx'"
    }
  fi
}

# The default passwd/group of the test images: root, app (1000), nobody.
PASSWD_LINES=$'root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000:app:/home/app:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin'
GROUP_LINES=$'root:x:0:\napp:x:1000:\nnogroup:x:65534:'

# rootfs DIR [GROUP_LINES]: a minimal root: stepdown, the probe, /etc/passwd,
# /etc/group (GROUP_LINES replaces the default group file), /tmp, /home/app.
rootfs() {
  local dir="$1" groups="${2:-$GROUP_LINES}"
  mkdir -p "$dir/usr/local/bin" "$dir/etc" "$dir/tmp" "$dir/home/app" "$dir/var/run"
  chmod 1777 "$dir/tmp"
  chown 1000:1000 "$dir/home/app"
  install -m 0755 "$STEPDOWN" "$dir/usr/local/bin/stepdown"
  install -m 0755 "$PROBE" "$dir/usr/local/bin/stepdown-probe"
  printf '%s\n' "$PASSWD_LINES" >"$dir/etc/passwd"
  printf '%s\n' "$groups" >"$dir/etc/group"
  chmod 0644 "$dir/etc/passwd" "$dir/etc/group"
}

# scratch_image [GROUP_LINES]: a FROM scratch image with the default
# ENTRYPOINT ["/usr/local/bin/stepdown", "--"] and the probe's report as CMD.
# Sets REPLY to the image tag.
PROBE_BIN=/usr/local/bin/stepdown-probe
scratch_image() {
  local groups="${1:-$GROUP_LINES}" ctx
  ctx="$(mktemp -d "$T/ctx.XXXXXX")"
  rootfs "$ctx/rootfs" "$groups"
  cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
ENTRYPOINT ["/usr/local/bin/stepdown", "--"]
CMD ["${PROBE_BIN}", "report", "--ping", "/var/run/docker.sock"]
EOF
  new_name scratch
  build_image "$REPLY" "$ctx"
}

# start_relay GID [MODE]: a socket owned by root:GID with MODE (default 660)
# that forwards to the machine's Docker socket. Sets REPLY to its path.
start_relay() {
  local gid="$1" mode="${2:-660}" dir pid i
  dir="$(mktemp -d "$T/relay.XXXXXX")"
  chmod 755 "$dir"
  socat "UNIX-LISTEN:${dir}/docker.sock,fork,user=0,group=${gid},mode=${mode}" \
    "UNIX-CONNECT:${HOST_SOCKET}" </dev/null >"$dir/socat.log" 2>&1 &
  pid=$!
  echo "$pid" >>"$T/pids"
  local limit
  limit="$(scaled 10)"
  # socat binds first and sets owner and mode after: wait for both, or a
  # loaded machine shows the socket as root:root 0755 in between.
  for ((i = 0; i < limit * 20; i++)); do
    [[ -S "$dir/docker.sock" && "$(stat -c '%u:%g %a' "$dir/docker.sock")" == "0:${gid} ${mode}" ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/socat.log" >&2; fail "socat relay for gid $gid died"; }
    sleep 0.05
  done
  [[ -S "$dir/docker.sock" ]] || fail "socat relay for gid $gid: no socket after ${limit} s"
  expect_eq "$(stat -c '%u:%g %a' "$dir/docker.sock")" "0:${gid} ${mode}" "relay socket owner and mode"
  REPLY="$dir/docker.sock"
}

# run_ctr OUT ERR [docker run args...]: a foreground container, removed
# afterwards; stdout to OUT, stderr to ERR; returns the container's exit code.
run_ctr() {
  local out="$1" err="$2" rc=0
  shift 2
  new_name run
  # A hung container fails the check instead of the whole tier; cleanup removes it.
  timeout "$(scaled 300)" docker run --rm --name "$REPLY" --label "$LABEL" "$@" >"$out" 2>"$err" || rc=$?
  return "$rc"
}

# probe_run SOCKET [docker run args...] IMAGE [CMD...]: runs the image with
# the relay at /var/run/docker.sock. Sets OUT, ERR (texts) and RC.
probe_run() {
  local sock="$1"
  shift
  RC=0
  run_ctr "$T/out" "$T/err" -v "${sock}:/var/run/docker.sock" "$@" || RC=$?
  OUT="$(tr -d '\r' <"$T/out")"
  ERR="$(tr -d '\r' <"$T/err")"
  note "exit ${RC}"
  note "stdout: ${OUT//$'\n'/ | }"
  note "stderr: ${ERR//$'\n'/ | }"
}

# expect_dropped [GROUPS]: OUT is a probe report of a fully dropped app.
expect_dropped() {
  local groups="${1:-988}"
  expect_eq "$RC" 0 "exit code"
  expect_eq "$(kv uid "$OUT")" "1000,1000,1000" "uid real,effective,saved"
  expect_eq "$(kv gid "$OUT")" "1000,1000,1000" "gid real,effective,saved"
  expect_eq "$(kv groups "$OUT")" "$groups" "supplementary groups"
  expect_eq "$(kv cap_eff "$OUT")" "0000000000000000" "effective capabilities"
  expect_eq "$(kv no_new_privs "$OUT")" "1" "no_new_privs"
  expect_eq "$(kv setuid0 "$OUT")" "fails" "setuid(0)"
  expect_eq "$(kv ping:/var/run/docker.sock "$OUT")" "OK" "GET /_ping as uid 1000"
}

# file_from CONTAINER PATH: prints a file of a (stopped) container.
file_from() {
  docker cp "$1:$2" - | tar -xO
}

# host_status HOSTPID FIELD: a field of /proc/PID/status on the host.
host_status() {
  sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | sed "s/[[:space:]]*$//"
}

# wait_for TIMEOUT_S CMD...: polls CMD every 0.1 s, for TIMEOUT_S scaled.
wait_for() {
  local deadline=$((SECONDS + $(scaled "$1")))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
