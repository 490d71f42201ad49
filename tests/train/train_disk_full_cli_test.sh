#!/bin/sh
# A full disk during a run (issue #20, Found 6): the error names the file and the system's reason,
# the previous checkpoint stays intact and the run resumes once there is space; a run that cannot
# even start leaves no directory. The disk is a small tmpfs: needs root (or CAP_SYS_ADMIN); exits
# 77 (skipped) where mounting is not permitted.
# Usage: train_disk_full_cli_test.sh path/to/mvpose3d   (run from the source tree)
set -u
bin=$1
. tests/support/cli_checks.sh
cfg=tests/train/tiny_train.yaml
disk="$dir/disk"
mkdir -p "$disk"
mount -t tmpfs -o size=16m tmpfs "$disk" 2>/dev/null || { echo "skipped: cannot mount a tmpfs"; exit 77; }
trap 'umount "$disk" 2>/dev/null; rm -rf "$dir"' EXIT

# The size of one checkpoint of this run, measured on a disk with room.
expect 0 "$bin" train --config "$cfg" --run-dir "$disk/sized" --set train.steps=1
ckpt_kib=$(( $(wc -c < "$disk/sized/checkpoints/last.pt") / 1024 + 1 ))
rm -rf "$disk/sized"

# Room for the first checkpoint, not for the second next to it (an atomic save writes the new
# file beside the old one): step 1 saves, the save at the end fails.
umount "$disk"
mount -t tmpfs -o size=$((ckpt_kib * 3 / 2 + 96))k tmpfs "$disk"
expect 1 "$bin" train --config "$cfg" --run-dir "$disk/run"
has "$err" "last.pt"
has "$err" "No space left on device"
[ ! -e "$disk/run/final_metrics.json" ] || fail "a run that failed to save wrote final metrics"
# The checkpoint of step 1 is intact: it evaluates, and the run resumes once there is room.
expect 0 "$bin" eval --config "$cfg" --checkpoint "$disk/run/checkpoints/last.pt" --out "$dir/ev"
mount -o remount,size=16m "$disk"
expect 0 "$bin" train --resume "$disk/run"
has "$disk/run/final_metrics.json" '"step": 2'
[ "$(grep -c '"kind": "eval"' "$disk/run/metrics.jsonl")" -eq 1 ] || fail "evaluation rows repeated"

# A disk with no room at all: the start fails naming the file, and leaves no run directory.
dd if=/dev/zero of="$disk/filler" bs=64k 2>/dev/null
expect 1 "$bin" train --config "$cfg" --run-dir "$disk/full"
has "$err" "No space left on device"
[ ! -e "$disk/full" ] || fail "a run that could not start left $(find "$disk/full")"

[ "$failures" -eq 0 ] && echo "train disk-full CLI: all checks passed"
exit "$failures"
