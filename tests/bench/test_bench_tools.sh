#!/usr/bin/env bash
# Checks on the benchmark's own tools (bench/, issue 6), whose figures the
# README quotes: the floor init passes the app's exit status through, and
# `stepdown-bench icount` counts exactly the cpuid instructions a process
# executes.
# Needs: FLOOR (stepdown-floor), BENCH (stepdown-bench).
set -uo pipefail
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "FAIL - $1"; shift; printf '  | %s\n' "$@"; failed=$((failed + 1)); }

# The floor: the app's status, 128+N for a signal, 127 when the app cannot
# be executed, 2 with no app.
# check_floor WANT ARGV...: the floor run with ARGV exits with WANT.
check_floor() {
  local want=$1 got
  shift
  "$FLOOR" "$@" >/dev/null 2>&1
  got=$?
  if [[ $got == "$want" ]]; then ok "stepdown-floor ${*:-(no app)}: exit $got"
  else bad "stepdown-floor ${*:-(no app)}: exit $got, not $want"; fi
}
check_floor 0 /bin/true
check_floor 1 /bin/false
check_floor 7 /bin/sh -c 'exit 7'
# shellcheck disable=SC2016 # $$ is the inner shell's own pid
check_floor 143 /bin/sh -c 'kill -TERM $$'
check_floor 127 /nonexistent/app
check_floor 2

# cpuid counting. `stepdown-bench cpuid N` itself executes 100 + 5*N cpuids
# after the C library's start-up, so two runs differ by exactly 5 times the
# difference of their N, whatever the C library's share.
if [[ $(uname -m) != x86_64 ]]; then
  out=$("$BENCH" cpuid 10)
  if [[ $out == n/a ]]; then ok "no cpuid off x86-64: $out"; else bad "cpuid off x86-64 printed '$out'"; fi
else
  cost=$("$BENCH" cpuid 100)
  if [[ $cost =~ ^[0-9]+\.[0-9]+$ ]] && awk -v c="$cost" 'BEGIN {exit !(c > 0)}'; then ok "one cpuid takes $cost us"
  else bad "stepdown-bench cpuid printed '$cost'"; fi
  one=$("$BENCH" icount "$BENCH" cpuid 1)
  three=$("$BENCH" icount "$BENCH" cpuid 3)
  IFS=$'\t' read -r _ cpuid1 status1 <<<"$one"
  IFS=$'\t' read -r _ cpuid3 status3 <<<"$three"
  if [[ $status1 == "exit 0" && $status3 == "exit 0" && $cpuid1 =~ ^[0-9]+$ && $cpuid3 =~ ^[0-9]+$ ]] &&
    ((cpuid3 - cpuid1 == 10 && cpuid1 >= 105)); then
    ok "icount counts every cpuid: $cpuid1 and $cpuid3 ($((cpuid1 - 105)) from the C library's start-up)"
  else bad "icount miscounts cpuid" "cpuid 1: $one" "cpuid 3: $three"; fi
  # A new process's very first instruction is checked too: after a raw
  # fork(2), parent and child each execute one cpuid straight away.
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cat >"$tmp/fork_cpuid.S" <<'S'
    .section .note.GNU-stack,"",@progbits
    .text
    .globl _start
_start:
    mov $57, %eax
    syscall
    cpuid
    mov $60, %eax
    xor %edi, %edi
    syscall
S
  if cc -nostdlib -static -o "$tmp/fork_cpuid" "$tmp/fork_cpuid.S" 2>"$tmp/cc.log"; then
    forked=$("$BENCH" icount "$tmp/fork_cpuid")
    IFS=$'\t' read -r _ cpuidf _ <<<"$forked"
    if [[ $cpuidf == 2 ]]; then ok "a forked child's first instruction is checked: 2 cpuids"
    else bad "after a raw fork, 2 cpuids run but icount counted otherwise" "$forked"; fi
  else
    bad "cannot build the fork test program" "$(cat "$tmp/cc.log")"
  fi
  # A forked child's cpuids count too (the floor vforks and execs the app).
  child=$("$BENCH" icount "$FLOOR" "$BENCH" cpuid 1)
  IFS=$'\t' read -r _ cpuidc statusc <<<"$child"
  if [[ $statusc == "exit 0" && $cpuidc =~ ^[0-9]+$ ]] && ((cpuidc > cpuid1)); then
    ok "icount follows the child: $cpuidc through the floor against $cpuid1 alone"
  else bad "icount does not count the child's cpuids" "through the floor: $child" "alone: $one"; fi
fi

echo "$passed passed, $failed failed"
((failed == 0))
