#!/usr/bin/env bash
# Installs everything stepdown's build, tests, showcase and benchmarks need,
# from Debian's packages. Idempotent; run as root on a fresh Debian 12 machine.
set -euo pipefail

packages=(
  # build
  cmake g++ make libcap-ng-dev libfmt-dev catch2 file binutils
  # scenario tests: namespaces, ptys, sockets, fault injection
  util-linux bsdutils socat strace
  # POSIX ACLs and extended attributes: the sockets' ACLs, and the /etc files' kept by the edit
  acl attr
  # static analysis, fuzzing, sanitizers
  clang clang-tidy cppcheck shellcheck libclang-rt-14-dev
  # container tests: a local debian:bookworm base image, the compose and Pod examples
  debootstrap docker-compose python3-yaml
  # Podman tier: rootful and rootless Podman with runc (crun refuses hybrid
  # cgroups), newuidmap/newgidmap for the rootless user namespace
  podman runc uidmap
  # benchmarks (bench/run.sh): the peers (tini ships tini-static, util-linux
  # setpriv), valgrind for instruction counts, a static busybox for the
  # non-exec sh entrypoint of the docker stop comparison
  tini gosu dumb-init catatonit hyperfine valgrind busybox-static
  # the floor rows: bench/floor.c built with musl as well as glibc
  musl-tools
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
