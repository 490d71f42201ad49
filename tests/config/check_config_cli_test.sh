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

# Every rule between keys (include/mvpose3d/config/rules.h) that `mvpose3d train` enforces is
# reported by check-config too: exit status 2, the message naming the key and the --set it came from.
# reject "MESSAGE" KEY=VALUE...: check-config of configs/default.yaml with these overrides fails.
reject() {
  message=$1; shift
  set -f  # no globbing of [..] in the values
  set --
  for assignment in $overrides; do set -- "$@" --set "$assignment"; done
  set +f
  expect 2 "$bin" check-config configs/default.yaml "$@"
  has "$err" "$message"
}
overrides="model.fusion=fusion model.equivariant=true"
reject "--set model.equivariant=true: model.equivariant needs model.fusion = canonical (it is 'fusion')"
overrides="model.fusion=none model.view_shortcut=true"
reject "--set model.view_shortcut=true: model.view_shortcut needs a fusion block"
overrides="model.latent_channels=301"
reject "--set model.latent_channels=301: model.latent_channels = 301 must be a multiple of 3"
overrides="model.fused_channels=402"
reject "--set model.fused_channels=402: model.fused_channels = 402 must be a multiple of 4"
overrides="model.ftl_mode=rotation model.fused_channels=400"
reject "--set model.fused_channels=400: model.fused_channels = 400 must be a multiple of 3"
overrides="model.fusion=canonicl"
reject "--set model.fusion=canonicl: model.fusion = 'canonicl'; violated constraint: model.fusion in {none, fusion, canonical} (did you mean 'canonical'?)"
overrides="data.joints=tc16"
reject "--set data.joints=tc16: data.type synthetic needs data.joints = h36m17 (it is 'tc16')"
overrides="data.crop_size_px=16"
reject "--set data.crop_size_px=16: data.crop_size_px = 16; violated constraint: 32 <= data.crop_size_px <= 512"
overrides="data.synthetic.crop_scale=[1.5,1.2]"
reject "data.synthetic.crop_scale must be [min, max] with min <= max, got [1.5, 1.2]"
overrides="data.synthetic.blur_sigma_px=[1,2,3]"
reject "data.synthetic.blur_sigma_px must be [min, max] with min <= max, got [1, 2, 3]"
overrides="data.synthetic.random_rig.distance_mm=[5000,4000]"
reject "data.synthetic.random_rig.distance_mm must be [min, max]"
overrides="data.synthetic.random_rig.height_mm=[2000,1000]"
reject "data.synthetic.random_rig.height_mm must be [min, max]"
overrides="data.synthetic.random_rig.focal_px=[1300,1000]"
reject "data.synthetic.random_rig.focal_px must be [min, max]"
overrides="data.test_subjects=[]"
reject "--set data.test_subjects=[]: data.test_subjects is empty: synthetic data needs a subject"
overrides="data.type=h36m data.joints=vicon21"
reject "--set data.joints=vicon21: data.type h36m needs data.joints = h36m17 (it is 'vicon21')"
overrides="data.type=h36m data.num_views=3"
reject "--set data.num_views=3: data.num_views is 3 but data.h36m.cameras lists 4 cameras"
overrides="data.type=h36m eval.camera_sets=[rotated]"
reject "--set eval.camera_sets=[rotated]: eval.camera_sets[0] = 'rotated' is not a camera set of data.type h36m (known: seen, permuted)"
overrides="data.type=totalcapture"
reject "--set data.type=totalcapture: data.type totalcapture needs data.joints = tc16 or vicon21 (it is 'h36m17')"
overrides="data.type=totalcapture data.joints=tc16 data.totalcapture.seen_cameras=[1,3,5]"
reject "--set data.totalcapture.seen_cameras=[1,3,5]: data.num_views is 4 but data.totalcapture.seen_cameras lists 3 cameras"
overrides="data.type=totalcapture data.joints=tc16 eval.camera_sets=[seen,unseen] data.totalcapture.unseen_cameras=[2,4]"
reject "--set data.totalcapture.unseen_cameras=[2,4]: data.num_views is 4 but data.totalcapture.unseen_cameras lists 2 cameras"
overrides="data.type=totalcapture data.joints=tc16 data.totalcapture.root_box_mm=[1,2,3,4,5]"
reject "--set data.totalcapture.root_box_mm=[1,2,3,4,5]: data.totalcapture.root_box_mm: expected 4 numbers"
overrides="data.joints=tc16 model.fusion=fusion model.equivariant=true"
reject "2 errors in the configuration:"

