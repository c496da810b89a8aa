#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan in their own
# build dir, and runs each one for a bounded time from its seed corpus in
# fuzz/corpus/. Any crash, sanitizer report, timeout, leak or broken
# invariant (a round trip that differs, a group edit that touches other lines)
# fails the run and leaves the reproducer in the work dir it prints.
#
#   bash scripts/fuzz.sh                 every target, FUZZ_SECONDS (20) each
#   FUZZ_SECONDS=300 bash scripts/fuzz.sh fuzz_group_edit
#   FUZZ_KEEP=1: keep the work dir (grown corpora) even when nothing failed
#
# New inputs go to a temp dir, never into fuzz/corpus/: add a reproducer or an
# interesting input there by hand (small files).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-20}
build=${FUZZ_BUILD_DIR:-build-fuzz}
all=(fuzz_passwd fuzz_group fuzz_user_spec fuzz_config fuzz_group_edit)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "fuzz: needs $tool (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
done

echo "== fuzz: build ($build, clang, ASan+UBSan, libFuzzer)"
CC=clang CXX=clang++ cmake -S . -B "$build" -DSTEPDOWN_FUZZ=ON -DSTEPDOWN_SANITIZE=ON -DSTEPDOWN_TESTS=OFF \
  -DSTEPDOWN_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/stepdown-fuzz.XXXXXX")
failed=()
for t in "${targets[@]}"; do
  seeds=fuzz/corpus/$t
  [[ -d $seeds ]] || { echo "fuzz: no seed corpus $seeds" >&2; exit 1; }
  mkdir -p "$work/$t/corpus"
  echo "== fuzz: $t for ${seconds}s"
  rc=0
  # -error_exitcode/-timeout_exitcode: distinct, never 0, so no failure reads as success.
  (cd "$work/$t" &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$OLDPWD/$build/fuzz/$t" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -error_exitcode=77 -timeout_exitcode=78 -print_final_stats=1 \
        corpus "$OLDPWD/$seeds") >"$work/$t/log" 2>&1 || rc=$?
  grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units' "$work/$t/log" | tail -2 || true
  if ((rc != 0)); then
    failed+=("$t")
    echo "FAIL: $t (exit $rc); reproducer(s):" >&2
    ls "$work/$t"/crash-* "$work/$t"/timeout-* "$work/$t"/leak-* "$work/$t"/oom-* >&2 2>/dev/null || true
    grep -E 'fuzz invariant failed|ERROR: |SUMMARY: |runtime error' "$work/$t/log" | head -5 >&2 || true
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (logs and reproducers in $work; rerun one with $build/fuzz/TARGET FILE)" >&2
  exit 1
fi
if [[ ${FUZZ_KEEP:-0} == 1 ]]; then
  echo "fuzz: kept $work"
else
  rm -rf -- "$work"
fi
echo "fuzz: ${#targets[@]} target(s), ${seconds}s each, no failure"
