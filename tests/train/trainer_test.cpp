// The trainer end to end on a tiny model: overfitting one batch, exact resume, the non-finite
// guard, checkpoints that survive a failed save, and sweeps that outlive a failing run.
#include "mvpose3d/train/trainer.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/data/loader.h"
#include "mvpose3d/train/checkpoint.h"
#include "mvpose3d/train/hooks.h"
#include "mvpose3d/train/run.h"
#include "mvpose3d/train/sweep.h"

#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/serialize/archive.h>

#include "train/train_test_util.h"

namespace mvpose3d::train {
namespace {

using testing::TempDir;

using testing::options_for;
using testing::tiny_run_config;

MultiviewBatch first_batch(const RunConfig& config) {
  LoaderOptions o;
  o.batch_size = config.train.batch_size;
  o.workers = 0;
  MultiviewLoader loader(make_dataset(config.data, config.seed, "train"), o);
  return *loader.next();
}

// Records every step's loss; optionally stops the run after `stop_after` steps.
class RecordingHook : public Hook {
 public:
  explicit RecordingHook(std::vector<double>* losses, std::int64_t stop_after = -1)
      : losses_(losses), stop_after_(stop_after) {}
  void after_step(Trainer& trainer, const StepResult& r) override {
    losses_->push_back(r.total_loss);
    if (trainer.progress().step == stop_after_) trainer.request_stop("test interruption");
  }

 private:
  std::vector<double>* losses_;
  std::int64_t stop_after_;
};

TEST(Trainer, OverfitsOneBatch) {
  RunConfig config = tiny_run_config("canonical");
  config.train.optimizer.lr = 3e-3;
  config.train.loss.weight_3d = 0;  // 2D only: the bound is in pixels
  TempDir dir;
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  const MultiviewBatch batch = first_batch(config);
  const double first = trainer.run_step(batch).total_loss;
  double last = first;
  for (int i = 0; i < 80; ++i) {
    ++trainer.progress().step;
    last = trainer.run_step(batch).total_loss;
  }
  // An untrained 32 px network is several pixels off; 80 steps on one batch get well under 1/3.
  EXPECT_LT(last, first / 3) << "first " << first << " last " << last;
}

TEST(Trainer, ResumeReproducesTheNextStepsExactly) {
  RunConfig config = tiny_run_config("fusion");
  config.train.steps = 5;
  config.train.schedule.type = ScheduleType::kCosine;
  config.train.schedule.warmup_steps = 1;
  TempDir full_dir, resumed_dir;
  std::vector<double> full, before, after;
  {
    Trainer trainer(config, make_run_model(config), options_for(full_dir.path()));
    add_default_hooks(trainer);  // as run_training does
    trainer.add_hook(std::make_unique<RecordingHook>(&full));
    trainer.train();
  }
  {
    Trainer trainer(config, make_run_model(config), options_for(resumed_dir.path()));
    add_default_hooks(trainer);  // as run_training does
    trainer.add_hook(std::make_unique<RecordingHook>(&before, /*stop_after=*/3));
    trainer.train();
  }
  ASSERT_EQ(before.size(), 3u);
  {
    Trainer trainer(config,
                    make_run_model(config),
                    options_for(resumed_dir.path(), last_checkpoint_path(resumed_dir.path())));
    add_default_hooks(trainer);
    EXPECT_EQ(trainer.progress().step, 3);
    trainer.add_hook(std::make_unique<RecordingHook>(&after));
    trainer.train();
  }
  ASSERT_EQ(full.size(), 5u);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0], full[3]);  // bit for bit: same weights, optimiser moments, data and LR
  EXPECT_EQ(after[1], full[4]);
  // metrics.jsonl of the resumed run reads as one run: steps 1..5 once each.
  const std::string metrics = read_text_file(resumed_dir / "metrics.jsonl");
  for (int step = 1; step <= 5; ++step) {
    const std::string key = "{\"step\": " + std::to_string(step) + ", \"kind\": \"train\"";
    const auto first = metrics.find(key);
    ASSERT_NE(first, std::string::npos) << key;
    EXPECT_EQ(metrics.find(key, first + 1), std::string::npos) << key << " twice";
  }
  EXPECT_TRUE(std::filesystem::exists(final_metrics_path(resumed_dir.path())));
  EXPECT_TRUE(std::filesystem::exists(resumed_dir / "results.md"));
}

