// The rules between config keys: what one key allows depends on another. Checked by
// load_config()/validate() (so `mvpose3d check-config` rejects what `mvpose3d train` would), and
// by the code that builds from a config made in C++ (the network's factory, the datasets).
#include "mvpose3d/config/rules.h"

#include "mvpose3d/config/run_config.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d {

namespace {

// `values` must be [min, max] with min <= max (the synthetic dataset's ranges).
void check_range(const std::vector<double>& values,
                 const std::string& key,
                 std::vector<RuleViolation>* out) {
  if (values.size() == 2 && values[0] <= values[1]) return;
  out->push_back(
      {{key},
       fmt::format(
           "{} must be [min, max] with min <= max, got [{}]", key, fmt::join(values, ", "))});
}

void check_views(int num_views,
                 std::size_t cameras,
                 const std::string& cameras_key,
                 std::vector<RuleViolation>* out) {
  if (static_cast<std::size_t>(num_views) == cameras) return;
  out->push_back(
      {{"data.num_views", cameras_key},
       fmt::format(
           "data.num_views is {} but {} lists {} cameras", num_views, cameras_key, cameras)});
}

void check_joints(const DataConfig& data,
                  const std::vector<JointSet>& allowed,
                  std::vector<RuleViolation>* out) {
  if (std::find(allowed.begin(), allowed.end(), data.joints) != allowed.end()) return;
  std::vector<std::string> allowed_names;
  for (JointSet joints : allowed) allowed_names.push_back(to_string(joints));
  out->push_back({{"data.joints", "data.type"},
                  fmt::format("data.type {} needs data.joints = {} (it is '{}')",
                              to_string(data.type),
                              fmt::join(allowed_names, " or "),
                              to_string(data.joints))});
}

}  // namespace

const std::vector<std::string>& synthetic_camera_set_names() {
  static const std::vector<std::string> sets{"seen", "rotated", "unseen", "random"};
  return sets;
}

std::vector<std::string> camera_set_names(const DataConfig& data) {
  std::vector<std::string> sets;
  if (data.type == DatasetType::kSynthetic) {
    sets = synthetic_camera_set_names();
  } else if (data.type == DatasetType::kTotalCapture) {
    sets = {"seen", "unseen"};
  } else {
    sets = {"seen"};
  }
  sets.emplace_back(kPermutedCameraSet);
  return sets;
}

bool model_takes_any_view_count(const ModelConfig& model) {
  return model.fusion == FusionMode::kNone || (model.fusion == FusionMode::kCanonical &&
                                               model.canonical_pooling == CanonicalPooling::kMean);
}

std::string view_count_refusal(const ModelConfig& model,
                               std::int64_t num_views_trained,
                               std::int64_t num_views_given,
                               const std::string& given_by) {
  if (num_views_given < 1) {
    return fmt::format(
        "{} gives {} cameras; the network needs at least 1", given_by, num_views_given);
  }
  if (num_views_given == num_views_trained || model_takes_any_view_count(model)) return "";
  const std::string block =
      model.fusion == FusionMode::kFusion
          ? std::string("model.fusion = fusion")
          : std::string("model.fusion = canonical with model.canonical_pooling = concat");
  return fmt::format(
      "{} gives {} cameras, but the network was trained on data.num_views = {} and {} "
      "concatenates the views' codes in {} fixed slots, so it runs on {} cameras only; the "
      "Baseline (model.fusion = none) and the symmetric canonical fusion "
      "(model.canonical_pooling = mean) take any number",
      given_by,
      num_views_given,
      num_views_trained,
      block,
      num_views_trained,
      num_views_trained);
}

std::vector<RuleViolation> model_rule_violations(const ModelConfig& model) {
  std::vector<RuleViolation> out;
  if (model.equivariant && model.fusion != FusionMode::kCanonical) {
    out.push_back({{"model.equivariant", "model.fusion"},
                   fmt::format("model.equivariant needs model.fusion = canonical (it is '{}')",
                               to_string(model.fusion))});
  }
  if (model.view_shortcut && model.fusion == FusionMode::kNone) {
    out.push_back({{"model.view_shortcut", "model.fusion"},
                   "model.view_shortcut needs a fusion block (model.fusion is none)"});
  }
  if (model.fusion == FusionMode::kCanonical) {
    if (model.latent_channels % 3 != 0) {
      out.push_back({{"model.latent_channels", "model.fusion"},
                     fmt::format("model.latent_channels = {} must be a multiple of 3: the FTL "
                                 "reads the latent as 3-vectors",
                                 model.latent_channels)});
    }
    const std::int64_t dc = canonical_point_dim(model.ftl_mode);
    if (model.fused_channels % dc != 0) {
      out.push_back({{"model.fused_channels", "model.ftl_mode", "model.fusion"},
                     fmt::format("model.fused_channels = {} must be a multiple of {}: with "
                                 "ftl_mode {} the fused code is a set of {}-vectors",
                                 model.fused_channels,
                                 dc,
                                 to_string(model.ftl_mode),
                                 dc)});
    }
  }
  return out;
}

