#include "mvpose3d/eval/run_evaluation.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/camera_batch_from.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/data/loader.h"
#include "mvpose3d/models/view_count.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <fmt/format.h>
#include <torch/cuda.h>

namespace mvpose3d::eval {

namespace {

// The first `count` samples of a dataset.
class FirstSamples : public MultiviewDataset {
 public:
  FirstSamples(std::shared_ptr<const MultiviewDataset> base, int64_t count)
      : base_(std::move(base)), count_(count) {}
  int64_t size() const override { return count_; }
  MultiviewSample get(int64_t index) const override {
    MVPOSE3D_CHECK(index >= 0 && index < count_,
                   "sample {} is out of range for the first {} samples",
                   index,
                   count_);
    return base_->get(index);
  }
  const Skeleton& skeleton() const override { return base_->skeleton(); }
  int num_views() const override { return base_->num_views(); }
  int image_size_px() const override { return base_->image_size_px(); }
  std::vector<std::string> subject_names() const override { return base_->subject_names(); }
  std::vector<std::string> action_names() const override { return base_->action_names(); }

 private:
  std::shared_ptr<const MultiviewDataset> base_;
  int64_t count_;
};

// Puts a module back into the training mode it had, however the evaluation ends.
class ModeRestorer {
 public:
  explicit ModeRestorer(models::MultiViewPoseNet& net) : net_(net), training_(net->is_training()) {
    net_->eval();
  }
  ~ModeRestorer() { net_->train(training_); }
  ModeRestorer(const ModeRestorer&) = delete;
  ModeRestorer& operator=(const ModeRestorer&) = delete;

