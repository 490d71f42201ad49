#!/usr/bin/env bash
# Downloads, on this Debian machine, the Debian packages that a GPU machine without apt needs to
# build mvpose3d (docs/gpu.md): yaml-cpp, spdlog with fmt, CLI11, Eigen, GoogleTest and HDF5, headers
# and shared libraries, into .gpu-deps/ (about 9 MiB; git ignores it through .git/info/exclude).
# scripts/gpu_check.sh unpacks them there into /tmp/deps. OpenCV is optional in the build and far
# too large to carry, so the GPU build has no image or video I/O.
#   scripts/fetch_gpu_deps.sh && carry .gpu-deps to the GPU machine
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/.gpu-deps}"
PACKAGES=(
  libyaml-cpp0.7 libyaml-cpp-dev
  libspdlog1.10 libspdlog-dev libfmt9 libfmt-dev
  libcli11-dev libeigen3-dev libgtest-dev
  # HDF5 (required): the serial library, its high-level and C++ parts that libhdf5-dev's links
  # name, and the szip/aec compression libraries it loads. libcurl and libssl are assumed present.
  libhdf5-dev libhdf5-103-1 libhdf5-hl-100 libhdf5-cpp-103-1 libhdf5-hl-cpp-100 libsz2 libaec0
)
command -v apt-get >/dev/null || { echo "fetch_gpu_deps: needs apt-get (a Debian machine)" >&2; exit 1; }
apt-get update -qq
tmp="$(mktemp -d "${DEST%/}.part.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq "${PACKAGES[@]}")
rm -rf "$DEST" && mv "$tmp" "$DEST"
trap - EXIT
if [[ "$DEST" == "$ROOT/.gpu-deps" ]] && ! grep -qxF "/.gpu-deps/" "$ROOT/.git/info/exclude"; then
  echo "/.gpu-deps/" >>"$ROOT/.git/info/exclude"
fi
echo "fetch_gpu_deps: $(ls "$DEST" | wc -l) packages, $(du -sh "$DEST" | cut -f1) in $DEST"
