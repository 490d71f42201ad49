#!/usr/bin/env bash
# Sets up (installs what is missing), builds, and runs every test: CTest, then pytest for the
# Python package.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./scripts/setup.sh
# shellcheck disable=SC1091
source .mvpose3d-env
# Two threads per test process keeps the 2-core machine responsive; tests set their own where it matters.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" "$@"
# The Python package (installed by setup.sh): torch.ops.mvpose3d from Python.
if [[ "${MVPOSE3D_SKIP_PYTHON_PACKAGE:-0}" != "1" ]]; then
  "$PYTHON" -m pytest -q tests/python
fi
