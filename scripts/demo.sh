#!/usr/bin/env bash
# The main job on the built-in default. Sets up (installs what is missing), builds, then:
#   1. checks and prints the default configuration (configs/default.yaml) and renders a preview of
#      the built-in synthetic multi-view dataset (synthetic_preview.png);
#   2. runs the paper's DLT experiment (DiffDLT protocol) for every triangulation method, CPU,
#      and plots it (accuracy.png, timing.png);
#   3. triangulates a small synthetic multi-view scene with the command-line tool, from .npy files.
# Until the trainer lands, this is the demo (the synthetic ablation comes next); its command stays.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./scripts/setup.sh
# shellcheck disable=SC1091
source .mvpose3d-env
BIN="$BUILD_DIR/tools/mvpose3d"
OUT="runs/demo/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

echo "== 1. configuration (configs/default.yaml, strictly checked)"
"$BIN" check-config configs/default.yaml > "$OUT/config.resolved.yaml"
head -n 12 "$OUT/config.resolved.yaml"
if "$BIN" data preview --help >/dev/null 2>&1; then
  "$BIN" data preview --config configs/synthetic/synthetic_h36m_128.yaml --out "$OUT/synthetic_preview.png"
fi

echo "== 2. the paper's DLT experiment (accuracy vs 2D noise, time vs batch), CPU, one thread"
"$BIN" bench dlt --out "$OUT/bench_dlt" --max-points "${DEMO_MAX_POINTS:-100000}" --min-seconds 0.2
"$PYTHON" scripts/plot_dlt_bench.py "$OUT/bench_dlt" --markdown > "$OUT/bench_dlt/tables.md"
"$PYTHON" - "$OUT/bench_dlt" <<'PY'
import csv, sys, os
d = sys.argv[1]
acc = list(csv.DictReader(open(os.path.join(d, "accuracy.csv"))))
print("3D error (scene units) at 10 px noise, 4 views, float32:")
for r in acc:
    if r["views"] == "4" and r["noise_px"] == "10.0000" and r["dtype"] == "float32":
        print(f"  {r['method']:18s} mean {float(r['mean_err']):.4f}  invalid points {r['invalid']}")
t = list(csv.DictReader(open(os.path.join(d, "timing_cpu.csv"))))
n = max(int(r["points"]) for r in t if r["method"] == "svd")
row = {r["method"]: float(r["us_per_point"]) for r in t if int(r["points"]) == n and r["pass"] == "forward"}
print(f"forward time per point at {n} points: " + ", ".join(f"{k} {v:.3f} us" for k, v in row.items()))
print(f"fused is {row['svd'] / row['fused']:.0f}x faster than batched SVD, "
      f"{row['sii_official_T2'] / row['fused']:.0f}x faster than the official SII (T=2)")
PY

echo "== 3. mvpose3d triangulate on .npy files (4 H36M-like views)"
"$PYTHON" - "$OUT" <<'PY'
import numpy as np, sys
rng = np.random.default_rng(0)
out = sys.argv[1]
def look_at(az, dist=5000.0, height=1500.0, f=1145.0, c=500.0):
    eye = np.array([dist * np.cos(az), dist * np.sin(az), height])
    z = -eye / np.linalg.norm(eye); x = np.cross(z, [0, 0, 1.0]); x /= np.linalg.norm(x); y = np.cross(z, x)
    R = np.stack([x, y, z]); t = -R @ eye
    return np.array([[f, 0, c], [0, f, c], [0, 0, 1.0]]) @ np.hstack([R, t[:, None]])
P = np.stack([look_at(a) for a in np.deg2rad([20, 110, 200, 290])])            # [V, 3, 4]
X = rng.uniform([-400, -400, 0], [400, 400, 1800], size=(1000, 3))            # [N, 3] mm
h = np.einsum("vij,nj->nvi", P, np.hstack([X, np.ones((1000, 1))]))
x = h[..., :2] / h[..., 2:] + rng.normal(0, 1.0, size=(1000, 4, 2))            # [N, V, 2] px, 1 px noise
np.save(f"{out}/points2d.npy", x.astype(np.float32)); np.save(f"{out}/proj.npy", P); np.save(f"{out}/truth.npy", X)
PY
"$BIN" triangulate --points2d "$OUT/points2d.npy" --proj "$OUT/proj.npy" --out "$OUT/points3d.npy" --mask-out "$OUT/valid.npy"
"$PYTHON" -c "import numpy as np,sys; d=sys.argv[1]; e=np.linalg.norm(np.load(d+'/points3d.npy')-np.load(d+'/truth.npy'),axis=1); print(f'mean 3D error {e.mean():.2f} mm over {int(np.load(d+\"/valid.npy\").sum())} valid points (1 px 2D noise)')" "$OUT"
echo "== done: $OUT (plots: $OUT/bench_dlt/accuracy.png, timing.png)"
