#!/bin/sh
# `mvpose3d bench model` as a user runs it: the CSV, the lighter decoder head, BatchNorm folding,
# and bad input.
# Usage: bench_model_cli_test.sh path/to/mvpose3d   (run from the source tree)
set -u
bin=$1
. tests/support/cli_checks.sh

expect 0 "$bin" bench model --backbones resnet18 --variants canonical,canonical_light_decoder \
  --batches 1 --size 64 --min-seconds 0.01 --threads 1 --out "$dir/bench"
csv="$dir/bench/model_cpu.csv"
[ -s "$csv" ] || fail "no $csv"
rows=$(($(wc -l <"$csv") - 1))
[ "$rows" -eq 2 ] || fail "$rows result rows in $csv, expected 2"
# Parameters by variant, read through the header so the test follows the CSV's columns.
params() {
  awk -F, -v want="$1" 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
    $col["variant"] == want { print $col["params"] }' "$csv"
}
full=$(params canonical) light=$(params canonical_light_decoder)
# Only the heads differ. From ResNet-18's 512 channels, the 4x4 head: 512*256*16 + 2*256*256*16
# weights + 3 BN of 2*256 + final 256*17 + 17 = 4200209; the light head: 512*256 + BN 2*256 +
# 3*256*256*9 + 3 BN of 2*256 + final 256*17 + 17 = 1906961.
[ $((full - light)) -eq 2293248 ] ||
  fail "canonical $full vs canonical_light_decoder $light parameters: expected 2293248 fewer"

# BatchNorm folded, side by side: each BN's weight and bias (2 C) become the convolution's bias
# (C), so the Baseline loses one parameter per BN channel: ResNet-18's 4800 (stem 64, stages
# 256 + 640 + 1280 + 2560 with the shortcuts) and the head's 3 * 256.
expect 0 "$bin" bench model --backbones resnet18 --variants baseline --fold-batchnorm both \
  --batches 1 --size 64 --min-seconds 0.01 --threads 1 --out "$dir/fold"
csv="$dir/fold/model_cpu.csv"
by_bn() {
  awk -F, -v want="$1" 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
    $col["batchnorm"] == want && $col["status"] == "ok" { print $col["params"] }' "$csv"
}
kept=$(by_bn kept) folded=$(by_bn folded)
[ -n "$kept" ] && [ -n "$folded" ] && [ $((kept - folded)) -eq 5568 ] ||
  fail "baseline kept '$kept' vs folded '$folded' parameters: expected 5568 fewer folded"
expect 2 "$bin" bench model --fold-batchnorm sometimes --out "$dir/x"
has "$err" "--fold-batchnorm"

# Bad input: exit status 2 and a message naming what was wrong.
expect 2 "$bin" bench model --variants canonical_huge --out "$dir/x"
has "$err" "unknown variant 'canonical_huge'"
expect 2 "$bin" bench model --set model.decoder_reduce_channels=-1 --out "$dir/x"
has "$err" "model.decoder_reduce_channels"
[ ! -e "$dir/x" ] || fail "a refused run left $dir/x behind"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "ok"
