#!/usr/bin/env bash
# Injected faults, for real: the shipped binary runs as root in a private /etc
# under `strace -e inject=`, and every system call of the group edit and of the
# drop (openat, fcntl, write, sync_file_range, fsync, rename, setgroups, setresgid, setresuid,
# capset, capget, prctl, and the setuid/setgid(0) of the proof) is made to fail
# in turn, one call per run. The list of calls is not written here: a dry run
# under strace records what this build really calls, in order, and each call
# is then failed by its ordinal (when=N counts per syscall and per process).
#
# For every run, whatever failed:
#   - /etc/group (and /etc/gshadow) is byte-identical to the old or to the
#     complete new version, and no temp file is left in /etc;
#   - the app (the probe) either did not run at all, or ran fully dropped:
#     uid/gid 1000 x3, exactly the planned groups, every capability set empty,
#     no_new_privs, setuid(0) refused. Never in between.
# And per phase, the documented outcome (src/app/exit_codes.hpp):
#   - the group edit (lock, temp files, write, writeback, fsync, rename):
#     a warning, exit 0, the app runs with the numeric group; the file is the
#     old one when the failure came before the rename, the new one after;
#   - the drop (setgroups .. no_new_privs, including the capability reads
#     libcap-ng and stepdown make on the way): 71, nothing run;
#   - the proof after the drop (reads, setuid(0)/setgid(0)): 70, nothing run;
#   - the reads before anything is changed: a refusal or a normal start.
# Runs of identical calls in a loop are sampled (FAULTS_ALL=1: every call).
# Then "a kernel that lies": each call that changes credentials is made to
# report success without doing anything (inject retval=0); the proof must
# catch it (70) or the drop must have made up for it (the app fully dropped).
source "$(dirname "$0")/lib.sh"
scenario_begin

command -v strace >/dev/null || _scenario_skip_all "needs strace (apt-get install strace)"
strace_err=$(strace -o /dev/null -e trace=getppid -e inject=getppid:retval=0 true 2>&1) ||
  _scenario_skip_all "strace cannot trace here ($strace_err): needs ptrace, e.g. docker run --cap-add SYS_PTRACE"

# LeakSanitizer (the ASan build of the scenario tier) cannot run under ptrace.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

S() { printf '%s/%s' "$SCENARIO_SOCK" "$1"; }
OLD_GROUP=$'root:x:0:\napp:x:1000:\n'
NEW_GROUP="${OLD_GROUP}docker:x:988:app"$'\n'
OLD_GSHADOW=$'root:*::\napp:!::\n'
NEW_GSHADOW="${OLD_GSHADOW}docker:!::app"$'\n'
TRACED=openat,fcntl,write,sync_file_range,fsync,rename,setgroups,setresgid,setresuid,capset,capget,prctl,setuid,setgid,execve

# The errno each syscall fails with: the realistic one where there is one.
errno_for() {
  case $1 in
    openat) echo EACCES ;;
    fcntl) echo ENOLCK ;;
    write) echo ENOSPC ;;
    fsync | sync_file_range) echo EIO ;;
    rename) echo EBUSY ;;
    setresuid) echo EAGAIN ;; # RLIMIT_NPROC: the classic setuid failure
    setuid | setgid) echo EIO ;;
    *) echo EPERM ;;
  esac
}

FAILURES=()
# Extra stepdown options of a case (the --keep-cap path), and the capability
# sets a fully dropped app then holds (every set exactly this mask).
SD_ARGS=()
CAPS_WANT=0000000000000000
# expect CONDITION-TEXT: records a failure of the current run (all runs are
# made and every failure is listed, instead of stopping at the first).
expect() { FAILURES+=("$RUN_LABEL: $*"); }

