#!/usr/bin/env bash
# The init's exit-code contract, black-box, with stepdown as PID 1 of a fresh
# pid namespace after the drop to uid 1000: the app's code 0..255 passes
# through, -e and STEPDOWN_EXIT_REMAP turn exactly the listed codes into 0,
# death by signal n is 128+n, and exec failures are 127/126.
source "$(dirname "$0")/lib.sh"
scenario_begin

SD=("$STEPDOWN" --no-socket --user 1000:1000)

# Runs, inside one private mount namespace (for speed), one fresh pid namespace
# per line of "$SCENARIO_TMP/table": each line holds the stepdown options and
# the probe's exit code, separated by '|'. Prints "options|code|status" lines.
# shellcheck disable=SC2016 # expanded by the inner bash
run_table() {
  run in_ns bash -c '
    while IFS="|" read -r opts code; do
      read -r -a extra <<<"$opts"
      unshare --pid --fork --mount-proc "$@" "${extra[@]}" -- "$PROBE" exit "$code" 2>/dev/null
      printf "%s|%s|%s\n" "$opts" "$code" "$?"
    done <"$0"' "$SCENARIO_TMP/table" "${SD[@]}"
  assert_status 0
}

case_pass_through() {
  local code expected=""
  : >"$SCENARIO_TMP/table"
  for code in $(seq 0 255); do
    printf '|%s\n' "$code" >>"$SCENARIO_TMP/table"
    expected+="|$code|$code"$'\n'
  done
  run_table
  assert_eq "${expected%$'\n'}" "$RUN_OUT" "exit code N comes back as N"
}
check "exit codes 0..255 pass through the init unchanged" case_pass_through

case_remap_flag() {
  local code other expected=""
  : >"$SCENARIO_TMP/table"
  for code in $(seq 0 255); do
    other=$(((code + 1) % 256))
    printf -- '-e %s|%s\n-e %s|%s\n' "$code" "$code" "$other" "$code" >>"$SCENARIO_TMP/table"
    expected+="-e $code|$code|0"$'\n'"-e $other|$code|$code"$'\n'
  done
  run_table
  assert_eq "${expected%$'\n'}" "$RUN_OUT" "-e N maps exactly N to 0"
}
check "-e N maps N to 0 for every N, and leaves every other code alone" case_remap_flag

case_remap_repeated_flags() {
  printf '%s\n' '-e 3 -e 143 -e 7|3' '-e 3 -e 143 -e 7|7' '-e 3 -e 143 -e 7|143' '-e 3 -e 143 -e 7|4' \
    >"$SCENARIO_TMP/table"
  run_table
  assert_eq $'-e 3 -e 143 -e 7|3|0\n-e 3 -e 143 -e 7|7|0\n-e 3 -e 143 -e 7|143|0\n-e 3 -e 143 -e 7|4|4' "$RUN_OUT"
}
check "-e is repeatable" case_remap_repeated_flags

case_remap_env() {
  local code out=""
  for code in 0 1 2 42 130 143 255; do
    run in_pidns env STEPDOWN_EXIT_REMAP=1,42,143 "${SD[@]}" -- "$PROBE" exit "$code"
    out+="$code:$RUN_STATUS "
  done
  assert_eq "0:0 1:0 2:2 42:0 130:130 143:0 255:255 " "$out" "STEPDOWN_EXIT_REMAP=1,42,143"
}
check "STEPDOWN_EXIT_REMAP=1,42,143 maps exactly those codes to 0" case_remap_env

# The app kills itself: the init reports 128+n.
case_self_signal() {
  local sig n out="" expected=""
  for sig in TERM INT HUP USR1 USR2 QUIT ABRT SEGV KILL RTMIN+3; do
    n=$(kill -l "SIG$sig" 2>/dev/null || kill -l "$sig")
    run in_pidns "${SD[@]}" -- "$PROBE" kill-self "$sig"
    out+="$sig:$RUN_STATUS "
    expected+="$sig:$((128 + n)) "
  done
  assert_eq "$expected" "$out"
}
check "an app killed by signal n makes the init exit 128+n" case_self_signal

case_remap_signal_status() {
  run in_pidns "${SD[@]}" -e 143 -- "$PROBE" kill-self TERM
  assert_status 0 "-e 143 after a SIGTERM death"
  run in_pidns "${SD[@]}" -e 143 -- "$PROBE" kill-self INT
  assert_status 130 "-e 143 leaves 130 alone"
}
check "-e 143 turns a SIGTERM death into 0 (tini's -e)" case_remap_signal_status

case_exec_failures() {
  make_file plain 0 0 0644 "not a program"
  local mode
  for mode in "" --exec; do
    # shellcheck disable=SC2086 # mode is one word or none
    run in_pidns "${SD[@]}" $mode -- stepdown-no-such-command
    assert_status 127 "not found ($mode)"
    assert_contains "$RUN_ERR" "stepdown: error: cannot execute 'stepdown-no-such-command': No such file or directory"
    # shellcheck disable=SC2086
    run in_pidns "${SD[@]}" $mode -- "$SCENARIO_SOCK/plain"
    assert_status 126 "not executable ($mode)"
    assert_contains "$RUN_ERR" "stepdown: error: cannot execute '$SCENARIO_SOCK/plain': Permission denied"
    # shellcheck disable=SC2086
    run in_pidns "${SD[@]}" $mode -- /etc
    assert_status 126 "a directory ($mode)"
  done
}
check "exec failures: 127 not found, 126 not executable, supervised or not" case_exec_failures

case_path_from_app_env() {
  make_dir pathdir 0 0 0755
  # shellcheck disable=SC2016 # $(id -u) belongs to the script written here
  printf '#!/bin/sh\necho "ran as $(id -u)"\n' >"$SCENARIO_SOCK/pathdir/only-here"
  chmod 0755 "$SCENARIO_SOCK/pathdir/only-here"
  run in_pidns env PATH="/nonexistent:$SCENARIO_SOCK/pathdir:/usr/bin:/bin" "${SD[@]}" -- only-here
  assert_status 0
  assert_eq "ran as 1000" "$RUN_OUT"
}
check "the command is found through the PATH the app gets" case_path_from_app_env

scenario_end