TEST(Trainer, NonFiniteLossIsSkippedOrStops) {
  RunConfig config = tiny_run_config("none");
  TempDir dir;
  MultiviewBatch batch = first_batch(config);
  batch.joints_2d_px[0][0][0][0] = std::numeric_limits<double>::quiet_NaN();
  {
    Trainer trainer(config, make_run_model(config), options_for(dir.path()));
    const at::Tensor before = trainer.model()->parameters()[0].clone();
    const StepResult r = trainer.run_step(batch);
    EXPECT_TRUE(r.skipped);
    EXPECT_EQ(trainer.progress().skipped_steps, 1);
    EXPECT_TRUE(at::equal(before, trainer.model()->parameters()[0]));  // no update
  }
  config.train.nan_policy = NanPolicy::kStop;
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  try {
    trainer.run_step(batch);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite loss"), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, CorruptedFileIsRefusedAndAFailedSaveKeepsThePreviousOne) {
  RunConfig config = tiny_run_config("canonical");
  TempDir dir;
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  const auto file = dir / "ckpt.pt";
  trainer.progress().step = 7;
  save_training_checkpoint(file, trainer.model(), trainer.optimizer(), trainer.progress());
  const std::string good = read_text_file(file);

  // A save that fails half-way (here: while writing the training state) leaves the file as it was.
  EXPECT_THROW(models::save_checkpoint(
                   *trainer.model(),
                   file,
                   trainer.model()->architecture(),
                   {},
                   [](torch::serialize::OutputArchive&) { throw Error("disk full (simulated)"); }),
               Error);
  EXPECT_EQ(read_text_file(file), good);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename(), "ckpt.pt") << "left behind: " << entry.path();
  }

  // A truncated copy is refused with the file's name.
  const auto broken = dir / "broken.pt";
  write_file_atomic(broken, good.substr(0, good.size() / 2));
  try {
    load_training_checkpoint(broken, trainer.model(), &trainer.optimizer());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.pt"), std::string::npos) << e.what();
  }
  // The good one still loads, with its progress.
  EXPECT_EQ(load_training_checkpoint(file, trainer.model(), &trainer.optimizer()).step, 7);
}

TEST(Sweep, AFailingRunIsReportedAndTheOthersFinish) {
  TempDir dir;
  RunConfig config = tiny_run_config("none");
  config.train.steps = 2;
  config.output_root = (dir / "runs").string();
  const SweepSpec spec = load_sweep(testing::write_sweep_with_a_broken_run(dir.path(), config));
  ASSERT_EQ(spec.runs.size(), 3u);
  SweepResult result = run_sweep(spec, {});
  EXPECT_EQ(result.failed(), 1);
  ASSERT_EQ(result.runs.size(), 3u);
  EXPECT_EQ(result.runs[0].status, "trained");
  EXPECT_EQ(result.runs[1].status, "failed");
  EXPECT_NE(result.runs[1].error.find("backbone_width"), std::string::npos) << result.runs[1].error;
  EXPECT_EQ(result.runs[2].status, "trained");
  EXPECT_GT(result.runs[2].metrics.at("seen/mpjpe_mm"), 0);
  const std::string table = read_text_file(dir / "runs/tiny/sweep_results.md");
  EXPECT_NE(table.find("fusion"), std::string::npos);
  EXPECT_NE(table.find("failed"), std::string::npos);
  // Running it again skips the finished runs.
  SweepOptions only_baseline;
  only_baseline.only = {"baseline"};
  result = run_sweep(spec, only_baseline);
  ASSERT_EQ(result.runs.size(), 1u);
  EXPECT_EQ(result.runs[0].status, "skipped (finished)");
  // A finished run of another config is not taken for this one's.
  SweepOptions longer = only_baseline;
  longer.extra_overrides = {"train.steps=3"};
  result = run_sweep(spec, longer);
  ASSERT_EQ(result.runs.size(), 1u);
  EXPECT_EQ(result.runs[0].status, "failed");
  EXPECT_NE(result.runs[0].error.find("another config"), std::string::npos) << result.runs[0].error;
}

TEST(Sweep, BadFilesNameTheProblem) {
  TempDir dir;
  write_file_atomic(dir / "base.yaml", "version: 1\n");
  write_file_atomic(dir / "sweep.yaml", "base: base.yaml\nrunz: []\n");
  try {
    load_sweep(dir / "sweep.yaml");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("sweep.yaml:2:1: unknown key 'runz'"), std::string::npos)
        << e.what();
  }
  write_file_atomic(dir / "grid.yaml", "base: base.yaml\ngrid: {model.fusion: [none, fusion]}\n");
  const SweepSpec grid = load_sweep(dir / "grid.yaml");
  ASSERT_EQ(grid.runs.size(), 2u);
  EXPECT_EQ(grid.runs[1].name, "fusion=fusion");
  EXPECT_EQ(grid.runs[1].overrides.back(), "model.fusion=fusion");
}

}  // namespace
}  // namespace mvpose3d::train
