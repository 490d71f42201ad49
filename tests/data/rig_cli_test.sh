#!/bin/sh
# `mvpose3d rig convert` and `triangulate --cameras-format` as a user runs them, on the calibration
# fixtures (tests/data/calibration/fixtures, written by the peers' code).
# Usage: rig_cli_test.sh path/to/mvpose3d [python with numpy]   (run from the source tree)
set -u
bin=$1
python=${2:-}
. tests/support/cli_checks.sh
fx=tests/data/calibration/fixtures

# aniposelib's TOML records no unit: --units is required, and the log says which was used.
expect 2 "$bin" rig convert "$fx/anipose/calibration.toml" --from toml --out "$dir/a.yaml"
has "$err" "does not record its length unit; give it with --units mm|cm|m"
expect 0 "$bin" rig convert "$fx/anipose/calibration.toml" --from toml --units mm --out "$dir/a.yaml"
has "$err" "lengths in mm (given by --units)"
has "$dir/a.yaml" 'name: "10"'
has "$dir/a.yaml" "model: opencv_fisheye, k: [0.05, -0.01, 0.002, -0.0005]"

# Panoptic: cm by default; --select a camera type.
expect 0 "$bin" rig convert "$fx/panoptic/calibration_fixture.json" --from panoptic --select hd \
  --out "$dir/p.yaml"
has "$err" "lengths in cm (the format's unit)"
has "$dir/p.yaml" 'name: "00_03"'
grep -q '"01_01"' "$dir/p.yaml" && fail "a vga camera in the hd selection"

# EasyMocap's two files, and COLMAP's folder.
expect 0 "$bin" rig convert "$fx/easymocap/intri.yml" "$fx/easymocap/extri.yml" --from easymocap \
  --out "$dir/e.yaml"
has "$dir/e.yaml" 'name: "01"'
expect 0 "$bin" rig convert "$fx/colmap" --from colmap --units m --out "$dir/c.yaml"
has "$dir/c.yaml" 'name: "view5"'

# Bad names and bad files: exit 2 for usage, 1 for a file that cannot be read, with the file named.
expect 2 "$bin" rig convert "$fx/colmap" --from bundler --out "$dir/x.yaml"
expect 1 "$bin" rig convert "$fx/bad/syntax.json" --from panoptic --out "$dir/x.yaml"
has "$err" "syntax.json: invalid JSON"

# triangulate reads the Panoptic file directly: the truth's pixels give back its points (cm → mm).
if [ -n "$python" ] && "$python" -c 'import numpy' 2>/dev/null; then
  "$python" - "$fx/panoptic/truth.json" "$dir" <<'PY'
import json, sys
import numpy as np
truth = json.load(open(sys.argv[1]))
names = ["01_01", "00_00", "00_03", "50_01"]  # the file's camera order
np.save(sys.argv[2] + "/pts.npy", np.stack([np.array(truth["pixels"][n]) for n in names], axis=1))
np.save(sys.argv[2] + "/truth_mm.npy", np.array(truth["points"]) * 10.0)
PY
  expect 0 "$bin" triangulate --points2d "$dir/pts.npy" --cameras "$fx/panoptic/calibration_fixture.json" \
    --cameras-format panoptic --out "$dir/X.npy"
  "$python" -c "import numpy as np, sys; e = np.abs(np.load('$dir/X.npy') - np.load('$dir/truth_mm.npy')).max(); sys.exit(0 if e < 1e-6 else print('max error mm', e) or 1)" ||
    fail "triangulate --cameras-format panoptic does not recover the points"
  expect 2 "$bin" triangulate --points2d "$dir/pts.npy" --cameras "$fx/panoptic/calibration_fixture.json" \
    --cameras-format bundler --out "$dir/X.npy"
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "rig CLI: all checks passed"
