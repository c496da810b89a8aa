#!/usr/bin/env bash
# Creates the Docker image `debian:bookworm` on this machine without a registry:
# debootstrap (variant minbase) from Debian's mirror, `docker import`, tag.
#
#   scripts/make-base-image.sh [--force] [--tag NAME:TAG] [--include PKG,PKG...]
#
# --include adds packages (and their dependencies) to the root file system,
# e.g. a builder image for docker/Dockerfile where build containers cannot
# reach a Debian mirror (see docker/README.md). Each package list has its own
# cached tarball.
#
# Idempotent and cached, because CI runs it on every submission:
#   - the image already exists            -> nothing to do (seconds);
#   - the rootfs tarball is in the cache  -> `docker import` only (~10 s);
#   - otherwise                           -> debootstrap (a few minutes), then both.
# Concurrent runs serialise on a lock in the cache directory. A tarball is only
# ever published complete (written beside, checksummed, renamed), so an
# interrupted run leaves nothing half-made behind.
#
# Environment:
#   STEPDOWN_CI_CACHE  cache directory (default /var/cache/stepdown-ci)
#   DEBIAN_MIRROR      Debian archive URL (default: the one apt is configured
#                      with here, else http://deb.debian.org/debian)
#   DEBIAN_SECURITY    security archive URL written into the image's sources
#
# The image mirrors the shape of the official one: CMD ["bash"], the usual
# PATH, deb822 sources for bookworm, bookworm-updates and bookworm-security,
# no apt lists (run `apt-get update` first, as with the official image), and
# the same docker-clean apt configuration. Needs root, debootstrap and a
# running Docker engine.
set -euo pipefail

suite=bookworm
tag="debian:${suite}"
force=0
include=""
tag_given=0
while (($#)); do
  case "$1" in
    --force) force=1 ;;
    --tag) tag="${2:?--tag needs NAME:TAG}"; tag_given=1; shift ;;
    --include) include="${2:?--include needs PKG,PKG...}"; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-base-image: unknown argument '$1'" >&2; exit 64 ;;
  esac
  shift
done

say() { echo "make-base-image: $*" >&2; }
die() { say "$*"; exit 1; }

cache="${STEPDOWN_CI_CACHE:-/var/cache/stepdown-ci}"
arch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
flavour="minbase"
if [[ -n "$include" ]] && ((!tag_given)); then
  echo "make-base-image: --include needs --tag (an image with extra packages is not plain '$tag')" >&2
  exit 64
fi
if [[ -n "$include" ]]; then
  [[ "$include" =~ ^[a-z0-9][a-z0-9.+-]*(,[a-z0-9][a-z0-9.+-]*)*$ ]] || { echo "make-base-image: invalid --include '$include'" >&2; exit 64; }
  include="$(tr ',' '\n' <<<"$include" | sort -u | paste -sd, -)"
  flavour="minbase-$(sha256sum <<<"$include" | cut -c1-12)"
fi
tarball="${cache}/debian-${suite}-${flavour}-${arch}.tar"

# The Debian archive apt uses on this machine: the first `.../debian` URI in
# one-line or deb822 sources. Only Debian's own mirror is reachable here.
apt_mirror() {
  local want="$1" f line
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -r "$f" ]] || continue
    while read -r line; do
      line="${line%%#*}"
      # one-line:  deb [opts] URI suite comp...     deb822:  URIs: URI...
      if [[ "$line" =~ ^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+) ]] ||
        [[ "$line" =~ ^URIs:[[:space:]]*([^[:space:]]+) ]]; then
        local uri="${BASH_REMATCH[${#BASH_REMATCH[@]}-1]}"
        uri="${uri%/}"
        if [[ "$uri" == */"$want" ]]; then
          echo "$uri"
          return 0
        fi
      fi
    done <"$f"
  done
  return 1
}

mirror="${DEBIAN_MIRROR:-$(apt_mirror debian || echo http://deb.debian.org/debian)}"
security="${DEBIAN_SECURITY:-$(apt_mirror debian-security || echo http://deb.debian.org/debian-security)}"

[[ $EUID -eq 0 ]] || die "must run as root (debootstrap and docker import need it)"
command -v docker >/dev/null || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "cannot reach the Docker engine ('docker info' failed)"