# Hostile inputs (docs/reliability.md): each fails at once with a message, never hangs or grows.
# check-config /dev/zero grew to 24 GB; a FIFO hung.
expect 2 timeout 60 "$bin" check-config /dev/zero
has "$err" "mvpose3d: error: /dev/zero: is a character device, expected a regular file"
mkfifo "$dir/fifo.yaml"
expect 2 timeout 60 "$bin" check-config "$dir/fifo.yaml"
has "$err" "fifo.yaml: is a FIFO (named pipe), expected a regular file"
printf 'base: %s\n' "$dir/fifo.yaml" > "$dir/child.yaml"
expect 2 timeout 60 "$bin" check-config "$dir/child.yaml"
has "$err" "cannot load base file: $dir/fifo.yaml: is a FIFO"
# threads=100000 hung, data.workers=100000 aborted: bounded ranges (core/limits.h).
overrides="threads=100000"
reject "--set threads=100000: threads = 100000; violated constraint: 0 <= threads <= 1024"
overrides="data.workers=100000"
reject "--set data.workers=100000: data.workers = 100000; violated constraint: 0 <= data.workers <= 256"
# A learning rate of .inf trained to NaN.
overrides="train.optimizer.lr=.inf"
reject "--set train.optimizer.lr=.inf: train.optimizer.lr = .inf; violated constraint: train.optimizer.lr finite"
# An empty file was accepted without a word.
: > "$dir/empty.yaml"
expect 0 "$bin" check-config "$dir/empty.yaml"
has "$err" "empty.yaml sets no key: every value is its default"
# Deeply nested YAML said "invalid YAML: bad file".
awk 'BEGIN { printf "name: "; for (i = 0; i < 3000; i++) printf "["; print "" }' > "$dir/deep.yaml"
expect 2 "$bin" check-config "$dir/deep.yaml"
has "$err" "invalid YAML: lists or maps nested"
# A stray ',' made yaml-cpp 0.7's LoadAll loop for ever, allocating (found by fuzz_config).
printf 'name: x\n,\n' > "$dir/comma.yaml"
expect 2 timeout 60 "$bin" check-config "$dir/comma.yaml"
has "$err" "comma.yaml:2:1: invalid YAML:"
# 100,000 unknown keys printed 100,000 lines: the list is capped.
awk 'BEGIN { for (i = 0; i < 100000; i++) print "key" i ": 1" }' > "$dir/many.yaml"
expect 2 "$bin" check-config "$dir/many.yaml"
has "$err" "100000 errors in the configuration:"
has "$err" "... and 99950 more (the first 50 are shown)"
[ "$(wc -l < "$err")" -le 52 ] || fail "$(wc -l < "$err") lines of errors"
# A binary file's raw bytes were printed.
printf '\211PNG\r\n\032\n\001\002key\003: 1\n' > "$dir/binary.yaml"
expect 2 "$bin" check-config "$dir/binary.yaml"
LC_ALL=C grep -q "$(printf '[\001-\010\016-\037\200-\377]')" "$err" && fail "raw bytes in the message"
# A YAML config given a size that no config has (a video given by mistake).
head -c 17000000 /dev/zero | tr '\0' '#' > "$dir/huge.yaml"
expect 2 "$bin" check-config "$dir/huge.yaml"
has "$err" "more than the 16777216 bytes (16.0 MiB) this kind of file may have"

# Every shipped config keeps every rule.
for config in configs/*.yaml configs/_base_/*.yaml configs/h36m/*.yaml configs/synthetic/*.yaml \
  configs/totalcapture/*.yaml; do
  expect 0 "$bin" check-config "$config"
done

expect 0 "$bin" check-config --defaults
cmp -s "$out" configs/default.yaml || fail "configs/default.yaml differs from --defaults"
expect 0 "$bin" check-config --reference
cmp -s "$out" docs/config_reference.md || fail "docs/config_reference.md differs from --reference"

[ "$failures" -eq 0 ] && echo "all check-config CLI cases passed"
exit "$failures"
