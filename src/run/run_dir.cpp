#include "mvpose3d/run/run_dir.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/logging.h"

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

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
  // One directory name: `name: ../../x` (or an absolute path) would put the run outside root.
  const fs::path name(config_name);
  if (config_name.empty() || config_name == "." || config_name == ".." || name.filename() != name ||
      name.has_root_path()) {
    throw UsageError(fmt::format(
        "name = '{}': a run name must be one directory name (no '/', not '.' or '..'), since "
        "runs go to <output_root>/<name>/",
        printable_excerpt(config_name)));
  }
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
  NewRunDirGuard guard(dir);  // a full disk here must not leave an empty directory behind
  write_file_atomic(dir / "env.txt", env.to_text());
  guard.keep();
  return dir;
}

std::filesystem::path start_run(const LoadedConfig& loaded, const std::vector<std::string>& argv) {
  const std::filesystem::path dir =
      create_run_dir(loaded.config.output_root, loaded.name, run_environment(loaded.config, argv));
  NewRunDirGuard guard(dir);
  write_file_atomic(dir / "config.resolved.yaml", to_yaml(loaded.config));
  add_log_file(dir / "log.txt");
  guard.keep();
  spdlog::info("run directory {}", dir.string());
  return dir;
}

void write_resolved_config(const RunConfig& config, const fs::path& dir) {
  const fs::path resolved = dir / "config.resolved.yaml";
  const std::string yaml = to_yaml(config);
  if (!fs::exists(resolved) || read_text_file(resolved) != yaml) write_file_atomic(resolved, yaml);
}

NewRunDirGuard::~NewRunDirGuard() {
  if (dir_.empty()) return;
  remove_log_file(dir_ / "log.txt");
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

RunDirLock::RunDirLock(const fs::path& run_dir) : file_(run_dir / "run.lock") {
  fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error(fmt::format(
        "{}: cannot open the run's lock file ({})", file_.string(), std::strerror(errno)));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::string holder(32, '\0');
    const ssize_t n = ::pread(fd_, holder.data(), holder.size(), 0);
    holder.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
    ::close(fd_);
    if (error == EWOULDBLOCK) {
      throw Error(fmt::format(
          "{}: another mvpose3d process (pid {}) is running this run now; wait for it to end, "
          "or stop it, before starting or resuming the run again",
          run_dir.string(),
          holder.empty() ? "unknown" : printable_excerpt(holder)));
    }
    throw Error(fmt::format("{}: cannot lock ({})", file_.string(), std::strerror(error)));
  }
  // The holder's pid, for the message of a second process; the lock itself is the kernel's.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int error = errno;
    ::close(fd_);
    throw Error(fmt::format(
        "{}: cannot write the holder's pid ({})", file_.string(), std::strerror(error)));
  }
}

RunDirLock::~RunDirLock() {
  ::close(fd_);  // releases the lock; the file stays (removing it would race with a new holder)
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