# The probe report means the app ran: it must be fully dropped.
check_app() {
  local groups=$1
  [[ -z $RUN_OUT ]] && return 0
  local key want got
  for kv in uid=1000,1000,1000 gid=1000,1000,1000 "groups=$groups" "cap_eff=$CAPS_WANT" \
    "cap_prm=$CAPS_WANT" "cap_inh=$CAPS_WANT" "cap_amb=$CAPS_WANT" "cap_bnd=$CAPS_WANT" \
    no_new_privs=1 setuid0=fails; do
    key=${kv%%=*} want=${kv#*=}
    got=$(report_value "$key") || got="<missing>"
    [[ $got == "$want" ]] || expect "the app ran half-dropped: $key=$got (expected $want)"
  done
}

# The files are the old or the new version, and nothing else is left.
check_files() {
  local group gshadow=$1 left
  group=$(cat "$SCENARIO_ETC/group"; printf x)
  group=${group%x}
  [[ $group == "$OLD_GROUP" || $group == "$NEW_GROUP" ]] || expect "/etc/group is neither old nor new: $(printf '%q' "$group")"
  if [[ $gshadow == 1 ]]; then
    local s
    s=$(cat "$SCENARIO_ETC/gshadow"; printf x)
    s=${s%x}
    [[ $s == "$OLD_GSHADOW" || $s == "$NEW_GSHADOW" ]] || expect "/etc/gshadow is neither old nor new: $(printf '%q' "$s")"
  fi
  left=$(etc_entries)
  [[ $left == "$ETC_ENTRIES" ]] || expect "files left in /etc: $(comm -13 <(printf '%s\n' "$ETC_ENTRIES") <(printf '%s\n' "$left") | tr '\n' ' ')"
}

file_is() {
  local want=$1 name=$2 got
  got=$(cat "$SCENARIO_ETC/$name"; printf x)
  got=${got%x}
  [[ $got == "${!want}" ]] || expect "/etc/$name should be the ${want%%_*} version"
}

reset_etc() {
  etc_write group "$OLD_GROUP"
  if [[ $1 == 1 ]]; then
    etc_write gshadow "$OLD_GSHADOW"
    chmod 0640 "$SCENARIO_ETC/gshadow"
  else
    rm -f "$SCENARIO_ETC/gshadow"
  fi
  find "$SCENARIO_ETC" -maxdepth 1 \( -name '.group.*' -o -name '.gshadow.*' \) -exec rm -f {} +
  touch "$SCENARIO_ETC/.pwd.lock" # stepdown creates it once and leaves it (like lckpwdf)
  ETC_ENTRIES=$(etc_entries)
}

# The names in /etc, one per line, sorted: a temp file left behind shows up.
etc_entries() { find "$SCENARIO_ETC" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort; }

# Calls libcap-ng makes inside capng_get_caps_process/capng_apply, whose
# failures it does not always return (it reads /proc/PID/status, capget, and
# drops the bounding set capability by capability).
inside_libcap_ng() {
  case $1:$2 in
    openat:/proc/*/status | capget:* | prctl:PR_CAPBSET_DROP) return 0 ;;
    *) return 1 ;;
  esac
}

# Before anything changes, only the calls stepdown makes for its decisions
# count: the files it reads and the capability reads. The dynamic loader's
# and a sanitizer runtime's own calls (shared libraries, /proc/self/maps,
# writes to pipes) happen before main and are not stepdown's.
stepdowns_own() {
  [[ $2 == gather ]] || return 0
  case $1:$3 in
    openat:/etc/* | openat:/proc/sys/kernel/* | openat:/proc/[0-9]*/status | prctl:* | capget:*) return 0 ;;
    *) return 1 ;;
  esac
}

# run_stepdown STRACE-ARGS...: one start under strace, the probe as the app.
run_stepdown() {
  run in_ns strace -o /dev/null "$@" -- "$STEPDOWN" "${SD_ARGS[@]}" -S "$(S docker.sock)" -- "$PROBE" report
}