std::vector<RuleViolation> data_rule_violations(const DataConfig& data) {
  std::vector<RuleViolation> out;
  if (data.type == DatasetType::kSynthetic) {
    check_joints(data, {JointSet::kH36m17}, &out);
    const SyntheticDataConfig& syn = data.synthetic;
    check_range(syn.crop_scale, "data.synthetic.crop_scale", &out);
    check_range(syn.blur_sigma_px, "data.synthetic.blur_sigma_px", &out);
    check_range(syn.random_rig.distance_mm, "data.synthetic.random_rig.distance_mm", &out);
    check_range(syn.random_rig.height_mm, "data.synthetic.random_rig.height_mm", &out);
    check_range(syn.random_rig.focal_px, "data.synthetic.random_rig.focal_px", &out);
    for (const char* split : {"train", "test"}) {
      const std::string key = fmt::format("data.{}_subjects", split);
      const auto& subjects =
          std::string(split) == "train" ? data.train_subjects : data.test_subjects;
      if (subjects.empty()) {
        out.push_back({{key, "data.type"}, key + " is empty: synthetic data needs a subject"});
      }
    }
  } else if (data.type == DatasetType::kH36m) {
    check_joints(data, {JointSet::kH36m17}, &out);
    check_views(data.num_views, data.h36m.cameras.size(), "data.h36m.cameras", &out);
  } else if (data.type == DatasetType::kTotalCapture) {
    const TotalCaptureDataConfig& tc = data.totalcapture;
    check_joints(data, {JointSet::kTc16, JointSet::kVicon21}, &out);
    check_views(data.num_views, tc.seen_cameras.size(), "data.totalcapture.seen_cameras", &out);
    if (tc.root_box_mm.size() != 4) {
      out.push_back({{"data.totalcapture.root_box_mm"},
                     fmt::format("data.totalcapture.root_box_mm: expected 4 numbers [left, top, "
                                 "right, bottom], found {}",
                                 tc.root_box_mm.size())});
    }
  }
  return out;
}

std::vector<RuleViolation> rule_violations(const RunConfig& config) {
  std::vector<RuleViolation> out = model_rule_violations(config.model);
  const std::vector<RuleViolation> data = data_rule_violations(config.data);
  out.insert(out.end(), data.begin(), data.end());
  const std::vector<std::string> known = camera_set_names(config.data);
  const std::vector<std::string>& sets = config.eval.camera_sets;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const std::string key = fmt::format("eval.camera_sets[{}]", i);
    if (std::find(known.begin(), known.end(), sets[i]) == known.end()) {
      out.push_back({{key, "data.type"},
                     fmt::format("{} = '{}' is not a camera set of data.type {} (known: {})",
                                 key,
                                 sets[i],
                                 to_string(config.data.type),
                                 fmt::join(known, ", "))});
    } else if (sets[i] == "unseen" && config.data.type == DatasetType::kTotalCapture) {
      check_views(config.data.num_views,
                  config.data.totalcapture.unseen_cameras.size(),
                  "data.totalcapture.unseen_cameras",
                  &out);
    }
  }
  const std::vector<int>& counts = config.eval.view_counts;
  if (!counts.empty() && config.data.type != DatasetType::kSynthetic) {
    out.push_back({{"eval.view_counts", "data.type"},
                   fmt::format("eval.view_counts needs data.type = synthetic (it is '{}'): only "
                               "the synthetic data can draw an unseen rig of any camera count",
                               to_string(config.data.type))});
  }
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const std::string key = fmt::format("eval.view_counts[{}]", i);
    const std::string refusal =
        view_count_refusal(config.model, config.data.num_views, counts[i], key);
    if (refusal.empty()) continue;
    const char* block_key =
        config.model.fusion == FusionMode::kFusion ? "model.fusion" : "model.canonical_pooling";
    out.push_back({{key, block_key, "data.num_views"}, refusal});
  }
  return out;
}

}  // namespace mvpose3d
