#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/logging.h"
#include "mvpose3d/run/run_dir.h"

#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;

TEST(RunStart, WritesResolvedConfigEnvironmentAndLog) {
  const fs::path root =
      fs::temp_directory_path() / ("mvpose3d_run_start_" + std::to_string(::getpid()));
  fs::remove_all(root);
  init_console_logging("warn");
  LoadedConfig loaded =
      load_config_with_origins("", {"train.steps=7", "output_root=" + root.string()});
  loaded.name = "unit";
  const fs::path dir = start_run(loaded, {"mvpose3d", "train", "--set", "train.steps=7"});
  EXPECT_EQ(dir.parent_path(), root / "unit");
  const LoadedConfig back = load_config_with_origins(dir / "config.resolved.yaml", {});
  EXPECT_EQ(back.config.train.steps, 7);
  EXPECT_TRUE(back.config == loaded.config);
  EXPECT_NE(
      read_text_file(dir / "env.txt").find("command_line: mvpose3d train --set train.steps=7"),
      std::string::npos);
  spdlog::warn("a line for the log file");
  spdlog::default_logger()->flush();
  EXPECT_NE(read_text_file(dir / "log.txt").find("a line for the log file"), std::string::npos);
  fs::remove_all(root);
}

}  // namespace
}  // namespace mvpose3d
