// The `data` section: which dataset, which views and joints, and the input pipeline.
#pragma once

#include "mvpose3d/config/schema.h"

#include <string>
#include <vector>

namespace mvpose3d {

// data.synthetic: the procedurally rendered dataset (used when data.type is "synthetic").
struct SyntheticDataConfig {
  int samples_per_epoch = 10000;      // training samples drawn per epoch
  int test_samples = 1000;            // size of the fixed test set
  int occluders = 0;                  // random occluding shapes per view
  double blur_prob = 0.0;             // probability that a view is blurred, in [0, 1]
  double noise_std = 0.0;             // std of additive pixel noise, intensities in [0, 1]
  bool randomize_rig = false;         // jitter the camera rig per sample instead of a fixed rig
  bool symmetric_appearance = false;  // left and right limbs look alike (no colour coding)

  template <class Visitor>
  void visit(Visitor& v) {
    v("samples_per_epoch", samples_per_epoch, "training samples drawn per epoch", Positive());
    v("test_samples", test_samples, "size of the fixed test set", Positive());
    v("occluders", occluders, "random occluding shapes per view", NonNegative());
    v("blur_prob", blur_prob, "probability that a view is blurred", InRange(0, 1));
    v("noise_std",
      noise_std,
      "standard deviation of additive pixel noise, for intensities in [0, 1]",
      NonNegative());
    v("randomize_rig",
      randomize_rig,
      "jitter every camera of the rig per sample instead of using the fixed rig");
    v("symmetric_appearance",
      symmetric_appearance,
      "left and right limbs look alike, as on real people: no colour coding");
  }
};
MVPOSE3D_CONFIG_EQUALITY(SyntheticDataConfig)

struct DataConfig {
  std::string type = "synthetic";  // synthetic | h36m | totalcapture
  std::string root;                // dataset directory (unused by synthetic)
  int crop_size_px = 128;          // side of the square input crop, pixels
  int num_views = 4;               // views per sample
  std::string joints = "h36m17";   // skeleton: h36m17 | tc16 | vicon21
  std::vector<std::string> train_subjects{"S1", "S5", "S6", "S7", "S8"};  // training subjects
  std::vector<std::string> test_subjects{"S9", "S11"};                    // test subjects
  std::string rig = "h36m";       // camera rig: a rig name or a rig YAML file
  int workers = 2;                // data loading threads (0 = load on the training thread)
  int prefetch = 2;               // batches prepared ahead per worker
  SyntheticDataConfig synthetic;  // synthetic data options

  template <class Visitor>
  void visit(Visitor& v) {
    v("type", type, "dataset", OneOf({"synthetic", "h36m", "totalcapture"}));
    v("root", root, "dataset directory, unused by synthetic data");
    v("crop_size_px", crop_size_px, "side of the square input crop, in pixels", InRange(32, 512));
    v("num_views", num_views, "camera views per sample", AtLeast(1));
    v("joints", joints, "skeleton and joint order", OneOf({"h36m17", "tc16", "vicon21"}));
    v("train_subjects", train_subjects, "subjects used for training");
    v("test_subjects", test_subjects, "subjects used for evaluation");
    v("rig", rig, "camera rig: a rig name or a rig YAML file");
    v("workers", workers, "data loading threads, 0 = load on the training thread", NonNegative());
    v("prefetch", prefetch, "batches prepared ahead per worker", NonNegative());
    v("synthetic", synthetic, "options of the synthetic dataset, used when data.type is synthetic");
  }
};
MVPOSE3D_CONFIG_EQUALITY(DataConfig)

}  // namespace mvpose3d
