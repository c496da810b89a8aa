# shellcheck shell=bash disable=SC2034 # finished: read by the tiers' EXIT traps
# The check harness of the container and Podman tiers (sourced): counters,
# `check NAME FN [ARGS...]`, skips, the closing "N passed, N failed" line and
# the expectations. A tier sets TIER_NAME (for the CI=true message) and may
# define check_begin (prints a mark) and check_end MARK to set up and tear
# down per check (the container tier ends a check's socket relays there).

passed=0
failed=0
skipped=0
SKIP_CODE=200
finished=0

say() { printf '%s\n' "$*"; }
# Prints to stderr, so it shows in the failure output of a check.
note() { printf '  %s\n' "$*" >&2; }

check_begin() { :; }
check_end() { :; }

# check NAME FN [ARGS...]: FN in a subshell with `set -e`; its output is shown
# only when it fails (or with VERBOSE=1).
check() {
  local name="$1"
  shift
  local log="$T/check.log" rc t0=$SECONDS mark
  mark="$(check_begin)"
  set +e
  (
    set -euo pipefail
    "$@"
  ) >"$log" 2>&1
  rc=$?
  set -e
  check_end "$mark"
  if ((rc == 0)); then
    passed=$((passed + 1))
    say "ok   - ${name} ($((SECONDS - t0)) s)"
    if [[ "${VERBOSE:-0}" == 1 ]]; then sed 's/^/       /' "$log"; fi
  elif ((rc == SKIP_CODE)) && [[ "${CI:-}" != true ]]; then
    skipped=$((skipped + 1))
    say "skip - ${name}: $(tail -n 1 "$log")"
  else
    failed=$((failed + 1))
    if ((rc == SKIP_CODE)); then say "FAIL - ${name}: skipped under CI=true, which must run everything"; else say "FAIL - ${name} (exit ${rc})"; fi
    sed 's/^/       /' "$log"
  fi
}

# Inside a check: stop here as skipped, with the reason as the last line.
skip() {
  echo "$*"
  exit "$SKIP_CODE"
}

# Skips a whole script (no engine, no static binaries); under CI=true it fails.
skip_all() {
  say "skip - all checks in $(basename "$0"): $*"
  if [[ "${CI:-}" == true ]]; then
    say "FAIL - CI=true must run the ${TIER_NAME:?} tier"
    failed=$((failed + 1))
  else
    skipped=$((skipped + 1))
  fi
  finish
}

finish() {
  finished=1
  local line="${passed} passed, ${failed} failed"
  ((skipped == 0)) || line+=", ${skipped} skipped"
  say "$line"
  ((failed == 0)) || exit 1
  exit 0
}

fail() {
  echo "FAILED: $*" >&2
  return 1
}

expect_eq() { # ACTUAL EXPECTED WHAT
  [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"
}
expect_ne() {
  [[ "$1" != "$2" ]] || fail "$3: expected anything but '$2'"
}
expect_contains() { # HAYSTACK NEEDLE WHAT
  [[ "$1" == *"$2"* ]] || fail "$3: expected to contain '$2', got: $1"
}
expect_not_contains() {
  [[ "$1" != *"$2"* ]] || fail "$3: expected not to contain '$2', got: $1"
}
expect_match() { # STRING ERE WHAT
  [[ "$1" =~ $2 ]] || fail "$3: expected to match /$2/, got: $1"
}

# kv KEY TEXT: the value of the last `KEY=value` line in TEXT (probe output).
kv() {
  local line value=""
  while IFS= read -r line; do
    line="${line%$'\r'}"
    [[ "$line" == "$1="* ]] && value="${line#"$1="}"
  done <<<"$2"
  printf '%s' "$value"
}

is_static() {
  [[ -x "$1" ]] && ! readelf -lW "$1" 2>/dev/null | grep -q 'Requesting program interpreter'
}
