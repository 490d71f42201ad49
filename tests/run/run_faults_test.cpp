// Faults around a run directory (issue #20, Found 7): two writers of one run, a run name that
// escapes output_root, and empty run directories left by runs that failed to start.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/run/run_dir.h"

#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/error_text.h"

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::error_of;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Two `train --resume` of one run both wrote into it; the second is now refused, naming the run
// and the pid of the process that holds it. (flock locks belong to an open file, so two locks
// taken in one process conflict as two processes' do.)
TEST(RunFaults, SecondWriterOfARunIsRefusedNamingTheRunAndTheHoldersPid) {
  const fs::path run = fresh_dir("mvpose3d_run_lock");
  {
    RunDirLock first(run);
    const std::string message = error_of([&] { RunDirLock second(run); });
    EXPECT_TRUE(contains(message, run.string())) << message;
    EXPECT_TRUE(contains(message, "pid " + std::to_string(::getpid()))) << message;
  }
  EXPECT_NO_THROW(RunDirLock again(run));  // released with its holder
  fs::remove_all(run);
}

// `name: ../../x` put the run two levels above output_root (sweep cleaned names, train did not).
TEST(RunFaults, RunNameEscapingOutputRootIsRefusedNamingTheKey) {
  const fs::path root = fresh_dir("mvpose3d_run_name") / "runs";
  for (const std::string name : {"../../x", "..", "a/b", "/tmp/abs", ""}) {
    const std::string message = error_of([&] { create_run_dir(root, name, EnvironmentInfo{}); });
    EXPECT_TRUE(contains(message, "name = '" + name + "'")) << message;
  }
  EXPECT_FALSE(fs::exists(root));  // nothing was created
  EXPECT_NO_THROW(create_run_dir(root, "plain-name_1", EnvironmentInfo{}));
  fs::remove_all(root.parent_path());
}

// A run that failed before its first step (a batch larger than the dataset, a full disk) left an
// empty run directory behind although the docs promise none.
TEST(RunFaults, RunThatFailsToStartLeavesNoRunDirectory) {
  const fs::path root = fresh_dir("mvpose3d_run_guard");
  {
    NewRunDirGuard guard(root / "failed");
    write_file_atomic(root / "failed" / "config.resolved.yaml", "x: 1\n");
  }
  EXPECT_FALSE(fs::exists(root / "failed"));
  {
    NewRunDirGuard guard(root / "started");
    write_file_atomic(root / "started" / "config.resolved.yaml", "x: 1\n");
    guard.keep();
  }
  EXPECT_TRUE(fs::exists(root / "started" / "config.resolved.yaml"));
  fs::remove_all(root);
}

}  // namespace
}  // namespace mvpose3d
