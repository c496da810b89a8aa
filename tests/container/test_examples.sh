#!/usr/bin/env bash
# shellcheck disable=SC2317 # the checks are functions called through `check NAME FN`
# Container tier: every file in examples/ is built or run here, unmodified,
# against the real engine (issue 4, "each example is used by a test").
# The stepdown binary comes from the build under test, packaged the way
# docker/Dockerfile packages it (a scratch image holding /stepdown);
# test_dockerfile.sh builds that Dockerfile itself.
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tier

EXAMPLES="$SOURCE_DIR/examples"

# Built once per run; checks run in subshells, so tags are kept in files.
cached() { # KEY BUILDER
  if [[ -s "$T/cached.$1" ]]; then
    REPLY="$(cat "$T/cached.$1")"
    return 0
  fi
  "$2"
  echo "$REPLY" >"$T/cached.$1"
}

# The image docker/Dockerfile produces (FROM scratch, /stepdown), from $STEPDOWN.
build_bin_image() {
  local ctx
  ctx="$(mktemp -d "$T/ctx.XXXXXX")"
  install -m 0755 "$STEPDOWN" "$ctx/stepdown"
  printf 'FROM scratch\nCOPY stepdown /stepdown\nENTRYPOINT ["/stepdown"]\n' >"$ctx/Dockerfile"
  new_name stepdown
  build_image "$REPLY" "$ctx"
}
bin_image() { cached bin build_bin_image; }

build_debian_app() {
  require_base_image
  bin_image
  local bin="$REPLY"
  new_name debian-app
  build_image "$REPLY" "$EXAMPLES/debian-app" --build-arg "STEPDOWN_IMAGE=$bin"
}
debian_app() { cached debian_app build_debian_app; }

# examples/debian-app plus the probe, for the manifests' emulation.
build_debian_app_probe() {
  debian_app
  local base="$REPLY" ctx
  ctx="$(mktemp -d "$T/ctx.XXXXXX")"
  install -m 0755 "$PROBE" "$ctx/stepdown-probe"
  printf 'FROM %s\nCOPY stepdown-probe %s\n' "$base" "$PROBE_BIN" >"$ctx/Dockerfile"
  new_name debian-app-probe
  build_image "$REPLY" "$ctx"
}
debian_app_probe() { cached debian_app_probe build_debian_app_probe; }

EXPECTED_ID="uid=1000(app) gid=1000(app) groups=1000(app),988(docker)"

debian_app_id() {
  debian_app
  local img="$REPLY"
  start_relay 988
  probe_run "$REPLY" "$img"
  expect_eq "$RC" 0 "exit code"
  expect_eq "$OUT" "$EXPECTED_ID" "id in the example's default CMD"
  expect_eq "$ERR" "" "stderr"
}

# The real Docker CLI, run as uid 1000 inside the example, lists containers
# through the socket (GET /containers/json), its own among them.
debian_app_docker_cli() {
  debian_app
  local img="$REPLY" cli
  cli="$(command -v docker)"
  start_relay 988
  local sock="$REPLY"
  new_name cli
  local name="$REPLY" out rc=0
  out="$(docker run --rm --name "$name" --label "$LABEL" -v "$sock:/var/run/docker.sock" \
    -v "$cli:/usr/local/bin/docker:ro" "$img" \
    sh -c 'id -u; docker ps --filter "name=^/$1\$" --format "{{.Names}}"' sh "$name" 2>"$T/err")" || rc=$?
  note "stdout: ${out//$'\n'/ | }"
  note "stderr: $(cat "$T/err")"
  expect_eq "$rc" 0 "exit code"
  expect_eq "$out" $'1000\n'"$name" "uid, then the container's own name from docker ps"
}

# DEBIAN_IMAGE picks the base: a base marked with a label of its own, which
# the app image inherits only when it was built from that base.
debian_app_base_arg() {
  require_base_image
  bin_image
  local bin="$REPLY" ctx base
  ctx="$(mktemp -d "$T/ctx.XXXXXX")"
  printf 'FROM debian:bookworm\nLABEL org.stepdown.test.base=%s\n' "$RUN_ID" >"$ctx/Dockerfile"
  new_name base
  base="$REPLY"
  build_image "$base" "$ctx"
  new_name debian-app-base
  local img="$REPLY"
  build_image "$img" "$EXAMPLES/debian-app" --build-arg "STEPDOWN_IMAGE=$bin" --build-arg "DEBIAN_IMAGE=$base"
  expect_eq "$(docker image inspect -f '{{index .Config.Labels "org.stepdown.test.base"}}' "$img")" "$RUN_ID" \
    "the base's label in the app image"
  start_relay 988
  probe_run "$REPLY" "$img"
  expect_eq "$RC" 0 "exit code"
  expect_eq "$OUT" "$EXPECTED_ID" "id on the other base"
}

