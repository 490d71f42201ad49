// The common part of the real-data readers (Human3.6M, Total Capture): a dataset whose samples
// are labelled frames seen by calibrated cameras, turned into MultiviewSamples by the shared image
// pipeline (image_crop.h).
//
// A reader implements num_frames(), labels(f) and the names; get(i) then
//   1. takes the labels of frame f = i mod num_frames() (the training split may be repeated with
//      independent augmentations, AugmentConfig::repeats),
//   2. crops every present view around its box (plan_crop) and renders it (render_crop); a missing
//      view gets a black image, a crop around the projected joints and zero visibility,
//   3. gives joints_2d_px from the dataset's 2D labels when it has them (mapped into the crop),
//   else
//      from projecting the 3D joints through the crop's camera; visibility = inside the crop, in
//      front of the camera and in a present view,
//   4. applies the augmentation of sample i (a pure function of (seed, i)): scale, shift and
//      rotation of each crop, colour, and the whole-sample flip.
#pragma once

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/data/dataset.h"
#include "mvpose3d/data/labeled/image_crop.h"
#include "mvpose3d/geometry/camera.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <Eigen/Core>

namespace mvpose3d {

// What a reader knows about one frame before any pixel is read.
struct SampleLabels {
  std::string subject;                 // e.g. "S9"
  int subject_id = 0;                  // index in subject_names()
  std::string action;                  // e.g. "Directions", "walking2"
  int action_id = 0;                   // index in action_names()
  std::int64_t sequence = 0;           // sub-action (H36M 1 or 2) or take (Total Capture 1-3)
  std::int64_t frame = 0;              // frame in the sequence, 0-based, at the source frame rate
  std::vector<Camera> cameras;         // [V] full-image cameras (with their distortion)
  std::vector<ImageSource> images;     // [V]
  std::vector<Eigen::Vector4d> boxes;  // [V] crop boxes (left, top, right, bottom), px
  std::vector<bool> present;           // [V] false for a missing view (S11 Directions-2)
  at::Tensor joints_world_mm;          // [J, 3] float64
  at::Tensor joints_2d_px;             // [V, J, 2] float64 labels in the full images, or undefined
};

// How labels become samples (from the reader's config section).
struct PipelineOptions {
  int crop_size_px = 256;   // output side
  double bbox_scale = 1.0;  // crop side / box side
  bool undistort = false;   // remap crops of distorted cameras to pinhole cameras
  AugmentConfig augment;    // ranges (used when `augmenting`)
  bool augmenting = false;  // this split is augmented
  std::uint64_t seed = 0;   // augmentation stream
};

// The options of a reader's split: `split` "train" augments when augment.enabled.
PipelineOptions make_pipeline_options(int crop_size_px,
                                      double bbox_scale,
                                      bool undistort,
                                      const AugmentConfig& augment,
                                      const std::string& split,
                                      std::int64_t seed);

class LabeledDataset : public MultiviewDataset {
 public:
  // Distinct frames (size() = num_frames() · repeats when augmenting).
  virtual std::int64_t num_frames() const = 0;
  // Labels of frame f, 0 <= f < num_frames(). Thread-safe.
  virtual SampleLabels labels(std::int64_t frame) const = 0;
  // Names of the views in view order (camera serials or "cam1".."cam8").
  virtual std::vector<std::string> view_names() const = 0;

  std::int64_t size() const override;
  MultiviewSample get(std::int64_t index) const override;
  int image_size_px() const override { return options_.crop_size_px; }

  const PipelineOptions& pipeline() const { return options_; }

  // --- Crop cache: HDF5 shards of finished crops (no augmentation) -----------------------------
  // Frames per shard: shard k holds frames [k·kShardFrames, (k + 1)·kShardFrames).
  static constexpr std::int64_t kShardFrames = 256;
  // This selection's shard folder, "<crop_cache>/<name>-<key>" with key a hash of every frame's
  // files, boxes and cameras and of the crop options (so a changed config never reads stale
  // crops); empty when no cache is configured or the split is augmented. get() reads a frame's
  // images from its shard when the shard exists, and renders them otherwise.
  const std::filesystem::path& crop_cache_dir() const { return cache_dir_; }
  // Renders the frames of every missing shard with `threads` threads and writes the shards
  // (atomically: a shard file is complete or absent). Returns the number of shards written.
  std::int64_t write_crop_cache(int threads) const;

 protected:
  explicit LabeledDataset(const PipelineOptions& options) : options_(options) {}

  // The readers call this at the end of their constructor with data.<reader>.crop_cache and a
  // name for the selection (e.g. "h36m-test-seen").
  void use_crop_cache(const std::string& cache_root, const std::string& name);

  // Frames (of 0..num_frames()-1) one of whose present views' image files or videos is missing;
  // logs how many and the first few paths. For the readers' skip_missing option.
  std::vector<std::int64_t> frames_with_missing_files(const std::string& what) const;

 private:
  std::filesystem::path shard_file(std::int64_t shard) const;
  // Copies the images [V, 3, S, S] of `frame` from its shard into `out`; false without a shard.
  bool read_cached_images(std::int64_t frame, std::uint8_t* out) const;

  PipelineOptions options_;
  std::filesystem::path cache_dir_;
};

// Fills a path template with named fields, e.g. "{subject}/img_{frame1:06d}.jpg"; throws Error
// naming `key` and the template when it is malformed or uses an unknown field.
struct TemplateField {
  std::string name;
  std::string text;     // string fields
  std::int64_t number;  // numeric fields (when text is empty and is_number)
  bool is_number = false;
};
std::string fill_template(const std::string& pattern,
                          const std::vector<TemplateField>& fields,
                          const std::string& key);
TemplateField text_field(const std::string& name, const std::string& value);
TemplateField number_field(const std::string& name, std::int64_t value);

// `path` if absolute, else root / path.
std::filesystem::path resolve_path(const std::string& root, const std::string& path);

}  // namespace mvpose3d
