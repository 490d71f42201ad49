// The built-in synthetic multi-view dataset: procedural motion on the H36M-17 skeleton, real or
// generated camera rigs, and rendered views with human-like appearance, occluders, truncation,
// blur and noise (docs/data_synthetic.md).
//
//   const RunConfig config = load_config("configs/synthetic/....yaml");
//   auto train = std::make_shared<SyntheticDataset>(config.data, config.seed,
//                                                   synthetic_train_split(config.data));
//   auto test = std::make_shared<SyntheticDataset>(config.data, config.seed,
//                                                  synthetic_test_split(config.data, "unseen"));
//   MultiviewLoader loader(train, {...});
//
// Sample i of a split is a pure function of (config, seed, split name, i): the same seed gives the
// same samples with any number of workers and in any order. Splits with different names never
// share a random stream; subjects (body shapes and clothes) depend on the subject name only.
#pragma once

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/data/dataset.h"
#include "mvpose3d/data/synthetic/bvh.h"
#include "mvpose3d/data/synthetic/synthetic_body.h"
#include "mvpose3d/data/synthetic/synthetic_motion.h"
#include "mvpose3d/data/synthetic/synthetic_render.h"
#include "mvpose3d/data/synthetic/synthetic_rigs.h"
#include "mvpose3d/geometry/rig.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mvpose3d {

// Which samples: the subjects, how many, and through which cameras.
struct SyntheticSplit {
  std::string name = "train";         // mixed into every random stream of the split
  std::vector<std::string> subjects;  // drawn uniformly per sample
  std::int64_t size = 1000;           // number of samples
  // Camera set:
  //   "seen"     data.rig (turned by rig_yaw_deg); per-sample jitter or random rigs when
  //              `randomize` (data.synthetic.randomize_rig, training only by default)
  //   "rotated"  the seen rig turned by a further data.synthetic.rotated_yaw_deg about the
  //              vertical axis: statistically the same images, another world frame
  //   "unseen"   one random rig (data.synthetic.random_rig) drawn from the seed, for the split
  //   "random"   a new random rig for every sample
  std::string camera_set = "seen";
  bool randomize = false;  // per-sample rig randomisation of the "seen" set
  // Cameras of the "unseen" rig; 0 = data.num_views. Another count (eval.view_counts) tests a
  // network on more or fewer cameras than it was trained with; with data.num_views the rig is
  // the "unseen" set's own.
  int unseen_cameras = 0;
};

// data.train_subjects, samples_per_epoch samples, the seen rig with randomize_rig.
SyntheticSplit synthetic_train_split(const DataConfig& data);
// data.test_subjects, test_samples samples, the given camera set, no randomisation. Every camera
// set of the test split has the same name ("test"), hence the same motion, appearance and
// backgrounds: the sets differ only in their cameras.
SyntheticSplit synthetic_test_split(const DataConfig& data, const std::string& camera_set = "seen");
// The known camera sets.
const std::vector<std::string>& synthetic_camera_sets();

// Everything that makes up one sample before rendering (for tests and tools).
struct SyntheticScene {
  std::string subject;
  synthetic::Action action = synthetic::Action::kIdle;  // of procedural samples
  std::string action_name;               // action_name(action), or "bvh" for motion-capture samples
  std::int64_t sequence = 0, frame = 0;  // BVH samples: clip index and frame in the clip
  synthetic::MotionFrame motion;
  Rig rig;                      // full-image cameras of this sample, pinhole
  std::vector<Camera> cameras;  // [V] cropped cameras
  std::vector<Eigen::Matrix<double, 2, 3>> crop_from_original;  // [V]
  synthetic::Scene scene;                    // the primitives (body, props, occluders)
  std::vector<synthetic::ViewStyle> styles;  // [V]
};

// What surrounds the subject in a sample's scene, drawn from `rng` in this order: the occluders
// (data.synthetic.occluders per camera of `rig`, each with occluder_prob, between `subject_mm` and
// the camera), the light, and the floor (data.synthetic.floor). Shared by the dataset and
// `mvpose3d data render-session`.
void add_environment(const SyntheticDataConfig& syn,
                     const Eigen::Vector3d& subject_mm,
                     const Rig& rig,
                     Rng& rng,
                     synthetic::Scene* scene);

class SyntheticDataset : public MultiviewDataset {
 public:
  // Throws Error for a bad config (unknown rig, too few cameras, bad ranges) naming the key.
  SyntheticDataset(const DataConfig& data, std::int64_t seed, SyntheticSplit split);

  std::int64_t size() const override { return split_.size; }
  MultiviewSample get(std::int64_t index) const override;
  const Skeleton& skeleton() const override;
  int num_views() const override { return num_views_; }
  int image_size_px() const override { return data_.crop_size_px; }
  std::vector<std::string> subject_names() const override { return split_.subjects; }
  // data.synthetic.actions, plus "bvh" (the action of motion-capture samples) when BVH files
  // are configured.
  std::vector<std::string> action_names() const override { return action_names_; }

  // The scene of sample `index` without rendering.
  SyntheticScene scene(std::int64_t index) const;
  const SyntheticSplit& split() const { return split_; }

 private:
  DataConfig data_;
  std::uint64_t seed_;
  SyntheticSplit split_;
  std::uint64_t split_key_;   // motion / appearance / placement streams
  std::uint64_t camera_key_;  // camera-set streams
  int num_views_ = 0;         // data.num_views, or split.unseen_cameras when set
  Rig split_rig_;             // the fixed rig of "seen" (no randomize), "rotated" and "unseen"
  std::vector<synthetic::Action> actions_;
  std::vector<synthetic::BodyShape> bodies_;        // per subject
  std::vector<synthetic::Appearance> appearances_;  // per subject
  std::vector<RetargetedClip> clips_;               // data.synthetic.bvh.files
  std::vector<std::int64_t> clip_starts_;           // first global frame of each clip
  std::int64_t clip_frames_ = 0;                    // frames of all clips
  std::vector<std::string> action_names_;           // data.synthetic.actions [+ "bvh"]
};

}  // namespace mvpose3d
