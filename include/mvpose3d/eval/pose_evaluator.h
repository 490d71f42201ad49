// The evaluator (detectron2's reset / process / evaluate): accumulates 3D errors of predicted
// poses against a batch's ground truth, grouped by camera set, subject and action, and summarises
// them (eval_summary.h). The same evaluator serves the trainer's periodic evaluation and
// `mvpose3d eval`.
//
//   PoseEvaluator evaluator(evaluator_options_for(*dataset, config.data.type));
//   for (each batch of camera set "seen") evaluator.process(batch, out.joints3d_mm,
//                                                          out.joints3d_valid, "seen");
//   const EvalSummary summary = evaluator.evaluate();
//   std::cout << summary.brief_report();
#pragma once

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/data/dataset.h"
#include "mvpose3d/data/multiview_sample.h"
#include "mvpose3d/eval/eval_summary.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mvpose3d::eval {

struct EvaluatorOptions {
  int64_t root_joint = 0;                  // root of the root-relative metric (the pelvis)
  bool procrustes = true;                  // also compute PA-MPJPE
  std::vector<std::string> joint_names;    // [J] for the per-joint table ("" = "joint k")
  std::vector<std::string> action_names;   // table order of the actions (others follow)
  std::vector<std::string> subject_names;  // table order of the subjects (others follow)
  bool keep_predictions = false;           // keep every prediction for EvalSummary::write
  // to_string(data.type) ("synthetic", "h36m", "totalcapture"): which paper layout the reports
  // use; "" = guessed from the action names (paper_tables.h).
  std::string dataset;
};

// The options for a dataset of data.type `type`: root = skeleton().root, its joint, action and
// subject names.
EvaluatorOptions evaluator_options_for(const MultiviewDataset& dataset, DatasetType type);

class PoseEvaluator {
 public:
  // Throws Error when root_joint is negative or not below joint_names.size() (when given).
  explicit PoseEvaluator(EvaluatorOptions options);

  // Forgets everything processed.
  void reset();

  // Adds one batch seen through `camera_set`.
  //   batch.joints_world_mm [B, J, 3] ground truth; batch.subjects, batch.actions [B] name the
  //   groups; joints3d_mm [B, J, 3] predictions in world mm (any device and floating dtype);
  //   valid [B, J] bool from the triangulation, or undefined (= all valid). Non-finite
  //   predictions also count as invalid.
  // Throws Error naming the argument on a shape mismatch or an empty camera_set.
  void process(const MultiviewBatch& batch,
               const at::Tensor& joints3d_mm,
               const at::Tensor& valid,
               const std::string& camera_set);

  // The summary of everything processed since construction or reset().
  EvalSummary evaluate() const;

  const EvaluatorOptions& options() const { return options_; }
  // Frames processed so far (all camera sets).
  int64_t frames() const { return frames_; }

 private:
  EvaluatorOptions options_;
  int64_t num_joints_ = 0;  // J of the first batch (0 = none yet)
  int64_t frames_ = 0;
  std::vector<std::string> camera_set_order_;
  std::map<GroupKey, MetricSums> groups_;
  // Kept predictions, one entry per processed batch (concatenated by evaluate()).
  std::vector<at::Tensor> kept_joints_, kept_valid_, kept_index_, kept_sequence_, kept_frame_;
  std::vector<std::string> kept_camera_set_, kept_subject_, kept_action_;
};

}  // namespace mvpose3d::eval
