#include "mvpose3d/data/synthetic/synthetic_dataset.h"

#include "mvpose3d/config/rules.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/random.h"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>

namespace mvpose3d {

using namespace synthetic;

namespace {

// Stream tags.
enum : std::uint64_t {
  kStreamSample = 0x5a3f1e,
  kStreamRig = 0x816,
  kStreamScene = 0x5ce7e,
  kStreamView = 0x71e3,
  kStreamSplitRig = 0x5b1,
};

constexpr double kCaptureCentreHeightMm = 900;

std::array<double, 2> range_of(const std::vector<double>& v, const char* key) {
  MVPOSE3D_CHECK(v.size() == 2 && v[0] <= v[1],
                 "data.synthetic.{} must be [min, max] with min <= max, got [{}]",
                 key,
                 fmt::join(v, ", "));
  return {v[0], v[1]};
}

RandomRigOptions random_rig_options(const DataConfig& data, int num_cameras) {
  const RandomRigConfig& c = data.synthetic.random_rig;
  RandomRigOptions o;
  o.num_cameras = num_cameras;
  o.distance_mm = range_of(c.distance_mm, "random_rig.distance_mm");
  o.height_mm = range_of(c.height_mm, "random_rig.height_mm");
  o.focal_px = range_of(c.focal_px, "random_rig.focal_px");
  o.azimuth_jitter_deg = c.azimuth_jitter_deg;
  o.look_at_jitter_mm = c.look_at_jitter_mm;
  o.target_mm = Eigen::Vector3d(0, 0, kCaptureCentreHeightMm);
  return o;
}

// The first `views` cameras of a rig.
Rig first_views(const Rig& rig, int views, const std::string& what) {
  MVPOSE3D_CHECK(static_cast<int>(rig.size()) >= views,
                 "{}: the rig '{}' has {} cameras but data.num_views is {}",
                 what,
                 rig.name(),
                 rig.size(),
                 views);
  if (static_cast<int>(rig.size()) == views) return rig;
  std::vector<std::string> names(rig.camera_names().begin(), rig.camera_names().begin() + views);
  return rig.select(names);
}

}  // namespace

const std::vector<std::string>& synthetic_camera_sets() {
  return synthetic_camera_set_names();
}

SyntheticSplit synthetic_train_split(const DataConfig& data) {
  SyntheticSplit s;
  s.name = "train";
  s.subjects = data.train_subjects;
  s.size = data.synthetic.samples_per_epoch;
  s.camera_set = "seen";
  s.randomize = data.synthetic.randomize_rig;
  return s;
}

SyntheticSplit synthetic_test_split(const DataConfig& data, const std::string& camera_set) {
  SyntheticSplit s;
  s.name = "test";
  s.subjects = data.test_subjects;
  s.size = data.synthetic.test_samples;
  s.camera_set = camera_set;
  s.randomize = false;
  return s;
}

SyntheticDataset::SyntheticDataset(const DataConfig& data, std::int64_t seed, SyntheticSplit split)
    : data_(data), seed_(static_cast<std::uint64_t>(seed)), split_(std::move(split)) {
  const SyntheticDataConfig& syn = data_.synthetic;
  MVPOSE3D_CHECK(data_.joints == JointSet::kH36m17,
                 "synthetic data: data.joints must be h36m17, got '{}'",
                 to_string(data_.joints));
  MVPOSE3D_CHECK(data_.num_views >= 1, "synthetic data: data.num_views must be >= 1");
  MVPOSE3D_CHECK(
      split_.unseen_cameras >= 0 && (split_.unseen_cameras == 0 || split_.camera_set == "unseen"),
      "synthetic data: {} unseen cameras asked for camera set '{}'; another camera "
      "count than data.num_views exists for the \"unseen\" set only",
      split_.unseen_cameras,
      split_.camera_set);
  num_views_ = split_.unseen_cameras > 0 ? split_.unseen_cameras : data_.num_views;
  MVPOSE3D_CHECK(data_.crop_size_px >= kMinCropSizePx && data_.crop_size_px <= kMaxCropSizePx,
                 "synthetic data: data.crop_size_px must be in [{}, {}], got {}",
                 kMinCropSizePx,
                 kMaxCropSizePx,
                 data_.crop_size_px);
  MVPOSE3D_CHECK(!split_.subjects.empty(),
                 "synthetic data: split '{}' has no subjects (data.train_subjects / "
                 "data.test_subjects)",
                 split_.name);
  MVPOSE3D_CHECK(
      split_.size > 0, "synthetic data: split '{}' has size {}", split_.name, split_.size);
  MVPOSE3D_CHECK(!syn.actions.empty(), "synthetic data: data.synthetic.actions is empty");
  MVPOSE3D_CHECK(std::find(synthetic_camera_sets().begin(),
                           synthetic_camera_sets().end(),
                           split_.camera_set) != synthetic_camera_sets().end(),
                 "synthetic data: unknown camera set '{}' (known: {})",
                 split_.camera_set,
                 fmt::join(synthetic_camera_sets(), ", "));
  range_of(syn.crop_scale, "crop_scale");
  range_of(syn.blur_sigma_px, "blur_sigma_px");
  random_rig_options(data_, data_.num_views);  // checks the ranges
  for (const std::string& a : syn.actions) actions_.push_back(action_from_name(a));
  for (const std::string& s : split_.subjects) {
    bodies_.push_back(body_shape_for_subject(s));
    appearances_.push_back(appearance_for_subject(s));
  }

  action_names_ = syn.actions;
  if (!syn.bvh.files.empty()) {
    BvhRetargetOptions retarget;
    retarget.joint_map = syn.bvh.joint_map;
    retarget.scale_to_mm = syn.bvh.scale_to_mm;
    retarget.up_axis = to_string(syn.bvh.up_axis);
    retarget.recenter = syn.bvh.recenter;
    try {
      for (const auto& file : find_bvh_files(syn.bvh.files)) {
        clips_.emplace_back(load_bvh(file), retarget);
        clip_starts_.push_back(clip_frames_);
        clip_frames_ += clips_.back().frames();
      }
    } catch (const Error& e) {
      throw Error(fmt::format("data.synthetic.bvh: {}", e.what()));
    }
    MVPOSE3D_CHECK(clip_frames_ > 0, "data.synthetic.bvh: the BVH files hold no frames");
    action_names_.push_back("bvh");
  }

  split_key_ = hash_values({seed_, hash_string(split_.name)});
  camera_key_ = hash_values({split_key_, hash_string(split_.camera_set)});

  Rig rig;
  try {
    rig = resolve_rig(data_.rig);
  } catch (const Error& e) {
    throw Error(fmt::format("data.rig: {}", e.what()));
  }
  // The rig of the "seen" set (pinhole, turned by rig_yaw_deg), before any per-sample changes.
  const Rig base_rig = rotate_rig_about_vertical(
      first_views(pinhole_rig(rig), data_.num_views, "data.rig"), syn.rig_yaw_deg);
  if (split_.camera_set == "rotated") {
    split_rig_ = rotate_rig_about_vertical(base_rig, syn.rotated_yaw_deg);
  } else if (split_.camera_set == "unseen") {
    Rng rng(hash_values({camera_key_, kStreamSplitRig}));
    split_rig_ = random_rig(random_rig_options(data_, num_views_), rng);
  } else {
    split_rig_ = base_rig;
  }
}

const Skeleton& SyntheticDataset::skeleton() const {
  return h36m17_skeleton();
}

void add_environment(const SyntheticDataConfig& syn,
                     const Eigen::Vector3d& subject_mm,
                     const Rig& rig,
                     Rng& rng,
                     Scene* scene) {
  for (std::size_t v = 0; v < rig.size(); ++v) {
    for (int k = 0; k < syn.occluders; ++k) {
      if (!rng.bernoulli(syn.occluder_prob)) continue;
      add_occluder(subject_mm, rig.camera(v).center(), syn.occluder_spread_mm, rng, scene);
    }
  }
  const double light_az = rng.uniform(0, 2 * M_PI), light_el = rng.uniform(0.5, 1.35);
  scene->light_dir_world = Eigen::Vector3d(std::cos(light_el) * std::cos(light_az),
                                           std::cos(light_el) * std::sin(light_az),
                                           std::sin(light_el));
  scene->ambient = static_cast<float>(rng.uniform(0.35, 0.55));
  scene->diffuse = static_cast<float>(rng.uniform(0.5, 0.75));
  if (syn.floor) {
    scene->floor_radius_mm = rng.uniform(2500, 6000);
    Material& f = scene->floor;
    const double v = rng.uniform(0.25, 0.8);
    f.color = {static_cast<float>(v * rng.uniform(0.8, 1.1)),
               static_cast<float>(v * rng.uniform(0.8, 1.0)),
               static_cast<float>(v * rng.uniform(0.7, 1.0))};
    const float k = static_cast<float>(rng.uniform(0.6, 0.9));
    f.color2 = {f.color.r * k, f.color.g * k, f.color.b * k};
    const double u = rng.uniform();
    f.pattern = u < 0.45 ? Pattern::kChecks : u < 0.7 ? Pattern::kStripes : Pattern::kPlain;
    f.period_mm = static_cast<float>(rng.uniform(250, 900));
  }
}

SyntheticScene SyntheticDataset::scene(std::int64_t index) const {
  MVPOSE3D_CHECK(index >= 0 && index < split_.size,
                 "synthetic split '{}': index {} out of range [0, {})",
                 split_.name,
                 index,
                 split_.size);
  const SyntheticDataConfig& syn = data_.synthetic;
  const std::uint64_t key =
      hash_values({split_key_, kStreamSample, static_cast<std::uint64_t>(index)});
  Rng rng(key);
  SyntheticScene out;
  const std::size_t subject = rng.below(split_.subjects.size());
  out.subject = split_.subjects[subject];
  out.action = actions_[rng.below(actions_.size())];
  out.sequence =
      static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(syn.sequences_per_subject)));
  out.frame =
      static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(syn.frames_per_sequence)));
  // With BVH files, a share of the samples is motion capture (drawn only then, so that the streams
  // of procedural-only configs do not change).
  if (clip_frames_ > 0 && rng.bernoulli(syn.bvh.fraction)) {
    const auto g = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(clip_frames_)));
    const auto clip = static_cast<std::size_t>(
        std::upper_bound(clip_starts_.begin(), clip_starts_.end(), g) - clip_starts_.begin() - 1);
    out.sequence = static_cast<std::int64_t>(clip);
    out.frame = g - clip_starts_[clip];
    out.action_name = "bvh";
    out.motion.joints_world_mm = clips_[clip].frame(static_cast<int>(out.frame));
    const Eigen::Vector3d right = out.motion.joints_world_mm[1] - out.motion.joints_world_mm[4];
    out.motion.heading_rad = std::atan2(right.y(), right.x());  // forward = z × right
  } else {
    MotionOptions motion_options;
    motion_options.fps = syn.fps;
    motion_options.area_radius_mm = syn.area_radius_mm;
    out.action_name = action_name(out.action);
    out.motion = procedural_motion({seed_, out.subject, out.action, out.sequence, out.frame},
                                   bodies_[subject],
                                   motion_options);
  }

  // Cameras of this sample (full images).
  const std::uint64_t sample_camera_key =
      hash_values({camera_key_, kStreamRig, static_cast<std::uint64_t>(index)});
  if (split_.camera_set == "random" || (split_.camera_set == "seen" && split_.randomize &&
                                        syn.rig_randomization == RigRandomization::kRandom)) {
    Rng rig_rng(sample_camera_key);
    out.rig = random_rig(random_rig_options(data_, data_.num_views), rig_rng);
  } else if (split_.camera_set == "seen" && split_.randomize) {
    Rng rig_rng(sample_camera_key);
    RigJitterOptions j;
    j.azimuth_deg = syn.rig_jitter.azimuth_deg;
    j.height_mm = syn.rig_jitter.height_mm;
    j.distance_mm = syn.rig_jitter.distance_mm;
    j.look_at_mm = syn.rig_jitter.look_at_mm;
    j.focal_rel = syn.rig_jitter.focal_rel;
    j.target_mm = Eigen::Vector3d(0, 0, kCaptureCentreHeightMm);
    out.rig = jitter_rig(split_rig_, j, rig_rng);
  } else {
    out.rig = split_rig_;
  }

  // The 3D scene: body, props, occluders, light, floor.
  Rng scene_rng(hash_values({key, kStreamScene}));
  Scene& scene = out.scene;
  add_body(out.motion.joints_world_mm,
           bodies_[subject],
           appearances_[subject],
           !syn.symmetric_appearance,
           &scene);
  add_props(out.motion.props, scene_rng, &scene);
  add_environment(syn, out.motion.joints_world_mm[0], out.rig, scene_rng, &scene);

  // Per view: a square crop around the projected joints, and the image degradations.
  const int size = data_.crop_size_px;
  const auto crop_scale = range_of(syn.crop_scale, "crop_scale");
  const auto blur = range_of(syn.blur_sigma_px, "blur_sigma_px");
  for (std::size_t v = 0; v < out.rig.size(); ++v) {
    Rng view_rng(hash_values({key, kStreamView, v}));
    const Camera& full = out.rig.camera(v);
    double u0 = 1e300, u1 = -1e300, v0 = 1e300, v1 = -1e300;
    for (const auto& x : out.motion.joints_world_mm) {
      const Eigen::Vector2d p = full.project(x);
      u0 = std::min(u0, p.x()), u1 = std::max(u1, p.x());
      v0 = std::min(v0, p.y()), v1 = std::max(v1, p.y());
    }
    double side = std::max(u1 - u0, v1 - v0) * view_rng.uniform(crop_scale[0], crop_scale[1]);
    double cu = 0.5 * (u0 + u1), cv = 0.5 * (v0 + v1);
    // A small centring jitter always; truncation sometimes.
    cu += 0.03 * side * view_rng.uniform(-1, 1);
    cv += 0.03 * side * view_rng.uniform(-1, 1);
    if (view_rng.bernoulli(syn.truncation_prob)) {
      const double t = syn.truncation_max;
      side *= view_rng.uniform(0.75, 1.0);
      cu += side * view_rng.uniform(-t, t);
      cv += side * view_rng.uniform(-t, t);
    }
    side = std::max(side, 1.0);
    // Output pixel edges −0.5 and size − 0.5 map to the window [left, left + side] of the
    // original image (pixel-centre convention): u' = s·(u − left) − 0.5 with s = size / side.
    const double s = size / side;
    const double left = cu - 0.5 * side, top = cv - 0.5 * side;
    Eigen::Matrix<double, 2, 3> a;
    a << s, 0, -s * left - 0.5, 0, s, -s * top - 0.5;
    out.cameras.push_back(full.apply_image_transform(a, size, size));
    out.crop_from_original.push_back(a);

    ViewStyle style;
    style.seed = hash_values({key, kStreamView, v, 1});
    style.clutter_shapes = syn.background_shapes;
    style.blur_sigma_px = view_rng.bernoulli(syn.blur_prob)
                              ? static_cast<float>(view_rng.uniform(blur[0], blur[1]))
                              : 0.0f;
    style.noise_std = static_cast<float>(syn.noise_std);
    const double cj = syn.color_jitter;
    const double exposure = view_rng.uniform(-cj, cj);
    style.gain = {static_cast<float>(1 + exposure + view_rng.uniform(-cj, cj) * 0.5),
                  static_cast<float>(1 + exposure + view_rng.uniform(-cj, cj) * 0.5),
                  static_cast<float>(1 + exposure + view_rng.uniform(-cj, cj) * 0.5)};
    style.offset = static_cast<float>(view_rng.uniform(-cj, cj) * 0.5);
    out.styles.push_back(style);
  }
  return out;
}

