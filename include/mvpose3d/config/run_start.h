// Starting a configured run: its directory, the resolved config, the environment and the log.
#pragma once

#include "mvpose3d/config/run_config.h"

#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d {

// Creates <output_root>/<name>/<timestamp>/ with config.resolved.yaml (the config as it will be
// used, every default and override applied), env.txt (git SHA, LibTorch, CUDA, command line) and
// log.txt, to which the default logger writes from now on. Returns the directory.
std::filesystem::path start_run(const LoadedConfig& loaded, const std::vector<std::string>& argv);

}  // namespace mvpose3d