# health NAME: the container's health status.
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1"; }
health_is() { [[ "$(health "$1")" == "$2" ]]; }

# start_healthcheck SOCKET: the example with its own HEALTHCHECK, run
# detached (checked every second instead of every 10 s). Sets REPLY to its name.
start_healthcheck() {
  local sock="$1"
  debian_app
  local img="$REPLY"
  new_name health
  docker run -d --name "$REPLY" --label "$LABEL" --health-interval 1s \
    -v "$sock:/var/run/docker.sock" "$img" sleep 300 >/dev/null
}

debian_app_healthcheck() {
  start_relay 988
  start_healthcheck "$REPLY"
  local name="$REPLY"
  wait_for 120 health_is "$name" healthy || fail "not healthy: $(health "$name"); $(docker inspect -f '{{json .State.Health}}' "$name")"
  note "$(docker inspect -f '{{(index .State.Health.Log 0).Output}}' "$name" | head -c 300)"
  # A socket that uid 1000 cannot use even with its group (0640): the app
  # still starts (a warning), and the check says unhealthy.
  start_relay 988 640
  start_healthcheck "$REPLY"
  name="$REPLY"
  wait_for 120 health_is "$name" unhealthy || fail "not unhealthy: $(health "$name")"
  expect_eq "$(docker inspect -f '{{.State.Running}}' "$name")" true "the app runs on"
}

# The host diagnostic the docs give: the stepdown image, the socket, --check.
host_check() {
  bin_image
  local bin="$REPLY"
  start_relay 988
  probe_run "$REPLY" "$bin" --check
  expect_eq "$RC" 0 "exit code of stepdown --check"
  expect_contains "$OUT$ERR" "988" "the socket's group in the report"
}

scratch_app() {
  bin_image
  local bin="$REPLY" ctx
  ctx="$(mktemp -d "$T/ctx.XXXXXX")"
  cp -a "$EXAMPLES/scratch-app/." "$ctx/"
  install -m 0755 "$PROBE" "$ctx/app"
  new_name scratch-app
  local img="$REPLY"
  build_image "$img" "$ctx" --build-arg "STEPDOWN_IMAGE=$bin"
  start_relay 988
  local sock="$REPLY"
  probe_run "$sock" "$img" /usr/local/bin/app report --ping /var/run/docker.sock
  expect_dropped 988
  expect_eq "$(kv home "$OUT")" "/" "HOME from the example's passwd"
  expect_eq "$ERR" "" "stderr"
  # The default CMD runs the app itself: the probe without arguments exits 2,
  # and stepdown passes that through.
  probe_run "$sock" "$img"
  expect_eq "$RC" 2 "exit code of the app, passed through"
  expect_contains "$ERR" "stepdown-probe: usage" "the app's own message"
  local files
  files="$(docker image inspect -f '{{.Size}}' "$img")"
  note "image size: $files bytes"
}

compose_example() {
  local compose
  compose="$(compose_cli)" || skip "neither 'docker compose' nor docker-compose is installed"
  local file="$EXAMPLES/compose.yaml"
  # What the example promises: no group_add, no DOCKER_GID, outside comments.
  expect_eq "$(sed 's/#.*//' "$file" | grep -cE 'group_add|DOCKER_GID|getent' || true)" 0 \
    "group_add / DOCKER_GID / getent in compose.yaml"
  debian_app
  local img="$REPLY"
  bin_image
  local bin="$REPLY"
  start_relay 988
  local sock="$REPLY"
  new_name compose
  local project="${REPLY//[^a-z0-9]/}"
  echo "$project" >>"$T/compose"
  local out rc=0
  # shellcheck disable=SC2086 # $compose is one or two words
  out="$(APP_IMAGE="$img" STEPDOWN_IMAGE="$bin" DOCKER_SOCKET="$sock" \
    $compose -p "$project" -f "$file" run --rm -T app 2>"$T/err")" || rc=$?
  note "$compose: stdout: $out"
  note "stderr: $(cat "$T/err")"
  expect_eq "$rc" 0 "exit code"
  expect_eq "$(tr -d '\r' <<<"$out")" "$EXPECTED_ID" "id in the compose service"
  # The same file with a socket stepdown refuses (GID 0): the service fails
  # with stepdown's exit code instead of running the app.
  start_relay 0
  rc=0
  # shellcheck disable=SC2086
  APP_IMAGE="$img" STEPDOWN_IMAGE="$bin" DOCKER_SOCKET="$REPLY" \
    $compose -p "$project" -f "$file" run --rm -T app >"$T/out" 2>"$T/err" || rc=$?
  note "with a GID 0 socket: exit $rc, $(grep -o 'stepdown: error.*' "$T/err" | head -c 200)"
  expect_eq "$rc" 77 "exit code with a GID 0 socket"
  # The file's healthcheck, on a long-running service.
  start_relay 988
  local name
  # shellcheck disable=SC2086
  name="$(APP_IMAGE="$img" STEPDOWN_IMAGE="$bin" DOCKER_SOCKET="$REPLY" \
    $compose -p "$project" -f "$file" run -d -T -l "$LABEL" app sleep 300 2>"$T/err")" || {
    cat "$T/err" >&2
    fail "$compose run -d"
  }
  name="$(tr -d '\r' <<<"$name" | tail -n 1)"
  note "$compose run -d: $name"
  wait_for 150 health_is "$name" healthy || fail "not healthy: $(health "$name")"
}

