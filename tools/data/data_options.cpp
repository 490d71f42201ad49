#include "tools/data/data_options.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/dataset_factory.h"

#include "tools/commands.h"

namespace mvpose3d::tools {

void add_dataset_options(CLI::App* cmd, DataArgs& a) {
  cmd->add_option("--config", a.config, "run config YAML (default: the built-in defaults)")
      ->check(CLI::ExistingFile);
  add_set_option(cmd, a.overrides, "override one config key, e.g. --set data.crop_size_px=64");
  cmd->add_option("--split", a.split, "train or test")
      ->capture_default_str()
      ->check(CLI::IsMember({"train", "test"}));
  cmd->add_option("--camera-set",
                  a.camera_set,
                  "test cameras: a camera set of data.type (synthetic: seen, rotated, unseen, "
                  "random; totalcapture: seen, unseen; every type: permuted)")
      ->capture_default_str();
}

RunConfig load_run_config(const DataArgs& a) {
  if (a.config.empty()) {
    RunConfig c = default_config();
    if (!a.overrides.empty()) {
      load_fields(fields_of(c), {}, a.overrides);
    }
    return c;
  }
  return load_config(a.config, a.overrides);
}

std::shared_ptr<const MultiviewDataset> open_dataset(const RunConfig& config,
                                                     const std::string& split,
                                                     const std::string& camera_set) {
  try {
    return make_dataset(config.data, config.seed, split, camera_set);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
}

std::shared_ptr<const MultiviewDataset> open_dataset(const RunConfig& config, const DataArgs& a) {
  return open_dataset(config, a.split, a.camera_set);
}

namespace {

void for_each_split(const SplitsArgs& a, const std::string& command, const SplitVisitor& visit) {
  const RunConfig config = load_config(a.config, a.overrides);
  if (config.data.type != DatasetType::kH36m && config.data.type != DatasetType::kTotalCapture) {
    throw UsageError(fmt::format("data {}: data.type must be h36m or totalcapture, got '{}'",
                                 command,
                                 to_string(config.data.type)));
  }
  for (const std::string split : {"train", "test"}) {
    if (a.split != "all" && a.split != split) continue;
    for (const std::string& set : known_camera_sets(config.data)) {
      if (set == "permuted" || (split == "train" && set != "seen")) continue;
      const auto dataset =
          std::dynamic_pointer_cast<const LabeledDataset>(open_dataset(config, split, set));
      visit({config, split, set, *dataset});
    }
  }
}

}  // namespace

CLI::App* add_splits_command(CLI::App& data,
                             const std::string& name,
                             const std::string& description,
                             std::shared_ptr<SplitsArgs> args,
                             SplitVisitor visit) {
  CLI::App* cmd = data.add_subcommand(name, description);
  SplitsArgs& a = *args;
  add_input_file_option(cmd, "--config", a.config, "run config YAML");
  add_set_option(cmd, a.overrides, "override one config key");
  cmd->add_option("--split", a.split, "train, test or all")
      ->capture_default_str()
      ->check(CLI::IsMember({"train", "test", "all"}));
  cmd->callback([args, name, visit] { for_each_split(*args, name, visit); });
  return cmd;
}

}  // namespace mvpose3d::tools
