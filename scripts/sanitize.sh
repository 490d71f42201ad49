#!/usr/bin/env bash
# Builds the whole project with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/) and
# runs the CTest suite under them (docs/reliability.md, "Sanitizers").
#
#   scripts/sanitize.sh [--no-build] [CTEST_ARGS...]     e.g. scripts/sanitize.sh -R '^core/'
#
# SANITIZE_JOBS sets the build's parallelism (default 2); SANITIZE_TARGETS (e.g. "core_tests
# config_tests") builds only those targets, in that order, for a run of some layers. LibTorch and
# the system libraries are not instrumented; the run-time options below, and the suppression files
# in scripts/sanitize/ (each entry with the reason it is there), are the only things that silence a
# report. Any report stops the process that made it (halt_on_error) and fails the run, even where
# the test expected that process to fail (see $reports below).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
build="build-asan"
do_build=1
if [ "${1:-}" = --no-build ]; then
  do_build=0
  shift
fi

if [ "$do_build" = 1 ]; then
  if [ ! -f "$build/build.ninja" ]; then
    # shellcheck disable=SC1091
    [ -f .mvpose3d-env ] && . ./.mvpose3d-env
    # -O1: the usual optimisation for sanitizer builds (readable reports, faster to compile).
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1" \
      -DCMAKE_C_FLAGS_RELEASE="-O1 -g1" -DMVPOSE3D_SANITIZE=address,undefined \
      ${TORCH_PREFIX:+-DCMAKE_PREFIX_PATH="$TORCH_PREFIX"} ${PYTHON:+-DMVPOSE3D_PYTHON="$PYTHON"} \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  fi
  if [ -n "${SANITIZE_TARGETS:-}" ]; then
    for target in $SANITIZE_TARGETS; do cmake --build "$build" -j "${SANITIZE_JOBS:-2}" --target "$target"; done
  else
    cmake --build "$build" -j "${SANITIZE_JOBS:-2}"
  fi
fi

supp="$ROOT/scripts/sanitize"
# ASan and LSan write every report to a file of its own in $reports (log_path, named after the
# program and its pid) instead of stderr, so that a report from a process whose failure a test
# expects (a CLI test's `expect 2 ...`, a forked rank, a subprocess) still fails the run: the run
# fails when any report file exists, and prints them. GCC 12's UBSan ignores log_path when ASan is
# linked too, so its reports stay on stderr; the run also fails when any test's output (CTest keeps
# all of it in LastTest.log) holds one. exitcode=86 tells a finding apart from mvpose3d's own exit
# statuses (0, 1, 2).
reports="$ROOT/$build/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
common="halt_on_error=1:exitcode=86:log_path=$reports/report:log_exe_name=1"
# ASan: leaks checked (LeakSanitizer) with the suppressions of lsan.supp; container-overflow stays
# on (every std:: container here is instrumented code of ours or header-only).
export ASAN_OPTIONS="$common:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=0:check_initialization_order=1:${ASAN_OPTIONS_EXTRA:-}"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="$common:print_stacktrace=1:suppressions=$supp/ubsan.supp"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
status=0
ctest --test-dir "$build" --output-on-failure -j "${SANITIZE_JOBS:-2}" "$@" || status=$?
found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
  echo "== sanitizer reports ($(echo "$found" | wc -l) process(es)), in $reports:"
  for file in $found; do
    echo "---- $file"
    head -c 20000 "$file"
  done
  status=1
fi
if grep -n -E ': runtime error: |ERROR: (Address|Leak|UndefinedBehavior)Sanitizer' \
  "$build/Testing/Temporary/LastTest.log" 2>/dev/null; then
  echo "== sanitizer reports in the tests' output: $build/Testing/Temporary/LastTest.log"
  status=1
fi
exit "$status"