MultiviewSample SyntheticDataset::get(std::int64_t index) const {
  const SyntheticScene sc = scene(index);
  const int views = static_cast<int>(sc.cameras.size());
  const int size = data_.crop_size_px;
  MultiviewSample s;
  s.images = at::empty({views, 3, size, size}, at::kByte);
  s.joints_world_mm = at::empty({kNumJoints, 3}, at::kDouble);
  s.joints_2d_px = at::empty({views, kNumJoints, 2}, at::kDouble);
  s.visibility = at::empty({views, kNumJoints}, at::kFloat);
  double* world = s.joints_world_mm.data_ptr<double>();
  for (int j = 0; j < kNumJoints; ++j) {
    for (int k = 0; k < 3; ++k)
      world[3 * j + k] = sc.motion.joints_world_mm[static_cast<std::size_t>(j)](k);
  }

  // One set of buffers per thread, reused for every view it renders.
  thread_local RenderBuffers buffers;
  std::uint8_t* images = s.images.data_ptr<std::uint8_t>();
  double* joints_2d = s.joints_2d_px.data_ptr<double>();
  float* visible = s.visibility.data_ptr<float>();
  for (int v = 0; v < views; ++v) {
    const Camera& cam = sc.cameras[static_cast<std::size_t>(v)];
    render_view(sc.scene,
                cam,
                sc.styles[static_cast<std::size_t>(v)],
                buffers,
                images + static_cast<std::size_t>(v) * 3 * size * size);
    for (int j = 0; j < kNumJoints; ++j) {
      const Eigen::Vector3d& x = sc.motion.joints_world_mm[static_cast<std::size_t>(j)];
      const Eigen::Vector2d p = cam.project(x);
      joints_2d[(v * kNumJoints + j) * 2] = p.x();
      joints_2d[(v * kNumJoints + j) * 2 + 1] = p.y();
      bool vis = p.x() >= -0.5 && p.x() < size - 0.5 && p.y() >= -0.5 && p.y() < size - 0.5 &&
                 cam.world_to_camera(x).z() > 0;
      if (vis) {
        // Hidden when the surface seen at the joint's pixel belongs to an occluder or prop in
        // front of the joint.
        const long px = std::clamp(std::lround(p.x()), 0L, static_cast<long>(size - 1));
        const long py = std::clamp(std::lround(p.y()), 0L, static_cast<long>(size - 1));
        const std::size_t pix = static_cast<std::size_t>(py * size + px);
        const int id = buffers.primitive[pix];
        if (id >= 0 && sc.scene.primitives[static_cast<std::size_t>(id)].external &&
            buffers.depth[pix] < cam.world_to_camera(x).z()) {
          vis = false;
        }
      }
      visible[v * kNumJoints + j] = vis ? 1.0f : 0.0f;
    }
  }
  for (int v = 0; v < views; ++v) {
    s.cameras.push_back(sc.cameras[static_cast<std::size_t>(v)]);
    s.crop_from_original.push_back(sc.crop_from_original[static_cast<std::size_t>(v)]);
  }
  s.subject = sc.subject;
  s.subject_id =
      static_cast<int>(std::find(split_.subjects.begin(), split_.subjects.end(), sc.subject) -
                       split_.subjects.begin());
  s.action = sc.action_name;
  s.action_id = static_cast<int>(std::find(action_names_.begin(), action_names_.end(), s.action) -
                                 action_names_.begin());
  s.sequence = sc.sequence;
  s.frame = sc.frame;
  s.index = index;
  return s;
}

}  // namespace mvpose3d
