// mvpose3d check-config FILE [--set KEY=VALUE ...]: loads a config strictly (its bases, then the
// overrides), and prints the resolved YAML to stdout, or every problem found (exit status 2).
// Writes nothing to disk. --defaults and --reference print configs/default.yaml and
// docs/config_reference.md, which are generated from the config structs.
#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/commands.h"

namespace mvpose3d::tools {

void add_check_config_command(CLI::App& app) {
  struct Options {
    std::string file;
    std::vector<std::string> overrides;
    bool defaults = false;
    bool reference = false;
  };
  auto options = std::make_shared<Options>();

  CLI::App* command = app.add_subcommand(
      "check-config",
      "Check a config file strictly (with its base files and --set overrides) and print the "
      "resolved YAML, or every error");
  command->add_option("file", options->file, "config YAML file")->type_name("FILE");
  add_set_option(command,
                 options->overrides,
                 "override one key after all files, e.g. --set train.optimizer.lr=0.0005 "
                 "(VALUE is YAML; repeatable)");
  CLI::Option* defaults = command->add_flag(
      "--defaults", options->defaults, "print the default config (configs/default.yaml) instead");
  CLI::Option* reference = command->add_flag(
      "--reference",
      options->reference,
      "print the Markdown reference of every key (docs/config_reference.md) instead");
  defaults->excludes(reference);

  command->callback([options] {
    if (options->defaults || options->reference) {
      if (!options->file.empty() || !options->overrides.empty()) {
        throw UsageError("check-config: --defaults and --reference take no FILE or --set");
      }
      const std::string text =
          options->defaults ? default_config_yaml() : config_reference_markdown();
      std::fputs(text.c_str(), stdout);
      return;
    }
    if (options->file.empty()) {
      throw UsageError(
          "check-config: a config FILE is required (see 'mvpose3d check-config --help')");
    }
    const LoadedConfig loaded = load_config_with_origins(options->file, options->overrides);
    // An empty file is a valid config (every default), but most likely not the one meant.
    const bool file_sets_nothing =
        std::none_of(loaded.origins.begin(), loaded.origins.end(), [](const auto& entry) {
          return entry.second != "default" && entry.second.rfind("--set ", 0) != 0;
        });
    if (file_sets_nothing) {
      std::fprintf(stderr,
                   "mvpose3d: note: %s sets no key: every value is its default\n",
                   options->file.c_str());
    }
    std::fputs(to_yaml(loaded.config).c_str(), stdout);
  });
}

}  // namespace mvpose3d::tools
