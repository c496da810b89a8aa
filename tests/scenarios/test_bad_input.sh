#!/usr/bin/env bash
# The bad-input catalogue: hostile or broken /etc files, socket paths, user
# specs and environment variables, each row with the exit code and the message
# it must give (src/app/exit_codes.hpp, README "Exit codes"). For every row:
# a refusal runs nothing (the probe prints nothing) and leaves /etc/group as it
# was; a start (exit 0) runs the app fully dropped. Every row of a table runs
# and every mismatch is listed before the case fails.
# A row that hangs costs this much (scaled like every limit), not the
# harness's default: a start here takes well under a second, even sanitized
# with the 10 MB files.
SCENARIO_TIMEOUT=${SCENARIO_TIMEOUT:-20}
source "$(dirname "$0")/lib.sh"
scenario_begin

S() { printf '%s/%s' "$SCENARIO_SOCK" "$1"; }
BASE_GROUP=$'root:x:0:\napp:x:1000:\n'
BASE_PASSWD=$SCENARIO_PASSWD
DOCKER_LINE=$'docker:x:988:app\n'

PROBLEMS=()
problem() { PROBLEMS+=("$ROW: $*"); }
rows_done() {
  if ((${#PROBLEMS[@]})); then
    printf '  %s\n' "${PROBLEMS[@]}" >&2
    fail "${#PROBLEMS[@]} row(s) of the table misbehaved (listed above)"
  fi
}

# What /etc/group is now (never opened unless a regular file: it may be a FIFO).
group_state() {
  local g=$SCENARIO_ETC/group
  if [[ -f $g ]]; then sha256sum <"$g"; else stat -c '%F %i' -- "$g" 2>/dev/null || echo none; fi
}

# row EXIT MESSAGE [env VAR=VALUE...] [STEPDOWN-ARGS...]: one row of a table.
# Runs stepdown (with the probe as the app) in the private /etc. MESSAGE must
# appear in stderr ("" = stderr must be empty). Refusals must run nothing and
# leave /etc/group untouched; starts must run the app fully dropped.
row() {
  local want=$1 msg=$2
  shift 2
  # The machine's own /var/run/docker.sock must not decide a row: every row
  # starts from DOCKER_HOST naming the case's socket (root:988 0660), which
  # --socket, STEPDOWN_SOCKET and a row's own DOCKER_HOST override.
  local -a env_args=("DOCKER_HOST=unix://$SCENARIO_SOCK/docker.sock")
  while [[ ${1:-} == *=* && ${1:-} != -* ]]; do
    env_args+=("$1")
    shift
  done
  ROW="$(printf '%q ' "${env_args[@]:1}" "$@")"
  ROW=${ROW:0:160}
  local before
  before=$(group_state)
  # stdin is never a terminal: stepdown's TIOCSTI protection (a new session
  # for the app) must not depend on how the test was started.
  run in_ns env "${env_args[@]}" "$STEPDOWN" "$@" -- "$PROBE" report </dev/null
  printf '%-4s %s\n' "$RUN_STATUS" "$ROW"
  [[ $RUN_STATUS == "$want" ]] || problem "exit $RUN_STATUS, expected $want (stderr: ${RUN_ERR:0:300})"
  if [[ -z $msg ]]; then
    [[ -z $RUN_ERR ]] || problem "expected no message, got: ${RUN_ERR:0:300}"
  elif [[ $RUN_ERR != *"$msg"* ]]; then
    problem "stderr lacks '$msg': ${RUN_ERR:0:300}"
  fi
  if [[ $want == 0 ]]; then
    [[ $(report_value uid) == 1000,1000,1000 && $(report_value cap_prm) == 0000000000000000 &&
      $(report_value cap_bnd) == 0000000000000000 && $(report_value no_new_privs) == 1 ]] ||
      problem "the app did not run fully dropped: $(tr '\n' ' ' <<<"${RUN_OUT:0:300}")"
  else
    [[ -z $RUN_OUT ]] || problem "refused, but the app ran"
    [[ $(group_state) == "$before" ]] ||
      problem "refused, but /etc/group changed"
  fi
}

# group_is EXPECTED: the exact bytes of /etc/group after the last row.
group_is() {
  cmp -s <(printf '%s' "$1") "$SCENARIO_ETC/group" || problem "/etc/group is not as expected: $(head -c 300 "$SCENARIO_ETC/group" | od -c | head -4)"
}
# group_is_printf FORMAT [ARGS...]: the same, for bytes bash strings cannot hold (NUL).
group_is_printf() {
  # shellcheck disable=SC2059 # the format is the point
  cmp -s <(printf "$@") "$SCENARIO_ETC/group" || problem "/etc/group is not as expected: $(od -c "$SCENARIO_ETC/group" | head -4)"
}
groups_are() { [[ $(report_value groups) == "$1" ]] || problem "groups are '$(report_value groups)', expected '$1'"; }
home_is() { [[ $(report_value home) == "$1" ]] || problem "HOME is '$(report_value home)', expected '$1'"; }

# Fresh account files for the next row.
fresh() {
  rm -rf "$SCENARIO_ETC/group" "$SCENARIO_ETC/passwd" "$SCENARIO_ETC"/.group.* "$SCENARIO_ETC/gshadow"
  etc_write group "$BASE_GROUP"
  etc_write passwd "$BASE_PASSWD"
  chmod 0644 "$SCENARIO_ETC/group" "$SCENARIO_ETC/passwd"
}

# lines N FORMAT: N lines from seq through sed (FORMAT uses & for the number).
lines() { seq 100000 $((100000 + $1 - 1)) | sed "s/.*/$2/"; }

# ---------------------------------------------------------------- /etc files

case_etc_files() {
  make_socket docker.sock 0 988 0660
  local sock
  sock=$(S docker.sock)
  local big

  # Size: 10 MB files and single 1 MB lines are read; over 32 MiB is refused.
  fresh
  big=$(printf '%s' "$BASE_GROUP"; lines 280000 'g&:x:&:member&,other&'; printf x)
  big=${big%x}
  etc_write group "$big"
  row 0 "" -S "$sock"
  group_is "$big$DOCKER_LINE"
  groups_are 988

  fresh
  big=$(printf '%s' "$BASE_PASSWD"; lines 250000 'u&:x:&:&:user &:\/home\/u&:\/bin\/sh'; printf x)
  big=${big%x}
  etc_write passwd "$big"
  row 0 "" -u app -S "$sock"
  home_is /home/app

  fresh
  big="${BASE_GROUP}big:x:5000:$(lines 130000 'm&' | paste -sd,)"$'\n'
  etc_write group "$big"
  row 0 "" -u app -G big -S "$sock"
  group_is "$big$DOCKER_LINE"
  groups_are 988,5000

  fresh
  big="${BASE_GROUP}hostdocker:x:988:$(lines 130000 'm&' | paste -sd,)"
  etc_write group "$big"$'\n'
  row 0 "" -S "$sock"
  group_is "$big,app"$'\n'

  fresh
  big="root:x:0:0::/root:/bin/sh"$'\n'"app:x:1000:1000:$(head -c 1048576 /dev/zero | tr '\0' g):/home/app:/bin/sh"$'\n'
  etc_write passwd "$big"
  row 0 "" -u app -S "$sock"
  home_is /home/app

  fresh
  head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' '\n' >"$SCENARIO_ETC/group"
  row 65 "refusing to read '/etc/group', larger than 32 MiB" -S "$sock"
  fresh
  head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' '\n' >"$SCENARIO_ETC/passwd"
  row 65 "refusing to read '/etc/passwd', larger than 32 MiB" -S "$sock"

  # NUL bytes: such a line is malformed; it keeps its bytes, and a GID on it
  # is never given to a second group.
  fresh
  printf '%sodd:x:5:a\0b\n' "$BASE_GROUP" >"$SCENARIO_ETC/group"
  row 0 "" -S "$sock"
  group_is_printf '%sodd:x:5:a\0b\n%s' "$BASE_GROUP" "$DOCKER_LINE"
  fresh
  printf '%sdocker:x:988:a\0b\n' "$BASE_GROUP" >"$SCENARIO_ETC/group"
  row 0 "a malformed line in the group file has GID 988, not editing it" -v -S "$sock"
  group_is_printf '%sdocker:x:988:a\0b\n' "$BASE_GROUP"
  groups_are 988
  fresh
  printf 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/a\0pp:/bin/sh\n' >"$SCENARIO_ETC/passwd"
  row 67 "no user named 'app' in /etc/passwd (1 malformed line in /etc/passwd ignored" -u app -S "$sock"

  # CRLF: lines with a CR are malformed (glibc would keep the CR in the last
  # field); they round-trip byte for byte, the new line ends in LF.
  fresh
  etc_write group $'root:x:0:\r\napp:x:1000:\r\n'
  row 0 "" -S "$sock"
  group_is $'root:x:0:\r\napp:x:1000:\r\n'"$DOCKER_LINE"
  fresh
  etc_write group $'root:x:0:\r\ndocker:x:988:\r\n'
  row 0 "" -S "$sock"
  group_is $'root:x:0:\r\ndocker:x:988:\r\n'
  fresh
  etc_write passwd $'root:x:0:0::/root:/bin/sh\r\napp:x:1000:1000::/home/app:/bin/sh\r\n'
  row 67 "2 malformed lines in /etc/passwd ignored: CRLF line ends" -u app -S "$sock"
  row 0 "" -S "$sock"
  home_is /

  # Duplicates: the first entry wins, nothing is renamed or renumbered.
  fresh
  etc_write group "${BASE_GROUP}docker:x:999:"$'\n'"docker:x:998:"$'\n'
  row 0 "" -S "$sock"
  group_is "${BASE_GROUP}docker:x:999:"$'\n'"docker:x:998:"$'\n'"docker-988:x:988:app"$'\n'
  fresh
  etc_write group "${BASE_GROUP}first:x:988:"$'\n'"second:x:988:"$'\n'
  row 0 "" -S "$sock"
  group_is "${BASE_GROUP}first:x:988:app"$'\n'"second:x:988:"$'\n'
  fresh
  etc_write passwd "root:x:0:0::/root:/bin/sh"$'\n'"app:x:1000:1000::/home/app:/bin/sh"$'\n'"app:x:1001:1001::/home/other:/bin/sh"$'\n'
  row 0 "" -u app -S "$sock"
  home_is /home/app

  # Ids out of range or negative: malformed lines, kept; never wrapped.
  fresh
  etc_write group "${BASE_GROUP}max:x:4294967295:"$'\n'"neg:x:-1:"$'\n'"wrap:x:4294968284:"$'\n'
  row 0 "" -S "$sock"
  group_is "${BASE_GROUP}max:x:4294967295:"$'\n'"neg:x:-1:"$'\n'"wrap:x:4294968284:"$'\n'"$DOCKER_LINE"
  row 67 "no group named 'wrap' in /etc/group (3 malformed lines" -G wrap -S "$sock"
  fresh
  etc_write passwd "root:x:0:0::/root:/bin/sh"$'\n'"app:x:4294968296:1000::/home/app:/bin/sh"$'\n'
  row 67 "no user named 'app' in /etc/passwd (1 malformed line" -u app -S "$sock"

  # Missing files: a scratch image has none; the number is enough.
  fresh
  rm -f "$SCENARIO_ETC/group"
  row 0 "" -S "$sock"
  assert_no_file "$SCENARIO_ETC/group" || problem "/etc/group was created"
  groups_are 988
  fresh
  rm -f "$SCENARIO_ETC/passwd"
  row 0 "" -S "$sock"
  home_is /
  row 67 "no user named 'app' in /etc/passwd" -u app -S "$sock"
  row 67 "uid 1000 has no entry in /etc/passwd, so it has no primary group; name one: use --user 1000:1000" -u 1000 -S "$sock"

  # Not a regular file.
  fresh
  rm -f "$SCENARIO_ETC/group" && mkdir "$SCENARIO_ETC/group"
  row 65 "refusing to read '/etc/group', a directory, not a regular file" -S "$sock"
  rmdir "$SCENARIO_ETC/group"
  fresh
  rm -f "$SCENARIO_ETC/passwd" && mkdir "$SCENARIO_ETC/passwd"
  row 65 "refusing to read '/etc/passwd', a directory, not a regular file" -S "$sock"
  rmdir "$SCENARIO_ETC/passwd"
  fresh
  mkfifo "$SCENARIO_TMP/fifo"
  ln -sf "$SCENARIO_TMP/fifo" "$SCENARIO_ETC/group"
  row 65 "refusing to read '/etc/group', a FIFO, not a regular file" -S "$sock"
  rm -f "$SCENARIO_ETC/group" "$SCENARIO_TMP/fifo"

  # A symlink to elsewhere: read through, never replaced (rename would turn
  # it into a regular file and leave the edit away from its target).
  fresh
  printf '%s' "$BASE_GROUP" >"$SCENARIO_TMP/group.elsewhere"
  rm -f "$SCENARIO_ETC/group" && ln -s "$SCENARIO_TMP/group.elsewhere" "$SCENARIO_ETC/group"
  row 0 "refusing to replace '/etc/group', a symbolic link, not a regular file" -S "$sock"
  [[ -L $SCENARIO_ETC/group ]] || problem "the symlink was replaced"
  cmp -s <(printf '%s' "$BASE_GROUP") "$SCENARIO_TMP/group.elsewhere" || problem "the symlink's target changed"
  [[ $RUN_ERR == *"continuing with numeric group 988"* ]] || problem "no 'continuing with numeric group 988'"
  groups_are 988
  rm -f "$SCENARIO_ETC/group"
  fresh
  printf '%s' "$BASE_PASSWD" >"$SCENARIO_TMP/passwd.elsewhere"
  rm -f "$SCENARIO_ETC/passwd" && ln -s "$SCENARIO_TMP/passwd.elsewhere" "$SCENARIO_ETC/passwd"
  row 0 "" -u app -S "$sock"
  home_is /home/app
  rm -f "$SCENARIO_ETC/passwd"
  fresh
  rows_done
}
check "/etc/group and /etc/passwd: 10 MB, 1 MB lines, >32 MiB, NUL, CRLF, duplicates, bad ids, missing, directory, FIFO, symlink" case_etc_files

# ---------------------------------------------------------------- sockets

case_socket_paths() {
  make_socket docker.sock 0 988 0660
  local long
  long=/$(printf 'a%.0s' {1..5000})/docker.sock
  mkdir "$SCENARIO_SOCK/dir"
  mkfifo "$SCENARIO_SOCK/fifo"
  ln -s loop2 "$SCENARIO_SOCK/loop1"
  ln -s loop1 "$SCENARIO_SOCK/loop2"
  row 0 "): File name too long; fix: check the socket path" -S "$long"
  row 69 "): File name too long" --require-socket -S "$long"
  row 0 "socket '/nonexistent/dir/docker.sock' (--socket) does not exist; no socket group to grant" \
    -S /nonexistent/dir/docker.sock
  row 69 "does not exist" --require-socket -S /nonexistent/dir/docker.sock
  row 0 "(--socket): Too many levels of symbolic links" -S "$(S loop1)"
  row 69 "Too many levels of symbolic links" --require-socket -S "$(S loop1)"
  row 69 "(--socket) is a FIFO, not a socket" -S "$(S fifo)"
  row 69 "(--socket) is a directory, not a socket; fix: the host path did not exist when the container started" \
    -S "$(S dir)"
  row 69 "(STEPDOWN_SOCKET) is a FIFO, not a socket" STEPDOWN_SOCKET="$(S fifo)"
  row 69 "(DOCKER_HOST) is a directory, not a socket" DOCKER_HOST="unix://$(S dir)"
  row 64 "invalid socket path 'relative.sock' from --socket: expected an absolute path" -S relative.sock
  row 64 "invalid socket path '' from --socket" -S ''
  rows_done
}
check "socket paths: too long, missing directory, symlink loop, FIFO, directory, relative" case_socket_paths

# ---------------------------------------------------------------- user specs

case_user_specs() {
  make_socket docker.sock 0 988 0660
  row 64 "invalid user spec ' 1000': expected name, uid, name:group or uid:gid with no blanks" -u ' 1000'
  row 64 "invalid user spec '-1': numbers have no sign" -u -1
  row 64 "invalid user spec '+1000': numbers have no sign" -u +1000
  row 64 "invalid uid '4294967296': numbers range from 0 to 4294967294" -u 4294967296
  row 64 "invalid uid '4294968296'" -u 4294968296
  row 64 "invalid user spec '1000:'" -u 1000:
  row 64 "invalid user spec ':'" -u :
  row 64 "invalid group '-1': numbers have no sign" -u 1000:-1
  row 64 "invalid group '4294967295': numbers range from 0 to 4294967294" -u 1000:4294967295
  row 77 "refusing to run the command as uid 0 (user '0:0' from --user)" -u 0:0
  row 77 "refusing to run the command as uid 0 (user 'root' from --user)" -u root
  row 77 "refusing to run the command as gid 0 (user '1000:0' from --user)" -u 1000:0
  row 64 "invalid user spec ''" -u ''
  row 64 "STEPDOWN_USER is set but empty" STEPDOWN_USER=
  row 67 "no user named 'nobody-here' in /etc/passwd" -u nobody-here
  row 0 "" -u 1000:1000
  rows_done
}
check "user specs: ' 1000', -1, 4294967296, '1000:', ':', 0:0, root, empty" case_user_specs

# ---------------------------------------------------------------- environment

# Values no variable accepts: a word, blanks, a newline, a sign, a 20-digit
# number, a control byte, 100,000 characters.
JUNK=(junk ' 1' $'1\n' -1 99999999999999999999 $'\x01' "$(head -c 100000 /dev/zero | tr '\0' z)")

# as_logged TEXT: TEXT as a text log line shows it: control bytes (below 0x20,
# and 0x7f) as \xNN, so a value can never split or forge a line.
as_logged() {
  local text=$1 out='' c i
  for ((i = 0; i < ${#text}; i++)); do
    c=${text:i:1}
    if [[ $c == [[:cntrl:]] ]]; then
      printf -v c '\\x%02x' "'$c"
    fi
    out+=$c
  done
  printf '%s' "$out"
}

case_environment_junk() {
  make_socket docker.sock 0 988 0660
  local v j raw
  for raw in "${JUNK[@]}"; do
    j=$(as_logged "${raw:0:20}")
    for v in STEPDOWN_NO_SOCKET STEPDOWN_ALLOW_GID0 STEPDOWN_ALLOW_ROOT_TARGET STEPDOWN_REQUIRE_SOCKET \
      STEPDOWN_ALLOW_NEW_PRIVS STEPDOWN_INIT STEPDOWN_FORCE_KEEP_CAP; do
      row 64 "invalid $v='$j" "$v=$raw"
    done
    row 64 "unknown capability '$j" "STEPDOWN_KEEP_CAPS=$raw"
    row 64 "invalid STEPDOWN_LOG_LEVEL='$j" "STEPDOWN_LOG_LEVEL=$raw"
    row 64 "invalid STEPDOWN_LOG_FORMAT='$j" "STEPDOWN_LOG_FORMAT=$raw"
    row 64 "invalid STEPDOWN_EXIT_REMAP entry '$j" "STEPDOWN_EXIT_REMAP=$raw"
    row 64 "invalid STEPDOWN_GRACE '$j" "STEPDOWN_GRACE=$raw"
    row 64 "invalid TINI_VERBOSITY='$j" "TINI_VERBOSITY=$raw"
    row 64 "invalid socket path '$j" "STEPDOWN_SOCKET=$raw"
    # tini's semantics: the presence of these two turns them on, whatever the value.
    row 0 "" "TINI_SUBREAPER=$raw"
    row 0 "" "TINI_KILL_PROCESS_GROUP=$raw"
  done
  # Names and numbers: a value that is not a name is refused as usage (64),
  # a name that does not exist as unknown (67).
  row 67 "no user named 'junk' in /etc/passwd" STEPDOWN_USER=junk
  row 64 "invalid user spec ' 1'" "STEPDOWN_USER= 1"
  row 64 "invalid user spec '1\\x0a'" $'STEPDOWN_USER=1\n'
  row 64 "numbers have no sign" STEPDOWN_USER=-1
  row 64 "invalid uid '99999999999999999999'" STEPDOWN_USER=99999999999999999999
  row 64 "invalid user spec '\\x01'" $'STEPDOWN_USER=\x01'
  row 67 "no user named 'zzzzzzzzzz" "STEPDOWN_USER=${JUNK[6]}"
  row 67 "no group named 'junk' in /etc/group" STEPDOWN_GROUPS=junk
  row 64 "invalid group ' 1'" "STEPDOWN_GROUPS= 1"
  row 64 "invalid group '-1': numbers have no sign" STEPDOWN_GROUPS=-1
  row 64 "invalid group '99999999999999999999'" STEPDOWN_GROUPS=99999999999999999999
  row 64 "invalid group ''" STEPDOWN_GROUPS=44,,45
  row 64 "invalid group name ' 1'" "STEPDOWN_GROUP_NAME= 1"
  row 64 "invalid group name '-1'" STEPDOWN_GROUP_NAME=-1
  row 64 "invalid group name '99999999999999999999': expected a name without" STEPDOWN_GROUP_NAME=99999999999999999999
  row 64 "invalid group name '\\x01'" $'STEPDOWN_GROUP_NAME=\x01'
  row 64 "invalid group name ''" STEPDOWN_GROUP_NAME=
  row 64 "invalid DOCKER_HOST 'junk'" DOCKER_HOST=junk
  row 64 "unknown capability 'junk' for --keep-cap (STEPDOWN_KEEP_CAPS)" STEPDOWN_KEEP_CAPS=junk
  row 64 "invalid STEPDOWN_KEEP_CAPS='NET_RAW,,NET_ADMIN': expected capability names separated by commas" \
    STEPDOWN_KEEP_CAPS=NET_RAW,,NET_ADMIN
  row 77 "refusing to keep CAP_SYS_ADMIN for the app" STEPDOWN_KEEP_CAPS=SYS_ADMIN
  # An allow-list: what the old deny-list let through is refused too.
  row 77 "refusing to keep CAP_NET_ADMIN for the app" STEPDOWN_KEEP_CAPS=NET_ADMIN
  row 77 "refusing to keep CAP_KILL for the app" STEPDOWN_KEEP_CAPS=net_bind_service,KILL
  # A misspelt variable is not silently ignored.
  row 0 "ignoring unknown environment variable 'STEPDOWN_REQUIRE_SOCKT'" STEPDOWN_REQUIRE_SOCKT=1
  rows_done
}
check "junk in every STEPDOWN_* and TINI_* variable: usage error naming it, or tini's presence semantics" case_environment_junk

scenario_end
