#!/usr/bin/env bash
# `mvpose3d infer` end to end on a capture it has never seen (docs/infer.md):
#   1. the demo's Canonical Fusion checkpoint (runs/synthetic_demo/canonical_fusion/, what
#      ./scripts/demo.sh leaves); when it is not there, that one run of the demo is trained first
#      (about 4 minutes on 2 CPU cores);
#   2. `mvpose3d data render-session`: a synthetic capture of a test subject walking, seen by a
#      random rig of 4 cameras that no training or test split used, written as a user's capture
#      (a video per camera cam1..camN, the rig as YAML and as aniposelib TOML, the ground-truth 3D);
#   3. `mvpose3d infer` on the videos with the TOML calibration and the session's person boxes
#      (what a person detector would give; INFER_DEMO_TRACK=1 tracks from a rough position instead):
#      the 3D joints (CSV, JSON, TRC, NPY), a video per camera with the 2D joints and the projected
#      3D skeleton, a 3D plot, the frames/s per stage, and the MPJPE against the ground truth.
# INFER_DEMO_CAMERAS=N renders N cameras (the symmetric Canonical Fusion takes any number);
# INFER_DEMO_FRAMES=N the session's length (default 100 frames at 25 fps).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./scripts/setup.sh
# shellcheck disable=SC1091
source .mvpose3d-env
BIN="$BUILD_DIR/tools/mvpose3d"
RUN=runs/synthetic_demo/canonical_fusion
OUT=runs/infer_demo
CAMERAS="${INFER_DEMO_CAMERAS:-4}"
FRAMES="${INFER_DEMO_FRAMES:-100}"

if [[ ! -s "$RUN/checkpoints/best.pt" ]]; then
  echo "== no demo checkpoint in $RUN: training the demo's Canonical Fusion run first"
  "$BIN" sweep configs/ablations/synthetic_demo.yaml --only canonical_fusion
fi

echo "== rendering a session: $CAMERAS cameras of a random rig the model never saw, $FRAMES frames"
rm -rf "$OUT"
"$BIN" data render-session --config "$RUN/config.resolved.yaml" --cameras "$CAMERAS" \
  --frames "$FRAMES" --fps 25 --seed 2026 --out "$OUT/session"

echo "== infer on the videos (calibration: $OUT/session/rig.toml, aniposelib's format)"
VIDEOS=() BOXES=()
for cam in $(seq 1 "$CAMERAS"); do
  VIDEOS+=("$(ls "$OUT/session/videos/cam$cam".*)")
  BOXES+=("$OUT/session/boxes/cam$cam.json")
done
PERSON=(--boxes "${BOXES[@]}" --batch 8)
# Tracking feeds each frame's boxes from the previous frame's pose: batch 1.
if [[ "${INFER_DEMO_TRACK:-0}" == "1" ]]; then PERSON=(--initial-position 0,0,900 --batch 1); fi
"$BIN" infer --checkpoint "$RUN/checkpoints/best.pt" --config "$RUN/config.resolved.yaml" \
  --cameras "$OUT/session/rig.toml" --cameras-format toml --cameras-units mm \
  --videos "${VIDEOS[@]}" "${PERSON[@]}" --threads 2 \
  --formats csv,json,trc,npy --overlays mp4 --ground-truth "$OUT/session/joints3d_gt.npy" \
  --out "$OUT/infer"
echo "== 3D joints: $OUT/infer/joints3d.{csv,json,trc,npy}; overlay videos: $OUT/infer/overlays/;"
echo "   3D plot: $OUT/infer/skeleton_3d.png; times and missing views: $OUT/infer/summary.json"
