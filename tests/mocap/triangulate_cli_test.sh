#!/bin/sh
# `mvpose3d triangulate --keypoints ...` on a small synthetic session: the npy and OpenPose
# inputs, outlier rejection, the filter, every export read back (check_exports.py), and errors.
#   $1 the mvpose3d binary, $2 the test Python, $3 this folder
bin=$1 python=$2 here=$3
. "$(dirname "$0")/../support/cli_checks.sh"

"$python" "$here/make_session.py" "$dir" || { echo "FAIL: make_session.py"; exit 1; }
common="triangulate --cameras $dir/rig.yaml"
npy="$common --keypoints $dir/keypoints.npy --keypoints-format npy"

expect 0 "$bin" $npy --max-reproj-px 5 --out "$dir/robust.csv"
has "$err" "solves"
expect 0 "$bin" $npy --out "$dir/plain.csv"
expect 0 "$bin" $common --keypoints "$dir/openpose" --keypoints-format openpose --person best \
  --max-reproj-px 5 --out "$dir/openpose.csv"
expect 0 "$bin" $npy --max-reproj-px 5 --out "$dir/robust.json" --units m
expect 0 "$bin" $npy --max-reproj-px 5 --out "$dir/robust.trc" --fps 30
expect 0 "$bin" $npy --max-reproj-px 5 --filter butterworth --cutoff-hz 6 --fps 30 \
  --interpolate-gaps 3 --out "$dir/filtered.csv"
if "$python" -c "import ezc3d" 2>/dev/null; then
  expect 0 "$bin" $npy --max-reproj-px 5 --out "$dir/robust.c3d" --fps 30
else
  echo "ezc3d not installed for $python: C3D not checked"
fi
"$python" "$here/check_exports.py" "$dir" || fail "check_exports.py"

# Usage errors.
expect 2 "$bin" $common --keypoints "$dir/keypoints.npy" --out "$dir/x.csv"
has "$err" "--keypoints-format"
expect 2 "$bin" $npy --out "$dir/x.trc"
has "$err" "give --fps"
expect 2 "$bin" $npy --out "$dir/x.csv" --filter butterworth
has "$err" "--cutoff-hz"
expect 2 "$bin" $npy --out "$dir/x.csv" --camera-names cam_0,cam_1
has "$err" "V = 6 views"
expect 2 "$bin" $npy --points2d "$dir/keypoints.npy" --out "$dir/x.csv"

[ "$failures" -eq 0 ] && echo "triangulate keypoints CLI: ok"
exit "$failures"
