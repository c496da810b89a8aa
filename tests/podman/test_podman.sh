#!/usr/bin/env bash
# shellcheck disable=SC2317 # the checks are functions called through `check NAME FN`
# Podman tier: stepdown as its users run it under Podman, rootful and rootless,
# with images built FROM scratch (the static stepdown and stepdown-probe).
#
# Nothing global is changed but one throwaway user: Podman reads a private
# containers.conf and storage.conf (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF)
# whose storage, run and temporary directories are under this run's directory;
# the rootless checks create a user with useradd, append its lines to
# /etc/subuid and /etc/subgid, and the EXIT trap puts both files back byte for
# byte and removes the user; a run killed outright is swept by the next one.
# Sockets are served by stepdown-probe, never the machine's own. Skips say
# why; under CI=true a skip is a failure.
set -euo pipefail

SOURCE_DIR="${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
BUILD_DIR="${BUILD_DIR:-${SOURCE_DIR}/build}"
STEPDOWN="${STEPDOWN:-${BUILD_DIR}/stepdown}"
PROBE="${PROBE:-${BUILD_DIR}/tests/stepdown-probe}"
PROBE_BIN=/usr/local/bin/stepdown-probe

RUN_ID="sdpm-$$"
# A short path on purpose: under a longer one (/tmp/stepdown-podman-PID-TIME.XXXXXX)
# every `podman run` here waited 20 s for conmon ("Exceeded conmon timeout"),
# presumably a unix socket path below it passing the 108-byte limit.
T="$(mktemp -d "/tmp/${RUN_ID}.XXXXXX")"
chmod 755 "$T"
: >"$T/pids"

TIER_NAME=Podman
# shellcheck source=../lib/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"
RL_USER=""       # the throwaway user, once created
RL_SAVED=""      # where /etc/subuid and /etc/subgid were saved



# ---------------------------------------------------------------- clean-up

# Puts a saved file back exactly (content, mode, owner), whatever was done to it.
restore_file() {
  local saved="$1" file="$2"
  cat "$saved" >"$file"
  chmod --reference="$saved" "$file"
  chown --reference="$saved" "$file"
}

