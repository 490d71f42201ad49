#!/usr/bin/env bash
# One model, any number of cameras (docs/results.md): the demo's Baseline, symmetric Canonical
# Fusion and its equivariant variant, trained on 4 views with seeds 0-2
# (configs/ablations/synthetic_any_views.yaml), each checkpoint evaluated again without retraining
# on the seen rig and on unseen rigs of 2, 3, 4, 6 and 8 cameras (eval.view_counts), then the seed
# tables, paired by seed (scripts/seed_summary.py). Needs a built tree (./scripts/setup.sh).
# Finished runs are skipped: copy the demo's baseline and canonical_fusion run directories (and
# synthetic_full.yaml's canonical_equivariant) into runs/synthetic_any_views/ to reuse them.
#   ./scripts/any_views.sh            # about 4.5 min per run trained on 2 idle cores, 10 s per eval
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source .mvpose3d-env
BIN="$BUILD_DIR/tools/mvpose3d"
RUNS=runs/synthetic_any_views
EVALS=runs/synthetic_any_views_eval

"$BIN" sweep configs/ablations/synthetic_any_views.yaml
for run in "$RUNS"/*/; do
  name="$(basename "$run")"
  [[ -f "$run/final_metrics.json" ]] || continue
  "$BIN" eval --config "$run/config.resolved.yaml" --checkpoint "$run/checkpoints/last.pt" \
    --set 'eval.camera_sets=[seen]' --set 'eval.view_counts=[2, 3, 4, 6, 8]' \
    --out "$EVALS/$name" >/dev/null
done
"$PYTHON" scripts/seed_summary.py "$EVALS"/*/ --reference baseline --out "$EVALS/seed_tables.md"
echo "== tables: $EVALS/seed_tables.md; per checkpoint: $EVALS/<run>/results.md"
