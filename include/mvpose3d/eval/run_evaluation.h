// One pass of a network over a test set: batches from the dataset in order, the forward pass with
// triangulation, and the evaluator fed with the 3D joints; and evaluate_model, the passes over
// every camera set of a run config (what `mvpose3d eval` and the trainer's EvalHook report).
//
//   PoseEvaluator evaluator(evaluator_options_for(*test, config.data.type));
//   for (const auto& set : config.eval.camera_sets) {
//     auto test = make_dataset(config.data, config.seed, "test", set);
//     const auto stats = run_evaluation(net, test, set, {}, evaluator);  // batches of 8
//   }
//   evaluator.evaluate().write(run_dir, "eval");
#pragma once

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/data/dataset.h"
#include "mvpose3d/eval/eval_summary.h"
#include "mvpose3d/eval/pose_evaluator.h"
#include "mvpose3d/models/pose_net.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <c10/core/Device.h>

namespace mvpose3d::eval {

// An evaluation pass shared by the processes of a data-parallel job: batch k of the pass is
// computed by process k % processes, and gather (the job's all-gather: this process's tensor in,
// every process's out, in rank order) brings every prediction to every process, which feeds its
// evaluator the whole pass in order, so the summary equals a single process's exactly.
struct EvaluationSharding {
  int process = 0;
  int processes = 1;
  std::function<std::vector<at::Tensor>(const at::Tensor&)> gather;
};

struct EvaluationRunOptions {
  int batch_size = 8;            // samples per forward pass
  int workers = 1;               // data loading threads (0 = load on the calling thread)
  at::Device device = at::kCPU;  // where the network runs (the network is moved there)
  int64_t max_samples = -1;      // evaluate the first max_samples samples (-1 = all)
  EvaluationSharding sharding;   // a job of several processes shares the forward passes
};

// Timing of one run.
struct EvaluationRunStats {
  int64_t samples = 0;
  int64_t batches = 0;
  double seconds = 0;        // wall time of the whole pass (loading included)
  double model_seconds = 0;  // of which in the forward pass (synchronised on CUDA)
  double samples_per_second() const { return seconds > 0 ? samples / seconds : 0; }
};

// Runs `net` over `dataset` (its first max_samples samples) seen through `camera_set` and feeds
// `evaluator`. The network runs in eval mode under no-grad and gets the images through
// models::imagenet_normalize and the cameras through camera_batch_from (data/camera_batch_from.h);
// its training mode is restored afterwards. Batches come from a MultiviewLoader without shuffle or
// repeat. Throws Error when the dataset's joint count differs from the evaluator's joint names, or
// when the network does not triangulate (fewer than 2 views).
EvaluationRunStats run_evaluation(models::MultiViewPoseNet& net,
                                  std::shared_ptr<const MultiviewDataset> dataset,
                                  const std::string& camera_set,
                                  const EvaluationRunOptions& options,
                                  PoseEvaluator& evaluator);

// The device networks train and evaluate on: the first CUDA device when one is usable, else the
// CPU.
at::Device default_device();

// A test dataset and the camera set it was made for.
struct NamedDataset {
  std::string name;
  std::shared_ptr<const MultiviewDataset> dataset;
};

// The name of the test set of an unseen rig of `num_cameras` cameras: "unseen_<N>views".
std::string view_count_set_name(int num_cameras);

// The test datasets of config.eval.camera_sets, then one per eval.view_counts entry (an unseen rig
// of that many cameras, view_count_set_name). Throws Error (models/view_count.h) when the model's
// fusion cannot run on a count, naming the eval.view_counts entry.
std::vector<NamedDataset> make_eval_datasets(const RunConfig& config);

// run_evaluation over every camera set of `sets` (eval.samples each, train.batch_size per forward
// pass) into one evaluator made for config.data.type; keeps the predictions when asked.
EvalSummary evaluate_model(models::MultiViewPoseNet& net,
                           const RunConfig& config,
                           const at::Device& device,
                           const std::vector<NamedDataset>& sets,
                           bool keep_predictions,
                           const EvaluationSharding& sharding = {});

}  // namespace mvpose3d::eval
