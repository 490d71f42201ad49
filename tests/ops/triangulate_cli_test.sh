#!/bin/sh
# `mvpose3d triangulate` given hostile inputs, as a user runs it: exit status and message.
# Usage: triangulate_cli_test.sh path/to/mvpose3d   (run from the source tree)
set -u
bin=$1
. tests/support/cli_checks.sh

# --points2d /dev/zero grew until killed: a device is refused before anything is read.
expect 2 timeout 60 "$bin" triangulate --points2d /dev/zero --proj configs/default.yaml --out "$dir/p.npy"
has "$err" "--points2d: /dev/zero: is a character device, expected a regular file"

# A FIFO hung for ever (opening it waits for a writer).
mkfifo "$dir/points.npy"
expect 2 timeout 60 "$bin" triangulate --points2d "$dir/points.npy" --proj configs/default.yaml --out "$dir/p.npy"
has "$err" "is a FIFO (named pipe), expected a regular file"

# --threads 100000 hung starting threads.
expect 2 timeout 60 "$bin" triangulate --threads 100000 --points2d configs/default.yaml --proj configs/default.yaml --out "$dir/p.npy"
has "$err" "--threads"
has "$err" "Value 100000 not in range 0 to 1024"

# --out X --mask-out X wrote the mask over the points.
expect 2 timeout 60 "$bin" triangulate --points2d configs/default.yaml --proj configs/default.yaml --out "$dir/p.npy" --mask-out "$dir/./p.npy"
has "$err" "--out and --mask-out name the same file"
[ -e "$dir/p.npy" ] && fail "nothing may be written"

[ "$failures" -eq 0 ] && echo "all triangulate CLI cases passed"
exit "$failures"
