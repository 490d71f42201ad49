// An evaluation pass end to end: a tiny network over a tiny synthetic test set.
#include "mvpose3d/eval/run_evaluation.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/camera_batch_from.h"
#include "mvpose3d/data/loader.h"
#include "mvpose3d/data/synthetic/synthetic_dataset.h"

#include <cmath>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/conv.h>
#include <torch/utils.h>

#include "models/model_test_util.h"

namespace mvpose3d::eval {
namespace {

using testing::tiny_model_config;

std::shared_ptr<const MultiviewDataset> tiny_test_set(const std::string& camera_set) {
  DataConfig data;
  data.type = DatasetType::kSynthetic;
  data.crop_size_px = 64;
  data.num_views = 4;
  data.synthetic.test_samples = 6;
  return std::make_shared<SyntheticDataset>(data, 5, synthetic_test_split(data, camera_set));
}

// A tiny network whose 2D outputs, hence 3D joints, depend clearly on its input (the decoder's
// default initialisation gives nearly flat heatmaps).
models::MultiViewPoseNet tiny_net() {
  torch::manual_seed(0);
  auto net = models::make_model(tiny_model_config("canonical"), 17, 4);
  torch::NoGradGuard no_grad;
  for (auto& m : net->decoder->modules(false)) {
    if (auto* d = m->as<torch::nn::ConvTranspose2d>()) d->weight.normal_(0, 0.15);
  }
  net->decoder->final_layer->weight.normal_(0, 0.5);
  return net;
}

// One intra-op thread for the test's duration: on a busy 2-core machine, OpenMP threads competing
// with the loader's worker made this tiny pass 30-60x slower (0.1 s -> 3-8 s).
class OneThread {
 public:
  OneThread() : threads_(at::get_num_threads()) { at::set_num_threads(1); }
  ~OneThread() { at::set_num_threads(threads_); }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int threads_;
};

MultiviewBatch first_batch(const std::shared_ptr<const MultiviewDataset>& dataset, int size) {
  LoaderOptions options;
  options.batch_size = size;
  options.workers = 0;
  options.repeat = false;
  MultiviewLoader loader(dataset, options);
  return *loader.next();
}

TEST(RunEvaluation, TinyModelOnSyntheticDataEndToEnd) {
  const OneThread one_thread;
  auto net = tiny_net();
  net->train();
  const auto seen = tiny_test_set("seen");
  auto options = evaluator_options_for(*seen, DatasetType::kSynthetic);
  options.keep_predictions = true;
  PoseEvaluator evaluator(options);

  EvaluationRunOptions run;
  run.batch_size = 4;
  run.workers = 1;
  run.max_samples = 5;  // one full batch and one of 1
  const auto stats = run_evaluation(net, seen, "seen", run, evaluator);
  EXPECT_TRUE(net->is_training());  // the caller's mode is restored
  EXPECT_EQ(stats.samples, 5);
  EXPECT_EQ(stats.batches, 2);
  EXPECT_GT(stats.samples_per_second(), 0.0);
  EXPECT_LE(stats.model_seconds, stats.seconds);

  run.workers = 0;
  run.max_samples = -1;
  run_evaluation(net, tiny_test_set("unseen"), "unseen", run, evaluator);

  const EvalSummary s = evaluator.evaluate();
  EXPECT_EQ(s.camera_sets(), (std::vector<std::string>{"seen", "unseen"}));
  EXPECT_EQ(s.overall("seen").frames, 5);
  EXPECT_EQ(s.overall("unseen").frames, 6);
  EXPECT_EQ(s.root_joint, seen->skeleton().root);
  for (const auto& set : s.camera_sets()) {
    const MetricRow row = s.overall(set);
    EXPECT_TRUE(std::isfinite(row.mpjpe_mm)) << set;
    EXPECT_TRUE(std::isfinite(row.mpjpe_rel_mm)) << set;
    EXPECT_TRUE(std::isfinite(row.pa_mpjpe_mm)) << set;
    EXPECT_GT(row.mpjpe_mm, 0.0);
    EXPECT_LE(row.pa_mpjpe_mm, row.mpjpe_mm + 1e-9);  // alignment can only help
  }
  // The predictions are those of the network fed as run_evaluation feeds it, in dataset order.
  ASSERT_EQ(s.predictions.size(), 11);
  net->eval();
  const auto batch = first_batch(seen, 4);
  at::NoGradGuard no_grad;
  const auto out = net->forward(models::imagenet_normalize(batch.images), camera_batch_from(batch));
  EXPECT_TRUE(at::allclose(
      out.joints3d_mm.to(at::kDouble), s.predictions.joints3d_mm.narrow(0, 0, 4), 1e-5, 1e-6));
  // ... and not those of the network fed the raw [0, 1] images.
  const auto raw = net->forward(batch.images, camera_batch_from(batch));
  EXPECT_GT((raw.joints3d_mm.to(at::kDouble) - s.predictions.joints3d_mm.narrow(0, 0, 4))
                .abs()
                .max()
                .item<double>(),
            1.0);
  EXPECT_TRUE(at::equal(s.predictions.index.narrow(0, 0, 5), at::arange(5, at::kLong)));
}

// The same pass on the GPU gives the CPU's numbers, to 1 mm (cuDNN may use TF32).
TEST(RunEvaluation, MatchesCpu_CUDA) {
  const OneThread one_thread;
  const auto seen = tiny_test_set("seen");
  EvaluationRunOptions run;
  run.batch_size = 3;
  std::vector<EvalSummary> summaries;
  for (const at::Device device : {at::Device(at::kCPU), at::Device(at::kCUDA, 0)}) {
    auto net = tiny_net();
    auto options = evaluator_options_for(*seen, DatasetType::kSynthetic);
    options.keep_predictions = true;
    PoseEvaluator evaluator(options);
    run.device = device;
    run_evaluation(net, seen, "seen", run, evaluator);
    summaries.push_back(evaluator.evaluate());
  }
  EXPECT_TRUE(at::allclose(
      summaries[0].predictions.joints3d_mm, summaries[1].predictions.joints3d_mm, 1e-3, 1.0));
  EXPECT_NEAR(summaries[0].overall("seen").mpjpe_mm, summaries[1].overall("seen").mpjpe_mm, 1.0);
}

TEST(RunEvaluation, CamerasFromTheBatch) {
  const auto batch = first_batch(tiny_test_set("seen"), 2);
  // The cameras: K·[R | t] is the batch's projection; image_from_crop undoes crop_from_original.
  const auto cams = camera_batch_from(batch);
  EXPECT_TRUE(at::allclose(cams.proj_from_world(), batch.proj_from_world, 1e-9, 1e-9));
  const auto pad = [](const at::Tensor& a) {  // [.., 2, 3] -> [.., 3, 3]
    auto row = at::zeros_like(a.narrow(-2, 0, 1));
    row.select(-1, 2).fill_(1);
    return at::cat({a, row}, -2);
  };
  const auto round_trip = at::matmul(pad(cams.image_from_crop), pad(batch.crop_from_original));
  EXPECT_TRUE(at::allclose(round_trip, at::eye(3, at::kDouble).expand_as(round_trip), 1e-9, 1e-9));
  EXPECT_FALSE(at::allclose(batch.crop_from_original.narrow(-1, 0, 2),
                            at::eye(2, at::kDouble).expand({2, 4, 2, 2})));  // a real crop
}

}  // namespace
}  // namespace mvpose3d::eval
