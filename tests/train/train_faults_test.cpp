// Faults of a training run (issue #20), each test named after the failure it reproduces: silent
// NaN runs, skipped steps logged as loss 0, diverged weights saved over a good checkpoint, and
// checkpoints with flipped bytes loading as different weights.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/data/loader.h"
#include "mvpose3d/train/checkpoint.h"
#include "mvpose3d/train/hooks.h"
#include "mvpose3d/train/trainer.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "support/error_text.h"
#include "train/train_test_util.h"

namespace mvpose3d::train {
namespace {

using testing::contains;
using testing::error_of;
using testing::options_for;
using testing::TempDir;
using testing::tiny_run_config;

MultiviewBatch first_batch(const RunConfig& config, const at::Device& device = at::kCPU) {
  LoaderOptions o;
  o.batch_size = config.train.batch_size;
  o.workers = 0;
  MultiviewLoader loader(make_dataset(config.data, config.seed, "train"), o);
  return loader.next()->to(device);
}

// train.optimizer.lr = 1e30 trained to a NaN model and exited 0: the first update blows the
// weights up, every later step is skipped, and the run now stops with an error saying so.
TEST(TrainFaults, RunWhoseStepsAreSkippedAsNonFiniteStopsWithAnError) {
  RunConfig config = tiny_run_config("none");
  config.train.optimizer.lr = 1e30;
  config.train.steps = 6;
  TempDir dir;
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  add_default_hooks(trainer, /*progress_bar=*/false);
  const std::string message = error_of([&] { trainer.train(); });
  EXPECT_TRUE(contains(message, "train.max_skipped_fraction")) << message;
  EXPECT_TRUE(trainer.failed());
  EXPECT_GT(trainer.progress().nonfinite_steps, 0);
  EXPECT_LT(trainer.progress().step, config.train.steps);  // stopped early
  EXPECT_FALSE(std::filesystem::exists(final_metrics_path(dir.path())));
}

// A skipped step was logged as "loss": 0 and diluted the window's mean; the log now averages the
// applied steps only and writes null when none was applied.
TEST(TrainFaults, SkippedStepsAreNotLoggedAsLossZero) {
  RunConfig config = tiny_run_config("none");
  config.train.log_every = 2;
  TempDir dir;
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  LoggingHook hook(/*progress_bar=*/false);
  hook.before_train(trainer);
  StepResult applied;
  applied.total_loss = 3.0;
  applied.terms["loss_2d"] = 3.0;
  StepResult skipped;
  skipped.skipped = true;  // total_loss stays as run_step left it; it must not be averaged
  skipped.total_loss = std::nan("");
  for (const StepResult& r : {applied, skipped, skipped, skipped}) {
    ++trainer.progress().step;
    hook.after_step(trainer, r);
  }
  std::istringstream lines(read_text_file(dir / "metrics.jsonl"));
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["step"], 2);
  EXPECT_EQ(json["loss"], 3.0) << line;  // the applied step's loss, not (3 + 0) / 2
  ASSERT_TRUE(std::getline(lines, line));
  json = nlohmann::json::parse(line);
  EXPECT_EQ(json["step"], 4);
  EXPECT_TRUE(json["loss"].is_null()) << line;  // both steps skipped: no loss, not 0
  EXPECT_FALSE(json.contains("loss_2d")) << line;
}

// The warning said "step 0: ... (loss nan, gradient norm 0)": steps counted from 0 where the log
// counts from 1, and a gradient norm that was never computed.
TEST(TrainFaults, NonFiniteLossMessageCountsStepsFromOneAndInventsNoGradientNorm) {
  RunConfig config = tiny_run_config("none");
  config.train.nan_policy = NanPolicy::kStop;
  TempDir dir;
  MultiviewBatch batch = first_batch(config);
  batch.joints_2d_px[0][0][0][0] = std::numeric_limits<double>::quiet_NaN();
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  const std::string message = error_of([&] { trainer.run_step(batch); });
  EXPECT_TRUE(contains(message, "step 1: non-finite loss (nan)")) << message;
  EXPECT_FALSE(contains(message, "gradient")) << message;
  EXPECT_EQ(trainer.progress().nonfinite_steps, 1);
}

// Diverged weights were saved over the last good checkpoint; now the save is refused, naming the
// parameter, and last.pt keeps the good state.
TEST(TrainFaults, NonFiniteWeightsNeverReplaceTheLastGoodCheckpoint) {
  RunConfig config = tiny_run_config("none");
  TempDir dir;
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  CheckpointHook hook;
  trainer.progress().step = 1;
  hook.after_evaluation(trainer, /*improved=*/false);  // saves last.pt
  const auto last = last_checkpoint_path(dir.path());
  const std::string good = read_text_file(last);
  {
    at::NoGradGuard no_grad;
    trainer.model()->parameters()[0].view(-1)[0] = std::numeric_limits<float>::infinity();
  }
  trainer.progress().step = 2;
  const std::string message = error_of([&] { hook.after_evaluation(trainer, false); });
  EXPECT_TRUE(contains(message, "holds NaN or Inf")) << message;
  EXPECT_TRUE(contains(message, "last.pt")) << message;
  EXPECT_EQ(read_text_file(last), good);
}

// A checkpoint with flipped bytes inside a tensor loaded silently (the zip records' CRC-32s were
// not compared) and changed the loss; now it is refused, naming the file.
TEST(TrainFaults, CheckpointWithAFlippedByteIsRefusedNamingTheFile) {
  RunConfig config = tiny_run_config("none");
  TempDir dir;
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  const auto file = dir / "good.pt";
  save_training_checkpoint(file, trainer.model(), trainer.optimizer(), trainer.progress());
  std::string bytes = read_text_file(file);
  // The largest tensor's bytes fill most of the file: its middle is inside a record's data.
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  const auto flipped = dir / "flipped.pt";
  write_file_atomic(flipped, bytes);
  const std::string message =
      error_of([&] { load_training_checkpoint(flipped, trainer.model(), &trainer.optimizer()); });
  EXPECT_TRUE(contains(message, "flipped.pt")) << message;
  EXPECT_TRUE(contains(message, "CRC-32")) << message;
  EXPECT_NO_THROW(load_training_checkpoint(file, trainer.model(), &trainer.optimizer()));
}

// fp16 loss-scale overflows are expected while the scale adapts: they are skipped as before and
// counted in skipped_steps, but not against train.max_skipped_fraction.
TEST(TrainFaults, Fp16OverflowSkipsDoNotCountAsNonFiniteSteps_CUDA) {
  RunConfig config = tiny_run_config("none");
  config.train.precision = Precision::kFp16;
  TempDir dir;
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  ASSERT_TRUE(trainer.device().is_cuda());
  const MultiviewBatch batch = first_batch(config, trainer.device());
  at::Tensor p = trainer.model()->parameters()[0];
  const unsigned hook = p.register_hook(
      [](const at::Tensor& g) { return g * std::numeric_limits<double>::infinity(); });
  const StepResult r = trainer.run_step(batch);
  p.remove_hook(hook);
  EXPECT_TRUE(r.skipped && r.scale_overflow);
  EXPECT_EQ(trainer.progress().skipped_steps, 1);
  EXPECT_EQ(trainer.progress().nonfinite_steps, 0);
}

}  // namespace
}  // namespace mvpose3d::train
