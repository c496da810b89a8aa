#!/usr/bin/env bash
# stepdown's benchmark (issue 6): stepdown side by side with tini-static, gosu,
# setpriv, dumb-init, catatonit and the docker-entrypoint.sh chain, in one
# run, interleaved, on this machine.
#
#   bash bench/run.sh          (as root; about 5-8 minutes on 2 cores)
#
# It prints a markdown table with the machine it ran on and whether each of
# the issue's targets holds, and writes the same to bench/results/RESULTS.md.
# It exits 0 when it measured everything it could (a missed target is a
# result, not a failure) and non-zero when it could not run.
#
# What it does, in order:
#   1. installs the peers from Debian's packages when one is missing
#      (scripts/setup.sh) and builds stepdown, stepdown-probe, the harness
#      stepdown-bench (bench/stepdown_bench.cpp) and the glibc floor into
#      $BENCH_BUILD_DIR (the musl floor with musl-gcc);
#   2. in a private mount namespace (unshare --mount): mounts a private copy
#      of /etc on /etc and a private tmpfs on /run, where its own Docker-like
#      socket (stepdown-probe serve, root:988, 0660) stands at
#      /run/docker.sock; then measures start-to-exit times (every variant
#      once per round, in a new random order each round; with them the
#      "floor" of a static init, bench/floor.c, built against glibc and
#      against musl), user-space instruction counts (valgrind callgrind),
#      the cost of one `cpuid` and how many a start issues (single-stepped),
#      idle PID-1 memory, signal forwarding latency and the reaping of
#      orphans. The machine's own /etc and Docker socket are never changed:
#      they are not even visible there;
#   3. sizes of the static binaries;
#   4. `docker stop` with stepdown as ENTRYPOINT against a non-exec sh
#      entrypoint, in images built FROM scratch on this machine (labelled,
#      removed at exit).
#
# Environment (all optional):
#   BENCH_ROUNDS     rounds of the start-to-exit comparison (default 250)
#   BENCH_SIGNALS    signals per init for the forwarding latency (default 5000)
#   BENCH_ORPHANS    orphans to reap (default 10000)
#   BENCH_BUILD_DIR  build directory (default build-bench in the repository)
#   BENCH_STEPDOWN   a stepdown binary to measure instead of the one built
#                    (e.g. a candidate build, to compare before and after)
#   BENCH_DOCKER     0 skips the container rows
#   BENCH_RESULTS    where to write the report (default bench/results/RESULTS.md)
set -euo pipefail

SOURCE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FLOOR_GLIBC="floor: static init that only vforks, execs, waits (glibc)"
FLOOR_MUSL="floor: the same, built with musl"

