#!/usr/bin/env bash
# Sets up (installs what is missing), builds, and runs every test: CTest, then pytest for the
# Python package.
#
#   scripts/test.sh [CTEST_ARGS...]
#   scripts/test.sh --sanitize [--no-build] [CTEST_ARGS...]   the CTest suite under AddressSanitizer
#       and UndefinedBehaviorSanitizer in build-asan/ (scripts/sanitize.sh; docs/reliability.md,
#       "Sanitizers"), after the same set-up
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./scripts/setup.sh
if [[ "${1:-}" == --sanitize ]]; then
  shift
  exec ./scripts/sanitize.sh "$@"
fi
# shellcheck disable=SC1091
source .mvpose3d-env
# Two threads per test process keeps the 2-core machine responsive; tests set their own where it matters.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" "$@"
# The Python package (installed by setup.sh): torch.ops.mvpose3d from Python.
if [[ "${MVPOSE3D_SKIP_PYTHON_PACKAGE:-0}" != "1" ]]; then
  "$PYTHON" -m pytest -q tests/python
fi
