#!/usr/bin/env bash
# Crash consistency of the /etc/group edit: stepdown is SIGKILLed while it
# aligns /etc/group, and afterwards
#   - /etc/group is byte-identical to the old file or to the complete new one
#     (and has the old file's mode and owner either way);
#   - the next start succeeds: exit 0, the app fully dropped, the file new.
# Two ways of killing it:
#   1. at every system call entry from reading /etc/group to the first
#      setgroups, one by one (strace -e inject=SYSCALL:signal=KILL:when=N,
#      the list taken from a dry run of this build);
#   2. CRASH_ITERATIONS (default 1000) kills after a random delay in
#      microseconds, over a start made slow enough by a large /etc/group that
#      the kills land before, inside and after the commit. The run fails if
#      they do not (no old, no new, or no kill inside the window), so it
#      cannot pass by killing at the wrong time. CRASH_SEED repeats a run.
# A temp file left by a killed start is expected (nothing runs after SIGKILL
# to remove it); it is counted and removed, never renamed over /etc/group.
source "$(dirname "$0")/lib.sh"
scenario_begin

# LeakSanitizer (the ASan build of the scenario tier) cannot run under ptrace.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

S() { printf '%s/%s' "$SCENARIO_SOCK" "$1"; }
OLD_GROUP=$'root:x:0:\napp:x:1000:\n'
NEW_GROUP="${OLD_GROUP}docker:x:988:app"$'\n'

# The probe's view of a healthy drop with the socket group.
dropped() {
  [[ $(report_value uid) == 1000,1000,1000 && $(report_value gid) == 1000,1000,1000 &&
    $(report_value groups) == 988 && $(report_value cap_prm) == 0000000000000000 &&
    $(report_value cap_bnd) == 0000000000000000 && $(report_value no_new_privs) == 1 ]]
}

content_is() { cmp -s <(printf '%s' "$1") "$SCENARIO_ETC/group"; }

