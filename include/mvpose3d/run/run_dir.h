// A run directory's whole lifecycle, in one place: creating it (runs/<config-name>/<timestamp>/ or
// a directory the user names), writing config.resolved.yaml and env.txt, and its log.txt. Used by
// `mvpose3d train`, `eval`, `sweep` and the benchmarks.
#pragma once

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/run/environment.h"

#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d {

// Creates <root>/<config_name>/<YYYYmmdd-HHMMSS>[-N]/ (never reusing an existing directory),
// writes env.txt into it, and returns its path. `config_name` (the config's `name`) must be one
// directory name: Error names the key otherwise. A failure leaves no directory behind.
std::filesystem::path create_run_dir(const std::filesystem::path& root,
                                     const std::string& config_name,
                                     const EnvironmentInfo& env);

// Creates <output_root>/<name>/<timestamp>/ with config.resolved.yaml (the config as it will be
// used, every default and override applied), env.txt (git SHA, LibTorch, CUDA, command line) and
// log.txt, to which the default logger writes from now on. Returns the directory.
std::filesystem::path start_run(const LoadedConfig& loaded, const std::vector<std::string>& argv);

// Makes `dir` a run directory for `config` (config.resolved.yaml, env.txt with `argv`); an existing
// one must hold the same resolved config, else Error says which file differs and how to proceed.
void prepare_run_dir(const RunConfig& config,
                     const std::filesystem::path& dir,
                     const std::vector<std::string>& argv);

// Writes `config` to dir/config.resolved.yaml unless the file holds it already: a resumed run
// records what --set changed, once the run has accepted the change.
void write_resolved_config(const RunConfig& config, const std::filesystem::path& dir);

// Removes a run directory this command just created, with everything in it, unless keep() is
// called: a run that fails before it starts (a full disk, a batch larger than the dataset) leaves
// no empty run directory behind.
class NewRunDirGuard {
 public:
  explicit NewRunDirGuard(std::filesystem::path dir) : dir_(std::move(dir)) {}
  ~NewRunDirGuard();
  NewRunDirGuard(const NewRunDirGuard&) = delete;
  NewRunDirGuard& operator=(const NewRunDirGuard&) = delete;
  void keep() { dir_.clear(); }

 private:
  std::filesystem::path dir_;
};

// While it lives, this process is the one writer of a run directory: an exclusive flock(2) on
// <run_dir>/run.lock, which holds the holder's pid. A second process (two `train --resume` of one
// run at once) gets Error naming the run and that pid. The kernel releases the lock when the
// holder ends, however it ends (kill -9 too), so a lock file left behind never blocks a resume.
class RunDirLock {
 public:
  explicit RunDirLock(const std::filesystem::path& run_dir);
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  std::filesystem::path file_;
  int fd_ = -1;
};

// While it lives, the default logger also writes to <run_dir>/<file_name> (appending; a no-op
// when start_run already added it, which the destructor then ends all the same). The ranks of a
// data-parallel job other than 0 log to rank<N>.log.
class RunLog {
 public:
  explicit RunLog(const std::filesystem::path& run_dir, const std::string& file_name = "log.txt");
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

 private:
  std::filesystem::path file_;
};

}  // namespace mvpose3d
