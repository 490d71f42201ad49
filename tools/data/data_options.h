// What the `mvpose3d data` subcommands share: their dataset options (--config, --set, --split,
// --camera-set), opening a dataset as a usage problem, and the loop over every split of a real
// dataset (stats, cache).
#pragma once

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/data/dataset.h"
#include "mvpose3d/data/labeled/labeled_dataset.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mvpose3d::tools {

// Options of the commands that read one split of any data.type (preview, bench).
struct DataArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string split = "train";
  std::string camera_set = "seen";
};

void add_dataset_options(CLI::App* cmd, DataArgs& a);

// The config of --config with --set applied (the built-in defaults without --config).
RunConfig load_run_config(const DataArgs& a);

// make_dataset; a dataset that cannot be built is a configuration problem (UsageError, exit
// status 2).
std::shared_ptr<const MultiviewDataset> open_dataset(const RunConfig& config,
                                                     const std::string& split,
                                                     const std::string& camera_set);
std::shared_ptr<const MultiviewDataset> open_dataset(const RunConfig& config, const DataArgs& a);

// Options of the commands that go over every split of a real dataset (stats, cache).
struct SplitsArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string split = "all";
};

// One split of an h36m or totalcapture config, seen through one camera set.
struct SplitDataset {
  const RunConfig& config;
  const std::string& split;
  const std::string& camera_set;
  const LabeledDataset& dataset;
};
using SplitVisitor = std::function<void(const SplitDataset&)>;

// Adds the subcommand `name` of `data` with the options of SplitsArgs (into *args). When run, it
// calls `visit` for the training split (seen cameras) and every camera set of the test split
// (permuted left out), as --split selects.
CLI::App* add_splits_command(CLI::App& data,
                             const std::string& name,
                             const std::string& description,
                             std::shared_ptr<SplitsArgs> args,
                             SplitVisitor visit);

}  // namespace mvpose3d::tools
