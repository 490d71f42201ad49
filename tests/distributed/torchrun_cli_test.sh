#!/bin/sh
# `mvpose3d train` under torchrun, as a user launches a job of two processes (Gloo, loopback).
# Usage: torchrun_cli_test.sh path/to/mvpose3d path/to/torchrun   (run from the source tree)
set -u
bin=$1
torchrun=$2
. tests/support/cli_checks.sh
cfg=tests/train/tiny_train.yaml
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
launch() {
  "$torchrun" --no-python --nproc-per-node 2 --master-addr 127.0.0.1 --master-port "$port" \
    "$bin" train --config "$cfg" --set threads=1 --set train.batch_size=4 \
    --set train.distributed.timeout_s=60 "$@"
}

# Rank 0 writes the run's files, rank 1 logs to rank1.log; env.txt records the job.
expect 0 launch --run-dir "$dir/run"
for f in config.resolved.yaml env.txt log.txt rank1.log metrics.jsonl final_metrics.json \
         results.md checkpoints/last.pt; do
  [ -s "$dir/run/$f" ] || fail "run directory lacks $f"
done
has "$dir/run/env.txt" "world_size: 2"
has "$dir/run/env.txt" "distributed_backend: gloo"
has "$dir/run/rank1.log" "step 2/2"
# Resumed by the same job for one more step.
expect 0 "$torchrun" --no-python --nproc-per-node 2 --master-addr 127.0.0.1 --master-port "$port" \
  "$bin" train --resume "$dir/run" --set train.steps=3
has "$dir/run/final_metrics.json" '"step": 3'
# Resumed by one process: it continues, warning that the BatchNorm shares differ.
expect 0 "$bin" train --resume "$dir/run" --set train.steps=4
has "$err" "resuming a run trained by 2 process(es) with 1"
has "$dir/run/final_metrics.json" '"step": 4'

# A global batch that does not split into equal shares is refused, naming the key.
expect 1 launch --run-dir "$dir/odd" --set train.batch_size=3
has "$err" "train.batch_size = 3"

[ "$failures" -eq 0 ] && echo "torchrun CLI: all checks passed"