# ------------------------------------------------------------------ inner part
# Runs as `bash bench/run.sh --inner DIR` inside the private mount namespace.
if [[ "${1:-}" == "--inner" ]]; then
  T="$2"
  B="$T/bin"
  O="$T/out"
  [[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ]] || {
    echo "run.sh: --inner must run in a private mount namespace" >&2
    exit 1
  }
  mount --make-rprivate /
  mount --bind "$T/etc" /etc
  mount -t tmpfs -o mode=0755,size=16m stepdown-bench-run /run
  mkdir -p /run/lock

  "$B/stepdown-probe" serve /run/docker.sock --uid 0 --gid 988 --perm 0660 >/dev/null 2>&1 &
  serve_pid=$!
  trap 'kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do [[ -S /run/docker.sock ]] && break; sleep 0.05; done
  [[ -S /run/docker.sock ]] || { echo "run.sh: the benchmark's socket did not appear" >&2; exit 1; }

  restore() { cp "$T/states/$1/"* /etc/; }

  SD="$B/stepdown"
  TINI="$(command -v tini-static)"
  GOSU="$(command -v gosu)"
  SETPRIV="$(command -v setpriv)"
  DUMB="$(command -v dumb-init)"
  CATA="$(command -v catatonit)"
  SH=/bin/sh
  EP="$B/docker-entrypoint.sh"
  TRUE=/bin/true
  SETPRIV_ARGS=(--reuid=1000 --regid=1000 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs)

  # ---- 1. start-to-exit: NAME MODE STATE ARGV (tab-separated)
  spec="$T/startup.tsv"
  row() { local IFS=$'\t'; echo "$*" >>"$spec"; }
  : >"$spec"
  row "baseline" plain - "$TRUE"
  row "stepdown exec mode (--exec, drop, no socket)" plain - "$SD" --exec --no-socket -- "$TRUE"
  row "stepdown --init, group aligned" plain aligned "$SD" --init -- "$TRUE"
  row "stepdown --init, group not aligned" plain unaligned "$SD" --init -- "$TRUE"
  row "gosu" plain - "$GOSU" app "$TRUE"
  row "setpriv" plain - "$SETPRIV" "${SETPRIV_ARGS[@]}" "$TRUE"
  row "tini-static (-s)" plain - "$TINI" -s -- "$TRUE"
  row "dumb-init" plain - "$DUMB" "$TRUE"
  row "catatonit" plain - "$CATA" -- "$TRUE"
  row "tini-static + gosu" plain - "$TINI" -s -- "$GOSU" app "$TRUE"
  row "docker-entrypoint.sh chain" plain unaligned "$SH" "$EP" "$TRUE"
  row "baseline" pid1 - "$TRUE"
  row "stepdown full start, group aligned" pid1 aligned "$SD" -- "$TRUE"
  row "stepdown full start, group not aligned" pid1 unaligned "$SD" -- "$TRUE"
  row "tini-static" pid1 - "$TINI" -- "$TRUE"
  row "dumb-init" pid1 - "$DUMB" "$TRUE"
  row "catatonit" pid1 - "$CATA" -- "$TRUE"
  row "tini-static + gosu" pid1 - "$TINI" -- "$GOSU" app "$TRUE"
  row "docker-entrypoint.sh chain" pid1 unaligned "$SH" "$EP" "$TRUE"
  row "tini-static + docker-entrypoint.sh chain" pid1 unaligned "$TINI" -- "$SH" "$EP" "$TRUE"
  # The floor of any static init (bench/floor.c): vfork, exec, wait, nothing
  # else; linked against glibc as stepdown is, and against musl.
  row "$FLOOR_GLIBC" pid1 - "$B/stepdown-floor" "$TRUE"
  row "$FLOOR_MUSL" pid1 - "$B/stepdown-floor-musl" "$TRUE"
  echo "run.sh: start-to-exit, ${ROUNDS} interleaved rounds of $(grep -c . "$spec") variants" >&2
  "$B/stepdown-bench" startup "$spec" "$ROUNDS" 10 "$T/states" >"$O/startup.tsv"

  # ---- 2. instructions (valgrind callgrind, user space, every process).
  # An image that execs loses its counts in valgrind, so each wrapper is
  # counted up to a failed exec (/nonexistent) or with the app (/bin/true)
  # left untraced, and the app's own count (the baseline) is added once.
  # gosu is a Go binary that valgrind cannot run: it is made unexecutable
  # here (an empty file on top of it) and its share is left out ("+ gosu").
  echo "run.sh: instruction counts (valgrind callgrind)" >&2
  icount() { # NAME STATE ARGV...
    local name="$1" state="$2" n
    shift 2
    [[ "$state" == - ]] || restore "$state"
    # The exit status is the wrapped command's (127 for /nonexistent): not checked.
    n="$({ valgrind --tool=callgrind --vgdb=no --trace-children=yes --trace-children-skip='*/true' \
      --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null || true; } | awk '/Collected :/ {s += $4} END {print s + 0}')"
    printf '%s\t%s\n' "$name" "$n" >>"$O/icount.tsv"
  }
  : >"$O/icount.tsv"
  : >"$T/not-executable"
  icount "baseline" - "$TRUE"
  icount "stepdown exec mode (--exec, drop, no socket)" - "$SD" --exec --no-socket -- /nonexistent
  icount "stepdown --init, group aligned" aligned "$SD" --init -- "$TRUE"
  icount "stepdown --init, group not aligned" unaligned "$SD" --init -- "$TRUE"
  icount "setpriv" - "$SETPRIV" "${SETPRIV_ARGS[@]}" /nonexistent
  icount "tini-static (-s)" - "$TINI" -s -- "$TRUE"
  icount "dumb-init" - "$DUMB" "$TRUE"
  icount "catatonit" - "$CATA" -- "$TRUE"
  mount --bind "$T/not-executable" "$GOSU"
  icount "tini-static + gosu" - "$TINI" -s -- "$GOSU" app "$TRUE"
  icount "docker-entrypoint.sh chain" unaligned "$SH" "$EP" "$TRUE"
  umount "$GOSU"

  # ---- 2b. cpuid: what one costs here, and how many a start issues
  # (single-stepped with ptrace: valgrind emulates cpuid, so it cannot tell).
  echo "run.sh: cpuid cost and counts (single-stepping: about a minute)" >&2
  "$B/stepdown-bench" cpuid 2000 >"$O/cpuid-cost.txt"
  cpuids() { # NAME STATE ARGV...
    local name="$1" state="$2" out
    shift 2
    [[ "$state" == - ]] || restore "$state"
    out="$("$B/stepdown-bench" icount "$@")"
    printf '%s\t%s\n' "$name" "$out" >>"$O/cpuid.tsv"
  }
  : >"$O/cpuid.tsv"
  cpuids "baseline" - "$TRUE"
  cpuids "$FLOOR_GLIBC" - "$B/stepdown-floor" "$TRUE"
  cpuids "$FLOOR_MUSL" - "$B/stepdown-floor-musl" "$TRUE"
  cpuids "stepdown --init, group aligned" aligned "$SD" --init -- "$TRUE"

  # ---- 3. idle PID-1 memory, the app sleeping
  echo "run.sh: idle PID-1 memory" >&2
  restore aligned
  "$B/stepdown-bench" memory 3 700 "$B/stepdown-probe" \
    + stepdown "$SD" -- + tini-static "$TINI" -- + catatonit "$CATA" -- >"$O/memory.tsv"

  # ---- 4. signal forwarding latency
  echo "run.sh: signal forwarding, ${SIGNALS} signals per init" >&2
  {
    "$B/stepdown-bench" signals "$SIGNALS" "$B" "none (signal sent to the app itself)"
    "$B/stepdown-bench" signals "$SIGNALS" "$B" stepdown "$SD" --
    "$B/stepdown-bench" signals "$SIGNALS" "$B" tini-static "$TINI" --
    "$B/stepdown-bench" signals "$SIGNALS" "$B" catatonit "$CATA" --
    "$B/stepdown-bench" signals "$SIGNALS" "$B" dumb-init "$DUMB"
  } >"$O/signals.tsv"

  # ---- 5. reaping orphans
  echo "run.sh: reaping ${ORPHANS} orphans" >&2
  {
    "$B/stepdown-bench" orphans "$ORPHANS" "$B" stepdown "$SD" --
    "$B/stepdown-bench" orphans "$ORPHANS" "$B" tini-static "$TINI" --
    "$B/stepdown-bench" orphans "$ORPHANS" "$B" catatonit "$CATA" --
  } >"$O/orphans.tsv"
  exit 0
