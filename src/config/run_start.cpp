#include "mvpose3d/config/run_start.h"

#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/logging.h"

namespace mvpose3d {

EnvironmentInfo run_environment(const RunConfig& config, const std::vector<std::string>& argv) {
  EnvironmentInfo environment = collect_environment(argv);
  if (config.threads > 0) environment.num_threads = config.threads;
  return environment;
}

std::filesystem::path start_run(const LoadedConfig& loaded, const std::vector<std::string>& argv) {
  const std::filesystem::path dir =
      create_run_dir(loaded.config.output_root, loaded.name, run_environment(loaded.config, argv));
  write_file_atomic(dir / "config.resolved.yaml", to_yaml(loaded.config));
  add_log_file(dir / "log.txt");
  spdlog::info("run directory {}", dir.string());
  return dir;
}

}  // namespace mvpose3d
