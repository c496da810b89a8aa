# shellcheck shell=bash
# Harness for the scenario tier: real root, real syscalls, private namespaces.
#
# A scenario runs stepdown (and the probe) inside `unshare --mount` with a
# private copy of /etc bind-mounted over /etc, against real unix sockets served
# by `stepdown-probe serve`. Nothing on the machine is modified: mounts only
# ever happen inside the private namespaces, every file lives in one temp dir,
# and the harness fingerprints the real /etc and Docker socket and fails the
# case that changed them. Everything a scenario starts is stopped and removed
# in an EXIT trap, also when a case or the script fails.
#
#   source "$(dirname "$0")/lib.sh"
#   scenario_begin
#   case_default_user() {
#     make_socket docker.sock 0 988 0660
#     run in_ns "$STEPDOWN" -S "$SCENARIO_SOCK/docker.sock" -- "$PROBE" report
#     assert_status 0
#     assert_report uid 1000,1000,1000
#   }
#   check "default user gets the socket group" case_default_user
#   scenario_end
#
# Environment (set by ctest): STEPDOWN, PROBE, SOURCE_DIR, BUILD_DIR.
# Knobs: SCENARIO_VERBOSE=1 shows every case's log, SCENARIO_KEEP=1 keeps the
# temp dir, SCENARIO_TIMEOUT (seconds, default 120; 0 = none) bounds in_ns,
# STEPDOWN_TEST_TIME_SCALE (a whole number, default 1) multiplies every limit.
# The function reference is in tests/scenarios/README.md.

if [[ -n ${_SCENARIO_LIB_LOADED:-} ]]; then return 0; fi
_SCENARIO_LIB_LOADED=1

SCENARIO_TIMEOUT=${SCENARIO_TIMEOUT:-120}

# Time limits bound a hang; they never measure. A loaded machine or a
# sanitized build is several times slower, and a case must fail for a wrong
# result, never for a slow one, so every limit (SCENARIO_TIMEOUT, wait_until,
# reap, the waits for a socket, a file, a child) is multiplied by
# SCENARIO_TIME_SCALE: STEPDOWN_TEST_TIME_SCALE, times 4 for a sanitized
# stepdown. Pauses that pace a case are durations and stay as they are.
# Read here: scenario_begin unsets every STEPDOWN_ variable.
SCENARIO_TIME_SCALE=${STEPDOWN_TEST_TIME_SCALE:-1}
if [[ ! $SCENARIO_TIME_SCALE =~ ^[1-9][0-9]{0,2}$ ]]; then
  printf 'scenario: STEPDOWN_TEST_TIME_SCALE=%s: expected a whole number from 1 to 999\n' "$SCENARIO_TIME_SCALE" >&2
  exit 2
fi
if [[ -f ${STEPDOWN:-} ]] && grep -qa __asan_init "$STEPDOWN"; then
  SCENARIO_TIME_SCALE=$((SCENARIO_TIME_SCALE * 4))
fi

# scaled SECONDS: a time limit for this machine and build.
scaled() { printf '%s\n' $(($1 * SCENARIO_TIME_SCALE)); }

# The minimal account database every case starts from.
SCENARIO_PASSWD='root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
'
SCENARIO_GROUP='root:x:0:
app:x:1000:
'
SCENARIO_SHADOW='root:*:19000:0:99999:7:::
app:!:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
'

# ---------------------------------------------------------------- internals

_scenario_say() { printf '%s\n' "$*"; }
_scenario_warn() { printf 'scenario: %s\n' "$*" >&2; }
_scenario_die() {
  _scenario_warn "$*"
  exit 2
}

# Whole-file skip (exit 77: ctest's SKIP_RETURN_CODE convention; without that
# property ctest reports a failure, which is what CI should see).
_scenario_skip_all() {
  _scenario_say "SKIP ${SCENARIO_NAME:-scenario}: $*"
  exit 77
}

