#!/bin/sh
# `mvpose3d sweep` under torchrun: a job of two processes (Gloo, loopback) trains each run of a
# two-run ablation data-parallel; its table equals one process's on the same sweep, and running
# the finished sweep again trains nothing.
# Usage: sweep_torchrun_cli_test.sh path/to/mvpose3d path/to/torchrun   (run from the source tree)
set -u
bin=$1
torchrun=$2
. tests/support/cli_checks.sh
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
torchrun_sweep() {
  "$torchrun" --no-python --nproc-per-node 2 --master-addr 127.0.0.1 --master-port "$port" \
    "$bin" sweep "$@"
}

# With synchronised BatchNorm and SGD a job of two processes computes what one process computes
# on the global batch of 4 (to float rounding; tests/distributed/data_parallel_test.cpp), so the
# tables, to 0.1 mm, are the same. The learning rate is high enough that 2 steps move MPJPE by
# several mm, and differently in the two runs.
cat > "$dir/sweep.yaml" <<YAML
name: ablation
base: $PWD/tests/train/tiny_train.yaml
set: {train.batch_size: 4, train.distributed.sync_batchnorm: true, train.optimizer.type: sgd,
      train.optimizer.lr: 0.2, train.distributed.timeout_s: 60}
runs:
  - {name: baseline, set: {model.fusion: none}}
  - {name: fusion, set: {model.fusion: fusion}}
YAML

expect 0 "$bin" sweep "$dir/sweep.yaml" --set output_root="$dir/one"
expect 0 torchrun_sweep "$dir/sweep.yaml" --set output_root="$dir/two"
for run in baseline fusion; do
  # Rank 0 wrote the run's files, rank 1 logged to rank1.log; env.txt records the job.
  for f in config.resolved.yaml env.txt log.txt rank1.log metrics.jsonl final_metrics.json; do
    [ -s "$dir/two/ablation/$run/$f" ] || fail "run $run lacks $f"
  done
  has "$dir/two/ablation/$run/env.txt" "world_size: 2"
  has "$dir/two/ablation/$run/rank1.log" "step 2/2"
done
for ext in md csv tex; do
  cmp -s "$dir/one/ablation/sweep_results.$ext" "$dir/two/ablation/sweep_results.$ext" ||
    fail "sweep_results.$ext of two processes differs from one process's"
done
# Rank 0 alone printed the table.
[ "$(grep -c '^| baseline ' "$out")" -eq 1 ] || fail "the table was not printed exactly once"

# The finished sweep again: every run skipped, nothing trained or rewritten.
cp "$dir/two/ablation/baseline/metrics.jsonl" "$dir/metrics_before.jsonl"
expect 0 torchrun_sweep "$dir/sweep.yaml" --set output_root="$dir/two"
has "$err" "baseline is finished, skipped"
has "$err" "fusion is finished, skipped"
grep -q "training \|resuming " "$err" && fail "the finished sweep trained again"
cmp -s "$dir/metrics_before.jsonl" "$dir/two/ablation/baseline/metrics.jsonl" ||
  fail "the finished sweep rewrote metrics.jsonl"

# A job with --worker I/N is worker I: worker 1 of 2 takes the second run only.
expect 0 torchrun_sweep "$dir/sweep.yaml" --set output_root="$dir/two" --worker 1/2
has "$err" "fusion is finished, skipped"
grep -q "baseline" "$err" && fail "worker 1/2 looked at run baseline"

# --table trains nothing and is refused in a job (before joining it: no torchrun needed to see it).
expect 2 env RANK=0 WORLD_SIZE=2 "$bin" sweep "$dir/sweep.yaml" --set output_root="$dir/two" --table
has "$err" "--table trains nothing: run it as one process"

[ "$failures" -eq 0 ] && echo "sweep torchrun CLI: all checks passed"
exit "$failures"
