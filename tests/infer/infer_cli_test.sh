#!/bin/sh
# `mvpose3d data render-session` and `mvpose3d infer` as a user runs them.
# Usage: infer_cli_test.sh path/to/mvpose3d path/to/python   (run from the source tree)
#
# 1. infer reproduces eval. `render-session --test-sample I` writes test sample I exactly as
#    `mvpose3d eval` sees it: its crops as PNG (lossless) and their crop cameras as the rig. infer on
#    it with a box covering each whole image and --box-scale 1 crops nothing (the crop affine is the
#    identity, so cv::remap copies every pixel), feeds the network the same pixels and cameras as
#    the evaluator (one frame per forward pass, as eval with train.batch_size=1), and triangulates
#    the same 2D joints with the same solver. What may differ: eval's network returns its 3D in
#    float32 (a rounding of at most 2^-24 relative, about 3e-4 mm at 5 m), infer keeps float64, and
#    infer undistorts its pinhole points (K^-1 then K, ~1e-12 px). Tolerance: 1e-3 mm per joint.
# 2. Missing views: a camera whose video ends early and an image folder that lacks a frame are
#    reported per camera (log and summary.json) and get weight 0.
# 3. The outputs are read back by the own-cameras importers and parsers: the rig's TOML by the
#    calibration importer (infer --cameras-format toml), keypoints2d.npy by `triangulate
#    --keypoints-format npy`, the CSV/JSON/NPY exports by pandas, json and numpy.
set -u
bin=$1
py=$2
. tests/support/cli_checks.sh
cfg=tests/train/tiny_train.yaml

# A checkpoint of the tiny network (one step: the weights need not be good, only fixed).
expect 0 "$bin" train --config "$cfg" --set train.steps=1 --run-dir "$dir/run"
ckpt="$dir/run/checkpoints/last.pt"
[ -s "$ckpt" ] || fail "no checkpoint"

# --- 1. infer = eval on the same frames ---------------------------------------------------------
expect 0 "$bin" eval --config "$cfg" --checkpoint "$ckpt" --out "$dir/ev" \
  --set eval.camera_sets=[unseen] --set eval.samples=2 --set train.batch_size=1 \
  --set eval.save_predictions=true
for i in 0 1; do
  s="$dir/sample$i"
  expect 0 "$bin" data render-session --config "$cfg" --test-sample $i --out "$s"
  [ -s "$s/images/cam0/frame_000000.png" ] || fail "render-session --test-sample wrote no crop"
  expect 0 "$bin" infer --checkpoint "$ckpt" --config "$cfg" --cameras "$s/rig.yaml" \
    --images "$s/images/cam0" "$s/images/cam1" "$s/images/cam2" --box 0,0,32,32 --box-scale 1 \
    --ground-truth "$s/joints3d_gt.npy" --formats npy --overlays none --out "$s/infer"
  has "$out" "MPJPE"
done
"$py" - "$dir" <<'PY' || fail "infer's 3D differs from eval's on the same samples"
import json, sys
import numpy as np
d = sys.argv[1]
eval_mm = np.load(f"{d}/ev/results_predictions.npy").astype(np.float64)  # [2, J, 3]
errors = []
for i in range(2):
    infer_mm = np.load(f"{d}/sample{i}/infer/joints3d.npy")[0]          # [J, 3]
    gap = np.abs(infer_mm - eval_mm[i]).max()
    assert gap < 1e-3, f"sample {i}: infer and eval differ by {gap} mm"
    errors.append(json.load(open(f"{d}/sample{i}/infer/summary.json"))["mpjpe_mm"])
truth = np.stack([np.load(f"{d}/sample{i}/joints3d_gt.npy")[0] for i in range(2)])
eval_mpjpe = np.linalg.norm(eval_mm - truth, axis=-1).mean()
assert abs(np.mean(errors) - eval_mpjpe) < 1e-3, (errors, eval_mpjpe)
print("infer MPJPE", np.mean(errors), "eval MPJPE", eval_mpjpe)
PY
# eval's own table (results.csv, full precision) says the same MPJPE.
table=$(awk -F, '$1 == "unseen" && $2 == "all" { print $7 }' "$dir/ev/results.csv")
"$py" -c "
import json, sys
m = sum(json.load(open(f'$dir/sample{i}/infer/summary.json'))['mpjpe_mm'] for i in range(2)) / 2
sys.exit(0 if abs(m - float('$table')) < 1e-3 else 1)" || fail "eval's table says $table mm"

# --- 2. missing views ---------------------------------------------------------------------------
# A 3-camera session as image folders, and the same one (same seed: same rig, scene and motion)
# as videos, with camera cam2's video from a shorter render.
expect 0 "$bin" data render-session --config "$cfg" --cameras 3 --frames 5 --image-px 96 \
  --format png --out "$dir/png"
expect 0 "$bin" data render-session --config "$cfg" --cameras 3 --frames 5 --image-px 96 \
  --out "$dir/mp4"
expect 0 "$bin" data render-session --config "$cfg" --cameras 3 --frames 3 --image-px 96 \
  --out "$dir/short"
cmp -s "$dir/png/rig.yaml" "$dir/mp4/rig.yaml" || fail "the same seed gave another rig"
ls "$dir/mp4/videos" > "$dir/videos.txt"
has "$dir/videos.txt" "cam1."
v0=$(ls "$dir/mp4/videos/"cam1.*) v1=$(ls "$dir/short/videos/"cam2.*) v2=$(ls "$dir/mp4/videos/"cam3.*)
boxes="$dir/mp4/boxes/cam1.json $dir/mp4/boxes/cam2.json $dir/mp4/boxes/cam3.json"
# shellcheck disable=SC2086
expect 0 "$bin" infer --checkpoint "$ckpt" --config "$cfg" --cameras "$dir/mp4/rig.toml" \
  --cameras-format toml --cameras-units mm --videos "$v0" "$v1" "$v2" --boxes $boxes \
  --batch 2 --formats csv,json,trc,npy --overlays mp4 --out "$dir/out_video"