fi

# ------------------------------------------------------------------ outer part
ROUNDS="${BENCH_ROUNDS:-250}"
SIGNALS="${BENCH_SIGNALS:-5000}"
ORPHANS="${BENCH_ORPHANS:-10000}"
BUILD_DIR="${BENCH_BUILD_DIR:-$SOURCE_DIR/build-bench}"
RESULTS="${BENCH_RESULTS:-$SOURCE_DIR/bench/results/RESULTS.md}"
export ROUNDS SIGNALS ORPHANS

say() { echo "run.sh: $*" >&2; }
die() {
  say "$*"
  exit 1
}

[[ $EUID -eq 0 ]] || die "needs root (namespaces, dropping privileges, docker); run: sudo bash bench/run.sh"
command -v unshare >/dev/null || die "unshare (util-linux) not found"
started=$SECONDS

# 1. peers and build
need=(tini-static gosu dumb-init catatonit setpriv valgrind cmake g++ musl-gcc)
missing=()
for c in "${need[@]}"; do command -v "$c" >/dev/null || missing+=("$c"); done
[[ -x /bin/busybox ]] || missing+=(busybox-static)
if ((${#missing[@]})); then
  say "missing ${missing[*]}: installing with scripts/setup.sh"
  bash "$SOURCE_DIR/scripts/setup.sh"
fi
# Configured every time (quick once cached): a configure that failed before
# leaves a cache without a build system.
cmake -S "$SOURCE_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
  die "cmake could not configure '$BUILD_DIR'"
say "building stepdown, stepdown-probe, stepdown-bench and stepdown-floor in '$BUILD_DIR'"
cmake --build "$BUILD_DIR" -j"$(nproc)" --target stepdown stepdown-probe stepdown-bench stepdown-floor >"$BUILD_DIR/bench-build.log" 2>&1 ||
  die "build failed; see '$BUILD_DIR/bench-build.log'"

# 2. the private world: binaries anyone can run, /etc as a fresh image has it
T="$(mktemp -d /tmp/stepdown-bench.XXXXXX)"
chmod 0755 "$T"
RUN_LABEL="org.stepdown.bench=$(basename "$T")"
cleanup() {
  local rc=$? ids
  set +e
  if command -v docker >/dev/null; then
    ids="$(docker ps -aq --filter "label=$RUN_LABEL" 2>/dev/null)"
    # shellcheck disable=SC2086 # a list of ids
    [[ -z "$ids" ]] || docker rm -f $ids >/dev/null 2>&1
    ids="$(docker images -q --filter "label=$RUN_LABEL" 2>/dev/null | sort -u)"
    # shellcheck disable=SC2086
    [[ -z "$ids" ]] || docker rmi -f $ids >/dev/null 2>&1
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$T/bin" "$T/out" "$T/states/aligned" "$T/states/unaligned"
install -m 0755 "${BENCH_STEPDOWN:-$BUILD_DIR/stepdown}" "$BUILD_DIR/tests/stepdown-probe" "$BUILD_DIR/bench/stepdown-bench" \
  "$BUILD_DIR/bench/stepdown-floor" "$SOURCE_DIR/bench/docker-entrypoint.sh" "$T/bin/"
musl-gcc -O2 -static -o "$T/bin/stepdown-floor-musl" "$SOURCE_DIR/bench/floor.c" >"$T/musl-build.log" 2>&1 ||
  die "musl-gcc could not build bench/floor.c: $(tail -n 5 "$T/musl-build.log")"
cp -a /etc "$T/etc"
# A Debian image's user database: the system accounts, `app` (1000:1000),
# no group for the socket's GID 988 ("not aligned") or `docker:x:988:app`
# ("aligned"). passwd and shadow never change during the run.
awk -F: '($3 < 1000 || $3 == 65534) {print} END {print "app:x:1000:1000::/home/app:/bin/sh"}' /etc/passwd >"$T/etc/passwd"
awk -F: 'NR == FNR {keep[$1] = 1; next} ($1 in keep) {print} END {print "app:*:19000:0:99999:7:::"}' \
  "$T/etc/passwd" /etc/shadow >"$T/etc/shadow"
awk -F: '(($3 < 1000 || $3 == 65534) && $3 != 988) {print} END {print "app:x:1000:"}' /etc/group >"$T/states/unaligned/group"
awk -F: 'NR == FNR {keep[$1] = 1; next} ($1 in keep) {print} END {print "app:!::"}' \
  "$T/states/unaligned/group" /etc/gshadow >"$T/states/unaligned/gshadow"
{ cat "$T/states/unaligned/group"; echo "docker:x:988:app"; } >"$T/states/aligned/group"
{ cat "$T/states/unaligned/gshadow"; echo "docker:!::app"; } >"$T/states/aligned/gshadow"
shadow_gid="$(awk -F: '$1 == "shadow" {print $3}' "$T/states/unaligned/group")"
for s in aligned unaligned; do
  chmod 0644 "$T/states/$s/group"
  chmod 0640 "$T/states/$s/gshadow"
  [[ -z "$shadow_gid" ]] || chgrp "$shadow_gid" "$T/states/$s/gshadow"
done
chmod 0644 "$T/etc/passwd"
chmod 0640 "$T/etc/shadow"
[[ -z "$shadow_gid" ]] || chgrp "$shadow_gid" "$T/etc/shadow"
cp -p "$T/states/unaligned/"* "$T/etc/"

machine_model="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
say "machine: $(nproc) x ${machine_model:-unknown}, kernel $(uname -r), load ${load_before}"

unshare --mount --propagation private -- bash "$SOURCE_DIR/bench/run.sh" --inner "$T"

# 3. sizes
size_row() { # NAME PATH
  local bytes kind
  bytes="$(stat -c %s "$2")"
  kind="$(file -b "$2" | grep -oE 'static-pie linked|statically linked|dynamically linked' | head -n1)"
  file -b "$2" | grep -q 'not stripped' && kind+=", not stripped" || kind+=", stripped"
  printf '%s\t%s\t%s\n' "$1" "$bytes" "$kind" >>"$T/out/sizes.tsv"
}
: >"$T/out/sizes.tsv"
size_row stepdown "$T/bin/stepdown"
size_row tini-static "$(command -v tini-static)"
size_row catatonit "$(command -v catatonit)"
size_row gosu "$(command -v gosu)"

# 4. docker stop
: >"$T/out/docker.tsv"
docker_note=""
busybox=""
for b in /bin/busybox /usr/bin/busybox; do
  if [[ -x "$b" ]] && file -b "$b" | grep -q 'statically linked'; then busybox="$b"; break; fi
done
if [[ "${BENCH_DOCKER:-1}" == 0 ]]; then
  docker_note="skipped: BENCH_DOCKER=0"
elif ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
  docker_note="skipped: no Docker engine answers here ('docker info' failed)"
else
  say "docker stop: building FROM scratch images"
  ctx="$T/docker"
  mkdir -p "$ctx/stepdown" "$ctx/sh"
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' >"$ctx/passwd"
  printf 'root:x:0:\napp:x:1000:\n' >"$ctx/group"
  cp "$T/bin/stepdown" "$T/bin/stepdown-probe" "$ctx/passwd" "$ctx/group" "$ctx/stepdown/"
  cat >"$ctx/stepdown/Dockerfile" <<'EOF'
FROM scratch
COPY passwd group /etc/
COPY stepdown stepdown-probe /usr/local/bin/
ENTRYPOINT ["/usr/local/bin/stepdown", "--"]
CMD ["/usr/local/bin/stepdown-probe", "sleep", "1000"]
EOF
  tags=("stepdown-bench-$$:stepdown")
  if [[ -n "$busybox" ]]; then
    cp "$T/bin/stepdown-probe" "$ctx/passwd" "$ctx/group" "$ctx/sh/"
    cp "$busybox" "$ctx/sh/sh"
    # The common shape that docker stop cannot stop politely: sh stays PID 1
    # (the app is not exec'd) and PID 1 has no SIGTERM handler.
    printf '#!/bin/sh\n/usr/local/bin/stepdown-probe sleep 1000\necho "app exited"\n' >"$ctx/sh/entrypoint.sh"
    cat >"$ctx/sh/Dockerfile" <<'EOF'
FROM scratch
COPY passwd group /etc/
COPY sh /bin/sh
COPY stepdown-probe /usr/local/bin/
COPY entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]
EOF
    tags+=("stepdown-bench-$$:sh")
  else
    docker_note="sh row skipped: no static busybox (Debian's busybox-static; scripts/setup.sh installs it)"
  fi
  for tag in "${tags[@]}"; do
    DOCKER_BUILDKIT=0 docker build -q --label "$RUN_LABEL" -t "$tag" "$ctx/${tag##*:}" >"$T/docker-build.log" 2>&1 ||
      die "docker build of '$tag' failed: $(tail -n 5 "$T/docker-build.log")"
  done
  stop_time() { # TAG -> seconds
    local cid t0 t1
    cid="$(docker run -d --network none --label "$RUN_LABEL" "$1")"
    for _ in $(seq 200); do
      docker top "$cid" 2>/dev/null | grep -q 'stepdown-probe sleep' && break
      sleep 0.05
    done
    sleep 0.3
    t0=$(date +%s%N)
    docker stop "$cid" >/dev/null
    t1=$(date +%s%N)
    docker rm -f "$cid" >/dev/null 2>&1 || true
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}'
  }
  say "docker stop: 3 x stepdown, 2 x sh (each sh stop waits for docker's 10 s timeout)"
  for tag in "${tags[@]}"; do
    n=3
    [[ "$tag" == *:sh ]] && n=2
    times=()
    for _ in $(seq "$n"); do times+=("$(stop_time "$tag")"); done
    printf '%s\t%s\n' "${tag##*:}" "${times[*]}" >>"$T/out/docker.tsv"
  done
fi

# 5. the report
# grouped(v): an integer with thousands separators (awk; prepended to the
# programs that print counts).
AWK_GROUPED='
    function grouped(v,   s, out) {
      s = sprintf("%.0f", v); out = ""
      while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
      return s out
    }'
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
report="$T/RESULTS.md"
O="$T/out"
{
  echo "# stepdown benchmark results"
  echo
  echo "Produced by \`bash bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), stepdown $(git -C "$SOURCE_DIR" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(git -C "$SOURCE_DIR" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')."
  echo
  echo "- Machine: $(nproc) CPU(s), ${machine_model:-unknown}, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(systemd-detect-virt 2>/dev/null || echo 'virtualisation unknown')"
  echo "- Kernel: $(uname -r); glibc $(ldd --version 2>/dev/null | head -n1 | grep -oE '[0-9]+\.[0-9]+$')"
  echo "- Load average (1/5/15 min): ${load_before} before, ${load_after} after; total run $((SECONDS - started)) s"
  echo "- Peers (Debian packages): $(dpkg-query -W -f='${Package} ${Version}, ' tini gosu dumb-init catatonit util-linux 2>/dev/null | sed 's/, $//')"
  echo
  echo "## 1. Start-to-exit of \`/bin/true\`"
  echo
  echo "Whole-process time from clone(2) to wait4(2) returning, ${ROUNDS} rounds after 10 warm-up rounds; every round runs each variant once, in a new random order. \"plain\": started directly by the harness; \"PID 1\": started as PID 1 of a new pid namespace (CLONE_NEWPID), as a container's first process is. Ratios are to the baseline of the same mode. CPU is user+sys of the process and every descendant it waited for (from wait4), far less disturbed by other tenants than wall time. Instructions: user space only, every process, valgrind callgrind; a wrapper that execs is counted up to a failed exec, plus the app (the baseline) once; gosu (Go) does not run under valgrind and is not included where marked \"+ gosu\". Variants marked \"not aligned\" start from an /etc/group without the socket's GID 988, restored before every sample (untimed): the group is added (stepdown, or groupadd+usermod) every time, as in every fresh container."
  echo
  echo "| started through | mode | wall median ms [p10–p90] | × baseline | CPU median ms | × baseline | instructions |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' -v icfile="$O/icount.tsv" -v spec="$T/startup.tsv" "$AWK_GROUPED"'
    BEGIN {
      while ((getline l < icfile) > 0) { split(l, f, "\t"); ic[f[1]] = f[2] }
      i = 0
      while ((getline l < spec) > 0) { split(l, f, "\t"); mode[++i] = f[2] }
    }
    /^#/ { next }
    {
      n++; m = mode[n]; name = $1
      if (name == "baseline") { bw[m] = $3; bc[m] = $6 }
      label = (m == "pid1") ? "PID 1" : "plain"
      if ($2 == 0) { printf "| %s | %s | failed | | | | |\n", name, label; next }
      icn = ""
      if (m == "plain" && (name in ic)) {
        v = ic[name]
        if (name != "baseline") v += ic["baseline"]
        icn = grouped(v)
        if (name ~ /gosu/) icn = icn " + gosu"
      }
      printf "| %s | %s | %.2f [%.2f–%.2f] | %.2f | %.2f | %.2f | %s |\n", name, label, $3, $4, $5, $3 / bw[m], $6, $6 / bc[m], icn
    }' "$O/startup.tsv"
  echo
  echo "### The C library's share"
  cpuid_cost="$(cat "$O/cpuid-cost.txt")"
  if [[ "$cpuid_cost" =~ ^[0-9.]+$ ]]; then
    cpuid_sentence="Here one \`cpuid\` takes ${cpuid_cost} µs (\`stepdown-bench cpuid 2000\`, median of 5 batches)."
  else
    cpuid_sentence="This machine is not x86-64: no \`cpuid\`."
  fi
  echo
  echo "The two \"floor\" rows are [bench/floor.c](../floor.c): a static init that only starts the app with vfork(2) and execv(2) and waits for it, the least that any init which execs the app does. One is linked against glibc as stepdown is (static-pie); the other with musl-gcc, static (Debian's musl-gcc makes no static-pie; for glibc the difference is ~0.015 ms). Each start below was single-stepped once (\`stepdown-bench icount\`) to count its steps (instructions, but a rep-prefixed string instruction takes a step per iteration; they differ from callgrind's counts in the table above, which are taken on valgrind's simulated CPU, where glibc's start-up takes other paths) and the \`cpuid\`s among them: glibc asks the CPU for its features and cache sizes at the start of every process, static or dynamic (the dynamic \`/bin/true\` does it in ld.so), and on a virtual machine each \`cpuid\` exits to the hypervisor. ${cpuid_sentence}"
  echo
  echo "| start | single-steps | cpuid | their time at ${cpuid_cost} µs each |"
  echo "|---|---|---|---|"
  awk -F'\t' -v cost="$cpuid_cost" "$AWK_GROUPED"'
    {
      name = ($4 == "exit 0") ? $1 : $1 " (" $4 ")"
      t = (cost ~ /^[0-9.]+$/) ? sprintf("%.2f ms", $3 * cost / 1000) : "n/a"
      printf "| %s | %s | %s | %s |\n", name, grouped($2), $3, t
    }' "$O/cpuid.tsv"
  echo
  awk -F'\t' -v spec="$T/startup.tsv" -v fg="$FLOOR_GLIBC" -v fm="$FLOOR_MUSL" '
    BEGIN { i = 0; while ((getline l < spec) > 0) { split(l, f, "\t"); mode[++i] = f[2] } }
    /^#/ { next }
    { n++; if ($2 > 0) wall[mode[n] "|" $1] = $3 }
    END {
      base = wall["pid1|baseline"]; tg = wall["pid1|tini-static + gosu"]
      g = wall["pid1|" fg]; m = wall["pid1|" fm]; s = wall["pid1|stepdown full start, group aligned"]
      if (base == "" || tg == "" || g == "" || m == "" || s == "") {
        print "Not computed: a variant it needs failed (section 1)."
        exit
      }
      printf "As PID 1 (wall medians): the glibc floor takes %.2f ms (%.2f× the baseline, %.2f× tini-static + gosu), the musl floor %.2f ms (%.2f×, %.2f×). ", g, g / base, g / tg, m, m / base, m / tg
      printf "stepdown'"'"'s own work above the glibc floor (the aligned full start less the glibc floor) is %.2f ms. ", s - g
      printf "What each start target leaves for an init'"'"'s own work: ≤ 1.5× the baseline (%.2f ms) leaves %.2f ms above the glibc floor and %.2f ms above the musl floor; ≤ 0.4× tini-static + gosu (%.2f ms) leaves %.2f ms and %.2f ms. ", 1.5 * base, 1.5 * base - g, 1.5 * base - m, 0.4 * tg, 0.4 * tg - g, 0.4 * tg - m
      printf "On the musl floor stepdown'"'"'s work would make %.2f ms: %.2f× the baseline, %.2f× tini-static + gosu (an estimate: stepdown has no musl build, see the README).\n", m + s - g, (m + s - g) / base, (m + s - g) / tg
    }' "$O/startup.tsv"
  echo
  echo "## 2. Idle PID-1 memory"
  echo
  echo "Each init as PID 1 of a new pid namespace with \`stepdown-probe sleep 60\` as its app; /proc/PID/status and smaps_rollup read 0.7 s after the app started; medians of 3 runs (kB). stepdown runs its full start (socket stat, group aligned, drop to 1000:1000) and then supervises as 1000."
  echo
  echo "| init | VmRSS kB | RssAnon kB | RssFile kB | Pss kB |"
  echo "|---|---|---|---|---|"
  awk -F'\t' '!/^#/ {printf "| %s | %s | %s | %s | %s |\n", $1, $3, $4, $5, $6}' "$O/memory.tsv"
  echo
  echo "## 3. Binary size"
  echo
  echo "| binary | bytes | linkage |"
  echo "|---|---|---|"
  awk -F'\t' '{printf "| %s | %s | %s |\n", $1, $2, $3}' "$O/sizes.tsv"
  echo
  echo "## 4. Signal forwarding latency"
  echo
  echo "SIGUSR1 sent to PID 1 (the init, in a new pid namespace) until the app's handler runs: the sender reads CLOCK_MONOTONIC just before kill(2), the app's handler reads it first thing, one signal in flight at a time, after 200 warm-up signals (µs)."
  echo
  echo "| init | signals | p50 µs | p90 µs | p99 µs | max µs | lost |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' '!/^#/ {printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}' "$O/signals.tsv"
  echo
  echo "## 5. Reaping orphans"
  echo
  echo "The app (as PID 1's child) forks a process that forks ${ORPHANS} children and exits: they become PID 1's orphans and exit at once. Reap time runs from the moment the last of them has exited (a pipe they all held reaches EOF) until kill(pid, 0) fails with ESRCH for every one of them; zombies are then counted from /proc (state Z, parent = the init) while the init still runs."
  echo
  echo "| init | orphans | create + reap ms | reap after last exit ms | not reaped | zombies in /proc | init's children left |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' '!/^#/ {printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}' "$O/orphans.tsv"
  echo
  echo "## 6. \`docker stop\`"
  echo
  if [[ -s "$O/docker.tsv" ]]; then
    echo "Time of \`docker stop\` (default 10 s timeout) on a running container whose app is \`stepdown-probe sleep 1000\`; images FROM scratch. stepdown: \`ENTRYPOINT [\"stepdown\", \"--\"]\` (PID 1, drops to 1000:1000, forwards SIGTERM). sh: a static busybox sh running \`entrypoint.sh\`, which starts the app without exec, so sh stays PID 1 and ignores SIGTERM."
    echo
    echo "| entrypoint | runs (s) | median s |"
    echo "|---|---|---|"
    while IFS=$'\t' read -r name times; do
      med="$(tr ' ' '\n' <<<"$times" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')"
      echo "| $name | $times | $med |"
    done <"$O/docker.tsv"
  fi
  [[ -z "$docker_note" ]] || { echo; echo "$docker_note"; }
} >"$report"

# Targets
verdicts="$T/targets.md"
{
  echo
  echo "## Targets (issue 6)"
  echo
  awk -F'\t' -v spec="$T/startup.tsv" -v mem="$O/memory.tsv" -v sizes="$O/sizes.tsv" -v sig="$O/signals.tsv" \
    -v orph="$O/orphans.tsv" -v dock="$O/docker.tsv" -v norph="$ORPHANS" -v fg="$FLOOR_GLIBC" '
    function verdict(ok) { return ok ? "**holds**" : "**MISSED**" }
    function floor_note(missed, r) { return (missed && floor != "") ? sprintf(" (the glibc floor alone: %.2f×)", r) : "" }
    BEGIN {
      i = 0
      while ((getline l < spec) > 0) { split(l, f, "\t"); mode[++i] = f[2] }
    }
    /^#/ { next }
    { n++; key = mode[n] "|" $1; wall[key] = $3; cpu[key] = $6 }
    END {
      base = wall["pid1|baseline"]; tg = wall["pid1|tini-static + gosu"]; chain = wall["pid1|docker-entrypoint.sh chain"]
      floor = wall["pid1|" fg]
      if (floor == "nan") floor = ""  # the floor failed: no note
      split("aligned|not aligned", kinds, "|")
      for (k = 1; k <= 2; k++) {
        s = wall["pid1|stepdown full start, group " kinds[k]]
        sc = cpu["pid1|stepdown full start, group " kinds[k]]
        printf "- full start (PID 1, group %s) ≤ 1.5× the direct exec baseline: %.2f ms / %.2f ms = %.2f× (CPU %.2f×) → %s%s\n", kinds[k], s, base, s / base, sc / cpu["pid1|baseline"], verdict(s <= 1.5 * base), floor_note(s > 1.5 * base, floor / base)
        printf "- full start (PID 1, group %s) ≤ 0.4× tini-static + gosu: %.2f ms / %.2f ms = %.2f× → %s%s\n", kinds[k], s, tg, s / tg, verdict(s <= 0.4 * tg), floor_note(s > 0.4 * tg, floor / tg)
        printf "- full start (PID 1, group %s) ≤ 0.1× the docker-entrypoint.sh chain: %.2f ms / %.2f ms = %.3f× → %s\n", kinds[k], s, chain, s / chain, verdict(s <= 0.1 * chain)
      }
      while ((getline l < mem) > 0) { if (l ~ /^#/) continue; split(l, f, "\t"); rss[f[1]] = f[3]; anon[f[1]] = f[4] }
      printf "- idle PID-1 VmRSS ≤ tini-static'"'"'s: %s kB vs %s kB → %s\n", rss["stepdown"], rss["tini-static"], verdict(rss["stepdown"] + 0 <= rss["tini-static"] + 0)
      printf "- idle PID-1 RssAnon ≤ 64 kB: %s kB → %s\n", anon["stepdown"], verdict(anon["stepdown"] + 0 <= 64)
      while ((getline l < sizes) > 0) { split(l, f, "\t"); sz[f[1]] = f[2] }
      printf "- static stripped binary ≤ 1.2 MB (1,200,000 bytes): %s bytes → %s\n", sz["stepdown"], verdict(sz["stepdown"] + 0 <= 1200000)
      while ((getline l < sig) > 0) { if (l ~ /^#/) continue; split(l, f, "\t"); if (f[1] == "stepdown") { p99 = f[5]; lost = f[7] } }
      printf "- forwarding p99 < 1 ms: %s µs (%s lost) → %s\n", p99, lost, verdict(p99 != "" && p99 + 0 < 1000 && lost + 0 == 0)
      while ((getline l < orph) > 0) { if (l ~ /^#/) continue; split(l, f, "\t"); if (f[1] == "stepdown") { made = f[2]; left = f[5]; z = f[6]; rt = f[4] } }
      printf "- %s orphans reaped with 0 left: %s made, %s not reaped, %s zombies in /proc, reaped %s ms after the last exit → %s\n", norph, made, left, z, rt, verdict(made == norph && left == 0 && z == 0)
      ds = ""
      while ((getline l < dock) > 0) { split(l, f, "\t"); if (f[1] == "stepdown") ds = f[2] }
      if (ds == "") printf "- docker stop < 1 s: not measured (see section 6)\n"
      else {
        c = split(ds, t, " "); worst = 0
        for (j = 1; j <= c; j++) if (t[j] + 0 > worst) worst = t[j] + 0
        printf "- docker stop < 1 s: slowest of %d runs %.3f s → %s\n", c, worst, verdict(worst < 1)
      }
    }' "$O/startup.tsv"
} >"$verdicts"
cat "$verdicts" >>"$report"

mkdir -p "$(dirname "$RESULTS")"
cp "$report" "$RESULTS"
cat "$report"
say "wrote '$RESULTS' ($((SECONDS - started)) s)"
