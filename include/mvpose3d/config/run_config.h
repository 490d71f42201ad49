// RunConfig: everything one run of mvpose3d is configured by, loaded strictly from YAML.
//
//   const LoadedConfig loaded = load_config_with_origins("configs/x.yaml", {"train.steps=10"});
//   const RunConfig& config = loaded.config;  // pass as const RunConfig& everywhere; no globals
//
// The format, inheritance (`base:`), --set overrides and error messages are described in
// yaml_io.h; every key is listed in docs/config_reference.md (`mvpose3d check-config --reference`).
#pragma once

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/config/eval_config.h"
#include "mvpose3d/config/model_config.h"
#include "mvpose3d/config/schema.h"
#include "mvpose3d/config/train_config.h"
#include "mvpose3d/config/yaml_io.h"
#include "mvpose3d/core/limits.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d {

// The config format version this build reads (the `version:` key).
inline constexpr int kConfigVersion = 1;

struct RunConfig {
  int version = kConfigVersion;
  std::string name;
  std::int64_t seed = 0;
  std::string output_root = "runs";
  int threads = 0;
  bool deterministic = false;
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  EvalConfig eval;

  template <class Visitor>
  void visit(Visitor& v) {
    v("version", version, "config format version", OneOf({kConfigVersion}));
    v("name", name, "run name, \"\" = the config file's stem");
    v("seed", seed, "seed of every random generator", NonNegative());
    v("output_root", output_root, "run directories go to <output_root>/<name>/<timestamp>/");
    v("threads", threads, "CPU threads for LibTorch, 0 = library default", InRange(0, kMaxThreads));
    v("deterministic", deterministic, "use deterministic algorithms only (slower on GPU)");
    v("data", data, "dataset and input pipeline");
    v("model", model, "network");
    v("train", train, "training");
    v("eval", eval, "evaluation");
  }
};
MVPOSE3D_CONFIG_EQUALITY(RunConfig)

// A loaded config with where each value came from.
struct LoadedConfig {
  RunConfig config;
  std::string name;
  ConfigOrigins origins;
};

// The built-in defaults (they validate).
RunConfig default_config();

// Loads `file` with its bases, applies `overrides` ("a.b.c=VALUE"), validates, and fills an empty
// `name` with the file's stem. Throws ConfigError listing every problem (missing or unreadable
// file, malformed YAML, unknown keys, wrong types, violated constraints, broken rules between keys
// (rules.h), base cycles).
LoadedConfig load_config_with_origins(const std::filesystem::path& file,
                                      const std::vector<std::string>& overrides = {});
RunConfig load_config(const std::filesystem::path& file,
                      const std::vector<std::string>& overrides = {});

// The config as YAML with one comment per key; load_config() of it gives an equal config.
std::string to_yaml(const RunConfig& config);

// Constraint and rule violations of a config built in code (empty when valid).
std::vector<std::string> validate(const RunConfig& config);

// configs/default.yaml: the defaults with a header (`mvpose3d check-config --defaults`).
std::string default_config_yaml();

// docs/config_reference.md (`mvpose3d check-config --reference`).
std::string config_reference_markdown();

}  // namespace mvpose3d