case_kill_at_every_syscall() {
  require_cmd strace
  make_socket docker.sock 0 988 0660
  local trace=$SCENARIO_TMP/dry.trace
  in_ns strace -y -o "$trace" -- "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" exit 0 ||
    fail "the dry run failed"
  # Every syscall entry from the read of /etc/group to the first setgroups.
  local calls
  calls=$(awk '
    /^(---|\+\+\+)/ { next }
    { name = $0; sub(/\(.*/, "", name); n = ++count[name] }
    /"\/etc\/group"/ && name == "openat" { on = 1 }
    name == "setgroups" { print name, n; exit }
    on { print name, n }' "$trace")
  local points
  points=$(wc -l <<<"$calls")
  ((points >= 10)) || fail "too few calls in the edit window: $calls"
  local name n old=0 new=0 failures=()
  while read -r name n; do
    etc_write group "$OLD_GROUP"
    find "$SCENARIO_ETC" -maxdepth 1 -name '.group.*' -delete
    run in_ns strace -o /dev/null -e trace="$name" -e inject="$name:signal=KILL:when=$n" -- \
      "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
    if content_is "$OLD_GROUP"; then
      ((++old))
    elif content_is "$NEW_GROUP"; then
      ((++new))
    else
      failures+=("killed at $name #$n: /etc/group is neither old nor new: $(od -c "$SCENARIO_ETC/group" | head -5)")
    fi
    [[ $(stat -c '%a %u:%g' "$SCENARIO_ETC/group") == "644 0:0" ]] ||
      failures+=("killed at $name #$n: /etc/group is $(stat -c '%a %u:%g' "$SCENARIO_ETC/group")")
    [[ $RUN_STATUS == 137 || $RUN_STATUS == 0 ]] || failures+=("killed at $name #$n: exit $RUN_STATUS")
    [[ $RUN_STATUS != 137 || -z $RUN_OUT ]] || failures+=("killed at $name #$n: the app ran")
    find "$SCENARIO_ETC" -maxdepth 1 -name '.group.*' -delete
    run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
    if [[ $RUN_STATUS != 0 ]] || ! dropped || ! content_is "$NEW_GROUP"; then
      failures+=("after a kill at $name #$n the next start failed: exit $RUN_STATUS: $RUN_ERR")
    fi
  done <<<"$calls"
  echo "$points kill points: $old left the old file, $new the new one"
  if ((${#failures[@]})); then
    printf '%s\n' "${failures[@]}" >&2
    fail "${#failures[@]} problems (listed above)"
  fi
  ((old > 0 && new > 0)) || fail "the kills did not straddle the rename (old $old, new $new)"
}
check "SIGKILL at every system call of the edit (strace): old or new file, next start succeeds" case_kill_at_every_syscall

# The driver runs inside the private mount namespace: it kills stepdown at
# random times, checks the file after each kill, makes the next start, and
# puts the old file back.
CRASH_DRIVER='
import os, random, statistics, subprocess, sys, time

stepdown, probe, sock, iterations, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
old = open("/etc/group", "rb").read()
new = old + b"docker:x:988:app\n"
mode = os.stat("/etc/group")
argv = [stepdown, "-S", sock, "--", probe, "exit", "0"]
rng = random.Random(seed)

def temps():
    return [n for n in os.listdir("/etc") if n.startswith(".group.")]

def restore():
    for n in temps():
        os.unlink("/etc/" + n)
    with open("/etc/group", "wb") as f:
        f.write(old)

def start():
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

# How long a start takes to reach the app, without kills.
times = []
for _ in range(7):
    restore()
    t = time.monotonic()
    p = start()
    _, err = p.communicate()
    times.append(time.monotonic() - t)
    if p.returncode != 0 or open("/etc/group", "rb").read() != new:
        sys.exit("a start without kills failed: %d %s" % (p.returncode, err.decode(errors="replace")))
span = statistics.median(times)

counts = {"old": 0, "new": 0, "temp_left": 0, "killed": 0}
problems = []
for i in range(iterations):
    restore()
    delay = rng.uniform(0, span * 1.1)
    p = start()
    time.sleep(delay)
    p.kill()
    p.wait()
    if p.returncode == -9:
        counts["killed"] += 1
    data = open("/etc/group", "rb").read()
    st = os.stat("/etc/group")
    if data == old:
        counts["old"] += 1
    elif data == new:
        counts["new"] += 1
    else:
        problems.append("iteration %d (delay %.6f s): /etc/group is neither old nor new (%d bytes)" % (i, delay, len(data)))
    if (st.st_mode, st.st_uid, st.st_gid) != (mode.st_mode, mode.st_uid, mode.st_gid):
        problems.append("iteration %d: /etc/group mode/owner changed to %o %d:%d" % (i, st.st_mode, st.st_uid, st.st_gid))
    if temps():
        counts["temp_left"] += 1
    # The next start succeeds and completes the edit.
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0 or open("/etc/group", "rb").read() != new:
        problems.append("iteration %d (delay %.6f s): the next start failed with %d: %s" %
                        (i, delay, r.returncode, r.stderr.decode(errors="replace").strip()))
    if len(problems) > 20:
        break
restore()
print("seed %d, %d iterations, start takes %.1f ms, killed %d, old %d, new %d, killed inside the commit %d"
      % (seed, i + 1, span * 1000, counts["killed"], counts["old"], counts["new"], counts["temp_left"]))
for p in problems:
    print("PROBLEM: " + p)
sys.exit(1 if problems else 0)
'

case_random_kills() {
  require_cmd python3
  make_socket docker.sock 0 988 0660
  # CRASH_GROUPS extra groups make the file (and the write and fsync) larger.
  OLD_GROUP=$(
    printf '%s' "$OLD_GROUP"
    ((${CRASH_GROUPS:-0} == 0)) || seq 2000 $((2000 + CRASH_GROUPS - 1)) | sed 's/.*/g&:x:&:member&,other&/'
    printf 'x'
  )
  OLD_GROUP=${OLD_GROUP%x}
  etc_write group "$OLD_GROUP"
  local iterations=${CRASH_ITERATIONS:-1000} seed=${CRASH_SEED:-$RANDOM$RANDOM}
  printf '%s' "$CRASH_DRIVER" >"$SCENARIO_TMP/crash_driver.py"
  SCENARIO_TIMEOUT=300 run in_ns python3 "$SCENARIO_TMP/crash_driver.py" "$STEPDOWN" "$PROBE" "$(S docker.sock)" \
    "$iterations" "$seed"
  assert_status 0
  local summary
  summary=$(grep '^seed' <<<"$RUN_OUT")
  echo "$summary"
  [[ $summary =~ ,\ ([0-9]+)\ iterations.*killed\ ([0-9]+),\ old\ ([0-9]+),\ new\ ([0-9]+),\ killed\ inside\ the\ commit\ ([0-9]+) ]] ||
    fail "no summary from the driver: $RUN_OUT"
  local done=${BASH_REMATCH[1]} killed=${BASH_REMATCH[2]} old=${BASH_REMATCH[3]} new=${BASH_REMATCH[4]} inside=${BASH_REMATCH[5]}
  assert_eq "$iterations" "$done" "iterations that really ran"
  ((old >= iterations / 20)) || fail "too few kills before the rename ($old of $iterations): the test would not see a broken commit"
  ((new >= iterations / 20)) || fail "too few kills after the rename ($new of $iterations)"
  ((inside >= 5)) || fail "too few kills inside the commit ($inside of $iterations)"
  ((killed > 0)) || fail "no start was killed"
}
check "SIGKILL after a random delay, ${CRASH_ITERATIONS:-1000} times: old or new file, next start succeeds" case_random_kills

scenario_end