# Fields of /proc/PID/stat after the command name: 0 state, 1 ppid, 19 starttime.
_scenario_stat_field() {
  local line rest
  read -r line 2>/dev/null <"/proc/$1/stat" || return 1
  rest=${line##*) }
  local -a f
  read -r -a f <<<"$rest"
  printf '%s\n' "${f[$2]}"
}

# process_alive PID: running (a zombie or a reused pid's absence counts as gone).
process_alive() {
  local state
  state=$(_scenario_stat_field "$1" 0) || return 1
  [[ $state != Z && $state != X ]]
}

_scenario_descendants() {
  local stat pid ppid
  local -A kids=()
  for stat in /proc/[0-9]*/stat; do
    pid=${stat#/proc/}
    pid=${pid%/stat}
    ppid=$(_scenario_stat_field "$pid" 1) || continue
    kids[$ppid]+=" $pid"
  done
  local -a queue=("$1")
  while ((${#queue[@]})); do
    local p=${queue[0]} c
    queue=("${queue[@]:1}")
    for c in ${kids[$p]:-}; do
      printf '%s\n' "$c"
      queue+=("$c")
    done
  done
}

# Remembers PID (with its start time, so a reused pid is never killed).
_scenario_track() {
  local start
  start=$(_scenario_stat_field "$1" 19) || return 0
  printf '%s %s\n' "$1" "$start" >>"${_SCENARIO_PIDS:?scenario_begin was not called}"
}

# TERM each tracked process and its descendants, KILL what is left after 3 s.
_scenario_kill_tracked() {
  local file=$1 pid start
  [[ -s $file ]] || return 0
  local -a victims=() tracked=()
  while read -r pid start; do
    tracked+=("$pid")
    [[ $(_scenario_stat_field "$pid" 19 2>/dev/null) == "$start" ]] || continue
    local -a tree
    mapfile -t tree < <(_scenario_descendants "$pid")
    victims+=("$pid" "${tree[@]}")
  done <"$file"
  : >"$file"
  if ((${#victims[@]})); then
    kill -TERM "${victims[@]}" 2>/dev/null
    local deadline=$((SECONDS + 3)) left=1
    while ((left && SECONDS < deadline)); do
      left=0
      for pid in "${victims[@]}"; do process_alive "$pid" && left=1; done
      ((left)) && sleep 0.05
    done
    ((left)) && kill -KILL "${victims[@]}" 2>/dev/null
  fi
  for pid in "${tracked[@]}"; do wait "$pid" 2>/dev/null; done
  return 0
}

_scenario_fingerprint() {
  local f
  ls -A /etc
  for f in /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/.pwd.lock; do
    [[ -e $f ]] || continue
    stat -c '%n %i %a %u %g %s %Y' "$f"
    sha256sum "$f"
  done
  if [[ -e /var/run/docker.sock ]]; then stat -L -c '%n %i %F %a %u %g' /var/run/docker.sock; fi
}

# Fails (prints the difference) when the machine's /etc or socket changed.
_scenario_check_machine() {
  local now
  now=$(_scenario_fingerprint 2>&1)
  [[ $now == "$_SCENARIO_FINGERPRINT" ]] && return 0
  _scenario_say "    FAIL: the machine's own /etc or /var/run/docker.sock changed:"
  diff <(printf '%s\n' "$_SCENARIO_FINGERPRINT") <(printf '%s\n' "$now") | sed 's/^/      /'
  _SCENARIO_FINGERPRINT=$now
  return 1
}

# Refuses paths outside the scenario dir: the harness never touches the machine.
_scenario_own_path() {
  local path=$1
  [[ $path == /* ]] || path=$SCENARIO_SOCK/$path
  local real
  real=$(realpath -m -- "$path")
  [[ $real == "$SCENARIO_DIR"/* ]] || _scenario_die "refusing to create '$path' outside $SCENARIO_DIR"
  printf '%s\n' "$path"
}

_scenario_cleanup() {
  local rc=$?
  trap - EXIT
  _scenario_kill_tracked "$SCENARIO_DIR/.state/case.pids"
  _scenario_kill_tracked "$SCENARIO_DIR/.state/pids"
  if [[ ${SCENARIO_KEEP:-0} == 1 ]]; then
    _scenario_warn "kept $SCENARIO_DIR"
  elif [[ $SCENARIO_DIR == "${TMPDIR:-/tmp}"/stepdown-scenario.* && -d $SCENARIO_DIR ]]; then
    rm -rf -- "$SCENARIO_DIR"
  fi
  exit "$rc"
}

# ---------------------------------------------------------------- lifecycle

# scenario_begin [NAME]: check root and tools, make the temp dir, arm cleanup.
scenario_begin() {
  SCENARIO_NAME=${1:-$(basename "$0" .sh)}
  _scenario_passed=0 _scenario_failed=0 _scenario_skipped=0
  [[ $(id -u) == 0 ]] ||
    _scenario_skip_all "needs real root (running as uid $(id -u)); run the scenario tier as root, as CI does"
  local var
  for var in STEPDOWN PROBE; do
    [[ -n ${!var:-} ]] || _scenario_die "$var is not set (ctest sets STEPDOWN, PROBE, SOURCE_DIR, BUILD_DIR)"
    [[ -x ${!var} ]] || _scenario_die "$var='${!var}' is not an executable file"
  done
  for var in unshare setpriv timeout realpath sha256sum; do
    command -v "$var" >/dev/null || _scenario_skip_all "needs '$var' (util-linux/coreutils)"
  done
  local err
  err=$(unshare --mount --propagation private true 2>&1) ||
    _scenario_skip_all "cannot create a mount namespace: $err (needs CAP_SYS_ADMIN, e.g. docker run --privileged)"

  # Inherited settings would change stepdown's decisions: start from none.
  unset DOCKER_HOST NO_COLOR "${!STEPDOWN_@}" "${!TINI_@}"

  SCENARIO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/stepdown-scenario.XXXXXX") || _scenario_die "mktemp failed"
  trap _scenario_cleanup EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
  chmod 0755 "$SCENARIO_DIR"
  mkdir -m 0700 "$SCENARIO_DIR/.state"
  mkdir -m 0755 "$SCENARIO_DIR/bin" "$SCENARIO_DIR/sock"
  mkdir -m 1777 "$SCENARIO_DIR/tmp"
  SCENARIO_SOCK=$SCENARIO_DIR/sock
  SCENARIO_TMP=$SCENARIO_DIR/tmp
  SCENARIO_ETC=$SCENARIO_DIR/etc
  _SCENARIO_PIDS=$SCENARIO_DIR/.state/pids
  : >"$_SCENARIO_PIDS"

  # Copies every uid can execute (the build tree may not be reachable by 1000),
  # and that a case may chmod (setuid tests) without touching the build.
  SCENARIO_STEPDOWN_BIN=$STEPDOWN SCENARIO_PROBE_BIN=$PROBE
  STEPDOWN=$SCENARIO_DIR/bin/stepdown PROBE=$SCENARIO_DIR/bin/stepdown-probe
  install -m 0755 "$SCENARIO_STEPDOWN_BIN" "$STEPDOWN"
  install -m 0755 "$SCENARIO_PROBE_BIN" "$PROBE"

  # The account files every case starts from (see etc_reset).
  local accounts=$SCENARIO_DIR/.state/etc.accounts
  mkdir "$accounts"
  printf '%s' "$SCENARIO_PASSWD" >"$accounts/passwd"
  printf '%s' "$SCENARIO_GROUP" >"$accounts/group"
  printf '%s' "$SCENARIO_SHADOW" >"$accounts/shadow"
  chmod 0644 "$accounts/passwd" "$accounts/group"
  chmod 0640 "$accounts/shadow"
  chown 0:0 "$accounts"/*

  _SCENARIO_FINGERPRINT=$(_scenario_fingerprint 2>&1)
  export SCENARIO_DIR SCENARIO_ETC SCENARIO_SOCK SCENARIO_TMP STEPDOWN PROBE SCENARIO_STEPDOWN_BIN SCENARIO_PROBE_BIN
  etc_reset
}

# scenario_end: prints "N passed, N failed[, N skipped]"; exits 1 on any failure.
scenario_end() {
  local line="$_scenario_passed passed, $_scenario_failed failed"
  ((_scenario_skipped)) && line+=", $_scenario_skipped skipped"
  _scenario_say "$line"
  if ((_scenario_failed)); then exit 1; fi
  if ((_scenario_passed + _scenario_skipped == 0)); then
    _scenario_say "FAIL: no checks ran"
    exit 1
  fi
  if ((_scenario_passed == 0)); then exit 77; fi
  exit 0
}

_scenario_on_err() {
  local rc=$1 cmd=$2 where=$3
  ((BASH_SUBSHELL == _SCENARIO_CASE_LEVEL)) || return 0
  if [[ -n ${_SCENARIO_ASSERTED:-} ]]; then # it printed its own message
    _SCENARIO_ASSERTED=
    return 0
  fi
  printf '    FAIL: exit %s at %s: %s\n' "$rc" "$where" "$cmd" >&2
}

# check NAME FUNCTION [ARGS...]: run one case on a fresh /etc, in a subshell
# with errexit, and count it. Output is shown only when it fails.
check() {
  local name=$1 fn=$2
  shift 2
  local state=$SCENARIO_DIR/.state rc=0 had_e=0
  [[ $- == *e* ]] && had_e=1
  set +e
  etc_reset
  rm -f "$state/case.skip"
  : >"$state/case.pids"
  (
    _SCENARIO_PIDS=$state/case.pids
    _SCENARIO_CASE_LEVEL=$BASH_SUBSHELL
    set -eE
    trap '_scenario_on_err $? "$BASH_COMMAND" "${BASH_SOURCE[0]##*/}:$LINENO"' ERR
    "$fn" "$@"
  ) >"$state/case.log" 2>&1
  rc=$?
  _scenario_kill_tracked "$state/case.pids"
  _scenario_check_machine >>"$state/case.log" 2>&1 || rc=1
  if [[ -e $state/case.skip ]]; then
    ((++_scenario_skipped))
    _scenario_say "skip - $name: $(<"$state/case.skip")"
  elif ((rc == 0)); then
    ((++_scenario_passed))
    _scenario_say "ok - $name"
  else
    ((++_scenario_failed))
    _scenario_say "FAIL - $name (exit $rc)"
  fi
  if ((rc != 0)) || [[ ${SCENARIO_VERBOSE:-0} == 1 ]]; then sed 's/^/  | /' "$state/case.log"; fi
  ((had_e)) && set -e
  return 0
}

# skip REASON: inside a case, end it as skipped (printed with the reason).
skip() {
  printf '%s\n' "$*" >"$SCENARIO_DIR/.state/case.skip"
  exit 0
}

# require_cmd CMD...: skip the case when a tool is missing.
require_cmd() {
  local cmd
  for cmd; do command -v "$cmd" >/dev/null || skip "needs '$cmd'"; done
}

# ---------------------------------------------------------------- /etc

# The case's /etc is the real /etc with the account files replaced and every
# other copy of the real account data left out. _scenario_etc_source ENTRY
# prints where ENTRY ("./" or "./dir/file") of that tree comes from.
_scenario_etc_source() {
  local p=${1#./}
  case $p in
    "") printf '/etc\n' ;;
    passwd | group | shadow) printf '%s\n' "$SCENARIO_DIR/.state/etc.accounts/$p" ;;
    gshadow | passwd- | group- | shadow- | gshadow- | .pwd.lock) return 1 ;;
    *) [[ -e /etc/$p || -L /etc/$p ]] && printf '/etc/%s\n' "$p" ;;
  esac
}

# One line per entry; any change to an entry (content, mode, owner, replaced
# by rename) changes its ctime or inode, so it shows up as a different line.
_scenario_etc_listing() {
  find "$SCENARIO_ETC" -printf './%P\t%y %m %U %G %s %C@ %i\n' | LC_ALL=C sort
}

_scenario_etc_full() {
  rm -rf -- "$SCENARIO_ETC"
  mkdir -m 0755 "$SCENARIO_ETC"
  cp -a /etc/. "$SCENARIO_ETC/"
  rm -f -- "$SCENARIO_ETC"/{gshadow,passwd-,group-,shadow-,gshadow-,.pwd.lock}
  cp -a "$SCENARIO_DIR/.state/etc.accounts/." "$SCENARIO_ETC/"
  chown 0:0 "$SCENARIO_ETC"
  chmod 0755 "$SCENARIO_ETC"
}

# etc_reset: the case's /etc becomes the default again. Copying all of /etc
# takes seconds on slow disks, so only the entries that changed since the
# last reset are put back.
etc_reset() {
  local snapshot=$SCENARIO_DIR/.state/etc.listing
  if [[ ! -d $SCENARIO_ETC || ! -s $snapshot ]]; then
    _scenario_etc_full
  else
    local entry src copied=//
    while IFS= read -r entry; do
      [[ $entry != "$copied"/* ]] || continue # restored with its parent
      src=$(_scenario_etc_source "$entry") || src=""
      local here=$SCENARIO_ETC/$entry
      if [[ -d $here && ! -L $here && -n $src && -d $src && ! -L $src ]]; then
        chown --reference="$src" "$here" && chmod --reference="$src" "$here"
      elif [[ $entry == ./ ]]; then
        _scenario_etc_full
        break
      else
        rm -rf -- "$here"
        if [[ -n $src ]]; then cp -a -- "$src" "$here"; fi
        copied=$entry
      fi
    done < <(LC_ALL=C comm -3 "$snapshot" <(_scenario_etc_listing) | sed 's/^\t//' | cut -f1 | LC_ALL=C sort -u)
  fi
  _scenario_etc_listing >"$snapshot"
}

# etc_write NAME CONTENT: exact bytes (no newline added), mode/owner kept.
etc_write() { printf '%s' "$2" >"$SCENARIO_ETC/$1"; }

# etc_lines NAME LINE...: the file becomes the lines, each ending in \n.
etc_lines() {
  local name=$1
  shift
  printf '%s\n' "$@" >"$SCENARIO_ETC/$name"
}

# etc_append NAME LINE...: appends lines, each ending in \n.
etc_append() {
  local name=$1
  shift
  printf '%s\n' "$@" >>"$SCENARIO_ETC/$name"
}

# ---------------------------------------------------------------- namespaces

# Runs inside the new mount namespace: mounts, a safety check, then exec.
# shellcheck disable=SC2016 # expanded by the inner bash
_SCENARIO_NS_SETUP='
set -eu
etc=$1 ro=$2 group_file=$3 as=$4 nbinds=$5
shift 5
fail() { echo "scenario: $*; not running the command" >&2; exit 125; }
mount --bind "$etc" /etc || fail "cannot bind $etc over /etc"
[ "$group_file" = 0 ] || mount --bind /etc/group /etc/group || fail "cannot bind /etc/group"
[ "$ro" = 0 ] || mount -o remount,ro,bind /etc || fail "cannot remount /etc read-only"
while [ "$nbinds" -gt 0 ]; do
  mount --bind "$1" "$2" || fail "cannot bind $1 over $2"
  shift 2
  nbinds=$((nbinds - 2))
done
[ /etc -ef "$etc" ] || fail "/etc is not the private copy"
cd /
if [ -n "$as" ]; then
  uid=${as%%:*} rest=${as#*:} gid=${as#*:} groups=--clear-groups
  case $rest in *:*) gid=${rest%%:*} groups=--groups=${rest#*:} ;; esac
  exec setpriv --reuid="$uid" --regid="$gid" "$groups" --inh-caps=-all -- "$@"
fi
exec "$@"
'

_scenario_ns() {
  local pidns=$1 ro=0 group_file=0 as=""
  shift
  local -a binds=()
  while (($#)); do
    case $1 in
      --etc-ro) ro=1 ;;
      --group-file) group_file=1 ;;
      --as) as=${2:?--as needs UID:GID[:GROUPS]} && shift ;;
      --bind)
        (($# >= 3)) || _scenario_die "--bind needs SRC DST"
        binds+=("$2" "$3")
        shift 2
        ;;
      --) shift && break ;;
      -*) _scenario_die "in_ns: unknown option '$1'" ;;
      *) break ;;
    esac
    shift
  done
  (($#)) || _scenario_die "in_ns: missing command"
  [[ -d ${SCENARIO_ETC:-} ]] || _scenario_die "in_ns: scenario_begin was not called"
  local -a cmd=()
  local limit
  limit=$(scaled "$SCENARIO_TIMEOUT")
  ((limit > 0)) && cmd=(timeout --foreground --kill-after=5 "$limit")
  # Default signal dispositions: a background job of a script ignores INT
  # and QUIT, which would leak into sigconf and forwarding tests.
  cmd+=(env --default-signal unshare --mount --propagation private)
  [[ -n $pidns ]] && cmd+=(--pid --fork --mount-proc --kill-child)
  local start=$SECONDS rc=0
  "${cmd[@]}" -- bash -c "$_SCENARIO_NS_SETUP" scenario-ns \
    "$SCENARIO_ETC" "$ro" "$group_file" "$as" "${#binds[@]}" "${binds[@]}" "$@" || rc=$?
  if ((limit > 0 && (rc == 124 || rc == 137) && SECONDS - start >= limit)); then
    _scenario_warn "timed out after ${limit}s: $*"
  fi
  return "$rc"
}

# in_ns [--etc-ro] [--group-file] [--as U:G[:G1,G2]] [--bind SRC DST]... [--] CMD...
in_ns() { _scenario_ns "" "$@"; }
# in_pidns [same options] CMD...: also a new pid namespace; CMD is PID 1.
in_pidns() { _scenario_ns pid "$@"; }

# ---------------------------------------------------------------- sockets and files

_scenario_serve_base() { printf '%s/.state/serve%s' "$SCENARIO_DIR" "${1//\//_}"; }

# make_socket PATH UID GID MODE [ok|500|close|wrong]: a served unix socket, up
# when this returns. ok answers /_ping with 200 "OK" and /containers/json with
# "[]"; 500 answers everything with 500 {"message":"boom"}; close accepts and
# closes; wrong answers 200 "NOT OK". PATH is relative to $SCENARIO_SOCK
# unless absolute.
make_socket() {
  local path uid=$2 gid=$3 perm=$4 mode=${5:-ok}
  path=$(_scenario_own_path "$1") || return 1
  local base
  base=$(_scenario_serve_base "$path")
  "$PROBE" serve "$path" --uid "$uid" --gid "$gid" --perm "$perm" --mode "$mode" \
    --pidfile "$base.pid" --log "$base.requests" >"$base.log" 2>&1 </dev/null &
  local pid=$!
  _scenario_track "$pid"
  local deadline=$((SECONDS + $(scaled 10)))
  until [[ -S $path && -s $base.pid ]]; do
    if ! process_alive "$pid" || ((SECONDS >= deadline)); then
      fail "make_socket $path: server did not start: $(cat "$base.log")"
      return 1
    fi
    sleep 0.02
  done
}

# stop_socket PATH: stop its server (the socket file disappears).
stop_socket() {
  local path base pid
  path=$(_scenario_own_path "$1") || return 1
  base=$(_scenario_serve_base "$path")
  pid=$(<"$base.pid")
  kill -TERM "$pid"
  wait_until 5 test ! -e "$path"
}

# socket_requests PATH: the requests the server has answered, "METHOD TARGET" per line.
socket_requests() {
  local base
  base=$(_scenario_own_path "$1") || return 1
  base=$(_scenario_serve_base "$base")
  cat "$base.requests" 2>/dev/null || true
}

_scenario_own() {
  chown "$2:$3" "$1" && chmod "$4" "$1"
}

# make_fifo PATH UID GID MODE: a named pipe (the "not a socket" row).
make_fifo() {
  local path
  path=$(_scenario_own_path "$1") || return 1
  mkfifo "$path" && _scenario_own "$path" "$2" "$3" "$4"
}

# make_file PATH UID GID MODE [CONTENT]: a regular file.
make_file() {
  local path
  path=$(_scenario_own_path "$1") || return 1
  printf '%s' "${5:-}" >"$path" && _scenario_own "$path" "$2" "$3" "$4"
}

# make_dir PATH UID GID MODE: a directory.
make_dir() {
  local path
  path=$(_scenario_own_path "$1") || return 1
  mkdir -p "$path" && _scenario_own "$path" "$2" "$3" "$4"
}

# ---------------------------------------------------------------- processes

# run CMD...: never fails; sets RUN_STATUS, RUN_OUT, RUN_ERR (trailing
# newlines stripped) and logs the command and its output to the case log.
run() {
  local out=$SCENARIO_DIR/.state/run.out err=$SCENARIO_DIR/.state/run.err
  printf -v RUN_CMD '%q ' "$@"
  RUN_CMD=${RUN_CMD% }
  RUN_STATUS=0
  "$@" >"$out" 2>"$err" || RUN_STATUS=$?
  RUN_OUT=$(<"$out")
  RUN_ERR=$(<"$err")
  _scenario_log_run
}

_scenario_log_run() {
  printf '$ %s\n  status: %s\n' "$RUN_CMD" "$RUN_STATUS"
  [[ -z $RUN_OUT ]] || printf '  stdout:\n    %s\n' "${RUN_OUT//$'\n'/$'\n'    }"
  [[ -z $RUN_ERR ]] || printf '  stderr:\n    %s\n' "${RUN_ERR//$'\n'/$'\n'    }"
}

# spawn CMD...: start in the background (stdin /dev/null, default INT/QUIT);
# sets SPAWN_PID (the command itself when it is a program, a subshell
# running it when it is a function such as in_pidns), SPAWN_OUT, SPAWN_ERR
# (files). Stopped at the end of the case.
# Call it directly, not in $(...), and reap in the same case.
spawn() {
  local base=$SCENARIO_DIR/.state/spawn.$RANDOM$RANDOM
  (
    trap - INT QUIT
    if [[ $(type -t "$1") == file ]]; then exec "$@"; fi
    "$@"
  ) >"$base.out" 2>"$base.err" </dev/null &
  # shellcheck disable=SC2034 # for the caller
  SPAWN_PID=$! SPAWN_OUT=$base.out SPAWN_ERR=$base.err
  ln -sf "$base" "$SCENARIO_DIR/.state/spawn-pid.$SPAWN_PID"
  printf -v RUN_CMD '%q ' "$@"
  RUN_CMD="spawn ${RUN_CMD% }"
  _scenario_track "$SPAWN_PID"
}

# reap [PID [TIMEOUT]]: wait for a spawned command (default: the last one) and
# set RUN_STATUS/RUN_OUT/RUN_ERR. After TIMEOUT seconds (default
# SCENARIO_TIMEOUT), scaled, it kills the process tree and fails.
reap() {
  local pid=${1:-$SPAWN_PID} limit=${2:-$SCENARIO_TIMEOUT} base rc=0
  base=$(readlink "$SCENARIO_DIR/.state/spawn-pid.$pid") || _scenario_die "reap: $pid was not spawned"
  if ((limit > 0)) && ! wait_until "$limit" _scenario_not_alive "$pid"; then
    local tree
    tree=$(_scenario_descendants "$pid")
    # shellcheck disable=SC2086 # word splitting wanted
    kill -KILL "$pid" $tree 2>/dev/null
    rc=1
  fi
  RUN_STATUS=0
  wait "$pid" || RUN_STATUS=$?
  RUN_OUT=$(<"$base.out")
  RUN_ERR=$(<"$base.err")
  _scenario_log_run
  ((rc == 0)) || fail "reap: pid $pid still running after $(scaled "$limit")s, killed"
}

_scenario_not_alive() { ! process_alive "$1"; }

# wait_until SECONDS CMD...: poll CMD every 20 ms until it succeeds; 1 after
# SECONDS, scaled.
wait_until() {
  local limit
  limit=$(scaled "$1")
  shift
  local deadline=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.02
  done
}

# wait_for_file PATH [SECONDS]: until PATH exists (default 10 s, scaled); fails on timeout.
wait_for_file() {
  wait_until "${2:-10}" test -e "$1" || fail "'$1' did not appear within $(scaled "${2:-10}")s"
}

# ns_init_pid PID: the host pid of PID 1 of the pid namespace started by
# PID (a spawned in_pidns), waiting up to 10 s (scaled) for it to exist.
ns_init_pid() {
  local deadline=$((SECONDS + $(scaled 10))) p nspid
  while ((SECONDS < deadline)); do
    for p in $(_scenario_descendants "$1"); do
      nspid=$(sed -n 's/^NSpid:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null) || continue
      if [[ $nspid == *[[:space:]]1 ]]; then
        printf '%s\n' "$p"
        return 0
      fi
    done
    sleep 0.02
  done
  fail "ns_init_pid: no pid namespace init below $1"
}

# wait_exec PID PATH [SECONDS]: until PID runs the executable PATH (after
# exec), for SECONDS (default 10) scaled.
wait_exec() {
  local want
  want=$(realpath -- "$2")
  wait_until "${3:-10}" _scenario_runs "$1" "$want" || fail "pid $1 did not exec '$2'"
}
_scenario_runs() { [[ $(readlink "/proc/$1/exe" 2>/dev/null) == "$2" ]]; }

# Host pids whose parent is $1.
children_of() {
  local stat line rest ppid
  for stat in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null <"$stat" || continue
    rest=${line##*) }
    read -r _ ppid _ <<<"$rest"
    if [[ $ppid == "$1" ]]; then
      stat=${stat#/proc/}
      printf '%s\n' "${stat%/stat}"
    fi
  done
}

# first_child PID: waits up to 10 s (scaled) for PID to have a child; prints it.
first_child() {
  local deadline=$((SECONDS + $(scaled 10))) kids
  while ((SECONDS < deadline)); do
    kids=$(children_of "$1")
    if [[ -n $kids ]]; then
      printf '%s\n' "${kids%%$'\n'*}"
      return 0
    fi
    sleep 0.02
  done
  fail "pid $1 has no child after $(scaled 10) s"
}

# pidns_procs PID: "pid state comm" of every process in PID's pid namespace.
pidns_procs() {
  local ns stat p
  ns=$(readlink "/proc/$1/ns/pid") || return 1
  for stat in /proc/[0-9]*/stat; do
    p=${stat#/proc/}
    p=${p%/stat}
    [[ $(readlink "/proc/$p/ns/pid" 2>/dev/null) == "$ns" ]] || continue
    printf '%s %s %s\n' "$p" "$(_scenario_stat_field "$p" 0)" "$(cat "/proc/$p/comm" 2>/dev/null)"
  done
}

# pidns_zombies PID: how many zombies are in PID's pid namespace (from /proc).
pidns_zombies() {
  local procs
  procs=$(pidns_procs "$1") || return 1
  awk '$2 == "Z"' <<<"$procs" | wc -l
}

# ---------------------------------------------------------------- assertions
# Each prints what differs and returns 1, which ends the case (errexit).

_scenario_failed_assert() {
  _SCENARIO_ASSERTED=1
  printf '    FAIL: %s\n' "$1" >&2
  shift
  local line
  for line; do printf '      %s\n' "$line" >&2; done
  return 1
}

# fail MESSAGE: fail the case.
fail() { _scenario_failed_assert "$*"; }

# assert_eq EXPECTED ACTUAL [MESSAGE]
assert_eq() {
  [[ $1 == "$2" ]] && return 0
  _scenario_failed_assert "${3:-values differ}" "expected: '$1'" "actual:   '$2'"
}

# assert_ne UNEXPECTED ACTUAL [MESSAGE]
assert_ne() {
  [[ $1 != "$2" ]] && return 0
  _scenario_failed_assert "${3:-values are equal}" "both: '$1'"
}

# assert_contains HAYSTACK NEEDLE [MESSAGE]
assert_contains() {
  [[ $1 == *"$2"* ]] && return 0
  local default="text does not contain '$2'"
  _scenario_failed_assert "${3:-$default}" "needle: '$2'" "text:" "$1"
}

# assert_not_contains HAYSTACK NEEDLE [MESSAGE]
assert_not_contains() {
  [[ $1 != *"$2"* ]] && return 0
  local default="text contains '$2'"
  _scenario_failed_assert "${3:-$default}" "needle: '$2'" "text:" "$1"
}

# assert_match ERE ACTUAL [MESSAGE]
assert_match() {
  [[ $2 =~ $1 ]] && return 0
  _scenario_failed_assert "${3:-text does not match /$1/}" "text: '$2'"
}

# assert_file_eq PATH EXPECTED [MESSAGE]: exact bytes, trailing newline included.
assert_file_eq() {
  if [[ -f $1 ]] && cmp -s <(printf '%s' "$2") "$1"; then return 0; fi
  local diff
  diff=$(diff -u --label expected --label "$1" <(printf '%s' "$2") "$1" 2>&1)
  local default="'$1' differs from the expected content"
  _scenario_failed_assert "${3:-$default}" "$diff"
}

# assert_no_file PATH [MESSAGE]
assert_no_file() {
  [[ ! -e $1 && ! -L $1 ]] && return 0
  local default="'$1' exists"
  _scenario_failed_assert "${2:-$default}" "$(ls -ld -- "$1")"
}

# assert_stat PATH FORMAT EXPECTED [MESSAGE]: e.g. assert_stat f '%a %u:%g' '644 0:0'
assert_stat() {
  local actual
  actual=$(stat -c "$2" -- "$1" 2>&1)
  [[ $actual == "$3" ]] && return 0
  local default="stat '$2' of '$1'"
  _scenario_failed_assert "${4:-$default}" "expected: '$3'" "actual:   '$actual'"
}

# assert_status EXPECTED [MESSAGE]: the status of the last run/reap.
assert_status() {
  [[ $RUN_STATUS == "$1" ]] && return 0
  _scenario_failed_assert "${2:-exit status of: $RUN_CMD}" "expected: $1" "actual:   $RUN_STATUS"
}

# report_value KEY [REPORT]: a value from a probe report (default: $RUN_OUT).
report_value() {
  local line
  while IFS= read -r line; do
    if [[ $line == "$1="* ]]; then
      printf '%s\n' "${line#"$1="}"
      return 0
    fi
  done <<<"${2-$RUN_OUT}"
  return 1
}

# assert_report KEY EXPECTED [MESSAGE]: a probe report field in $RUN_OUT.
assert_report() {
  local value
  if ! value=$(report_value "$1"); then
    local default="probe report has no '$1'"
    _scenario_failed_assert "${3:-$default}" "report:" "$RUN_OUT"
    return 1
  fi
  assert_eq "$2" "$value" "${3:-probe report $1}"
}
