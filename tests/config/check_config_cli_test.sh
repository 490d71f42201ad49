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
