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
  ((SECONDS - t0 < 10)) || fail "a run with the image present took $((SECONDS - t0)) s"
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

# A context for builders that ignore docker/Dockerfile.dockerignore: the
# checkout without build trees and git metadata.
legacy_context() {
  local ctx
  ctx="$(mktemp -d "$T/src.XXXXXX")"
  tar -C "$SOURCE_DIR" --exclude=./.git --exclude='./build*' --exclude=./.cache -cf - . | tar -C "$ctx" -xf -
  REPLY="$ctx"
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
  DOCKER_BUILDKIT=1 "$cli" build -f "$DOCKERFILE" --build-arg STEPDOWN_GIT=0123456789ab \
    --output "type=local,dest=$out" "$SOURCE_DIR" >"$T/build.log" 2>&1 || {
    tail -n 40 "$T/build.log" >&2
    fail "docker build --output"
  }
  note "docker build --output took $((SECONDS - t0)) s ($cli)"
  expect_eq "$(cd "$out" && find . -mindepth 1 | sort | tr '\n' ' ')" "./stepdown " "files exported"
  is_static "$out/stepdown" || fail "the exported stepdown is not static: $(file "$out/stepdown")"
  expect_match "$("$out/stepdown" --version)" '^tini version [0-9]+\.[0-9]+\.[0-9]+.* - git\.0123456789ab$' \
    "--version of the exported binary names the commit passed as STEPDOWN_GIT"
}

dockerfile_image_and_copy_from() {
  require_base_image
  new_name stepdown-image
  local tag="$REPLY" t0=$SECONDS
  if buildkit_cli >/dev/null; then
    build_image "$tag" "$SOURCE_DIR" -f "$DOCKERFILE"
  else
    legacy_context
    build_image "$tag" "$REPLY" -f "$REPLY/docker/Dockerfile"
  fi
  note "docker build -t took $((SECONDS - t0)) s"
  expect_eq "$(image_files "$tag" | sort | tr '\n' ' ')" "stepdown " "files in the image"
  expect_match "$(docker run --rm --label "$LABEL" "$tag" --version)" '^tini version ' "docker run IMAGE --version"
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
check "docker/Dockerfile: image holds only /stepdown; COPY --from into examples/debian-app works" dockerfile_image_and_copy_from
finish