cleanup() {
  local rc=$?
  set +e
  if ((!finished)); then
    say "FAIL - $(basename "$0") stopped early (exit ${rc}) outside any check"
    say "${passed} passed, $((failed + 1)) failed"
    ((rc != 0)) || rc=1
  fi
  local pid
  while read -r pid; do [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; done <"$T/pids"
  while read -r pid; do [[ -n "$pid" ]] && wait "$pid" 2>/dev/null; done <"$T/pids"
  if [[ -e "$T/rootful.conf" ]]; then
    rootful rm -a -f >/dev/null 2>&1
    rootful rmi -a -f >/dev/null 2>&1
  fi
  if [[ -n "$RL_USER" ]]; then
    rootless rm -a -f >/dev/null 2>&1
    rootless rmi -a -f >/dev/null 2>&1
    # Rootless Podman leaves a pause process holding its user namespace, and
    # userdel refuses a user with processes: end this user's, one by one.
    local p
    for p in $(ps -o pid= -u "$RL_USER" 2>/dev/null); do kill "$p" 2>/dev/null; done
    for ((p = 0; p < 50; p++)); do
      [[ -z "$(ps -o pid= -u "$RL_USER" 2>/dev/null)" ]] && break
      sleep 0.1
    done
    userdel "$RL_USER" >/dev/null 2>&1 || say "# cleanup: userdel '$RL_USER' failed; remove it by hand"
  fi
  if [[ -n "$RL_SAVED" ]]; then
    restore_file "$RL_SAVED/subuid" /etc/subuid
    restore_file "$RL_SAVED/subgid" /etc/subgid
    [[ -s "$RL_SAVED/subuid.absent" ]] && rm -f /etc/subuid
    [[ -s "$RL_SAVED/subgid.absent" ]] && rm -f /etc/subgid
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- harness






# ---------------------------------------------------------------- Podman's configuration

# write_conf DIR [TMPDIR]: containers.conf and storage.conf for one Podman
# (rootful or one user's) with everything under DIR.
write_conf() {
  local dir="$1" tmp="${2:-}"
  mkdir -p "$dir/graph" "$dir/run"
  # runc: crun refuses this kind of machine's hybrid cgroups. cgroupfs: no
  # systemd user session for the throwaway user. Fixed low rlimits: Podman
  # otherwise asks runc to raise RLIMIT_NPROC and RLIMIT_NOFILE to its own
  # defaults, which fails without CAP_SYS_RESOURCE. No network: rootless
  # networking needs /dev/net/tun, and no check uses the network. vfs storage:
  # works on any filesystem and as any user; the images are a few MB.
  {
    echo '[engine]'
    echo 'runtime = "runc"'
    echo 'cgroup_manager = "cgroupfs"'
    echo 'events_logger = "file"'
    echo "events_logfile_path = \"$dir/events.log\""
    [[ -z "$tmp" ]] || echo "tmp_dir = \"$tmp\""
    echo '[containers]'
    echo 'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]'
    echo 'netns = "none"'
  } >"$dir/containers.conf"
  {
    echo '[storage]'
    echo 'driver = "vfs"'
    echo "runroot = \"$dir/run\""
    echo "graphroot = \"$dir/graph\""
  } >"$dir/storage.conf"
}

# The podman command lines, as arrays (timeout runs them as well): root with
# this run's private configuration; the throwaway user with its own.
rootful_cmd() {
  ROOTFUL=(env CONTAINERS_CONF="$T/rootful/containers.conf" CONTAINERS_STORAGE_CONF="$T/rootful/storage.conf" podman)
}
rootless_cmd() {
  ROOTLESS=(runuser -u "$RL_USER" -- env -C /tmp HOME="$T/rootless/home" XDG_RUNTIME_DIR="$T/rootless/xdg"
    CONTAINERS_CONF="$T/rootless/containers.conf" CONTAINERS_STORAGE_CONF="$T/rootless/storage.conf" podman)
}
rootful() {
  rootful_cmd
  "${ROOTFUL[@]}" "$@"
}
rootless() {
  rootless_cmd
  "${ROOTLESS[@]}" "$@"
}

# ---------------------------------------------------------------- images, sockets, runs

# make_context DIR [with-stepdown]: a FROM scratch build context: the probe,
# /etc/passwd and /etc/group with root, app (1000) and nobody; stepdown as the
# entrypoint unless only the probe is wanted (the --init-path form).
make_context() {
  local ctx="$1" with="${2:-with-stepdown}" root="$1/rootfs"
  mkdir -p "$root/usr/local/bin" "$root/etc" "$root/tmp" "$root/home/app" "$root/var/run" "$root/run"
  chmod 1777 "$root/tmp"
  chown 1000:1000 "$root/home/app"
  install -m 0755 "$PROBE" "$root$PROBE_BIN"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'app:x:1000:1000:app:/home/app:/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'app:x:1000:' 'nogroup:x:65534:' >"$root/etc/group"
  chmod 0644 "$root/etc/passwd" "$root/etc/group"
  if [[ "$with" == with-stepdown ]]; then
    install -m 0755 "$STEPDOWN" "$root/usr/local/bin/stepdown"
    printf 'FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["/usr/local/bin/stepdown", "--"]\nCMD ["%s", "report", "--ping", "/var/run/docker.sock"]\n' \
      "$PROBE_BIN" >"$ctx/Containerfile"
  else
    printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["%s", "report"]\n' "$PROBE_BIN" >"$ctx/Containerfile"
  fi
  chmod -R a+rX "$ctx"
}

# serve SOCKET UID GID MODE [as USER]: a fake Docker API (GET /_ping -> OK)
# served by the probe, owned by UID:GID with MODE.
serve() {
  local path="$1" uid="$2" gid="$3" mode="$4" i
  shift 4
  local -a as=()
  [[ "${1:-}" != as ]] || as=(runuser -u "$2" --)
  "${as[@]}" "$T/ctx-stepdown/rootfs$PROBE_BIN" serve "$path" --uid "$uid" --gid "$gid" --perm "$mode" --log "$path.log" </dev/null \
    >"$path.out" 2>&1 &
  echo "$!" >>"$T/pids"
  for ((i = 0; i < 100; i++)); do
    [[ -S "$path" ]] && break
    sleep 0.05
  done
  [[ -S "$path" ]] || fail "serve $path: no socket after 5 s: $(cat "$path.out")"
}

# run_in rootful|rootless [run args...]: a foreground container, removed
# afterwards. Sets OUT, ERR and RC and shows them in a failure's output.
run_in() {
  local -a podman
  if [[ "$1" == rootful ]]; then
    rootful_cmd
    podman=("${ROOTFUL[@]}")
  else
    rootless_cmd
    podman=("${ROOTLESS[@]}")
  fi
  shift
  RC=0
  # A hung container fails the check, not the tier; cleanup removes it.
  timeout 120 "${podman[@]}" run --rm "$@" >"$T/out" 2>"$T/err" || RC=$?
  OUT="$(tr -d '\r' <"$T/out")"
  ERR="$(tr -d '\r' <"$T/err")"
  note "podman run $*"
  note "exit ${RC}"
  note "stdout: ${OUT//$'\n'/ | }"
  note "stderr: ${ERR//$'\n'/ | }"
}

# expect_dropped GROUPS [SOCKET]: OUT is a probe report of a fully dropped app
# that reached the fake API at SOCKET.
expect_dropped() {
  local groups="$1" sock="${2:-/var/run/docker.sock}"
  expect_eq "$RC" 0 "exit code"
  expect_eq "$(kv uid "$OUT")" "1000,1000,1000" "uid real,effective,saved"
  expect_eq "$(kv gid "$OUT")" "1000,1000,1000" "gid real,effective,saved"
  expect_eq "$(kv groups "$OUT")" "$groups" "supplementary groups"
  expect_eq "$(kv cap_eff "$OUT")" "0000000000000000" "effective capabilities"
  expect_eq "$(kv cap_bnd "$OUT")" "0000000000000000" "bounding set"
  expect_eq "$(kv no_new_privs "$OUT")" "1" "no_new_privs"
  expect_eq "$(kv setuid0 "$OUT")" "fails" "setuid(0)"
  expect_eq "$(kv "ping:$sock" "$OUT")" "OK" "GET /_ping as uid 1000"
}

# ---------------------------------------------------------------- prerequisites

command -v podman >/dev/null || skip_all "podman not installed (scripts/setup.sh installs podman, runc, uidmap)"
command -v runc >/dev/null || skip_all "runc not installed (scripts/setup.sh installs it)"
[[ $EUID -eq 0 ]] || skip_all "needs root (rootful Podman, a throwaway user for rootless)"
is_static "$STEPDOWN" || skip_all "'$STEPDOWN' is missing or not static; FROM scratch images need the shipped static build"
is_static "$PROBE" || skip_all "'$PROBE' is missing or not static"

# Leftovers of runs killed outright (SIGKILL, a ctest timeout) that could not
# run their EXIT trap: the run's directory and user carry its pid. The user's
# processes are ended one by one, its lines (and only those) leave
# /etc/subuid and /etc/subgid, the user is removed.
sweep_stale_runs() {
  local dir pid user p f
  for dir in /tmp/sdpm-*.*; do
    [[ -d "$dir" && "$dir" != "$T" ]] || continue
    pid="${dir#/tmp/sdpm-}"
    pid="${pid%%.*}"
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    if kill -0 "$pid" 2>/dev/null && [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *test_podman.sh* ]]; then
      continue
    fi
    # The run's processes name its directory: socket servers (the probe
    # copied there), conmon and containers of its private storage.
    for p in /proc/[0-9]*; do
      if [[ "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" == *"$dir/"* ]]; then kill "${p#/proc/}" 2>/dev/null || true; fi
    done
    # Podman's shm mounts under its storage, deepest first.
    while read -r p; do umount "$p" 2>/dev/null || true; done < <(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
    user="sdpm${pid}"
    if id "$user" >/dev/null 2>&1; then
      for p in $(ps -o pid= -u "$user" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
      sleep 0.5
      userdel "$user" >/dev/null 2>&1 || true
    fi
    for f in /etc/subuid /etc/subgid; do
      if [[ -f "$f" ]] && grep -q "^${user}:" "$f"; then
        grep -v "^${user}:" "$f" >"$T/swept" || true
        cat "$T/swept" >"$f"
      fi
    done
    rm -rf "$dir"
    say "# removed the leftovers of an interrupted run: ${dir}"
  done
}
sweep_stale_runs
say "# run ${RUN_ID}: stepdown '$STEPDOWN', probe '$PROBE', $(podman --version)"

write_conf "$T/rootful" "$T/rootful/tmp"
touch "$T/rootful.conf"
make_context "$T/ctx-stepdown"
make_context "$T/ctx-noinit" probe-only
rootful build -q -t localhost/stepdown-test "$T/ctx-stepdown" >"$T/build.log" 2>&1 ||
  { cat "$T/build.log"; fail "podman build of the stepdown image"; }
rootful build -q -t localhost/stepdown-test-noinit "$T/ctx-noinit" >"$T/build.log" 2>&1 ||
  { cat "$T/build.log"; fail "podman build of the image without stepdown"; }
IMG=localhost/stepdown-test
NOINIT_IMG=localhost/stepdown-test-noinit

# The socket of the rootful checks: root:988 0660, as a distribution's
# podman.socket with SocketGroup= makes it.
mkdir -p "$T/sock988"
serve "$T/sock988/podman.sock" 0 988 0660
SOCK="$T/sock988/podman.sock"

# ---------------------------------------------------------------- rootful

rootful_socket_group() {
  run_in rootful -v "$SOCK:/var/run/docker.sock" "$IMG"
  expect_dropped 988
}
check "rootful: socket root:988 0660, dropped to 1000 with group 988, the probe connects" rootful_socket_group

rootful_stop() {
  local name="stepdown-test-stop-$$" t0 took code
  rootful run -d --name "$name" -v "$SOCK:/var/run/docker.sock" "$IMG" "$PROBE_BIN" sleep 600 >/dev/null
  for ((t0 = 0; t0 < 100; t0++)); do
    [[ "$(rootful inspect -f '{{.State.Running}}' "$name")" == true ]] && break
    sleep 0.1
  done
  sleep 0.5 # the app is exec'ed after the drop: let it start before the signal
  t0=$SECONDS
  # The stop timeout is long so that a SIGTERM that is not passed on shows as
  # 137 (SIGKILL after 60 s), not as a slow machine.
  rootful stop -t 60 "$name" >/dev/null
  took=$((SECONDS - t0))
  code="$(rootful inspect -f '{{.State.ExitCode}}' "$name")"
  rootful rm -f "$name" >/dev/null
  note "podman stop took ${took} s"
  expect_eq "$code" 143 "exit code after podman stop (SIGTERM passed on to the app)"
}
check "rootful: podman stop ends the app with SIGTERM, exit 143" rootful_stop

rootful_init_path() {
  # podman run --init --init-path F bind-mounts F at /run/podman-init and runs
  # `/run/podman-init -- CMD`: stepdown there is tini, and with STEPDOWN_USER
  # it also drops.
  run_in rootful --init --init-path "$STEPDOWN" -v "$SOCK:/var/run/docker.sock" -e STEPDOWN_USER=1000:1000 \
    "$NOINIT_IMG" "$PROBE_BIN" report --ping /var/run/docker.sock
  expect_dropped 988
  expect_eq "$(kv ppid "$OUT")" 1 "the app's parent (podman-init as PID 1)"
  run_in rootful --init --init-path "$STEPDOWN" "$NOINIT_IMG" "$PROBE_BIN" exit 7
  expect_eq "$RC" 7 "exit code passed through podman-init"
}
check "rootful: --init-path stepdown as podman-init" rootful_init_path

rootful_read_only() {
  run_in rootful --read-only -v "$SOCK:/var/run/docker.sock" "$IMG"
  expect_dropped 988
  expect_contains "$ERR" "numeric group 988" "the warning about the read-only /etc"
}
check "rootful: --read-only, the number is used and said" rootful_read_only

rootful_cap_drop_all() {
  run_in rootful --cap-drop ALL -v "$SOCK:/var/run/docker.sock" "$IMG"
  expect_eq "$RC" 77 "exit code (refused)"
  expect_contains "$ERR" "--cap-add SETUID" "the fix"
  expect_eq "$(kv uid "$OUT")" "" "the app did not run"
}
check "rootful: --cap-drop ALL is refused with the fix" rootful_cap_drop_all

rootful_user_1000() {
  run_in rootful --user 1000:1000 --group-add 988 -v "$SOCK:/var/run/docker.sock" "$IMG"
  expect_eq "$RC" 0 "exit code"
  expect_eq "$(kv uid "$OUT")" "1000,1000,1000" "uid"
  expect_contains ",$(kv groups "$OUT")," ",988," "supplementary groups"
  expect_eq "$(kv no_new_privs "$OUT")" "1" "no_new_privs"
  expect_eq "$(kv ping:/var/run/docker.sock "$OUT")" "OK" "GET /_ping as uid 1000"
  run_in rootful --user 1000:1000 -v "$SOCK:/var/run/docker.sock" "$IMG"
  expect_eq "$RC" 0 "exit code without the group (the app runs anyway)"
  expect_contains "$ERR" "--group-add 988" "the fix without the group"
}
check "rootful: --user 1000 starts non-root and says the fix" rootful_user_1000

rootful_user_mode_0640() {
  # A non-root start judges by the same rules as a root start: the group
  # lacks write, so --group-add 988 (given already) is not the fix.
  mkdir -p "$T/sock0640"
  serve "$T/sock0640/podman.sock" 0 988 0640
  run_in rootful --user 1000:1000 --group-add 988 -v "$T/sock0640/podman.sock:/var/run/docker.sock" "$IMG"
  expect_eq "$RC" 0 "exit code (the app runs anyway)"
  expect_contains "$ERR" "although it is in group 988" "the explanation"
  expect_contains "$ERR" "chmod 660" "the fix"
  expect_not_contains "$ERR" "--group-add 988" "a fix that cannot help"
}
check "rootful: --user 1000 --group-add 988, socket 0640: group-not-writable, not --group-add" rootful_user_mode_0640

rootful_podman_conventions() {
  # Podman's own socket path, with no Docker socket in the image.
  run_in rootful -v "$SOCK:/run/podman/podman.sock" "$IMG" "$PROBE_BIN" report --ping /run/podman/podman.sock
  expect_dropped 988 /run/podman/podman.sock
  # CONTAINER_HOST is read like DOCKER_HOST.
  run_in rootful -e CONTAINER_HOST=unix:///engine/api.sock -v "$SOCK:/engine/api.sock" "$IMG" \
    "$PROBE_BIN" report --ping /engine/api.sock
  expect_dropped 988 /engine/api.sock
  # DOCKER_HOST wins over CONTAINER_HOST.
  run_in rootful -e DOCKER_HOST=unix:///engine/api.sock -e CONTAINER_HOST=unix:///nowhere.sock \
    -v "$SOCK:/engine/api.sock" "$IMG" "$PROBE_BIN" report --ping /engine/api.sock
  expect_dropped 988 /engine/api.sock
  # A socket the app's environment names but that is not there: a warning.
  run_in rootful -e CONTAINER_HOST=unix:///nowhere.sock "$IMG" "$PROBE_BIN" exit 0
  expect_eq "$RC" 0 "exit code"
  expect_contains "$ERR" "warning: socket '/nowhere.sock' (CONTAINER_HOST) does not exist" "the warning"
}
check "rootful: /run/podman/podman.sock and CONTAINER_HOST" rootful_podman_conventions

# ---------------------------------------------------------------- rootless

# The throwaway user with a subordinate id range, its private configuration,
# and the image built in its own storage. Sets RL_USER.
setup_rootless() {
  command -v newuidmap >/dev/null || return 1
  RL_SAVED="$T/saved"
  mkdir -p "$RL_SAVED"
  local f
  for f in subuid subgid; do
    if [[ -e "/etc/$f" ]]; then cp -p "/etc/$f" "$RL_SAVED/$f"; else
      : >"$RL_SAVED/$f"
      echo absent >"$RL_SAVED/$f.absent"
      chmod 0644 "$RL_SAVED/$f"
    fi
  done
  local user="sdpm$$"
  useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" || return 1
  RL_USER="$user"
  # useradd may have given the user ranges of its own (SUB_UID_COUNT): take
  # them back out, so the user has exactly the range below.
  restore_file "$RL_SAVED/subuid" /etc/subuid
  restore_file "$RL_SAVED/subgid" /etc/subgid
  # A range above any existing one, so no one else's ids are shared.
  local start
  start="$(awk -F: 'BEGIN { m = 1000000 } { e = $2 + $3; if (e > m) m = e } END { print m }' /etc/subuid /etc/subgid)"
  echo "${user}:${start}:65536" >>/etc/subuid
  echo "${user}:${start}:65536" >>/etc/subgid
  mkdir -p "$T/rootless/home" "$T/rootless/xdg"
  write_conf "$T/rootless"
  chown -R "$user:" "$T/rootless"
  chmod 700 "$T/rootless/xdg"
  rootless build -q -t localhost/stepdown-test "$T/ctx-stepdown" >"$T/build.log" 2>&1 ||
    { cat "$T/build.log"; return 1; }
  # The user's own API socket, as `systemctl --user start podman.socket`
  # makes it: owned by the user, mode 0600.
  mkdir -p "$T/usersock"
  chown "$user:" "$T/usersock"
  serve "$T/usersock/podman.sock" "$(id -u "$user")" "$(id -g "$user")" 0600 as "$user"
  # The mode Podman's own podman.socket unit gives it: 0660, the user's group.
  serve "$T/usersock/podman-0660.sock" "$(id -u "$user")" "$(id -g "$user")" 0660 as "$user"
}
if ! command -v newuidmap >/dev/null; then
  ROOTLESS_SKIP="newuidmap not installed (scripts/setup.sh installs uidmap)"
elif ! setup_rootless >"$T/setup_rootless.log" 2>&1; then
  ROOTLESS_SKIP="setting up the throwaway user failed: $(tail -n 5 "$T/setup_rootless.log" | tr '\n' ' ')"
  if [[ "${CI:-}" == true ]]; then cat "$T/setup_rootless.log"; fi
else
  ROOTLESS_SKIP=""
fi
USOCK="$T/usersock/podman.sock"

rootless_keep_id() {
  [[ -z "$ROOTLESS_SKIP" ]] || skip "$ROOTLESS_SKIP"
  run_in rootless --userns=keep-id:uid=1000,gid=1000 -v "$USOCK:/var/run/docker.sock" "$IMG"
  expect_eq "$RC" 0 "exit code"
  expect_eq "$(kv uid "$OUT")" "1000,1000,1000" "uid (keep-id: the user's own host uid)"
  expect_eq "$(kv no_new_privs "$OUT")" "1" "no_new_privs"
  expect_eq "$(kv cap_eff "$OUT")" "0000000000000000" "effective capabilities"
  expect_eq "$(kv ping:/var/run/docker.sock "$OUT")" "OK" "GET /_ping as uid 1000 on the user's own socket"
  expect_not_contains "$ERR" "warning" "a clean start"
}
check "rootless: --userns=keep-id:uid=1000,gid=1000 reaches the user's own 0600 socket" rootless_keep_id

rootless_explained() {
  [[ -z "$ROOTLESS_SKIP" ]] || skip "$ROOTLESS_SKIP"
  local host_uid
  host_uid="$(id -u "$RL_USER")"
  # Without keep-id the user's socket is 0:0 0600 inside: container root
  # (the user on the host) alone may use it. Started as that root, and
  # started as uid 1000, stepdown says so and prints keep-id.
  run_in rootless -v "$USOCK:/var/run/docker.sock" "$IMG"
  expect_eq "$RC" 0 "exit code (the app runs anyway)"
  expect_eq "$(kv uid "$OUT")" "1000,1000,1000" "uid after the drop"
  expect_contains "$ERR" "uid 0 here is host uid ${host_uid}" "the explanation in host ids"
  expect_contains "$ERR" "podman run --userns=keep-id:uid=1000,gid=1000" "the fix"
  run_in rootless --user 1000:1000 -v "$USOCK:/var/run/docker.sock" "$IMG"
  expect_eq "$RC" 0 "exit code, started as uid 1000"
  expect_contains "$ERR" "podman run --userns=keep-id:uid=1000,gid=1000" "the fix, started as uid 1000"
  expect_not_contains "$ERR" "--group-add 0" "a fix that cannot help"
  run_in rootless --entrypoint /usr/local/bin/stepdown -v "$USOCK:/var/run/docker.sock" "$IMG" --check
  expect_eq "$RC" 69 "--check exit code (no access)"
  expect_contains "$OUT" "--userns=keep-id:uid=1000,gid=1000" "--check's fix"
  # 0660 shows as 0:0 0660: group 0, refused as always, with keep-id as the fix.
  run_in rootless -v "$T/usersock/podman-0660.sock:/var/run/docker.sock" "$IMG"
  expect_eq "$RC" 77 "exit code, 0660 (group 0 refused)"
  expect_contains "$ERR" "uid 0 here is host uid ${host_uid}" "the explanation, 0660"
  expect_contains "$ERR" "podman run --userns=keep-id:uid=1000,gid=1000" "the fix, 0660"
  expect_eq "$(kv uid "$OUT")" "" "the app did not run"
  run_in rootless --userns=keep-id:uid=1000,gid=1000 -v "$T/usersock/podman-0660.sock:/var/run/docker.sock" "$IMG"
  expect_eq "$RC" 0 "exit code, 0660 with keep-id"
  expect_eq "$(kv ping:/var/run/docker.sock "$OUT")" "OK" "GET /_ping, 0660 with keep-id"
}
check "rootless: the user's own socket (0600, 0660) without keep-id is explained, keep-id is the fix" rootless_explained

finish
