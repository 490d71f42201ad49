#!/bin/sh
# `mvpose3d data` as a user runs it: exit status, outputs and messages.
# Usage: data_cli_test.sh path/to/mvpose3d   (run from the source tree)
set -u
bin=$1
. tests/support/cli_checks.sh

# A rig file written by `data rig` is a valid rig for the dataset.
expect 0 "$bin" data rig --ring 6 --out "$dir/ring6.yaml"
has "$dir/ring6.yaml" 'name: "cam6"'

# `data motion`: the joints [F, J, 3] and, with a rig, each camera's view [F, V, J, 3].
expect 0 "$bin" data motion --frames 4 --layout body25 --out "$dir/motion.npy" \
  --rig "$dir/ring6.yaml" --keypoints-out "$dir/motion_kp.npy"
has "$dir/motion.npy" "'shape': (4, 25, 3)"
has "$dir/motion_kp.npy" "'shape': (4, 6, 25, 3)"
expect 0 "$bin" data motion --frames 3 --layout h36m17 --out "$dir/motion17.npy"
has "$dir/motion17.npy" "'shape': (3, 17, 3)"

expect 0 "$bin" data preview --set data.crop_size_px=64 --set "data.rig=$dir/ring6.yaml" \
  --set data.num_views=6 --samples 2 --tile 64 --out "$dir/p.png"
[ -s "$dir/p.png" ] || fail "no PNG written"
head -c 4 "$dir/p.png" | grep -q PNG || fail "not a PNG"

expect 0 "$bin" data preview --config configs/synthetic/synthetic_h36m_easy_64.yaml --split test \
  --camera-set unseen --samples 1 --tile 64 --out "$dir/q.png"

# The preview reports how much the views hide: occluders on every line of sight hide most joints.
expect 0 "$bin" data preview --set data.crop_size_px=64 --set data.synthetic.occluders=4 \
  --set data.synthetic.occluder_prob=1 --set data.synthetic.occluder_spread_mm=0 --samples 4 \
  --tile 32 --out "$dir/o.png"
hidden=$(sed -n 's/.*hidden (occluded or outside the crop): \([0-9.]*\) %.*/\1/p' "$out" "$err")
[ -n "$hidden" ] && awk "BEGIN { exit !($hidden > 50) }" || fail "hidden joints '$hidden' %, expected > 50"

expect 0 "$bin" data bench --set data.crop_size_px=64 --batches 2 --batch-size 4 --warmup 0 --workers 1
has "$out" "samples/s"

# Configuration problems: exit status 2 and a message naming the key.
expect 2 "$bin" data preview --set data.rig=no_such_rig --out "$dir/x.png"
has "$err" "data.rig: rig 'no_such_rig': no such rig file"
expect 2 "$bin" data preview --set data.num_views=9 --out "$dir/x.png"
has "$err" "data.num_views is 9"
expect 2 "$bin" data preview --set data.synthetic.actions=[flying] --out "$dir/x.png"
has "$err" "data.synthetic.actions"
expect 2 "$bin" data preview --split train --camera-set unseen --out "$dir/x.png"
expect 2 "$bin" data rig --out "$dir/r.yaml"
[ -e "$dir/x.png" ] && fail "a failed preview left a file"

[ "$failures" -eq 0 ] && echo "all data CLI checks passed"
exit "$failures"
