#include "mvpose3d/run/environment.h"

#include "mvpose3d/config.h"
#include "mvpose3d/core/error.h"

#include <array>
#include <cstdio>
#include <memory>
#include <unistd.h>

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#ifndef MVPOSE3D_SOURCE_DIR
#define MVPOSE3D_SOURCE_DIR ""
#endif

namespace mvpose3d {

namespace {

std::string run_command(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return "";
  std::array<char, 256> buffer{};
  std::string out;
  while (std::fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) out += buffer.data();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;") == std::string::npos)
    return arg;
  std::string quoted = "'";
  for (char c : arg) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

struct JobRecord {
  int world_size = 1;
  std::string backend = "none";
  std::string hosts;
};
JobRecord& job_record() {
  static JobRecord record;
  return record;
}

}  // namespace

void record_job(int world_size, const std::string& backend, const std::vector<std::string>& hosts) {
  job_record() = {world_size, backend, fmt::format("{}", fmt::join(hosts, ","))};
}

std::string EnvironmentInfo::to_text() const {
  return fmt::format(
      "git_sha: {}\nmvpose3d_version: {}\nlibtorch_version: {}\ncuda_compiled: {}\ncuda_available: "
      "{}\n"
      "cuda_device: {}\nnum_threads: {}\nhostname: {}\ncommand_line: {}\nworld_size: {}\n"
      "distributed_backend: {}\nhosts: {}\n",
      git_sha,
      mvpose3d_version,
      libtorch_version,
      cuda_compiled,
      cuda_available,
      cuda_device.empty() ? "none" : cuda_device,
      num_threads,
      hostname,
      command_line,
      world_size,
      distributed_backend,
      hosts.empty() ? hostname : hosts);
}

EnvironmentInfo collect_environment(const std::vector<std::string>& argv) {
  EnvironmentInfo env;
  const std::string source_dir = MVPOSE3D_SOURCE_DIR;
  env.git_sha =
      source_dir.empty()
          ? ""
          : run_command("git -C " + shell_quote(source_dir) + " rev-parse HEAD 2>/dev/null");
  if (env.git_sha.empty()) env.git_sha = "unknown";
  env.mvpose3d_version = MVPOSE3D_VERSION;
  env.libtorch_version = TORCH_VERSION;
  env.cuda_compiled = MVPOSE3D_CUDA_ENABLED != 0;
  env.cuda_available = torch::cuda::is_available();
  if (env.cuda_available)
    env.cuda_device =
        run_command("nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1");
  env.num_threads = at::get_num_threads();
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size()) == 0) env.hostname = host.data();
  env.world_size = job_record().world_size;
  env.distributed_backend = job_record().backend;
  env.hosts = job_record().hosts;
  for (size_t i = 0; i < argv.size(); ++i)
    env.command_line += (i ? " " : "") + shell_quote(argv[i]);
  return env;
}

EnvironmentInfo run_environment(const RunConfig& config, const std::vector<std::string>& argv) {
  EnvironmentInfo environment = collect_environment(argv);
  if (config.threads > 0) environment.num_threads = config.threads;
  return environment;
}

}  // namespace mvpose3d
