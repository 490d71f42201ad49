// A tiny run configuration for the training tests: a width-8 ResNet-18 on 32 px crops of the
// synthetic data, a few samples, no worker threads (fast and deterministic on two cores).
#pragma once

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/train/trainer.h"

#include <filesystem>
#include <string>

#include "models/model_test_util.h"

namespace mvpose3d::testing {

// Trainer options for a run in `run_dir`, resumed from `resume_from` when given (a helper: the
// struct's designated initialisers trip -Wmissing-field-initializers in the tests).
inline train::TrainerOptions options_for(const std::filesystem::path& run_dir,
                                         const std::filesystem::path& resume_from = {}) {
  train::TrainerOptions o;
  o.run_dir = run_dir;
  o.resume_from = resume_from;
  return o;
}

inline RunConfig tiny_run_config(const std::string& fusion = "canonical") {
  RunConfig c;
  c.seed = 3;
  c.threads = 1;
  c.model = tiny_model_config(fusion);
  c.data.crop_size_px = 32;
  c.data.num_views = 3;
  c.data.rig = (source_dir() / "configs/rigs/h36m.yaml").string();
  c.data.workers = 0;
  c.data.synthetic.samples_per_epoch = 16;
  c.data.synthetic.test_samples = 4;
  c.data.synthetic.background_shapes = 2;
  c.train.steps = 4;
  c.train.batch_size = 2;
  c.train.optimizer.lr = 1e-3;
  c.train.loss.weight_3d = 0.01;
  c.train.eval_every = 0;
  c.train.checkpoint_every = 0;
  c.train.log_every = 1;
  c.eval.camera_sets = {"seen"};
  c.eval.samples = 2;
  return c;
}

// Writes <dir>/base.yaml (`base`) and <dir>/sweep.yaml, a sweep named "tiny" of three runs
// whose second cannot start (a width that does not validate): baseline, broken, fusion. Returns
// the sweep file.
inline std::filesystem::path write_sweep_with_a_broken_run(const std::filesystem::path& dir,
                                                           const RunConfig& base) {
  write_file_atomic(dir / "base.yaml", to_yaml(base));
  write_file_atomic(dir / "sweep.yaml",
                    "name: tiny\n"
                    "base: base.yaml\n"
                    "runs:\n"
                    "  - {name: baseline, set: {model.fusion: none}}\n"
                    "  - {name: broken, set: {model.backbone_width: -4}}\n"
                    "  - {name: fusion, set: {model.fusion: fusion}}\n");
  return dir / "sweep.yaml";
}

}  // namespace mvpose3d::testing
