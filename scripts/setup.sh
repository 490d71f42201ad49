#!/usr/bin/env bash
# Installs what mvpose3d needs (only what is missing), then configures and builds Release into build/.
#
#   ./scripts/setup.sh            # idempotent; safe to re-run
#
# LibTorch comes from PyPI's torch wheel (CUDA-enabled, C++11 ABI), in this order of preference:
#   1. LIBTORCH_DIR=/path/to/libtorch (an unpacked LibTorch zip)
#   2. a python3 that already imports torch (e.g. the GPU machine's)
#   3. a virtual environment .venv/ with the pinned torch below (created here)
# Everything else comes from Debian's archive. Not Debian's libtorch-dev (LibTorch 1.13, CPU-only).
# Environment knobs: MVPOSE3D_SKIP_APT=1, MVPOSE3D_DEPS_PREFIX=<unpacked .debs>/usr, BUILD_DIR, JOBS,
# CMAKE_ARGS (extra arguments for the configure step, and for the Python package's),
# MVPOSE3D_SKIP_PYTHON_PACKAGE=1 (no Python package; scripts/test.sh then skips its pytest suite).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"
TORCH_VERSION="2.11.0"
TORCHVISION_VERSION="0.26.0"

log() { printf '[setup] %s\n' "$*"; }

# --- 1. Debian packages -------------------------------------------------------------------------
APT_PACKAGES=(build-essential cmake ninja-build git pkg-config python3 python3-venv
  libopencv-dev libeigen3-dev libyaml-cpp-dev libhdf5-dev libspdlog-dev libfmt-dev libcli11-dev libgtest-dev
  libcpptoml-dev nlohmann-json3-dev libcsv-dev
  libgloo-dev  # libgloo-dev: the Gloo headers c10d's ProcessGroupGloo needs (the torch wheel has none)
  libminizip-dev)  # libminizip-dev: checks the CRC-32s of a checkpoint's records on load
# The fuzzers (scripts/fuzz.sh, fuzz/): clang and libFuzzer.
APT_PACKAGES+=(clang-15 libfuzzer-15-dev)
if [[ "${MVPOSE3D_SKIP_APT:-0}" != "1" ]]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
    log "installing Debian packages: ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    log "Debian packages present"
  fi
fi

# --- 2. LibTorch and the Python helpers ----------------------------------------------------------
PYTHON=""
TORCH_PREFIX=""
if [[ -n "${LIBTORCH_DIR:-}" ]]; then
  [[ -f "$LIBTORCH_DIR/share/cmake/Torch/TorchConfig.cmake" ]] || {
    echo "[setup] error: LIBTORCH_DIR=$LIBTORCH_DIR has no share/cmake/Torch/TorchConfig.cmake" >&2; exit 2; }
  TORCH_PREFIX="$LIBTORCH_DIR/share/cmake"
  log "using LibTorch from LIBTORCH_DIR=$LIBTORCH_DIR"
fi
if [[ -x .venv/bin/python ]] && .venv/bin/python -c 'import torch' 2>/dev/null; then
  PYTHON="$ROOT/.venv/bin/python"
elif command -v python3 >/dev/null && python3 -c 'import torch, numpy' 2>/dev/null; then
  PYTHON="$(command -v python3)"
  log "using the python3 that already imports torch: $PYTHON"
else
  log "creating .venv with torch==$TORCH_VERSION (downloads about 3 GB the first time)"
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" numpy h5py matplotlib
  PYTHON="$ROOT/.venv/bin/python"
fi
if [[ -z "$TORCH_PREFIX" ]]; then
  TORCH_PREFIX="$("$PYTHON" -c 'import torch; print(torch.utils.cmake_prefix_path)')"
fi
log "torch: $("$PYTHON" -c 'import torch; print(torch.__version__)') at $TORCH_PREFIX"
cat > .mvpose3d-env <<ENV
PYTHON=$PYTHON
TORCH_PREFIX=$TORCH_PREFIX
BUILD_DIR=$BUILD_DIR
ENV

# --- 3. Configure and build -----------------------------------------------------------------------
PREFIX_PATH="$TORCH_PREFIX"
if [[ -n "${MVPOSE3D_DEPS_PREFIX:-}" ]]; then PREFIX_PATH="$PREFIX_PATH;$MVPOSE3D_DEPS_PREFIX"; fi
# shellcheck disable=SC2086
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PREFIX_PATH" -DMVPOSE3D_PYTHON="$PYTHON" ${CMAKE_ARGS:-} >/dev/null
log "building in $BUILD_DIR with $JOBS jobs"
cmake --build "$BUILD_DIR" -j "$JOBS"
log "done: $BUILD_DIR/tools/mvpose3d"

# --- 4. The Python package (torch.ops.mvpose3d; tests/python) -------------------------------------
# Built against the torch found above (--no-build-isolation), incrementally in build/python/, and
# skipped when the package imports and nothing it is built from has changed since the last install.
# (PIP_BREAK_SYSTEM_PACKAGES: a system python3 that already has torch from pip takes these too.)
if [[ "${MVPOSE3D_SKIP_PYTHON_PACKAGE:-0}" != "1" ]]; then
  pip_install() { PIP_BREAK_SYSTEM_PACKAGES=1 "$PYTHON" -m pip install -q "$@"; }
  if ! "$PYTHON" -c 'import scikit_build_core, pytest' 2>/dev/null; then
    log "installing scikit-build-core and pytest for $PYTHON"
    pip_install "scikit-build-core>=0.10" pytest
  fi
  # The C3D export (ezc3d), DeepLabCut's H5 keypoints (pandas + PyTables), and the tests that
  # compare the Butterworth filter with scipy's filtfilt.
  if ! "$PYTHON" -c 'import ezc3d, pandas, tables, scipy' 2>/dev/null; then
    log "installing ezc3d, pandas, tables and scipy for $PYTHON"
    pip_install ezc3d pandas tables scipy
  fi
  package_stamp="$BUILD_DIR/python-package.stamp"
  package_hash="$( { "$PYTHON" -c 'import torch; print(torch.__version__)'; echo "${CMAKE_ARGS:-}";
    find CMakeLists.txt pyproject.toml python src/ops include/mvpose3d/ops include/mvpose3d/core/error.h \
      include/mvpose3d/config.h.in scripts/cmake -type f -not -name '*.pyc' -print0 |
      sort -z | xargs -0 sha256sum; } | sha256sum)"
  if [[ -f "$package_stamp" && "$(cat "$package_stamp")" == "$package_hash" ]] &&
    (cd /tmp && "$PYTHON" -c 'import mvpose3d') 2>/dev/null; then
    log "Python package mvpose3d up to date"
  else
    log "building the Python package mvpose3d (pip install --no-build-isolation .)"
    launcher=""
    if command -v ccache >/dev/null; then
      launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache"
    fi
    CMAKE_BUILD_PARALLEL_LEVEL="$JOBS" CMAKE_ARGS="${CMAKE_ARGS:-} $launcher" \
      pip_install --no-build-isolation .
    echo "$package_hash" > "$package_stamp"
  fi
fi
