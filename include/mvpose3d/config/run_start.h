// Starting a configured run: its directory, the resolved config, the environment and the log.
#pragma once

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/run_dir.h"

#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d {

// The environment a run records in env.txt: collect_environment(argv), with the intra-op threads
// the run will use (config.threads, applied when it starts) rather than the process default.
EnvironmentInfo run_environment(const RunConfig& config, const std::vector<std::string>& argv);

// Creates <output_root>/<name>/<timestamp>/ with config.resolved.yaml (the config as it will be
// used, every default and override applied), env.txt (git SHA, LibTorch, CUDA, command line) and
// log.txt, to which the default logger writes from now on. Returns the directory.
std::filesystem::path start_run(const LoadedConfig& loaded, const std::vector<std::string>& argv);

}  // namespace mvpose3d
