#!/usr/bin/env bash
# What the app inherits from the init, and what the init itself holds on to:
# no file descriptor of stepdown's reaches the app (the launcher's own pass
# through, as with tini), the init's only fd of its own is a close-on-exec
# signalfd, the app keeps the launcher's working directory while the init
# moves to / so that it pins no mount, and the process layout is PID 1 ->
# app in its own process group.
source "$(dirname "$0")/lib.sh"
scenario_begin

SD=("$STEPDOWN" --no-socket --user 1000:1000)

# children_of and first_child: lib.sh.

# BASE_FDS: the fds (>2) the launcher itself passes on, whatever the harness
# inherited (often none; "10,251" under some CI runners).
baseline_fds() {
  run in_pidns "$PROBE" report
  assert_status 0
  BASE_FDS=$(report_value fds)
}

case_no_extra_fds() {
  local base mode
  baseline_fds
  base=$BASE_FDS
  for mode in "" --exec; do
    # shellcheck disable=SC2086 # mode is one word or none
    run in_pidns "${SD[@]}" $mode -- "$PROBE" report
    assert_status 0
    assert_report fds "$base" "the app's fds ($mode) equal the launcher's"
  done
}
check "the app inherits no fd of stepdown's, supervised or exec'd" case_no_extra_fds

# The full root path: socket inspection and the /etc/group commit (lock file,
# temp file) happen before the init starts; none of their fds may leak.
case_no_extra_fds_after_group_edit() {
  local base
  baseline_fds
  base=$BASE_FDS
  make_socket docker.sock 0 988 0660
  run in_pidns "$STEPDOWN" -S "$SCENARIO_SOCK/docker.sock" --user 1000:1000 -- "$PROBE" report
  assert_status 0
  assert_report groups 988 "control: the socket group was granted"
  assert_report fds "$base"
}
check "no fd leaks from the socket check and the /etc/group commit" case_no_extra_fds_after_group_edit

