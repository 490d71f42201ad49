#include "mvpose3d/config/run_start.h"

#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/logging.h"
#include "mvpose3d/core/run_dir.h"

namespace mvpose3d {

std::filesystem::path start_run(const LoadedConfig& loaded, const std::vector<std::string>& argv) {
  const std::filesystem::path dir =
      create_run_dir(loaded.config.output_root, loaded.name, collect_environment(argv));
  write_file_atomic(dir / "config.resolved.yaml", to_yaml(loaded.config));
  add_log_file(dir / "log.txt");
  spdlog::info("run directory {}", dir.string());
  return dir;
}

}  // namespace mvpose3d
