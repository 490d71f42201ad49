#include "mvpose3d/data/labeled_dataset.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/random.h"

#include <algorithm>
#include <filesystem>

#include <ATen/ATen.h>
#include <fmt/args.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace mvpose3d {

namespace {

constexpr std::uint64_t kStreamAugment = 0x617567;  // "aug"

}  // namespace

PipelineOptions make_pipeline_options(int crop_size_px,
                                      double bbox_scale,
                                      bool undistort,
                                      const AugmentConfig& augment,
                                      const std::string& split,
                                      std::int64_t seed) {
  PipelineOptions o;
  o.crop_size_px = crop_size_px;
  o.bbox_scale = bbox_scale;
  o.undistort = undistort;
  o.augment = augment;
  o.augmenting = split == "train" && augment.enabled;
  o.seed = static_cast<std::uint64_t>(seed);
  return o;
}

std::int64_t LabeledDataset::size() const {
  const std::int64_t repeats = options_.augmenting ? options_.augment.repeats : 1;
  return num_frames() * repeats;
}

MultiviewSample LabeledDataset::get(std::int64_t index) const {
  MVPOSE3D_CHECK(
      index >= 0 && index < size(), "dataset: sample {} is outside [0, {})", index, size());
  const SampleLabels labels = this->labels(index % num_frames());
  const int views = static_cast<int>(labels.cameras.size());
  const int size_px = options_.crop_size_px;
  const at::Tensor world = labels.joints_world_mm.to(at::kDouble).contiguous();
  const std::int64_t joints = world.size(0);

  Rng rng(hash_values({options_.seed, kStreamAugment, static_cast<std::uint64_t>(index)}));
  const bool augment = options_.augmenting;
  // Drawn whether or not it is used, so that the per-view streams do not depend on flip_prob.
  const bool flip = rng.bernoulli(options_.augment.flip_prob) && augment;

  MultiviewSample s;
  s.images = at::zeros({views, 3, size_px, size_px}, at::kByte);
  s.joints_world_mm = world;
  s.joints_2d_px = at::zeros({views, joints, 2}, at::kDouble);
  s.visibility = at::zeros({views, joints}, at::kFloat);
  const double* x = world.data_ptr<double>();
  double* uv = s.joints_2d_px.data_ptr<double>();
  float* vis = s.visibility.data_ptr<float>();
  const bool have_2d = labels.joints_2d_px.defined();
  const at::Tensor labels_2d =
      have_2d ? labels.joints_2d_px.to(at::kDouble).contiguous() : at::Tensor();
  for (int v = 0; v < views; ++v) {
    const std::size_t vi = static_cast<std::size_t>(v);
    const ViewAugmentation va =
        augment ? draw_view_augmentation(options_.augment, rng) : ViewAugmentation{};
    const Camera& camera = labels.cameras[vi];
    const bool present = labels.present[vi];
    const Eigen::Vector4d box = present ? labels.boxes[vi] : projected_box(camera, world);
    const CropPlan plan =
        plan_crop(camera, box, size_px, options_.bbox_scale, options_.undistort, va);
    if (present) {
      at::Tensor image = render_crop(labels.images[vi], camera, plan);
      apply_color(image, va);
      s.images[v].copy_(image);
    }
    for (std::int64_t j = 0; j < joints; ++j) {
      const Eigen::Vector3d p(x[3 * j], x[3 * j + 1], x[3 * j + 2]);
      Eigen::Vector2d q;
      if (have_2d && present) {
        const double* l = labels_2d.data_ptr<double>() + (v * joints + j) * 2;
        q = map_to_crop(camera, plan, Eigen::Vector2d(l[0], l[1]));
      } else {
        q = plan.camera.project(p);
      }
      uv[(v * joints + j) * 2] = q.x();
      uv[(v * joints + j) * 2 + 1] = q.y();
      const bool inside = q.allFinite() && q.x() >= -0.5 && q.y() >= -0.5 &&
                          q.x() <= size_px - 0.5 && q.y() <= size_px - 0.5;
      const bool in_front = plan.camera.world_to_camera(p).z() > 0;
      vis[v * joints + j] = present && inside && in_front ? 1.0f : 0.0f;
    }
    s.cameras.push_back(plan.camera);
    s.crop_from_original.push_back(plan.crop_from_original);
  }
  s.subject = labels.subject;
  s.subject_id = labels.subject_id;
  s.action = labels.action;
  s.action_id = labels.action_id;
  s.sequence = labels.sequence;
  s.frame = labels.frame;
  s.index = index;
  if (flip) flip_sample(s, skeleton());
  return s;
}

std::vector<std::int64_t> LabeledDataset::frames_with_missing_files(const std::string& what) const {
  std::vector<std::int64_t> missing;
  std::vector<std::string> examples;
  std::int64_t missing_files = 0;
  for (std::int64_t f = 0; f < num_frames(); ++f) {
    const SampleLabels l = labels(f);
    bool any = false;
    for (std::size_t v = 0; v < l.images.size(); ++v) {
      if (!l.present[v] || std::filesystem::exists(l.images[v].file)) continue;
      any = true;
      ++missing_files;
      if (examples.size() < 3) examples.push_back(l.images[v].file.string());
    }
    if (any) missing.push_back(f);
  }
  if (!missing.empty()) {
    spdlog::warn("{}: skip_missing: skipping {} of {} frames with {} missing files, e.g. {}",
                 what,
                 missing.size(),
                 num_frames(),
                 missing_files,
                 fmt::join(examples, ", "));
  }
  return missing;
}

TemplateField text_field(const std::string& name, const std::string& value) {
  TemplateField f;
  f.name = name;
  f.text = value;
  return f;
}

TemplateField number_field(const std::string& name, std::int64_t value) {
  TemplateField f;
  f.name = name;
  f.number = value;
  f.is_number = true;
  return f;
}

std::string fill_template(const std::string& pattern,
                          const std::vector<TemplateField>& fields,
                          const std::string& key) {
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  std::vector<std::string> names;
  for (const TemplateField& f : fields) {
    names.push_back(f.name);
    if (f.is_number) {
      store.push_back(fmt::arg(f.name.c_str(), f.number));
    } else {
      store.push_back(fmt::arg(f.name.c_str(), f.text));
    }
  }
  try {
    return fmt::vformat(pattern, store);
  } catch (const fmt::format_error& e) {
    throw Error(fmt::format("{}: bad path template '{}' ({}); known fields: {}",
                            key,
                            pattern,
                            e.what(),
                            fmt::join(names, ", ")));
  }
}

std::filesystem::path resolve_path(const std::string& root, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute() || root.empty()) return p;
  return std::filesystem::path(root) / p;
}

}  // namespace mvpose3d
