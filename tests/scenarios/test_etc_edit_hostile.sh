#!/usr/bin/env bash
# The /etc/group edit under hostile conditions, for real: the shipped binary
# runs as root in a private /etc and the edit meets a single-file bind mount
# over /etc/gshadow, signals sent while the temp files exist, a file size
# limit of 0, a group file at the read limit, and files carrying POSIX ACLs
# and extended attributes.
# shellcheck disable=SC2317,SC2119 # cases run through check
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
scenario_begin

S() { printf '%s/%s' "$SCENARIO_SOCK" "$1"; }
OLD_GROUP=$'root:x:0:\napp:x:1000:\n'
NEW_GROUP="${OLD_GROUP}docker:x:988:app"$'\n'
OLD_GSHADOW=$'root:*::\napp:!::\n'
NEW_GSHADOW="${OLD_GSHADOW}docker:!::app"$'\n'

with_gshadow() {
  etc_write gshadow "$OLD_GSHADOW"
  chmod 0640 "$SCENARIO_ETC/gshadow"
}

# Temp files of the edit left in /etc (the lock file stays, like lckpwdf's).
assert_no_temp_files() {
  local left
  left=$(find "$SCENARIO_ETC" -maxdepth 1 \( -name '.group.*' -o -name '.gshadow.*' \) -printf '%f ')
  assert_eq "" "$left" "temp files left in /etc"
}

assert_app_ran_with() {
  assert_report uid 1000,1000,1000
  assert_report groups "$1"
}

# ------------------------------------------------------------ a bind-mounted gshadow

case_gshadow_bind_mount() {
  make_socket docker.sock 0 988 0660
  with_gshadow
  run in_ns --bind "$SCENARIO_ETC/gshadow" /etc/gshadow "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_app_ran_with 988
  # Neither file changed: never a new /etc/group beside an old /etc/gshadow.
  assert_file_eq "$SCENARIO_ETC/group" "$OLD_GROUP"
  assert_file_eq "$SCENARIO_ETC/gshadow" "$OLD_GSHADOW"
  assert_no_temp_files
  # The message names the file that cannot be replaced, and only that one.
  assert_contains "$RUN_ERR" "'/etc/gshadow'"
  assert_contains "$RUN_ERR" "single-file bind mount"
  assert_not_contains "$RUN_ERR" "'/etc/group' is a single-file bind mount"
  assert_contains "$RUN_ERR" "continuing with numeric group 988"
}
check "/etc/gshadow a single-file bind mount: neither file replaced, the message names gshadow, continue" \
  case_gshadow_bind_mount

case_group_bind_mount_with_gshadow() {
  make_socket docker.sock 0 988 0660
  with_gshadow
  run in_ns --group-file "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_app_ran_with 988
  assert_file_eq "$SCENARIO_ETC/group" "$OLD_GROUP"
  assert_file_eq "$SCENARIO_ETC/gshadow" "$OLD_GSHADOW"
  assert_no_temp_files
  assert_contains "$RUN_ERR" "'/etc/group'"
  assert_contains "$RUN_ERR" "single-file bind mount"
}
check "/etc/group a single-file bind mount, gshadow beside it: neither file replaced" \
  case_group_bind_mount_with_gshadow

# ------------------------------------------------------------ signals during the edit

# The host pid of this scenario's stepdown (its copy in $SCENARIO_DIR/bin is
# run by nothing else), once it runs.
stepdown_pid() {
  local p
  for p in /proc/[0-9]*; do
    if [[ $(readlink "$p/exe" 2>/dev/null) == "$STEPDOWN" ]]; then
      echo "${p#/proc/}"
      return 0
    fi
  done
  return 1
}

# A signal sent while both temp files exist (every fsync is held back 3 s by
# strace, so the window is wide): the edit completes, no temp file is left,
# and then the signal takes its normal effect on a process that is not PID 1:
# death, before the app runs.
case_signal_during_edit() {
  local sig=$1 signo pid
  require_cmd strace
  signo=$(kill -l "$sig")
  make_socket docker.sock 0 988 0660
  with_gshadow
  spawn in_ns strace -o /dev/null -e trace=fsync -e inject=fsync:delay_exit=3000000 \
    -- "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  wait_until 30 compgen -G "$SCENARIO_ETC/.gshadow.*" >/dev/null || fail "the edit never started"
  wait_until 10 stepdown_pid >/dev/null || fail "stepdown's pid not found"
  pid=$(stepdown_pid)
  kill -s "$sig" "$pid"
  reap "$SPAWN_PID" 60
  assert_status $((128 + signo)) "stepdown dies of SIG$sig once the edit is complete"
  assert_eq "" "$RUN_OUT" "the app must not run"
  assert_file_eq "$SCENARIO_ETC/group" "$NEW_GROUP"
  assert_file_eq "$SCENARIO_ETC/gshadow" "$NEW_GSHADOW"
  assert_no_temp_files
}
for sig in TERM INT HUP QUIT; do
  check "SIG$sig during the edit (docker exec, docker run --init): held until both files are replaced" \
    case_signal_during_edit "$sig"