case_launcher_fds_pass() {
  local base
  baseline_fds
  base=$BASE_FDS
  # shellcheck disable=SC2016 # for the inner bash
  run in_pidns bash -c 'exec 7</dev/null; exec "$@"' bash "${SD[@]}" -- "$PROBE" report
  assert_status 0
  local want
  # shellcheck disable=SC2086 # split the list
  want=$(printf '%s\n' ${base//,/ } 7 | sort -n | paste -sd, -)
  assert_report fds "$want" "fd 7 from the launcher reaches the app (socket activation)"
}
check "fds the launcher passes on reach the app, as with tini" case_launcher_fds_pass

# init_own_fds STEPDOWN-ARGS...: the init's own fds, once the app runs.
init_own_fds() {
  local base
  baseline_fds
  base=$BASE_FDS
  spawn in_pidns "$STEPDOWN" "$@" -- "$PROBE" sleep 60
  local init fd target flags own=()
  init=$(ns_init_pid "$SPAWN_PID")
  wait_exec "$(first_child "$init")" "$PROBE"
  for fd in /proc/"$init"/fd/*; do
    fd=${fd##*/}
    ((fd > 2)) || continue
    [[ ,$base, == *",$fd,"* ]] && continue
    target=$(readlink "/proc/$init/fd/$fd")
    flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$init/fdinfo/$fd")
    own+=("$fd:$target:$(((8#$flags & 8#2000000) != 0))")
  done
  assert_eq 1 "${#own[@]}" "the init's own fds: ${own[*]}"
  assert_match '^[0-9]+:anon_inode:\[signalfd\]:1$' "${own[0]}" "a close-on-exec signalfd"
  kill -TERM "$init"
  reap "$SPAWN_PID" 10
  assert_status 143
}
case_init_fds() { init_own_fds "${SD[@]:1}"; }
check "the init holds one fd of its own: a close-on-exec signalfd" case_init_fds

# The group edit hands the init O_PATH holds on the replaced /etc files
# (userdb/commit.hpp); it closes them once the app is forked.
case_init_fds_after_group_edit() {
  make_socket docker.sock 0 988 0660
  init_own_fds -S "$SCENARIO_SOCK/docker.sock" --user 1000:1000
  grep -q '^docker:x:988:' "$SCENARIO_ETC/group" || fail "control: no group was created"
}
check "after a group edit the init still holds only its signalfd" case_init_fds_after_group_edit

case_cwd() {
  make_dir work 1000 1000 0755
  # shellcheck disable=SC2016 # for the inner sh
  spawn in_pidns sh -c 'cd "$1" && shift && exec "$@"' sh "$SCENARIO_SOCK/work" \
    "${SD[@]}" -- sh -c '"$1" report >"$2"; exec "$1" sleep 60' sh "$PROBE" "$SCENARIO_TMP/cwd.report"
  local init
  init=$(ns_init_pid "$SPAWN_PID")
  wait_for_file "$SCENARIO_TMP/cwd.report"
  wait_until 5 grep -q '^tty_fg=' "$SCENARIO_TMP/cwd.report" || fail "incomplete report"
  assert_eq "cwd=$SCENARIO_SOCK/work" "$(grep '^cwd=' "$SCENARIO_TMP/cwd.report")" "the app keeps the launcher's cwd"
  assert_eq / "$(readlink "/proc/$init/cwd")" "the init moved to / and pins no directory"
  kill -TERM "$init"
  reap "$SPAWN_PID" 10
  assert_status 143
}
check "the app keeps the launcher's cwd; the init itself moves to /" case_cwd

# The start-up arena (src/base/start_arena.hpp): in the shipped static binary
# the start's C++ allocations live in one private mapping, unmapped once the
# supervisor frees the command after the fork; the sanitized dynamic build
# keeps the standard operator new and has no arena at all.
case_start_memory() {
  spawn in_pidns "${SD[@]}" -vv -- "$PROBE" sleep 60
  local init
  init=$(ns_init_pid "$SPAWN_PID")
  wait_exec "$(first_child "$init")" "$PROBE"
  local log
  if file -L "$STEPDOWN" | grep -q 'static-pie linked'; then
    wait_until 5 grep -q 'start-up memory' "$SPAWN_ERR" || true
    log=$(<"$SPAWN_ERR")
    assert_match 'stepdown: debug: start-up memory: [0-9]+ allocations, [0-9]+ kB at most, returned to the kernel' \
      "$log" "the arena went back to the kernel"
    # No 1 MiB anonymous mapping (the arena's reservation) is left.
    local range _perm _off _dev _inode path left=0
    while read -r range _perm _off _dev _inode path; do
      [[ -z $path ]] && (((16#${range#*-}) - (16#${range%-*}) == 1048576)) && ((++left))
    done <"/proc/$init/maps"
    assert_eq 0 "$left" "the arena's mapping is gone"
  else
    wait_until 5 grep -q "started '" "$SPAWN_ERR" || fail "no 'started' line in the log: $(<"$SPAWN_ERR")"
    log=$(<"$SPAWN_ERR")
    [[ $log != *"start-up memory"* ]] || fail "a build without the arena reported one: $log"
  fi
  kill -TERM "$init"
  reap "$SPAWN_PID" 10
  assert_status 143
}
check "the start-up memory goes back to the kernel once the app runs (static binary)" case_start_memory

# How the app is started (src/init/supervise.cpp, start_child): vfork(2)
# when the child cannot stop before its execve (issue 6: no page tables
# copied), fork(2) with a terminal, where it can and only the init could
# resume it: the held start of a new session (under script(1) the terminal is
# the caller's) and an app that takes the terminal (setsid -c makes stepdown
# the session leader with the terminal, as in docker run -it).
# trace_starts FILE: the process-creating calls in an strace -f log, one a line.
trace_starts() { grep -oE '(vfork|fork|clone3?)\(.*' "$1" | cut -c1-160 || true; }
# assert_forked FILE WHAT: exactly one start, a fork (no CLONE_VM).
assert_forked() {
  local starts
  starts=$(trace_starts "$1")
  assert_eq 1 "$(printf '%s\n' "$starts" | grep -c .)" "$2: one start: $starts"
  assert_match '^clone\(child_stack=NULL, flags=[A-Z_|]*SIGCHLD' "$starts" "$2: started with fork"
  assert_not_contains "$starts" "CLONE_VM" "$2: not with vfork"
}
case_start_call() {
  require_cmd strace script setsid
  local trace=$SCENARIO_TMP/start.trace starts calls=clone,clone3,fork,vfork cmd
  # LeakSanitizer cannot run under ptrace: off for the sanitized build, no effect otherwise.
  local st=(env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o "$trace"
    -e trace="$calls")
  run in_ns "${st[@]}" "${SD[@]}" --init -- "$PROBE" exit 0 </dev/null
  assert_status 0
  starts=$(trace_starts "$trace")
  assert_eq 1 "$(printf '%s\n' "$starts" | grep -c .)" "no terminal: one start: $starts"
  # x86-64 glibc calls vfork itself; other architectures clone with these flags.
  assert_match '^(vfork\(\)|clone\(.*CLONE_VM\|CLONE_VFORK)' "$starts" "no terminal: started with vfork"

  printf -v cmd '%q ' "${st[@]}" "${SD[@]}" --init -- "$PROBE" exit 0
  run in_ns timeout "$(scaled 20)" script -qefc "$cmd" /dev/null </dev/null
  assert_status 0
  assert_forked "$trace" "held new session"
  assert_contains "$(<"$trace")" "--- stopped by SIGSTOP ---" "control: the start was held"

  printf -v cmd '%q ' "${st[@]}" setsid -c "${SD[@]}" --init -v -- "$PROBE" exit 0
  run in_ns timeout "$(scaled 20)" script -qefc "$cmd" /dev/null </dev/null
  assert_status 0
  assert_forked "$trace" "the app takes the terminal"
  assert_not_contains "$RUN_OUT" "new session" "control: stepdown led the session, no new one"

  # A seccomp allow-list without vfork: the start falls back to fork. (The
  # vfork system call is x86-64's; elsewhere glibc's vfork is a clone.)
  [[ $(uname -m) == x86_64 ]] || return 0
  run in_ns "${st[@]}" -e inject=vfork:error=EPERM "${SD[@]}" --init -- "$PROBE" exit 0 </dev/null
  assert_status 0
  starts=$(trace_starts "$trace")
  assert_match '^vfork\(\) += -1 EPERM' "$starts" "control: vfork was refused"
  assert_match $'\nclone\\(child_stack=NULL, flags=[A-Z_|]*SIGCHLD' "$starts" "vfork refused: started with fork"
}
check "the app is started with vfork; with fork when it may stop before its execve (a terminal) or vfork is refused" case_start_call

case_layout() {
  run in_pidns "${SD[@]}" -- "$PROBE" report
  assert_status 0
  assert_report ppid 1 "the app's parent is the init, PID 1"
  assert_report pgid "$(report_value pid)" "the app leads its own process group"
}
check "layout: PID 1 is the init, the app its child in its own group" case_layout

scenario_end