has "$err" "camera cam2: 2 missing frames"
has "$dir/out_video/summary.json" '"missing_frames": [0, 2, 0]'
has "$err" "frames/s overall"
# Frame 2 of cam3 is gone from the image folders.
rm "$dir/png/images/cam3/frame_000002.png"
expect 0 "$bin" infer --checkpoint "$ckpt" --config "$cfg" --cameras "$dir/png/rig.yaml" \
  --images "$dir/png/images/cam1" "$dir/png/images/cam2" "$dir/png/images/cam3" \
  --initial-position 0,0,900 --batch 3 --overlays png --plot-frames 0,4 --out "$dir/out_png"
has "$err" "camera cam3: 1 missing frames"
has "$dir/out_png/summary.json" '"missing_frames": [0, 0, 1]'
[ -s "$dir/out_png/overlays/cam3/frame_000002.png" ] || fail "no overlay for the missing frame"
[ -s "$dir/out_png/skeleton_3d.png" ] || fail "no skeleton_3d.png"

# --- 3. the outputs re-read ---------------------------------------------------------------------
expect 0 "$bin" triangulate --cameras "$dir/mp4/rig.toml" --cameras-format toml --cameras-units mm \
  --keypoints "$dir/out_video/keypoints2d.npy" --keypoints-format npy \
  --out "$dir/retri.json"
has "$err" "read 5 frames x 3 views x 17 joints"
"$py" - "$dir/out_video" <<'PY' || fail "the exports do not read back"
import json, sys
import numpy as np
import pandas as pd
d = sys.argv[1]
npy = np.load(f"{d}/joints3d.npy")                        # [F, J, 3]
assert npy.shape == (5, 17, 3), npy.shape
csv = pd.read_csv(f"{d}/joints3d.csv", comment="#")
assert len(csv) == 5 and "HeadTop_score" in csv.columns and "HeadTop_error" in csv.columns, csv.columns
js = json.load(open(f"{d}/joints3d.json"))
assert len(js["frames"]) == 5 and js["joint_names"][0] == "Pelvis", js["joint_names"][:2]
kp = np.load(f"{d}/keypoints2d.npy")                      # [F, V, J, 3]
assert kp.shape == (5, 3, 17, 3), kp.shape
assert (kp[3:, 1, :, 2] == 0).all() and (kp[:3, 1, :, 2] > 0).all(), "cam2's missing frames"
assert open(f"{d}/joints3d.trc").readline().startswith("PathFileType")
PY

# --- 4. another camera count than training (data.num_views = 3) ---------------------------------
# The symmetric canonical fusion (canonical_pooling = mean) shares its weights across views: the
# same weights run on a 4-camera rig. The tiny config's own pooling (concat, one channel group per
# trained view) is refused, naming the keys.
expect 0 "$bin" data render-session --config "$cfg" --cameras 4 --frames 2 --image-px 96 \
  --format png --out "$dir/four"
four_views="$dir/four/images/cam1 $dir/four/images/cam2 $dir/four/images/cam3 $dir/four/images/cam4"
expect 0 "$bin" train --config "$cfg" --set model.canonical_pooling=mean --set train.steps=1 \
  --run-dir "$dir/run_mean"
# shellcheck disable=SC2086
expect 0 "$bin" infer --checkpoint "$dir/run_mean/checkpoints/last.pt" --config "$cfg" \
  --set model.canonical_pooling=mean --cameras "$dir/four/rig.yaml" --images $four_views \
  --boxes $(ls "$dir/four/boxes/"cam*.json) --formats npy --overlays none --out "$dir/out_four"
has "$err" "the rig has 4 cameras, the network was trained on 3"
"$py" -c "import numpy as np, sys; a = np.load('$dir/out_four/joints3d.npy'); \
sys.exit(0 if a.shape == (2, 17, 3) and np.isfinite(a).all() else 1)" ||
  fail "no finite 3D from the 4-camera rig"
# shellcheck disable=SC2086
expect 2 "$bin" infer --checkpoint "$ckpt" --config "$cfg" --cameras "$dir/four/rig.yaml" \
  --images $four_views --box 0,0,10,10 --out "$dir/bad"
has "$err" "the rig of --cameras gives 4 cameras, but the network was trained on data.num_views = 3"
has "$err" "model.canonical_pooling = concat"

# Bad usage: exit 2 with the reason.
expect 2 "$bin" infer --checkpoint "$ckpt" --config "$cfg" --cameras "$dir/png/rig.yaml" \
  --images "$dir/png/images/cam1" --box 0,0,10,10 --out "$dir/bad"
has "$err" "1 image folders given for a rig of 3 cameras"
expect 2 "$bin" infer --checkpoint "$ckpt" --config "$cfg" --cameras "$dir/png/rig.yaml" \
  --images "$dir/png/images/cam1" "$dir/png/images/cam2" "$dir/png/images/cam3" --out "$dir/bad"
has "$err" "--initial-position"
expect 2 "$bin" infer --checkpoint "$ckpt" --config "$cfg" --cameras "$dir/png/rig.yaml" \
  --images "$dir/png/images/cam1" "$dir/png/images/cam2" "$dir/png/images/cam3" \
  --box 1,2,3 --out "$dir/bad"
has "$err" "--box 1,2,3: expected X,Y,W,H"

[ "$failures" -eq 0 ] || exit 1
echo "infer CLI: all checks passed"
