// Total Capture as a MultiviewDataset, read from the raw release (docs/datasets.md):
// calibration.cal, gt_skel_gbl_pos.txt per (subject, sequence), and frames from the videos
// TC_S{s}_{seq}_cam{c}.mp4 (OpenCV) or from images extracted in the TotalCapture-Toolbox layout.
//
// Protocol (Trumble et al. → Qiu et al. → Remelli et al.):
//   - train: data.train_subjects (S1, S2, S3) × data.totalcapture.train_sequences (rom1-3,
//     walking1,3, freestyle1,2, acting1,2), cameras seen_cameras (1, 3, 5, 7), every
//     frame_step_train-th frame, augmented when augment.enabled;
//   - test: data.test_subjects (S1-S5) × test_sequences (walking2, freestyle3, acting3), camera set
//     "seen" (seen_cameras) or "unseen" (unseen_cameras, 2, 4, 6, 8), every frame_step_test-th
//     frame.
// A sequence's frames are those of both its ground truth and its frames (video frame count, or the
// extracted images present): where they differ, the shorter wins (logged).
//
// Samples: subject "S1", action the sequence name ("walking2", "freestyle3", "acting3", "rom1"),
// sequence the take number (2), frame the 0-based frame at 60 Hz; joints data.joints (tc16, the
// toolbox's 16, or vicon21) in world mm (Total Capture's world is Y-up); crops from the toolbox's
// 2 m box around the hips (data.totalcapture.root_box_mm).
#pragma once

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/data/labeled/labeled_dataset.h"

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mvpose3d {

// Total Capture's action ids (the toolbox's action_map): rom 1, walking 2, acting 3, running 4,
// freestyle 5; −1 for anything else.
int totalcapture_action_id(const std::string& action);

class TotalCaptureDataset : public LabeledDataset {
 public:
  // split "train" or "test"; camera_set "seen" or "unseen" (test only). Reads the calibration and
  // the ground truth of every selected sequence. Throws Error naming the key or file for a bad
  // config (unknown subject or sequence, cameras outside the calibration, data.num_views not
  // matching the camera list, data.joints not tc16 or vicon21) or a bad or missing file (unless
  // skip_missing, which logs and skips the sequence or frames).
  TotalCaptureDataset(const DataConfig& data,
                      std::int64_t seed,
                      const std::string& split,
                      const std::string& camera_set = "seen");

  std::int64_t num_frames() const override { return static_cast<std::int64_t>(frames_.size()); }
  SampleLabels labels(std::int64_t frame) const override;
  std::vector<std::string> view_names() const override;

  const Skeleton& skeleton() const override;
  int num_views() const override { return static_cast<int>(camera_numbers_.size()); }
  std::vector<std::string> subject_names() const override { return subjects_; }
  std::vector<std::string> action_names() const override { return sequences_; }

 private:
  struct Sequence {
    int subject = 0;                          // index in subjects_
    int sequence = 0;                         // index in sequences_
    at::Tensor joints_mm;                     // [F, J, 3] float64 of the kept frames
    at::Tensor hips_mm;                       // [F, 3] float64
    std::vector<std::int64_t> frame_numbers;  // [F] 0-based frame of each kept frame
  };

  std::vector<TemplateField> sequence_fields(const Sequence& s) const;

  DataConfig data_;
  std::string split_;
  std::vector<std::string> subjects_;   // "S1", ...
  std::vector<std::string> sequences_;  // "walking2", ...
  std::vector<int> camera_numbers_;     // 1-8
  std::vector<Camera> cameras_;         // [V] full-image cameras
  std::vector<Sequence> sequence_data_;
  std::vector<std::pair<int, int>> frames_;  // (sequence index, kept-frame index)
};

}  // namespace mvpose3d
