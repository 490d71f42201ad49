// Human3.6M as a MultiviewDataset: the labels converted by tools/convert_h36m_labels.py plus an
// image tree (learnable-triangulation / h36m-fetch `processed/`, or H36M-Toolbox `images/`), with
// the multi-view protocol of the papers (docs/datasets.md):
//   - train: data.train_subjects (S1, S5, S6, S7, S8), every data.h36m.frame_step_train-th frame
//     of each sequence, augmented when data.h36m.augment.enabled;
//   - test: data.test_subjects (S9, S11), every frame_step_test-th frame, never augmented;
//   - actions data.h36m.actions; sequences data.h36m.excluded_sequences left out (the damaged S9
//     Greeting-2, SittingDown-2 and Waiting-1 by default);
//   - views: data.h36m.cameras in that order; a frame where one of them is missing (all-zero box,
//     S11 Directions-2 camera 54138969) is skipped or kept with a black view (missing_views).
//
// Samples: subject "S9", action the release name ("Directions", "WalkDog", "Photo"), sequence the
// sub-action (1 or 2, learnable-triangulation's "-1"/"-2"), frame the 0-based frame at 50 Hz;
// joints in H36M-17 order, world mm.
#pragma once

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/data/h36m/h36m_labels.h"
#include "mvpose3d/data/labeled/labeled_dataset.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mvpose3d {

class H36mDataset : public LabeledDataset {
 public:
  // split: "train" or "test". Opens the labels file (and data.h36m.cameras_file) and selects the
  // frames; throws Error naming the key or file for a bad config (unknown subject, action, camera,
  // excluded sequence; data.num_views not matching data.h36m.cameras; data.joints not h36m17) or
  // a bad file.
  H36mDataset(const DataConfig& data, std::int64_t seed, const std::string& split);

  std::int64_t num_frames() const override { return static_cast<std::int64_t>(rows_.size()); }
  SampleLabels labels(std::int64_t frame) const override;
  std::vector<std::string> view_names() const override { return data_.h36m.cameras; }

  const Skeleton& skeleton() const override;
  int num_views() const override { return static_cast<int>(columns_.size()); }
  std::vector<std::string> subject_names() const override { return subjects_; }
  std::vector<std::string> action_names() const override { return data_.h36m.actions; }

  // Row of the labels file behind frame f.
  std::int64_t row(std::int64_t frame) const { return rows_.at(static_cast<std::size_t>(frame)); }

 private:
  DataConfig data_;
  std::string split_;
  std::shared_ptr<const H36mLabels> labels_;
  std::vector<int> columns_;           // view v → camera column of the labels file
  std::vector<std::string> subjects_;  // the split's subjects, config order
  std::vector<int> subject_of_file_;   // labels-file subject → index in subjects_ (−1: unused)
  std::vector<int> action_of_file_;    // h36m_actions() index → index in data.h36m.actions
  std::vector<std::int64_t> rows_;     // selected rows
  std::vector<std::vector<bool>> present_;    // [frame][view]
  std::vector<std::vector<Camera>> cameras_;  // [labels-file subject][view] full-image cameras
};

}  // namespace mvpose3d
