#!/usr/bin/env bash
# Static analysis; exits non-zero on any finding.
#   clang-tidy 14   src/ and fuzz/ (checks and the reasons for each exclusion: .clang-tidy)
#   cppcheck        src/ and fuzz/ (warning, performance, portability)
#   ShellCheck      every shell script in the repository (.shellcheckrc)
# The compile commands come from a clang configure of its own (build-lint):
# clang-tidy must see the flags clang accepts, not the GCC build's LTO flags.
#
#   bash scripts/lint.sh            all three
#   bash scripts/lint.sh shell      only shellcheck (fast); also: tidy, cppcheck
set -euo pipefail
cd "$(dirname "$0")/.."

build=${LINT_BUILD_DIR:-build-lint}
what=${1:-all}
failed=()

need() {
  command -v "$1" >/dev/null || { echo "lint: needs $1 (apt-get install $2)" >&2; exit 1; }
}

configure() {
  [[ -f $build/compile_commands.json && $build/compile_commands.json -nt CMakeLists.txt ]] && return 0
  need clang++ clang
  CC=clang CXX=clang++ cmake -S . -B "$build" -DSTEPDOWN_FUZZ=ON -DSTEPDOWN_SANITIZE=ON -DSTEPDOWN_TESTS=OFF \
    -DSTEPDOWN_BENCH=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
}

run_tidy() {
  need clang-tidy-14 clang-tidy
  need run-clang-tidy-14 clang-tidy
  configure
  echo "== lint: clang-tidy-14 (src/, fuzz/)"
  local log
  log=$(mktemp)
  # run-clang-tidy-14 reads .clang-tidy; the regexes pick the project's sources.
  if ! run-clang-tidy-14 -clang-tidy-binary "$(command -v clang-tidy-14)" -p "$build" -quiet -j "$(nproc)" \
    "$PWD/(src|fuzz)/.*\.cpp$" >"$log" 2>&1; then
    failed+=(clang-tidy)
  fi
  # Findings print as "file:line:col: warning|error: ... [check]" (in colour).
  sed -i 's/\x1b\[[0-9;]*m//g' "$log"
  if grep -qE '^/[^ ]+:[0-9]+:[0-9]+: (warning|error): ' "$log"; then
    grep -E '^/[^ ]+:[0-9]+:[0-9]+: (warning|error): ' "$log" | sort -u >&2
    [[ " ${failed[*]} " == *" clang-tidy "* ]] || failed+=(clang-tidy)
  elif [[ " ${failed[*]} " == *" clang-tidy "* ]]; then
    tail -20 "$log" >&2
  fi
  rm -f "$log"
}

run_cppcheck() {
  need cppcheck cppcheck
  configure
  echo "== lint: cppcheck"
  if ! cppcheck --project="$build/compile_commands.json" --std=c++20 --enable=warning,performance,portability \
    --inline-suppr --quiet --error-exitcode=1 \
    --template='{file}:{line}: {severity}: {message} [{id}]'; then
    failed+=(cppcheck)
  fi
}

run_shellcheck() {
  need shellcheck shellcheck
  echo "== lint: shellcheck"
  local -a scripts
  mapfile -t scripts < <(git ls-files -co --exclude-standard -- '*.sh' .ci/run | sort -u)
  if ! shellcheck -x -f gcc "${scripts[@]}"; then
    failed+=(shellcheck)
  fi
}

case $what in
  all) run_shellcheck; run_cppcheck; run_tidy ;;
  shell) run_shellcheck ;;
  tidy) run_tidy ;;
  cppcheck) run_cppcheck ;;
  *) echo "usage: $0 [all|shell|tidy|cppcheck]" >&2; exit 2 ;;
esac

if ((${#failed[@]})); then
  echo "lint: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "lint: clean"
