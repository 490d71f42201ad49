#include "mvpose3d/distributed/launch_environment.h"

#include "mvpose3d/core/error.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace mvpose3d::distributed {

namespace {

int integer_variable(const EnvironmentReader& getenv, const std::string& name, int fallback) {
  const std::optional<std::string> text = getenv(name);
  if (!text || text->empty()) return fallback;
  try {
    std::size_t used = 0;
    const long value = std::stol(*text, &used);
    if (used == text->size() && value >= 0 && value <= 1'000'000) return static_cast<int>(value);
  } catch (const std::exception&) {
  }
  throw UsageError(fmt::format("environment variable {}={}: not a number >= 0", name, *text));
}

// The first line `command` prints, or "" when it cannot run.
std::string first_output_line(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return "";
  std::array<char, 256> line{};
  if (std::fgets(line.data(), line.size(), pipe.get()) == nullptr) return "";
  std::string out = line.data();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::optional<std::string> process_variable(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

LaunchEnvironment read_environment(const EnvironmentReader& getenv,
                                   const std::function<std::string(const std::string&)>& first) {
  LaunchEnvironment env;
  if (getenv("WORLD_SIZE") || getenv("RANK")) {
    env.launcher = "torchrun";
    env.rank = integer_variable(getenv, "RANK", 0);
    env.world_size = integer_variable(getenv, "WORLD_SIZE", 1);
    env.local_rank = integer_variable(getenv, "LOCAL_RANK", 0);
    env.agent_hosts_store = getenv("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True";
  } else if (getenv("SLURM_PROCID") && getenv("SLURM_NTASKS")) {
    env.launcher = "slurm";
    env.rank = integer_variable(getenv, "SLURM_PROCID", 0);
    env.world_size = integer_variable(getenv, "SLURM_NTASKS", 1);
    env.local_rank = integer_variable(getenv, "SLURM_LOCALID", 0);
    const std::string nodes =
        getenv("SLURM_JOB_NODELIST").value_or(getenv("SLURM_NODELIST").value_or(""));
    if (!nodes.empty()) env.master_addr = first(nodes);
    env.master_port = 15000 + integer_variable(getenv, "SLURM_JOB_ID", 0) % 20000;
  } else {
    return env;
  }
  if (const auto addr = getenv("MASTER_ADDR"); addr && !addr->empty()) env.master_addr = *addr;
  env.master_port = integer_variable(getenv, "MASTER_PORT", env.master_port);
  if (env.world_size < 1) throw UsageError("environment: WORLD_SIZE must be >= 1, got 0");
  if (env.rank >= env.world_size) {
    throw UsageError(fmt::format(
        "environment: rank {} is not below the world size {}", env.rank, env.world_size));
  }
  if (env.master_port < 1 || env.master_port > 65535) {
    throw UsageError(
        fmt::format("environment: MASTER_PORT={} is not a port (1..65535)", env.master_port));
  }
  return env;
}

}  // namespace

std::string first_host_of_nodelist(const std::string& nodelist) {
  // The first entry ends at the first comma outside brackets.
  std::string entry;
  int depth = 0;
  for (char c : nodelist) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ',' && depth == 0) break;
    entry += c;
  }
  if (entry.empty()) throw UsageError("SLURM node list '" + nodelist + "' names no host");
  // Each bracket group contributes its first value: "07-09,12" -> "07" (zero padding kept).
  std::string host;
  for (std::size_t i = 0; i < entry.size(); ++i) {
    if (entry[i] != '[') {
      host += entry[i];
      continue;
    }
    const std::size_t close = entry.find(']', i);
    if (close == std::string::npos) {
      throw UsageError("SLURM node list '" + nodelist + "': unbalanced '['");
    }
    const std::string range = entry.substr(i + 1, close - i - 1);
    host += range.substr(0, range.find_first_of(",-"));
    i = close;
  }
  return host;
}

LaunchEnvironment read_launch_environment(const EnvironmentReader& getenv) {
  return read_environment(getenv, first_host_of_nodelist);
}

LaunchEnvironment read_launch_environment() {
  return read_environment(process_variable, [](const std::string& nodes) {
    // scontrol knows every form of the list; the parser serves where it is not installed.
    const std::string host =
        first_output_line("scontrol show hostnames '" + nodes + "' 2>/dev/null");
    return host.empty() ? first_host_of_nodelist(nodes) : host;
  });
}

}  // namespace mvpose3d::distributed
