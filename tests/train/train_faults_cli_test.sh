#!/bin/sh
# Faults of `mvpose3d train` (issue #20), each check named after the failure it reproduces: a
# refused resume that changed the run, a finished run resumed again, a corrupted checkpoint, a run
# name escaping output_root, runs that failed to start leaving directories, two writers of a run.
# Usage: train_faults_cli_test.sh path/to/mvpose3d   (run from the source tree)
set -u
bin=$1
. tests/support/cli_checks.sh
cfg=tests/train/tiny_train.yaml
run="$dir/run"

# Every file of a run directory with its checksum (run.lock holds the last holder's pid).
snapshot() { (cd "$1" && find . -type f ! -name run.lock | sort | xargs sha256sum); }
eval_rows() { grep -c '"kind": "eval"' "$run/metrics.jsonl"; }

expect 0 "$bin" train --config "$cfg" --run-dir "$run"
snapshot "$run" > "$dir/before"

# Found 1: `train --resume RUN --set <architecture key>` failed but rewrote config.resolved.yaml
# first, so every later plain --resume failed too. Now the run is left exactly as it was.
expect 1 "$bin" train --resume "$run" --set model.latent_channels=24 --set train.steps=3
has "$err" "wrong architecture"
snapshot "$run" > "$dir/after"
cmp -s "$dir/before" "$dir/after" || fail "a refused resume changed the run: $(diff "$dir/before" "$dir/after")"

# Found 7: resuming a finished run appended its final evaluation again. Now: nothing to do.
expect 0 "$bin" train --resume "$run"
has "$err" "nothing to do"
snapshot "$run" > "$dir/after"
cmp -s "$dir/before" "$dir/after" || fail "resuming a finished run changed it: $(diff "$dir/before" "$dir/after")"
[ "$(eval_rows)" -eq 1 ] || fail "$(eval_rows) evaluation rows after resuming a finished run"
# Training it longer is a resume like any other: one more evaluation row, the new steps recorded.
expect 0 "$bin" train --resume "$run" --set train.steps=3
[ "$(eval_rows)" -eq 2 ] || fail "$(eval_rows) evaluation rows, expected those of steps 2 and 3"
has "$run/config.resolved.yaml" "steps: 3"

# Found 7: a checkpoint with bytes changed inside loaded silently. Now its CRC-32 is checked.
ckpt="$run/checkpoints/last.pt"
cp "$ckpt" "$dir/flipped.pt"
printf 'XXXX' | dd of="$dir/flipped.pt" bs=1 seek=$(($(wc -c < "$ckpt") / 2)) conv=notrunc 2>/dev/null
expect 1 "$bin" eval --config "$cfg" --checkpoint "$dir/flipped.pt" --out "$dir/ev"
has "$err" "flipped.pt"
has "$err" "CRC-32"
[ ! -e "$dir/ev" ] || fail "eval of a corrupted checkpoint created its output directory"

# Found 7: start-up failures left empty run directories behind. A batch larger than the dataset
# is refused before any directory exists; fine-tuning from a corrupted checkpoint fails after the
# run directory was made, and it is removed again.
expect 1 "$bin" train --config "$cfg" --set train.batch_size=64 --set output_root="$dir/out1"
has "$err" "larger than the training set"
[ ! -e "$dir/out1" ] || fail "a batch larger than the dataset created $(find "$dir/out1")"
expect 1 "$bin" train --config "$cfg" --weights "$dir/flipped.pt" --set output_root="$dir/out2"
has "$err" "flipped.pt"
[ -z "$(ls -A "$dir/out2/tiny_train" 2>/dev/null)" ] || fail "a failed start left $(find "$dir/out2")"

# Found 7: `name: ../../x` put the run outside output_root.
mkdir -p "$dir/a/b"
expect 2 "$bin" train --config "$cfg" --set name=../../escaped --set output_root="$dir/a/b/runs"
has "$err" "name = '../../escaped'"
[ ! -e "$dir/a/escaped" ] && [ ! -e "$dir/escaped" ] && [ ! -e "$dir/a/b/runs" ] ||
  fail "a run name with '..' created a directory"

# Found 7: two `--resume` of one run both wrote into it. Now the second is refused, naming the run
# and the holder's pid; the holder, killed, leaves the run resumable.
"$bin" train --resume "$run" --set train.steps=100000 --set train.checkpoint_every=0 \
  > "$dir/holder.out" 2>&1 &
holder=$!
waited=0
until grep -qx "$holder" "$run/run.lock" 2>/dev/null || [ "$waited" -ge 120 ]; do
  sleep 1
  waited=$((waited + 1))
done
expect 1 "$bin" train --resume "$run" --set train.steps=100000 --set train.checkpoint_every=0
has "$err" "pid $holder"
has "$err" "$run"
kill -9 "$holder"
wait "$holder" 2>/dev/null
expect 0 "$bin" train --resume "$run" --set train.steps=4
has "$run/final_metrics.json" '"step": 4'

[ "$failures" -eq 0 ] && echo "train faults CLI: all checks passed"
exit "$failures"
