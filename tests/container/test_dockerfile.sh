#!/usr/bin/env bash
# shellcheck disable=SC2317 # the checks are functions called through `check NAME FN`
# Container tier: the registry-free base image (scripts/make-base-image.sh) and
# docker/Dockerfile, built unmodified: `--output` gives just the static binary,
# the image holds only /stepdown, and `COPY --from` it into examples/debian-app
# gives a working app image (issue 4, "docker/").
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tier

DOCKERFILE="$SOURCE_DIR/docker/Dockerfile"

base_image_cached() {
  require_base_image
  local t0=$SECONDS out
  out="$("$SOURCE_DIR/scripts/make-base-image.sh" 2>&1)"
  note "$out"
  expect_contains "$out" "exists, nothing to do" "second run"
  # Nothing to do should take seconds; a limit far above that still tells
  # "did nothing" from "ran debootstrap again" on a loaded machine.
  ((SECONDS - t0 < $(scaled 30))) || fail "a run with the image present took $((SECONDS - t0)) s"
  # From the cached rootfs under another tag: docker import only, no debootstrap.
  new_name base
  local tag="$REPLY:bookworm"
  echo "$tag" >>"$T/images"
  t0=$SECONDS
  out="$("$SOURCE_DIR/scripts/make-base-image.sh" --tag "$tag" 2>&1)"
  note "$out"
  note "import from the cache took $((SECONDS - t0)) s"
  expect_contains "$out" "using cached rootfs" "run with the tarball cached"
  expect_not_contains "$out" "debootstrap --variant" "run with the tarball cached"
  expect_eq "$(docker run --rm --label "$LABEL" "$tag" sh -c '. /etc/os-release; echo "$VERSION_CODENAME $(id -u)"')" \
    "bookworm 0" "the imported image runs"
  expect_eq "$(docker image inspect -f '{{json .Config.Cmd}}' "$tag")" '["bash"]' "CMD like the official image"
}

# The commit a build names in --version: this checkout's, or a fixed one
# where the source is not a git checkout.
commit_id() {
  git -C "$SOURCE_DIR" rev-parse --short=12 HEAD 2>/dev/null || echo 0123456789ab
}

# Removes the images of docker/Dockerfile's builder stage that the build
# logged in LOG: the classic builder keeps them untagged (BuildKit keeps none).
remove_builder_stage() {
  local id
  while read -r id; do
    [[ "$(docker image inspect -f '{{index .Config.Labels "org.stepdown.stage"}} {{len .RepoTags}}' "$id" 2>/dev/null)" == "build 0" ]] || continue
    docker rmi "$id" >/dev/null 2>&1 || true
  done < <(grep -oE -- '---> [0-9a-f]{12}' "$1" | cut -c6- | sort -u)
}

# The files in an image's layers.
image_files() {
  local dir
  dir="$(mktemp -d "$T/save.XXXXXX")"
  docker save "$1" | tar -C "$dir" -xf -
  python3 - "$dir" <<'PY'
import json, os, sys, tarfile
d = sys.argv[1]
for layer in json.load(open(os.path.join(d, "manifest.json")))[0]["Layers"]:
    with tarfile.open(os.path.join(d, layer)) as t:
        for m in t.getmembers():
            print(m.name + ("/" if m.isdir() else ""))
PY
}

dockerfile_output() {
  require_base_image
  local cli
  cli="$(buildkit_cli)" || skip "no docker CLI here can use BuildKit (docker build --output needs it): install docker-buildx"
  local out="$T/out.$BASHPID" t0=$SECONDS
  DOCKER_BUILDKIT=1 "$cli" build -f "$DOCKERFILE" --build-arg GIT_COMMIT=0123456789ab \
    --output "type=local,dest=$out" "$SOURCE_DIR" >"$T/build.log" 2>&1 || {
    tail -n 40 "$T/build.log" >&2
    fail "docker build --output"
  }
  note "docker build --output took $((SECONDS - t0)) s ($cli)"
  expect_eq "$(cd "$out" && find . -mindepth 1 | sort | tr '\n' ' ')" "./stepdown " "files exported"
  is_static "$out/stepdown" || fail "the exported stepdown is not static: $(file "$out/stepdown")"
  expect_match "$("$out/stepdown" --version)" '^tini version [0-9]+\.[0-9]+\.[0-9]+.* - git\.0123456789ab$' \
    "--version of the exported binary names the commit passed as GIT_COMMIT"
  expect_not_contains "$(cat "$T/build.log")" "stepdown: warning" "the build's output"
}

# The build exactly as docker/README.md gives it, with the docker CLI on PATH
# and whichever builder it picks: no warning from the stepdown that the build
# runs, --version names the commit, the image holds only /stepdown.
dockerfile_image_and_copy_from() {
  require_base_image
  new_name stepdown-image
  local tag="$REPLY" commit log="$T/documented.log" t0=$SECONDS rc=0
  commit="$(commit_id)"
  echo "$tag" >>"$T/images"
  (cd "$SOURCE_DIR" && docker build -f docker/Dockerfile --build-arg GIT_COMMIT="$commit" \
    --label "$LABEL" -t "$tag" .) >"$log" 2>&1 || rc=$?
  remove_builder_stage "$log"
  ((rc == 0)) || {
    tail -n 40 "$log" >&2
    fail "docker build -f docker/Dockerfile -t $tag ."
  }
  note "docker build -t took $((SECONDS - t0)) s"
  expect_not_contains "$(cat "$log")" "stepdown: warning" "the build's output"
  expect_eq "$(image_files "$tag" | sort | tr '\n' ' ')" "stepdown " "files in the image"
  expect_match "$(docker run --rm --label "$LABEL" "$tag" --version 2>&1)" \
    "^tini version [0-9]+\\.[0-9]+\\.[0-9]+_stepdown - git\\.${commit}\$" "docker run IMAGE --version"
  # COPY --from the image into the Debian example, then the socket as uid 1000.
  new_name debian-app
  local app="$REPLY"
  build_image "$app" "$SOURCE_DIR/examples/debian-app" --build-arg "STEPDOWN_IMAGE=$tag"
  start_relay 988
  probe_run "$REPLY" "$app"
  expect_eq "$RC" 0 "exit code"
  expect_eq "$OUT" "uid=1000(app) gid=1000(app) groups=1000(app),988(docker)" "id in the example"
}

check "scripts/make-base-image.sh: cached, idempotent, import from the cached rootfs" base_image_cached
check "docker/Dockerfile: docker build --output writes only the static stepdown" dockerfile_output
check "docker/Dockerfile, the documented build: no warning, --version names the commit, only /stepdown; COPY --from works" dockerfile_image_and_copy_from
finish
