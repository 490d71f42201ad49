#include "mvpose3d/eval/pose_evaluator.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/eval/metrics.h"

#include <algorithm>
#include <utility>

#include <ATen/ATen.h>

namespace mvpose3d::eval {

namespace {

std::vector<int64_t> shape_of(const at::Tensor& t) {
  return t.defined() ? t.sizes().vec() : std::vector<int64_t>{};
}

// The names of `wanted` first, then those of `seen` not among them, in order of appearance.
std::vector<std::string> ordered_names(const std::vector<std::string>& wanted,
                                       const std::vector<std::string>& seen) {
  std::vector<std::string> out;
  for (const auto* list : {&wanted, &seen}) {
    for (const auto& name : *list) {
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
  }
  return out;
}

// Row b of a [B, J] float64 CPU tensor as a pointer.
const double* row(const at::Tensor& t, int64_t b) {
  return t.data_ptr<double>() + b * t.size(1);
}

}  // namespace

EvaluatorOptions evaluator_options_for(const MultiviewDataset& dataset, DatasetType type) {
  EvaluatorOptions options;
  const Skeleton& skeleton = dataset.skeleton();
  options.root_joint = skeleton.root;
  options.joint_names = skeleton.joint_names;
  options.action_names = dataset.action_names();
  options.subject_names = dataset.subject_names();
  options.dataset = to_string(type);
  return options;
}

PoseEvaluator::PoseEvaluator(EvaluatorOptions options) : options_(std::move(options)) {
  MVPOSE3D_CHECK(options_.root_joint >= 0, "PoseEvaluator: root_joint {} < 0", options_.root_joint);
  MVPOSE3D_CHECK(options_.joint_names.empty() ||
                     options_.root_joint < static_cast<int64_t>(options_.joint_names.size()),
                 "PoseEvaluator: root_joint {} is out of range for the {} joint names",
                 options_.root_joint,
                 options_.joint_names.size());
}

void PoseEvaluator::reset() {
  num_joints_ = 0;
  frames_ = 0;
  camera_set_order_.clear();
  groups_.clear();
  for (auto* v : {&kept_joints_, &kept_valid_, &kept_index_, &kept_sequence_, &kept_frame_}) {
    v->clear();
  }
  for (auto* v : {&kept_camera_set_, &kept_subject_, &kept_action_}) v->clear();
}

void PoseEvaluator::process(const MultiviewBatch& batch,
                            const at::Tensor& joints3d_mm,
                            const at::Tensor& valid,
                            const std::string& camera_set) {
  MVPOSE3D_CHECK(!camera_set.empty(), "PoseEvaluator::process: camera_set is empty");
  const at::Tensor& gt = batch.joints_world_mm;
  MVPOSE3D_CHECK(gt.defined() && gt.dim() == 3 && gt.size(2) == 3,
                 "PoseEvaluator::process: batch.joints_world_mm must be [B, J, 3], got {}",
                 shape_of(gt));
  const int64_t b = gt.size(0), j = gt.size(1);
  MVPOSE3D_CHECK(joints3d_mm.defined() && joints3d_mm.sizes() == gt.sizes(),
                 "PoseEvaluator::process: joints3d_mm must be [{}, {}, 3] like "
                 "batch.joints_world_mm, got {}",
                 b,
                 j,
                 shape_of(joints3d_mm));
  MVPOSE3D_CHECK(!valid.defined() || (valid.dim() == 2 && valid.size(0) == b && valid.size(1) == j),
                 "PoseEvaluator::process: valid must be [{}, {}] or undefined, got {}",
                 b,
                 j,
                 shape_of(valid));
  MVPOSE3D_CHECK(static_cast<int64_t>(batch.subjects.size()) == b &&
                     static_cast<int64_t>(batch.actions.size()) == b,
                 "PoseEvaluator::process: batch.subjects ({}) and batch.actions ({}) must have one "
                 "name per sample ({})",
                 batch.subjects.size(),
                 batch.actions.size(),
                 b);
  MVPOSE3D_CHECK(
      options_.joint_names.empty() || static_cast<int64_t>(options_.joint_names.size()) == j,
      "PoseEvaluator::process: the batch has {} joints, the options name {}",
      j,
      options_.joint_names.size());
  MVPOSE3D_CHECK(options_.root_joint < j,
                 "PoseEvaluator::process: root_joint {} is out of range for {} joints",
                 options_.root_joint,
                 j);
  MVPOSE3D_CHECK(num_joints_ == 0 || num_joints_ == j,
                 "PoseEvaluator::process: the batch has {} joints, earlier batches had {}",
                 j,
                 num_joints_);
  num_joints_ = j;
  if (b == 0) return;

  const auto pred = joints3d_mm.detach().to(at::kCPU, at::kDouble).contiguous();  // [B, J, 3]
  const auto truth = gt.to(at::kCPU, at::kDouble).contiguous();                   // [B, J, 3]
  auto ok = at::isfinite(pred).all(-1);                                           // [B, J]
  if (valid.defined()) ok = ok.logical_and(valid.to(at::kCPU, at::kBool));
  ok = ok.contiguous();

  const auto abs_mm = joint_errors_mm(pred, truth).contiguous();  // [B, J]
  const auto rel_mm = joint_errors_mm(root_relative(pred, options_.root_joint),
                                      root_relative(truth, options_.root_joint))
                          .contiguous();  // [B, J]
  at::Tensor pa_mm;
  if (options_.procrustes)
    pa_mm = joint_errors_mm(procrustes_align(pred, truth), truth).contiguous();

  if (std::find(camera_set_order_.begin(), camera_set_order_.end(), camera_set) ==
      camera_set_order_.end()) {
    camera_set_order_.push_back(camera_set);
  }
  const bool* ok_data = ok.data_ptr<bool>();
  for (int64_t i = 0; i < b; ++i) {
    MetricSums& sums = groups_[GroupKey{camera_set,
                                        batch.subjects[static_cast<std::size_t>(i)],
                                        batch.actions[static_cast<std::size_t>(i)]}];
    if (sums.frames == 0) {
      sums.abs_mm.assign(static_cast<std::size_t>(j), 0.0);
      sums.rel_mm.assign(static_cast<std::size_t>(j), 0.0);
      if (options_.procrustes) sums.pa_mm.assign(static_cast<std::size_t>(j), 0.0);
      sums.invalid.assign(static_cast<std::size_t>(j), 0);
    }
    ++sums.frames;
    for (int64_t k = 0; k < j; ++k) {
      const auto kk = static_cast<std::size_t>(k);
      sums.abs_mm[kk] += row(abs_mm, i)[k];
      sums.rel_mm[kk] += row(rel_mm, i)[k];
      if (options_.procrustes) sums.pa_mm[kk] += row(pa_mm, i)[k];
      if (!ok_data[i * j + k]) ++sums.invalid[kk];
    }
  }
  frames_ += b;

  if (options_.keep_predictions) {
    kept_joints_.push_back(pred);
    kept_valid_.push_back(ok);
    // Made-up batches may lack the bookkeeping tensors: -1 then.
    const auto ids = [b](const at::Tensor& t) {
      return t.defined() ? t.to(at::kCPU, at::kLong).reshape({b}) : at::full({b}, -1, at::kLong);
    };
    kept_index_.push_back(ids(batch.index));
    kept_sequence_.push_back(ids(batch.sequence));
    kept_frame_.push_back(ids(batch.frame));
    kept_camera_set_.insert(kept_camera_set_.end(), static_cast<std::size_t>(b), camera_set);
    kept_subject_.insert(kept_subject_.end(), batch.subjects.begin(), batch.subjects.end());
    kept_action_.insert(kept_action_.end(), batch.actions.begin(), batch.actions.end());
  }
}

EvalSummary PoseEvaluator::evaluate() const {
  EvalSummary summary;
  summary.num_joints = num_joints_;
  summary.root_joint = options_.root_joint;
  summary.procrustes = options_.procrustes;
  summary.dataset = options_.dataset;
  summary.joint_names = options_.joint_names;
  if (summary.joint_names.empty()) {
    for (int64_t k = 0; k < num_joints_; ++k)
      summary.joint_names.push_back("joint " + std::to_string(k));
  }
  std::vector<std::string> seen_actions, seen_subjects;
  for (const auto& [key, sums] : groups_) {
    seen_actions.push_back(key.action);
    seen_subjects.push_back(key.subject);
  }
  summary.action_names = ordered_names(options_.action_names, seen_actions);
  summary.subject_names = ordered_names(options_.subject_names, seen_subjects);
  summary.camera_set_order = camera_set_order_;
  summary.groups = groups_;
  if (options_.keep_predictions && !kept_joints_.empty()) {
    EvalPredictions& p = summary.predictions;
    p.joints3d_mm = at::cat(kept_joints_);
    p.valid = at::cat(kept_valid_);
    p.index = at::cat(kept_index_);
    p.sequence = at::cat(kept_sequence_);
    p.frame = at::cat(kept_frame_);
    p.camera_set = kept_camera_set_;
    p.subject = kept_subject_;
    p.action = kept_action_;
  }
  return summary;
}

}  // namespace mvpose3d::eval
