#include "mvpose3d/run/run_dir.h"

#include "mvpose3d/core/file_io.h"

#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;

TEST(RunDir, CreatesDistinctTimestampedDirsWithEnv) {
  const fs::path root = fs::temp_directory_path() / ("mvpose3d_runs_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const EnvironmentInfo env = collect_environment({"mvpose3d", "train", "--config", "a b.yaml"});
  const fs::path a = create_run_dir(root, "demo", env);
  const fs::path b = create_run_dir(root, "demo", env);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.parent_path(), root / "demo");
  const std::string text = read_text_file(a / "env.txt");
  EXPECT_NE(text.find("libtorch_version: "), std::string::npos);
  EXPECT_NE(text.find("command_line: mvpose3d train --config 'a b.yaml'"), std::string::npos)
      << text;
  EXPECT_NE(text.find("git_sha: "), std::string::npos);
  fs::remove_all(root);
}

}  // namespace
}  // namespace mvpose3d