 private:
  models::MultiViewPoseNet& net_;
  bool training_;
};

struct Prediction {
  at::Tensor joints;  // [B, J, 3] mm, on the CPU
  at::Tensor valid;   // [B, J] bool, or undefined (all valid)
};

// The sharded pass (EvaluationSharding): rounds of `processes` batches, of which this process
// computes one; its prediction travels packed as [batch_size·J·4 + 1] doubles (x, y, z, valid per
// joint, then the batch's size), exact for float and double predictions.
template <class Predict, class Feed>
void evaluate_sharded(MultiviewLoader& loader,
                      const EvaluationRunOptions& options,
                      at::ScalarType dtype,
                      int64_t joints,
                      const Predict& predict,
                      const Feed& feed) {
  const EvaluationSharding& sharding = options.sharding;
  MVPOSE3D_CHECK(sharding.gather != nullptr, "run_evaluation: a sharded pass needs a gather");
  const int64_t rows = options.batch_size;
  for (bool more = true; more;) {
    std::vector<MultiviewBatch> round;
    while (static_cast<int>(round.size()) < sharding.processes) {
      auto batch = loader.next();
      if (!batch) {
        more = false;
        break;
      }
      round.push_back(std::move(*batch));
    }
    if (round.empty()) break;
    at::Tensor packed = at::zeros({rows * joints * 4 + 1}, at::kDouble);
    if (sharding.process < static_cast<int>(round.size())) {
      const Prediction p = predict(round[sharding.process]);
      const int64_t b = p.joints.size(0);
      const at::Tensor valid = p.valid.defined() ? p.valid : at::ones({b, joints}, at::kBool);
      at::Tensor view = packed.narrow(0, 0, rows * joints * 4).view({rows, joints, 4});
      view.narrow(0, 0, b).narrow(2, 0, 3).copy_(p.joints);
      view.narrow(0, 0, b).select(2, 3).copy_(valid);
      packed[-1] = static_cast<double>(b);
    }
    const std::vector<at::Tensor> all = sharding.gather(packed);
    for (std::size_t i = 0; i < round.size(); ++i) {
      const int64_t b = static_cast<int64_t>(all[i][-1].item<double>());
      const at::Tensor view =
          all[i].narrow(0, 0, rows * joints * 4).view({rows, joints, 4}).narrow(0, 0, b);
      feed(round[i], Prediction{view.narrow(2, 0, 3).to(dtype), view.select(2, 3).to(at::kBool)});
    }
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

EvaluationRunStats run_evaluation(models::MultiViewPoseNet& net,
                                  std::shared_ptr<const MultiviewDataset> dataset,
                                  const std::string& camera_set,
                                  const EvaluationRunOptions& options,
                                  PoseEvaluator& evaluator) {
  MVPOSE3D_CHECK(dataset != nullptr, "run_evaluation: no dataset for camera set {}", camera_set);
  MVPOSE3D_CHECK(
      options.batch_size > 0, "run_evaluation: batch_size must be > 0, got {}", options.batch_size);
  MVPOSE3D_CHECK(dataset->num_views() >= 2,
                 "run_evaluation: camera set {} has {} view(s); triangulation needs at least 2",
                 camera_set,
                 dataset->num_views());
  const auto& joint_names = evaluator.options().joint_names;
  MVPOSE3D_CHECK(joint_names.empty() ||
                     static_cast<int>(joint_names.size()) == dataset->skeleton().num_joints(),
                 "run_evaluation: the evaluator names {} joints, the dataset's skeleton {} has {}",
                 joint_names.size(),
                 dataset->skeleton().name,
                 dataset->skeleton().num_joints());

  if (options.max_samples >= 0 && options.max_samples < dataset->size()) {
    dataset = std::make_shared<FirstSamples>(std::move(dataset), options.max_samples);
  }
  LoaderOptions loader_options;
  loader_options.batch_size = options.batch_size;
  loader_options.workers = std::max(0, options.workers);
  loader_options.shuffle = false;
  loader_options.drop_last = false;
  loader_options.repeat = false;

  at::NoGradGuard no_grad;
  ModeRestorer mode(net);
  net->to(options.device);

  EvaluationRunStats stats;
  const auto start = std::chrono::steady_clock::now();
  // [B, J, 3] joints and [B, J] validity on the CPU for one batch.
  const auto predict = [&](const MultiviewBatch& batch) {
    const auto model_start = std::chrono::steady_clock::now();
    const auto images = models::imagenet_normalize(batch.images.to(options.device));
    const auto out = net->forward(images, camera_batch_from(batch).to(options.device), true);
    MVPOSE3D_CHECK(out.joints3d_mm.defined(),
                   "run_evaluation: the network returned no 3D joints for camera set {}",
                   camera_set);
    // Copying to the host waits for the device, so the time covers the whole forward pass.
    Prediction p{
        out.joints3d_mm.to(at::kCPU),
        out.joints3d_valid.defined() ? out.joints3d_valid.to(at::kCPU) : out.joints3d_valid};
    stats.model_seconds += seconds_since(model_start);
    return p;
  };
  const auto feed = [&](const MultiviewBatch& batch, const Prediction& p) {
    evaluator.process(batch, p.joints, p.valid, camera_set);
    stats.samples += batch.size();
    ++stats.batches;
  };
  if (dataset->size() > 0) {
    MultiviewLoader loader(dataset, loader_options);
    if (options.sharding.processes <= 1) {
      while (auto batch = loader.next()) feed(*batch, predict(*batch));
    } else {
      const at::ScalarType dtype = net->parameters().front().scalar_type();
      const int64_t joints = dataset->skeleton().num_joints();
      evaluate_sharded(loader, options, dtype, joints, predict, feed);
    }
  }
  stats.seconds = seconds_since(start);
  return stats;
}

at::Device default_device() {
  return torch::cuda::is_available() ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
}

std::string view_count_set_name(int num_cameras) {
  return fmt::format("unseen_{}views", num_cameras);
}

std::vector<NamedDataset> make_eval_datasets(const RunConfig& config) {
  std::vector<NamedDataset> sets;
  for (const std::string& name : config.eval.camera_sets) {
    sets.push_back({name, make_dataset(config.data, config.seed, "test", name)});
  }
  const std::vector<int>& counts = config.eval.view_counts;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    // The network is built for (and trained on) data.num_views cameras.
    models::require_view_count_supported(
        config.model, config.data.num_views, counts[i], fmt::format("eval.view_counts[{}]", i));
    sets.push_back({view_count_set_name(counts[i]),
                    make_unseen_rig_test_set(config.data, config.seed, counts[i])});
  }
  return sets;
}

EvalSummary evaluate_model(models::MultiViewPoseNet& net,
                           const RunConfig& config,
                           const at::Device& device,
                           const std::vector<NamedDataset>& sets,
                           bool keep_predictions,
                           const EvaluationSharding& sharding) {
  MVPOSE3D_CHECK(!sets.empty(), "evaluate_model: no camera set to evaluate");
  EvaluatorOptions options = evaluator_options_for(*sets.front().dataset, config.data.type);
  options.procrustes = config.eval.procrustes;
  options.keep_predictions = keep_predictions;
  PoseEvaluator evaluator(options);
  EvaluationRunOptions run;
  run.batch_size = config.train.batch_size;
  run.workers = config.data.workers;
  run.device = device;
  run.max_samples = config.eval.samples;
  run.sharding = sharding;
  for (const auto& set : sets) {
    run_evaluation(net, set.dataset, set.name, run, evaluator);
  }
  return evaluator.evaluate();
}

}  // namespace mvpose3d::eval
