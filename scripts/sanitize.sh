#!/usr/bin/env bash
# Builds the whole project with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/) and
# runs the CTest suite under them (docs/reliability.md, "Sanitizers").
#
#   scripts/sanitize.sh [--no-build] [CTEST_ARGS...]     e.g. scripts/sanitize.sh -R '^core/'
#
# SANITIZE_JOBS sets the build's parallelism (default 2); SANITIZE_TARGETS (e.g. "core_tests
# config_tests") builds only those targets, in that order, for a run of some layers. LibTorch and the system libraries are not
# instrumented; the run-time options below, and the suppression files in scripts/sanitize/ (each
# entry with the reason it is there), are the only things that silence a report. Any report stops
# the test that made it (halt_on_error), so a test passes only when it is clean.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
build=build-asan
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
# ASan: leaks checked (LeakSanitizer) with the suppressions of lsan.supp; container-overflow stays
# on (every std:: container here is instrumented code of ours or header-only).
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=0:check_initialization_order=1:${ASAN_OPTIONS_EXTRA:-}"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
ctest --test-dir "$build" --output-on-failure -j "${SANITIZE_JOBS:-2}" "$@"
