#!/bin/sh
# `mvpose3d train | eval | sweep` as a user runs them: exit status, files and messages.
# Usage: train_cli_test.sh path/to/mvpose3d   (run from the source tree)
set -u
bin=$1
. tests/support/cli_checks.sh
cfg=tests/train/tiny_train.yaml

# A run writes its directory; the results have the paper-style tables.
expect 0 "$bin" train --config "$cfg" --run-dir "$dir/run"
for f in config.resolved.yaml env.txt log.txt metrics.jsonl results.md results.csv results.tex \
         final_metrics.json checkpoints/last.pt checkpoints/best.pt; do
  [ -s "$dir/run/$f" ] || fail "run directory lacks $f"
done
has "$dir/run/final_metrics.json" '"permuted/mpjpe_mm"'
has "$dir/run/metrics.jsonl" '"kind": "eval"'
has "$dir/run/env.txt" "num_threads: 1"   # the config's threads, not the process default

# The same directory again is refused; a finished run resumed for 1 more step continues.
expect 2 "$bin" train --config "$cfg" --run-dir "$dir/run"
has "$err" "already holds a run"
expect 0 "$bin" train --resume "$dir/run" --set train.steps=3
has "$dir/run/log.txt" "resumed from"
has "$dir/run/final_metrics.json" '"step": 3'

# eval of the checkpoint writes the tables where asked, and prints them.
expect 0 "$bin" eval --config "$cfg" --checkpoint "$dir/run/checkpoints/last.pt" --out "$dir/ev"
[ -s "$dir/ev/results.md" ] || fail "eval wrote no results.md"
has "$out" "MPJPE"
# With BatchNorm folded into the convolutions: the same MPJPE up to float rounding.
expect 0 "$bin" eval --config "$cfg" --checkpoint "$dir/run/checkpoints/last.pt" --out "$dir/evf" \
  --fold-batchnorm
has "$err" "BatchNorm layers into their convolutions"
seen_mpjpe() { awk -F, '$1 == "seen" && $2 == "all" { print $7 }' "$1/results.csv"; }
a=$(seen_mpjpe "$dir/ev") b=$(seen_mpjpe "$dir/evf")
awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; exit !(a > 0 && d < 0.01 && d > -0.01) }' ||
  fail "seen MPJPE $a mm unfolded vs $b mm folded"
# A corrupted checkpoint is refused, naming it, and nothing is written.
head -c 1000 "$dir/run/checkpoints/last.pt" > "$dir/bad.pt"
expect 1 "$bin" eval --config "$cfg" --checkpoint "$dir/bad.pt" --out "$dir/ev2"
has "$err" "bad.pt"
[ ! -e "$dir/ev2" ] || fail "eval of a bad checkpoint created its output directory"

# Bad usage: exit 2 with the reason.
expect 2 "$bin" train
has "$err" "--config FILE or --resume RUN_DIR is required"
expect 2 "$bin" train --config "$cfg" --set model.fusion=sideways --run-dir "$dir/x"
has "$err" "model.fusion"
[ ! -e "$dir/x" ] || fail "a bad config created a run directory"
expect 1 "$bin" train --config "$cfg" --set data.rig=$dir/no_such_rig.yaml --run-dir "$dir/y"
has "$err" "no_such_rig.yaml"
[ ! -e "$dir/y" ] || fail "a run whose data cannot be opened created its run directory"

# A sweep with a failing run: the others finish, the table names the failure, exit status 1.
cat > "$dir/sweep.yaml" <<YAML
name: cli
base: $PWD/$cfg
set: {output_root: $dir/runs}
runs:
  - {name: ok, set: {model.fusion: none}}
  - {name: broken, set: {model.backbone: resnet7}}
YAML
expect 1 "$bin" sweep "$dir/sweep.yaml"
has "$out" "| ok"
has "$out" "failed"
has "$err" "1 of 2 runs failed"
[ -s "$dir/runs/cli/sweep_results.tex" ] || fail "no LaTeX table"

[ "$failures" -eq 0 ] && echo "train CLI: all checks passed"
exit "$failures"