done

# RLIMIT_FSIZE 0 (docker run --ulimit fsize=0): the write of the temp file
# fails (EFBIG) instead of killing the start with SIGXFSZ. Output goes
# through a pipe, which the limit does not apply to.
case_file_size_limit_zero() {
  require_cmd prlimit
  make_socket docker.sock 0 988 0660
  with_gshadow
  run in_ns bash -o pipefail -c '"$@" 2>&1 | cat' limited \
    prlimit --fsize=0 -- "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_app_ran_with 988
  assert_contains "$RUN_OUT" "File too large"
  assert_contains "$RUN_OUT" "continuing with numeric group 988"
  assert_file_eq "$SCENARIO_ETC/group" "$OLD_GROUP"
  assert_file_eq "$SCENARIO_ETC/gshadow" "$OLD_GSHADOW"
  assert_no_temp_files
}
check "ulimit -f 0: the write fails, warn, numeric group, the app runs, no temp file" case_file_size_limit_zero

# ------------------------------------------------------------ the read limit

# A group file 5 bytes under the 32 MiB read limit: the new line would take it
# over, and every later start would refuse to read it. The edit is refused
# instead, and the next start still reads the file.
case_result_over_read_limit() {
  local limit=$((32 * 1024 * 1024)) line
  make_socket docker.sock 0 988 0660
  line="#$(printf 'x%.0s' {1..62})"
  {
    printf '%s' "$OLD_GROUP"
    head -c $((64 * 524287)) < <(yes "$line")
    printf '#%035d\n' 0
  } >"$SCENARIO_ETC/group"
  assert_eq $((limit - 5)) "$(stat -c %s "$SCENARIO_ETC/group")" "the test's group file size"
  cp "$SCENARIO_ETC/group" "$SCENARIO_TMP/group.before"
  for start in first second; do
    run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
    assert_status 0 "the $start start"
    assert_app_ran_with 988
    assert_contains "$RUN_ERR" "32 MiB"
    assert_contains "$RUN_ERR" "continuing with numeric group 988"
    cmp -s "$SCENARIO_TMP/group.before" "$SCENARIO_ETC/group" || fail "/etc/group changed in the $start start"
  done
  assert_no_temp_files
}
check "a group file just under the read limit: not grown past it, warn, numeric group, next start reads it" \
  case_result_over_read_limit

# ------------------------------------------------------------ ACLs and extended attributes

case_xattrs_kept() {
  require_cmd setfacl getfacl setfattr getfattr
  make_socket docker.sock 0 988 0660
  with_gshadow
  local f
  for f in group gshadow; do
    setfacl -m u:1000:r "$SCENARIO_ETC/$f" || skip "no POSIX ACLs on $SCENARIO_ETC's file system"
    setfattr -n user.stepdown -v "kept $f" "$SCENARIO_ETC/$f" || skip "no user.* attributes here"
  done
  local acl_group acl_gshadow mode_group mode_gshadow
  acl() { getfacl --omit-header --numeric --absolute-names "$SCENARIO_ETC/$1"; }
  acl_group=$(acl group)
  acl_gshadow=$(acl gshadow)
  mode_group=$(stat -c %a "$SCENARIO_ETC/group")
  mode_gshadow=$(stat -c %a "$SCENARIO_ETC/gshadow")
  assert_contains "$acl_group" "user:1000:r--"
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_app_ran_with 988
  assert_file_eq "$SCENARIO_ETC/group" "$NEW_GROUP"
  assert_file_eq "$SCENARIO_ETC/gshadow" "$NEW_GSHADOW"
  assert_eq "$acl_group" "$(acl group)" "/etc/group's ACL"
  assert_eq "$acl_gshadow" "$(acl gshadow)" "/etc/gshadow's ACL"
  assert_eq "$mode_group" "$(stat -c %a "$SCENARIO_ETC/group")" "/etc/group's mode"
  assert_eq "$mode_gshadow" "$(stat -c %a "$SCENARIO_ETC/gshadow")" "/etc/gshadow's mode"
  assert_eq "kept group" "$(getfattr --only-values -n user.stepdown "$SCENARIO_ETC/group")" "/etc/group's user.stepdown"
  assert_eq "kept gshadow" "$(getfattr --only-values -n user.stepdown "$SCENARIO_ETC/gshadow")" \
    "/etc/gshadow's user.stepdown"
  assert_no_temp_files
}
check "POSIX ACLs and user.* attributes of group and gshadow are kept by the edit" case_xattrs_kept

scenario_end
