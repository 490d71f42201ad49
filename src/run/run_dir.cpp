#include "mvpose3d/run/run_dir.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/logging.h"

#include <array>
#include <chrono>
#include <ctime>

#include <spdlog/spdlog.h>

namespace mvpose3d {

namespace fs = std::filesystem;

fs::path create_run_dir(const fs::path& root,
                        const std::string& config_name,
                        const EnvironmentInfo& env) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  ::localtime_r(&now, &local);
  std::array<char, 32> stamp{};
  std::strftime(stamp.data(), stamp.size(), "%Y%m%d-%H%M%S", &local);
  const fs::path parent = root / config_name;
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec)
    throw Error(fmt::format("{}: cannot create run directory ({})", parent.string(), ec.message()));
  fs::path dir = parent / stamp.data();
  for (int suffix = 1; !fs::create_directory(dir, ec); ++suffix) {
    if (ec)
      throw Error(fmt::format("{}: cannot create run directory ({})", dir.string(), ec.message()));
    dir = parent / fmt::format("{}-{}", stamp.data(), suffix);
  }
  write_file_atomic(dir / "env.txt", env.to_text());
  return dir;
}

std::filesystem::path start_run(const LoadedConfig& loaded, const std::vector<std::string>& argv) {
  const std::filesystem::path dir =
      create_run_dir(loaded.config.output_root, loaded.name, run_environment(loaded.config, argv));
  write_file_atomic(dir / "config.resolved.yaml", to_yaml(loaded.config));
  add_log_file(dir / "log.txt");
  spdlog::info("run directory {}", dir.string());
  return dir;
}

void prepare_run_dir(const RunConfig& config,
                     const fs::path& dir,
                     const std::vector<std::string>& argv) {
  const fs::path resolved = dir / "config.resolved.yaml";
  const std::string yaml = to_yaml(config);
  if (fs::exists(resolved)) {
    MVPOSE3D_CHECK(read_text_file(resolved) == yaml,
                   "{} holds another config than this run's: use a new run directory, or resume "
                   "it with its own config (mvpose3d train --resume {})",
                   resolved.string(),
                   dir.string());
    return;
  }
  fs::create_directories(dir);
  write_file_atomic(dir / "env.txt", run_environment(config, argv).to_text());
  write_file_atomic(resolved, yaml);
}

RunLog::RunLog(const fs::path& run_dir, const std::string& file_name) : file_(run_dir / file_name) {
  add_log_file(file_);
}

RunLog::~RunLog() {
  remove_log_file(file_);
}

}  // namespace mvpose3d
