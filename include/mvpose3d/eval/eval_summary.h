// What an evaluation produced: error sums per (camera set, subject, action) and joint, the
// averages and reports built from them, and the files of an `eval` run.
//
// Made by PoseEvaluator::evaluate() (pose_evaluator.h). Conventions (docs/evaluation.md,
// datasets.md §3): errors in mm; every frame (one multi-view sample) weighs the same within a
// group; "overall" is frame-weighted over all frames of a camera set (learnable-triangulation's
// "Average"); "mean of actions" is the unweighted mean of the per-action means (VideoPose3D's
// action-wise average). Invalid (not triangulated or non-finite) joints are counted and stay in
// the error sums with the value the model returned, so no failure makes the numbers look better.
#pragma once

#include "mvpose3d/core/json.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mvpose3d::eval {

struct Table;

enum class Metric {
  kMpjpe,     // absolute MPJPE, world frame
  kMpjpeRel,  // MPJPE of the root-relative poses
  kPaMpjpe,   // MPJPE after similarity Procrustes alignment
};
// "mpjpe_mm", "mpjpe_rel_mm", "pa_mpjpe_mm" (the keys of to_json and the CSV columns).
std::string metric_key(Metric metric);
// "MPJPE", "root-relative MPJPE", "PA-MPJPE".
std::string metric_label(Metric metric);

// Mean errors of a set of frames (NaN when it has no frames, or PA-MPJPE when Procrustes was off).
struct MetricRow {
  double mpjpe_mm = std::numeric_limits<double>::quiet_NaN();
  double mpjpe_rel_mm = std::numeric_limits<double>::quiet_NaN();
  double pa_mpjpe_mm = std::numeric_limits<double>::quiet_NaN();
  int64_t frames = 0;          // frames (multi-view samples) averaged
  int64_t invalid_joints = 0;  // (frame, joint) pairs not triangulated or not finite

  double value(Metric metric) const;
};

// A table cell: "-" when the row has no frames, else format_number(row.value(metric)).
std::string metric_cell(const MetricRow& row, Metric metric, int decimals = 1);

// Error sums of one group of frames, per joint.
struct MetricSums {
  int64_t frames = 0;
  std::vector<double> abs_mm;    // [J] Σ over frames of the absolute joint error
  std::vector<double> rel_mm;    // [J] ... of the root-relative joint error
  std::vector<double> pa_mm;     // [J] ... after Procrustes (empty when off)
  std::vector<int64_t> invalid;  // [J] frames in which the joint was invalid

  void add(const MetricSums& other);  // J must agree (or this be empty)
  MetricRow mean() const;             // means over frames and joints
  MetricRow joint_mean(int64_t joint) const;
};

// Which frames a group holds.
struct GroupKey {
  std::string camera_set, subject, action;
  bool operator<(const GroupKey& o) const {
    return std::tie(camera_set, subject, action) < std::tie(o.camera_set, o.subject, o.action);
  }
};

// The predictions kept by the evaluator (EvaluatorOptions::keep_predictions), in process order.
struct EvalPredictions {
  at::Tensor joints3d_mm;  // [N, J, 3] float64, world mm
  at::Tensor valid;        // [N, J] bool (false: not triangulated or not finite)
  at::Tensor index;        // [N] int64 dataset index
  at::Tensor sequence;     // [N] int64
  at::Tensor frame;        // [N] int64
  std::vector<std::string> camera_set, subject, action;  // [N]

  int64_t size() const { return index.defined() ? index.size(0) : 0; }
};

struct EvalSummary {
  int64_t num_joints = 0;
  int64_t root_joint = 0;
  bool procrustes = true;
  std::string dataset;                        // data.type ("" = unknown), picks the paper layout
  std::vector<std::string> joint_names;       // [J]
  std::vector<std::string> action_names;      // table order: the options' names, then others seen
  std::vector<std::string> subject_names;     // likewise
  std::vector<std::string> camera_set_order;  // order of first appearance
  std::map<GroupKey, MetricSums> groups;
  EvalPredictions predictions;  // empty unless kept

  // Camera sets evaluated, in the order they were processed.
  std::vector<std::string> camera_sets() const;
  // Frame-weighted means over every frame of the camera set.
  MetricRow overall(const std::string& camera_set) const;
  // Unweighted mean over the actions of the camera set (as named by the dataset; trials are not
  // pooled here, the Human3.6M paper table pools them) of each action's frame-weighted mean.
  double mean_of_actions(const std::string& camera_set, Metric metric) const;
  MetricRow action(const std::string& camera_set, const std::string& action) const;
  MetricRow subject(const std::string& camera_set, const std::string& subject) const;
  MetricRow subject_action(const std::string& camera_set,
                           const std::string& subject,
                           const std::string& action) const;
  // Per joint over every frame of the camera set: [J], invalid_joints = frames it was invalid.
  std::vector<MetricRow> per_joint(const std::string& camera_set) const;
  // Actions / subjects with frames in the camera set, in table order.
  std::vector<std::string> actions(const std::string& camera_set) const;
  std::vector<std::string> subjects(const std::string& camera_set) const;
  // The sums of the groups `keep` selects (frame-weighted pooling).
  template <class Predicate>
  MetricSums pooled(Predicate keep) const {
    MetricSums sums;
    for (const auto& [key, group] : groups) {
      if (keep(key)) sums.add(group);
    }
    return sums;
  }

  // One line per camera set: "seen: MPJPE 41.2 mm, root-relative 38.0 mm, PA-MPJPE 30.1 mm
  // (mean of actions 41.5 mm), 1000 frames, 0 invalid joints".
  std::string brief_report() const;
  // Every table (summary, the paper layout, per action, per subject, per joint) as Markdown.
  std::string full_report() const;
  // The same tables, in full_report's order.
  std::vector<Table> report_tables() const;
  // A flat JSON object for metrics.jsonl: {"seen/mpjpe_mm": 41.2, "seen/mpjpe_rel_mm": ...,
  // "seen/pa_mpjpe_mm": ..., "seen/mpjpe_mm_mean_of_actions": ..., "seen/frames": 1000,
  // "seen/invalid_joints": 0, "unseen/...": ...}; numbers and layout by core/json.h (NaN as null,
  // shortest round-trip doubles).
  std::string to_json() const;
  // The same object, to merge into other JSON (metrics.jsonl lines, final_metrics.json).
  JsonObject to_json_object() const;
  // Writes, atomically, dir/<stem>.md (full_report), <stem>.csv (every row of every scope in one
  // long table: camera_set, scope, subject, action, joint, frames, metrics, invalid_joints),
  // <stem>.tex (report_tables as booktabs LaTeX) and, when predictions were kept,
  // <stem>_predictions.npy ([N, J, 3] float64 world mm) and <stem>_predictions_index.csv (row,
  // camera_set, index, subject, action, sequence, frame, invalid_joints). Creates dir.
  void write(const std::filesystem::path& dir, const std::string& stem) const;
};

}  // namespace mvpose3d::eval