if ((!force)) && docker image inspect "$tag" >/dev/null 2>&1; then
  say "'$tag' exists, nothing to do"
  exit 0
fi

mkdir -p "$cache"
exec 9>"${cache}/.lock"
if ! flock -n 9; then
  say "waiting for another run holding '${cache}/.lock'"
  flock 9
  if ((!force)) && docker image inspect "$tag" >/dev/null 2>&1; then
    say "'$tag' was made by the other run"
    exit 0
  fi
fi

work=""
cleanup() {
  if [[ -n "$work" && -d "$work" ]]; then
    # debootstrap may leave /proc or /sys mounted in the target when it dies.
    local m
    for m in proc sys dev/pts dev; do
      if mountpoint -q "$work/rootfs/$m" 2>/dev/null; then umount -l "$work/rootfs/$m" 2>/dev/null || true; fi
    done
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT

build_tarball() {
  command -v debootstrap >/dev/null || die "debootstrap not found (scripts/setup.sh installs it)"
  work="$(mktemp -d "${cache}/build.XXXXXX")"
  local root="$work/rootfs" debs="${cache}/debs" attempt
  mkdir -p "$debs"
  say "debootstrap --variant=minbase ${suite} from ${mirror} (takes a few minutes)"
  local t0=$SECONDS
  for attempt in 1 2 3; do
    # --cache-dir keeps the downloaded .debs, so a retry or a later rebuild
    # downloads only what changed.
    if debootstrap --variant=minbase --arch="$arch" --cache-dir="$debs" ${include:+--include="$include"} \
      --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
      "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
      break
    fi
    say "debootstrap attempt $attempt failed; last lines of its log:"
    tail -n 15 "$work/debootstrap.log" >&2
    if [[ -f "$root/debootstrap/debootstrap.log" ]]; then tail -n 15 "$root/debootstrap/debootstrap.log" >&2; fi
    ((attempt < 3)) || die "debootstrap failed 3 times"
    cleanup
    work="$(mktemp -d "${cache}/build.XXXXXX")"
    root="$work/rootfs"
    sleep $((attempt * 5))
  done
  say "debootstrap took $((SECONDS - t0)) s"

  # Shape it like the official image.
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror}
Suites: ${suite} ${suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${security}
Suites: ${suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
# As in the official image: keep no .deb files or pkgcache in image layers.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'APT::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/* "$root"/tmp/* "$root"/var/tmp/* "$root/debootstrap"
  mkdir -p "$root/var/lib/apt/lists/partial"
  # Docker bind-mounts these at run time; the image should not carry the host's.
  : >"$root/etc/resolv.conf"
  : >"$root/etc/hostname"
  : >"$root/etc/machine-id"

  tar --numeric-owner --xattrs --acls -C "$root" -cf "${tarball}.part" .
  sha256sum "${tarball}.part" | sed "s|${tarball}.part|$(basename "$tarball")|" >"${tarball}.sha256.part"
  mv -f "${tarball}.sha256.part" "${tarball}.sha256"
  mv -f "${tarball}.part" "$tarball"
  sync -f "$tarball" 2>/dev/null || true
  cleanup
  work=""
  say "cached rootfs at '$tarball' ($(du -h "$tarball" | cut -f1))"
}

tarball_ok() {
  [[ -s "$tarball" && -s "${tarball}.sha256" ]] || return 1
  (cd "$cache" && sha256sum --status -c "$(basename "$tarball").sha256")
}

if ((force)) || ! tarball_ok; then
  if [[ -e "$tarball" ]] && ((!force)); then say "cached tarball fails its checksum, rebuilding"; fi
  rm -f "$tarball" "${tarball}.sha256"
  build_tarball
else
  say "using cached rootfs '$tarball'"
fi

say "docker import -> '$tag'"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' \
  --change "LABEL org.opencontainers.image.description=\"debian ${suite} minbase${include:+ with $include}, debootstrap from ${mirror} by stepdown scripts/make-base-image.sh\"" \
  --message "debootstrap --variant=minbase ${include:+--include=$include }${suite}" \
  "$tarball" "$tag" >/dev/null
docker run --rm --network none "$tag" true || die "imported '$tag' does not run"
say "'$tag' ready"
