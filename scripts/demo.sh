#!/usr/bin/env bash
# The main job: the paper's ablation (Remelli et al., CVPR 2020, Tables 1-2 layout) on the built-in
# synthetic multi-view data, on a CPU. Sets up (installs what is missing), builds, then
#   1. trains Baseline, Fusion and Canonical Fusion (configs/synthetic/*.yaml) as one sweep
#      (configs/ablations/synthetic_demo.yaml), each evaluated on the seen cameras, an unseen
#      random rig, the seen rig turned 45 degrees, and the seen cameras in reversed view order;
#   2. prints the comparison table (runs/synthetic_demo/sweep_results.md) and plots the training
#      curves (runs/synthetic_demo/training.png).
# Re-running continues the sweep: finished runs are skipped, interrupted ones resumed.
# DEMO_SET="train.steps=300" (a space-separated list of KEY=VALUE) changes every run, e.g. for a
# quick look; such runs go to runs/demo_custom/ instead.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./scripts/setup.sh
# shellcheck disable=SC1091
source .mvpose3d-env
BIN="$BUILD_DIR/tools/mvpose3d"

SETS=()
OUT=runs/synthetic_demo
if [[ -n "${DEMO_SET:-}" ]]; then
  # Changed runs go elsewhere, so they are never taken for the real demo's finished runs.
  OUT=runs/demo_custom/synthetic_demo
  SETS+=(--set output_root=runs/demo_custom)
  for kv in $DEMO_SET; do SETS+=(--set "$kv"); done
fi

echo "== synthetic ablation: Baseline, Fusion, Canonical Fusion; seen and unseen cameras"
start=$(date +%s)
"$BIN" sweep configs/ablations/synthetic_demo.yaml "${SETS[@]}"
echo "== ablation done in $(( $(date +%s) - start )) s (setup and build not counted)"

"$PYTHON" scripts/plot_training.py "$OUT"/*/ --out "$OUT/training.png" >/dev/null
echo "== table: $OUT/sweep_results.md (.csv, .tex); curves: $OUT/training.png;"
echo "   per run: $OUT/<run>/results.md (per action, per joint), metrics.jsonl, checkpoints/"
