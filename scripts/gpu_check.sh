#!/usr/bin/env bash
# Builds mvpose3d on a machine with an NVIDIA GPU whose python3 already imports a CUDA torch (the
# lent H100/H200 machine), runs the CUDA tests, `mvpose3d bench dlt --device cuda` and the
# paper-configuration rows of `mvpose3d bench model --device cuda` (BatchNorm kept and folded, the
# light decoder head), and copies the results to OUT_DIR (default: runs/gpu). See docs/gpu.md.
#
# Without apt on that machine, carry Debian's -dev packages as .debs in .gpu-deps/ (made on a
# Debian machine with scripts/fetch_gpu_deps.sh, HDF5 included); they are unpacked into /tmp/deps.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT_DIR="${OUT_DIR:-runs/gpu}"
mkdir -p "$OUT_DIR"
if compgen -G ".gpu-deps/*.deb" >/dev/null; then
  mkdir -p /tmp/deps
  for f in .gpu-deps/*.deb; do dpkg -x "$f" /tmp/deps; done
  export MVPOSE3D_SKIP_APT=1 MVPOSE3D_DEPS_PREFIX=/tmp/deps/usr
  export LD_LIBRARY_PATH="/tmp/deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
  # Header-only CLI11 and Eigen install their CMake files under share/.
  export CMAKE_PREFIX_PATH="/tmp/deps/usr/share/eigen3/cmake:/tmp/deps/usr/share/cmake:${CMAKE_PREFIX_PATH:-}"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT_DIR/device.txt"
BUILD_DIR=build-gpu JOBS="$(nproc)" CMAKE_ARGS="-DCMAKE_CUDA_ARCHITECTURES=${CUDA_ARCHS:-90} -DMVPOSE3D_WITH_CUDA=ON" \
  ./scripts/setup.sh 2>&1 | tail -n 5
# Test failures are reported, not fatal: the benchmark below still runs.
ctest --test-dir build-gpu -R "${TEST_REGEX:-(ops|geometry)/|_CUDA}" --output-on-failure > "$OUT_DIR/ctest.txt" 2>&1 \
  && echo "[gpu] tests passed" || echo "[gpu] TESTS FAILED (see ctest.txt)"
tail -n 4 "$OUT_DIR/ctest.txt"
./build-gpu/tools/mvpose3d bench dlt --device cuda --out "$OUT_DIR" --max-points "${MAX_POINTS:-10000000}" \
  --svd-max-points "${SVD_MAX_POINTS:-1000000}" 2>&1 | tail -n 3
./build-gpu/tools/mvpose3d bench model --device cuda --out "$OUT_DIR" --backbones resnet152 \
  --variants baseline,canonical,canonical_mean,canonical_light_decoder --fold-batchnorm both \
  --dtypes float32,float16 --batches 1,32 --min-seconds "${MODEL_MIN_SECONDS:-0.5}" 2>&1 | tail -n 20
