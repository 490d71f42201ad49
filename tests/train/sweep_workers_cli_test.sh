#!/bin/sh
# `mvpose3d sweep --worker I/N` and `--table`: two workers run every run of a sweep once between
# them, --table refuses while a run is missing and then equals the table of one worker.
# Usage: sweep_workers_cli_test.sh path/to/mvpose3d   (run from the source tree)
set -u
bin=$1
. tests/support/cli_checks.sh
cfg=tests/train/tiny_train.yaml

cat > "$dir/sweep.yaml" <<YAML
name: split
base: $PWD/$cfg
set: {train.steps: 1, train.checkpoint_every: 0}
runs:
  - {name: a, set: {model.fusion: none}}
  - {name: b, set: {model.fusion: fusion}}
  - {name: c, set: {seed: 5, model.fusion: none}}
YAML

# One worker: the reference table.
expect 0 "$bin" sweep "$dir/sweep.yaml" --set output_root="$dir/one"

# Worker 0 of 2 takes runs 0 and 2, worker 1 run 1; neither writes a table.
expect 0 "$bin" sweep "$dir/sweep.yaml" --set output_root="$dir/two" --worker 0/2
has "$err" "training a in"
has "$err" "training c in"
grep -q "training b in" "$err" && fail "worker 0/2 trained run b"
[ ! -e "$dir/two/split/sweep_results.md" ] || fail "a worker of 2 wrote the sweep's table"

# The table before worker 1 has run: refused, naming the missing run.
expect 1 "$bin" sweep "$dir/sweep.yaml" --set output_root="$dir/two" --table
has "$err" "1 of 3 runs have not finished"
has "$err" "b ($dir/two/split/b)"

expect 0 "$bin" sweep "$dir/sweep.yaml" --set output_root="$dir/two" --worker 1/2
has "$err" "training b in"
grep -q "training [ac] in" "$err" && fail "worker 1/2 trained run a or c"

# Every run once, and the table of the two workers is the table of one.
for run in a b c; do
  [ -s "$dir/two/split/$run/final_metrics.json" ] || fail "run $run did not finish"
done
expect 0 "$bin" sweep "$dir/sweep.yaml" --set output_root="$dir/two" --table
for ext in md csv tex; do
  cmp -s "$dir/one/split/sweep_results.$ext" "$dir/two/split/sweep_results.$ext" ||
    fail "sweep_results.$ext of two workers differs from one worker's"
done
has "$out" "| a "

# Bad usage.
expect 2 "$bin" sweep "$dir/sweep.yaml" --worker 2/2
has "$err" "--worker 2/2: expected I/N with 0 <= I < N"
expect 2 "$bin" sweep "$dir/sweep.yaml" --worker 0/2 --table
has "$err" "excludes"

[ "$failures" -eq 0 ] && echo "sweep workers CLI: all checks passed"
exit "$failures"