# Runs the first container of a Pod manifest as a Docker-based node would.
# MANIFEST SOCKET [drop ARG...]: arguments listed after the socket are removed
# (with their value) from the translation.
run_manifest() {
  local manifest="$1" sock="$2"
  shift 2
  debian_app_probe
  local img="$REPLY" args=() a out=() i
  mapfile -t args < <(python3 "$(dirname "${BASH_SOURCE[0]}")/k8s_docker_args.py" "$manifest" "$sock")
  ((${#args[@]})) || fail "no docker arguments from '$manifest'"
  for ((i = 0; i < ${#args[@]}; i++)); do
    a="${args[i]}"
    if [[ " $* " == *" $a "* ]]; then
      i=$((i + 1))
      continue
    fi
    out+=("$a")
  done
  local cmd=() image_at=-1
  for i in "${!out[@]}"; do [[ "${out[i]}" == @IMAGE@ ]] && image_at=$i; done
  ((image_at >= 0)) || fail "no image position"
  cmd=("${out[@]:image_at+1}")
  ((${#cmd[@]})) || cmd=("$PROBE_BIN" report --ping /var/run/docker.sock)
  note "docker run ${out[*]:0:image_at} IMAGE ${cmd[*]}"
  probe_run "$sock" "${out[@]:0:image_at}" "$img" "${cmd[@]}"
}

kubernetes_pod() {
  command -v python3 >/dev/null || skip "python3 (with yaml) is needed to read the manifests"
  start_relay 988
  run_manifest "$EXAMPLES/kubernetes/pod.yaml" "$REPLY"
  expect_dropped 988
  # No warning: /etc/group was updated with only SETUID, SETGID and SETPCAP.
  expect_eq "$ERR" "" "stderr"
}

kubernetes_pod_restricted() {
  command -v python3 >/dev/null || skip "python3 (with yaml) is needed to read the manifests"
  local manifest="$EXAMPLES/kubernetes/pod-restricted.yaml" gid
  gid="$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["securityContext"]["supplementalGroups"][0])' "$manifest")"
  start_relay "$gid"
  local sock="$REPLY"
  run_manifest "$manifest" "$sock"
  expect_eq "$RC" 0 "exit code"
  expect_eq "$(kv uid "$OUT")" "1000,1000,1000" "uid"
  expect_contains ",$(kv groups "$OUT")," ",$gid," "groups"
  expect_eq "$(kv cap_eff "$OUT")" "0000000000000000" "effective capabilities"
  expect_eq "$(kv no_new_privs "$OUT")" 1 "no_new_privs"
  expect_eq "$(kv ping:/var/run/docker.sock "$OUT")" "OK" "ping"
  expect_eq "$ERR" "" "stderr"
  # Without supplementalGroups, stepdown's hint names exactly what the manifest holds.
  run_manifest "$manifest" "$sock" --group-add
  expect_eq "$RC" 69 "exit code without the group (STEPDOWN_REQUIRE_SOCKET=1 in the manifest)"
  expect_contains "$ERR" "supplementalGroups: [$gid]" "the Kubernetes hint"
  expect_eq "$OUT" "" "the app did not run"
}

check "debian-app: built unmodified; id shows uid 1000 with groups app, docker(988)" debian_app_id
check "debian-app: the Docker CLI as uid 1000 lists containers through the socket" debian_app_docker_cli
check "debian-app: --build-arg DEBIAN_IMAGE selects the base" debian_app_base_arg
check "debian-app: HEALTHCHECK healthy with the socket's group, unhealthy when the socket is unusable" debian_app_healthcheck
check "the host diagnostic: docker run -v SOCKET stepdown --check" host_check
check "scratch-app: FROM scratch with stepdown, passwd, group and a static app" scratch_app
check "compose.yaml: socket access with no group_add; a GID 0 socket stops it (77); healthcheck healthy" compose_example
check "kubernetes/pod.yaml (emulated on Docker): root start, drop, minimal capabilities" kubernetes_pod
check "kubernetes/pod-restricted.yaml (emulated): runAsNonRoot with supplementalGroups from the hint" kubernetes_pod_restricted
finish
