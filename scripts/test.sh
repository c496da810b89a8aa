#!/usr/bin/env bash
# Builds and runs every test: static analysis first (seconds to minutes); the
# unit and scenario tiers against an ASan+UBSan build; every tier (unit, root
# scenarios in namespaces, real containers under Docker and under Podman, the
# artefact) against the shipped static binary; then each libFuzzer target for
# FUZZ_SECONDS under ASan+UBSan.
# Run as root on Debian 12: bash scripts/test.sh
# Parts can be run alone: ctest --test-dir build -L unit|scenario|container|podman,
# bash scripts/lint.sh, bash scripts/fuzz.sh
# CI=true (set by .ci/run): a skipped test fails the run, since CI has
# everything the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
jobs=$(nproc)

# run_ctest BUILD_DIR [CTEST-ARGS...]: ctest, then fail on skips under CI.
run_ctest() {
  local dir=$1 log rc
  shift
  log=$(mktemp)
  set +e
  ctest --test-dir "$dir" --output-on-failure "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  if [[ ${CI:-} == true ]] && grep -q '\*\*\*Skipped' "$log"; then
    echo "test.sh: tests were skipped in CI (see the reasons above); failing" >&2
    rc=1
  fi
  rm -f "$log"
  return "$rc"
}

echo "== static analysis (clang-tidy, cppcheck, shellcheck)"
bash scripts/lint.sh

echo "== build (static shipped binary, warnings as errors)"
cmake -S . -B build -DSTEPDOWN_WERROR=ON >/dev/null
cmake --build build -j"$jobs"

echo "== build (ASan+UBSan dynamic binary)"
cmake -S . -B build-asan -DSTEPDOWN_WERROR=ON -DSTEPDOWN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"

echo "== tests: ASan+UBSan build, unit and scenario tiers"
# ASAN_OPTIONS and UBSAN_OPTIONS for the scenarios come from tests/CMakeLists.txt.
run_ctest build-asan -L 'unit|scenario' -j"$jobs"

echo "== tests: shipped static binary, every tier"
run_ctest build

echo "== fuzz: every target, ${FUZZ_SECONDS:=20}s each, ASan+UBSan"
FUZZ_SECONDS=$FUZZ_SECONDS bash scripts/fuzz.sh
echo "test.sh: everything passed"