# The dry run: one line per call stepdown makes before it execs the app,
#   NAME ORDINAL PHASE DETAIL
# PHASE: gather (before anything changes), edit (from taking the lock to the
# renames), drop (setgroups .. no_new_privs), verify (after it).
# DETAIL: the path for openat (":O_PATH" added for a hold), the file for write/sync_file_range/fsync/fcntl, the operation
# for prctl, the source for rename.
calls_of_a_healthy_start() {
  local trace=$SCENARIO_TMP/dry.trace
  in_ns strace -y -s 64 -o "$trace" -e trace="$TRACED" -- "$STEPDOWN" "${SD_ARGS[@]}" -S "$(S docker.sock)" \
    -- "$PROBE" report \
    >"$SCENARIO_TMP/dry.out" 2>"$SCENARIO_TMP/dry.err" || fail "the dry run failed: $(cat "$SCENARIO_TMP/dry.err")"
  awk '
    /^(---|\+\+\+)/ { next }
    {
      name = $0; sub(/\(.*/, "", name)
      if (name == "execve") { if (++execs == 2) exit; next }
      n = ++count[name]
      detail = "-"
      if (name == "openat" && match($0, /"[^"]*"/)) detail = substr($0, RSTART + 1, RLENGTH - 2) ($0 ~ /O_PATH/ ? ":O_PATH" : "")
      else if (name ~ /^(write|sync_file_range|fsync|fcntl)$/ && match($0, /<[^>]*>/)) detail = substr($0, RSTART + 1, RLENGTH - 2)
      else if (name == "prctl" && match($0, /\(PR_[A-Z_]+(, PR_[A-Z_]+)?/)) detail = substr($0, RSTART + 1, RLENGTH - 1)
      else if (name == "rename" && match($0, /"[^"]*"/)) detail = substr($0, RSTART + 1, RLENGTH - 2)
      gsub(/ /, "", detail)
      if (phase == "") phase = "gather"
      if (name == "openat" && detail ~ /\/\.pwd\.lock$/) phase = "edit"
      if (name == "setgroups") phase = "drop"
      print name, n, phase, detail
      if (name == "prctl" && detail == "PR_SET_NO_NEW_PRIVS") phase = "verify"
    }' "$trace" >"$SCENARIO_TMP/calls"
  [[ -s $SCENARIO_TMP/calls ]] || fail "the dry run traced nothing"
  # Calls repeated in a loop (the 41 capabilities of the bounding set, two
  # reads per capability) are sampled: per syscall, phase and operation, the
  # first, second and last call and every 8th, unless FAULTS_ALL=1. Every
  # kind of call is still failed at least twice.
  if [[ ${FAULTS_ALL:-0} != 1 ]]; then
    awk 'NR == FNR { total[$1 " " $3 " " $4]++; next }
      { key = $1 " " $3 " " $4; i = ++seen[key] }
      i <= 2 || i == total[key] || i % 8 == 0' \
      "$SCENARIO_TMP/calls" "$SCENARIO_TMP/calls" >"$SCENARIO_TMP/calls.sampled"
    mv "$SCENARIO_TMP/calls.sampled" "$SCENARIO_TMP/calls"
  fi
  grep -q ' drop ' "$SCENARIO_TMP/calls" || fail "the dry run shows no drop: $(cat "$SCENARIO_TMP/calls")"
  grep -q ' verify ' "$SCENARIO_TMP/calls" || fail "the dry run shows no proof after the drop"
  cat "$SCENARIO_TMP/calls"
}

# inject_each_failure GSHADOW PHASES: fail every call of the dry run whose
# phase is in PHASES, one per run, and check the outcome.
inject_each_failure() {
  local gshadow=$1 phases=$2
  make_socket docker.sock 0 988 0660
  reset_etc "$gshadow"
  local calls
  calls=$(calls_of_a_healthy_start)
  local name n phase detail err runs=0 group_renamed=0 made_up_for=""
  while read -r name n phase detail; do
    [[ $name == rename && $detail == */.group.* ]] && group_renamed=1
    [[ " $phases " == *" $phase "* ]] || continue
    stepdowns_own "$name" "$phase" "$detail" || continue
    err=$(errno_for "$name")
    reset_etc "$gshadow"
    run_stepdown -e trace="$name" -e inject="$name:error=$err:when=$n"
    RUN_LABEL="$name #$n ($phase${detail:+ $detail}) failing with $err: exit $RUN_STATUS"
    ((++runs))
    check_files "$gshadow"
    check_app 988
    case $phase in
      edit)
        if [[ $name == sync_file_range || $detail == *:O_PATH ]]; then
          # Best effort (userdb/commit.cpp): the writeback hint and the O_PATH
          # holds on the replaced files. The edit goes through all the same.
          [[ $RUN_STATUS == 0 && -n $RUN_OUT ]] || expect "a failed hint or hold must not stop the start (stderr: $RUN_ERR)"
          [[ $RUN_ERR != *"cannot update /etc/group"* ]] || expect "a failed hint or hold failed the edit: $RUN_ERR"
          file_is NEW_GROUP group
          [[ $gshadow == 0 ]] || file_is NEW_GSHADOW gshadow
          continue
        fi
        [[ $RUN_STATUS == 0 ]] || expect "a failed /etc/group update must not stop the start (stderr: $RUN_ERR)"
        [[ -n $RUN_OUT ]] || expect "the app did not run"
        [[ $RUN_ERR == *"cannot update /etc/group"*"continuing with numeric group 988"* ]] ||
          expect "no 'cannot update /etc/group: ...; continuing with numeric group 988' warning: $RUN_ERR"
        # Before the rename of /etc/group (inclusive) the files are old; after it, new.
        if ((group_renamed == 0)) || [[ $name == rename && $detail == */.group.* ]]; then
          file_is OLD_GROUP group
          [[ $gshadow == 0 ]] || file_is OLD_GSHADOW gshadow
        else
          file_is NEW_GROUP group
        fi
        ;;
      drop)
        if [[ -z $RUN_OUT ]]; then
          [[ $RUN_STATUS == 71 ]] || expect "a failed privilege call must exit 71 (stderr: $RUN_ERR)"
          [[ $RUN_ERR == *"stepdown: error: cannot "* ]] || expect "no 'cannot ...' error: $RUN_ERR"
        elif inside_libcap_ng "$name" "$detail"; then
          # libcap-ng does not report these failures (src/privilege/caps.cpp);
          # stepdown then drops from the kernel's own view and proves the result.
          # Allowed only because check_app above found the app fully dropped.
          [[ $RUN_STATUS == 0 ]] || expect "the app ran but the exit status is not its own"
          ((++made_up_for))
        else
          expect "the app ran after a failed privilege call (stderr: $RUN_ERR)"
        fi
        ;;
      verify)
        [[ $RUN_STATUS == 70 ]] || expect "a failed proof must exit 70 (stderr: $RUN_ERR)"
        [[ -z $RUN_OUT ]] || expect "the app ran without a proof"
        ;;
      gather)
        # Nothing changed yet: a refusal (with a message) or a normal start.
        case $RUN_STATUS in
          0) [[ -n $RUN_OUT ]] || expect "exit 0 but the app did not run" ;;
          64 | 65 | 67 | 69 | 70 | 71 | 77)
            [[ -z $RUN_OUT ]] || expect "refused but the app ran"
            [[ $RUN_ERR == *"stepdown: error: "* ]] || expect "refused without a message: $RUN_ERR"
            ;;
          *) expect "undocumented exit status (stderr: $RUN_ERR)" ;;
        esac
        if [[ $name == openat && $detail == /etc/group ]]; then
          [[ $RUN_STATUS == 65 ]] || expect "an unreadable /etc/group must be refused with 65"
        fi
        ;;
    esac
  done <<<"$calls"
  echo "$runs injected failures${made_up_for:+, $made_up_for hidden by libcap-ng and made up for}"
  ((runs > 0)) || fail "no call to inject into"
  if ((${#FAILURES[@]})); then
    printf '%s\n' "${FAILURES[@]}" >&2
    fail "${#FAILURES[@]} of $runs injected failures misbehaved (listed above)"
  fi
}

case_edit_faults() { inject_each_failure 0 edit; }
check "every call of the /etc/group edit failed in turn: warning, exit 0, old or new file, no temp file" case_edit_faults

case_edit_faults_gshadow() { inject_each_failure 1 edit; }
check "the same with /etc/gshadow kept in step: both files old or new" case_edit_faults_gshadow

case_drop_faults() { inject_each_failure 0 drop; }
check "every call of the drop failed in turn: 71, the app never runs" case_drop_faults

case_verify_faults() { inject_each_failure 0 verify; }
check "every read of the proof failed in turn: 70, the app never runs" case_verify_faults

case_gather_faults() { inject_each_failure 0 gather; }
check "every call before anything changes failed in turn: a clean refusal or a normal start" case_gather_faults

# A kernel (or a seccomp filter) that reports success without doing anything.
case_lying_kernel() {
  make_socket docker.sock 0 988 0660
  reset_etc 0
  local calls name n phase detail runs=0
  calls=$(calls_of_a_healthy_start)
  while read -r name n phase detail; do
    case $name:$detail in
      setgroups:* | setresgid:* | setresuid:* | capset:* | setuid:* | setgid:*) ;;
      prctl:PR_CAPBSET_DROP | prctl:PR_CAP_AMBIENT,PR_CAP_AMBIENT_CLEAR_ALL | prctl:PR_SET_NO_NEW_PRIVS) ;;
      prctl:PR_SET_KEEPCAPS | prctl:PR_CAP_AMBIENT,PR_CAP_AMBIENT_RAISE) ;;
      *) continue ;;
    esac
    [[ $phase == drop || $phase == verify ]] || continue
    reset_etc 0
    run_stepdown -e trace="$name" -e inject="$name:retval=0:when=$n"
    RUN_LABEL="$name #$n ($phase $detail) skipped but reported as done: exit $RUN_STATUS"
    ((++runs))
    check_files 0
    check_app 988
    case $RUN_STATUS in
      70) [[ -z $RUN_OUT ]] || expect "exit 70 but the app ran" ;;
      0) [[ -n $RUN_OUT ]] || expect "exit 0 but the app did not run" ;; # made up for (checked by check_app)
      # --keep-cap: a skipped PR_SET_KEEPCAPS loses the permitted set, so the
      # next step (raising the kept capabilities) fails for real: 71.
      71) [[ ${#SD_ARGS[@]} -gt 0 && -z $RUN_OUT ]] || expect "unexpected 71 (stderr: $RUN_ERR)" ;;
      *) expect "expected the proof to refuse (70) (stderr: $RUN_ERR)" ;;
    esac
  done <<<"$calls"
  echo "$runs skipped calls"
  ((runs >= 6)) || fail "too few credential calls found in the dry run ($runs)"
  if ((${#FAILURES[@]})); then
    printf '%s\n' "${FAILURES[@]}" >&2
    fail "${#FAILURES[@]} of $runs lying-kernel runs misbehaved (listed above)"
  fi
}
check "each credential change skipped but reported as done: the proof refuses (70) or the app is fully dropped" case_lying_kernel

# The --keep-cap path: the app holds exactly NET_BIND_SERVICE in every set.
keep_net_bind_service() {
  SD_ARGS=(--keep-cap NET_BIND_SERVICE)
  CAPS_WANT=0000000000000400
}
case_keep_cap_drop_faults() {
  keep_net_bind_service
  inject_each_failure 0 drop
}
check "--keep-cap: every call of its drop failed in turn: 71, the app never runs" case_keep_cap_drop_faults

case_keep_cap_verify_faults() {
  keep_net_bind_service
  inject_each_failure 0 verify
}
check "--keep-cap: every read of its proof failed in turn: 70, the app never runs" case_keep_cap_verify_faults

case_keep_cap_lying_kernel() {
  keep_net_bind_service
  case_lying_kernel
}
check "--keep-cap: each credential change skipped but reported as done: refused, never half-dropped" case_keep_cap_lying_kernel

scenario_end
