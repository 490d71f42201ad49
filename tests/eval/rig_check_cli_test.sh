#!/bin/sh
# `mvpose3d rig check` as a user runs it: a clean synthetic rig passes with its report and
# pictures; a camera whose translation is in metres (in a millimetre rig) is named; usage errors.
# Usage: rig_check_cli_test.sh path/to/mvpose3d   (run from the source tree)
set -u
bin=$1
. tests/support/cli_checks.sh

expect 0 "$bin" data rig --ring 8 --out "$dir/ring8.yaml"
expect 0 "$bin" data motion --frames 40 --layout body25 --out "$dir/points.npy" \
  --rig "$dir/ring8.yaml" --keypoints-out "$dir/keypoints.npy"

expect 0 "$bin" rig check --cameras "$dir/ring8.yaml" --keypoints "$dir/keypoints.npy" \
  --out "$dir/clean"
has "$out" "no warnings"
has "$dir/clean/report.txt" "up: +z"
has "$dir/clean/report.json" '"units_guess": "mm"'
has "$dir/clean/report.json" '"triangulated": 1000'
if grep -q "no OpenCV" "$err"; then
  echo "this build has no OpenCV: the pictures are not checked"
else
  for png in rig errors; do
    head -c 4 "$dir/clean/$png.png" | grep -q PNG || fail "no $png.png"
  done
fi

# cam3's translation divided by 1000: metres written into a millimetre rig.
awk '/name: "cam3"/ { c = 1 }
     c && /t_mm:/ { gsub(/[][,]/, " "); printf "    t_mm: [%.9g, %.9g, %.9g]\n", $2 / 1000, $3 / 1000, $4 / 1000; c = 0; next }
     { print }' "$dir/ring8.yaml" > "$dir/scaled.yaml"
grep -q "t_mm" "$dir/scaled.yaml" || fail "the rig was not rewritten"
expect 0 "$bin" rig check --cameras "$dir/scaled.yaml" --keypoints "$dir/keypoints.npy" \
  --out "$dir/scaled"
has "$out" "cam3: often rejected"
has "$out" "cam3: with its translation x1000"
grep -q "cam1: " "$out" && fail "cam1 was flagged"

# Triangulated points alone: geometry only.
expect 0 "$bin" rig check --cameras "$dir/ring8.yaml" --points3d "$dir/points.npy" --out "$dir/points"
has "$out" "no warnings"

# Usage problems: exit status 2 and a message naming what is wrong.
expect 2 "$bin" rig check --cameras "$dir/ring8.yaml" --out "$dir/x"
has "$err" "give --keypoints, --points3d or both"
expect 0 "$bin" data rig --ring 6 --out "$dir/ring6.yaml"
expect 2 "$bin" rig check --cameras "$dir/ring6.yaml" --keypoints "$dir/keypoints.npy" --out "$dir/x"
has "$err" "expected [F, V = 6, J, 3]"
[ -e "$dir/x" ] && fail "a failed check left its directory"

[ "$failures" -eq 0 ] && echo "all rig check CLI checks passed"
exit "$failures"
