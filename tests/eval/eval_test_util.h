// Made-up batches for the evaluator tests: ground truth, names and predictions with known errors.
#pragma once

#include "mvpose3d/data/multiview_sample.h"
#include "mvpose3d/eval/pose_evaluator.h"

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

namespace mvpose3d::testing {

// One frame of a made-up batch: its names and the prediction's error.
struct FakeFrame {
  std::string subject;
  std::string action;
  double offset_mm = 0;  // every predicted joint is moved by (offset_mm, 0, 0)
};

// A batch of J-joint ground-truth poses with the frames' names. Coordinates are small integers, so
// shifted predictions have exact errors, and the joints are not collinear.
inline MultiviewBatch fake_batch(const std::vector<FakeFrame>& frames, int64_t joints = 4) {
  const auto b = static_cast<int64_t>(frames.size());
  MultiviewBatch batch;
  batch.joints_world_mm = at::empty({b, joints, 3}, at::kDouble);
  for (int64_t i = 0; i < b; ++i) {
    for (int64_t k = 0; k < joints; ++k) {
      batch.joints_world_mm[i][k][0] = 100 * k + i;
      batch.joints_world_mm[i][k][1] = (37 * k * k) % 101;
      batch.joints_world_mm[i][k][2] = 7 * k * k + 3 * i;
    }
  }
  batch.index = at::arange(b, at::kLong);
  batch.sequence = at::zeros({b}, at::kLong);
  batch.frame = at::arange(b, at::kLong) * 10;
  for (const auto& f : frames) {
    batch.subjects.push_back(f.subject);
    batch.actions.push_back(f.action);
  }
  return batch;
}

// The batch's ground truth moved per frame by (offset_mm, 0, 0): every joint's error is offset_mm.
inline at::Tensor shifted_prediction(const MultiviewBatch& batch,
                                     const std::vector<FakeFrame>& frames) {
  auto pred = batch.joints_world_mm.clone();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    pred[static_cast<int64_t>(i)].select(-1, 0).add_(frames[i].offset_mm);
  }
  return pred;
}

// Processes the frames as one batch with every joint valid.
inline void process_frames(eval::PoseEvaluator& evaluator,
                           const std::vector<FakeFrame>& frames,
                           const std::string& camera_set) {
  const auto batch = fake_batch(frames);
  evaluator.process(batch, shifted_prediction(batch, frames), at::Tensor(), camera_set);
}

}  // namespace mvpose3d::testing
