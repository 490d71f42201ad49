#!/bin/sh
# `mvpose3d check-config` as a user runs it: exit status, stdout and stderr.
# Usage: check_config_cli_test.sh path/to/mvpose3d   (run from the source tree)
set -u
bin=$1
. tests/support/cli_checks.sh

expect 0 "$bin" check-config configs/default.yaml
has "$out" "name: default  # run name"
has "$out" "lr: 0.001  # base learning rate (> 0)"
[ -s "$err" ] && fail "unexpected stderr"

expect 0 "$bin" check-config configs/synthetic_default.yaml --set train.steps=7 --set 'data.train_subjects=[S1, S9]'
has "$out" "steps: 7  #"
has "$out" "train_subjects: [S1, S9]  #"

expect 2 "$bin" check-config tests/config/files/bad.yaml
has "$err" "mvpose3d: error: 3 errors in the configuration:"
has "$err" "tests/config/files/bad.yaml:4:3: unknown key 'model.backbonee' (did you mean 'model.backbone'?)"
has "$err" "tests/config/files/bad.yaml:7:3: train.batch_size: expected an integer, got 'abc'"
has "$err" "tests/config/files/bad.yaml:10:5: train.optimizer.lr = -0.001; violated constraint: train.optimizer.lr > 0"
[ -s "$out" ] && fail "stdout should be empty on error"

expect 2 "$bin" check-config configs/default.yaml --set train.stepz=5
has "$err" "mvpose3d: error: --set train.stepz=5: unknown key 'train.stepz' (did you mean 'train.steps'?)"

expect 2 "$bin" check-config tests/config/files/no_such_file.yaml
has "$err" "mvpose3d: error: tests/config/files/no_such_file.yaml: no such file"

expect 2 "$bin" check-config
has "$err" "a config FILE is required"

expect 0 "$bin" check-config --defaults
cmp -s "$out" configs/default.yaml || fail "configs/default.yaml differs from --defaults"
expect 0 "$bin" check-config --reference
cmp -s "$out" docs/config_reference.md || fail "docs/config_reference.md differs from --reference"

[ "$failures" -eq 0 ] && echo "all check-config CLI cases passed"
exit "$failures"
