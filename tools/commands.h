// The subcommands of the `mvpose3d` program. Each lives in its own cmd_*.cpp and adds itself to the
// CLI11 app here, explicitly (no static self-registration: it is silently dropped from static
// libraries).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace mvpose3d::tools {

// The process's argv, kept for env.txt in run directories.
const std::vector<std::string>& command_line();

// Tunes the C library's allocator so that what a training step frees is reused by the next one
// instead of being returned to the system and faulted in again (main() calls it first).
void keep_freed_memory_for_reuse();

// --set KEY=VALUE, repeatable: one config override each (applied after the config files).
inline CLI::Option* add_set_option(CLI::App* command,
                                   std::vector<std::string>& overrides,
                                   const std::string& help) {
  return command->add_option("--set", overrides, help)
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
}

// An input file the command cannot do without: required, and it must exist.
inline CLI::Option* add_input_file_option(CLI::App* command,
                                          const std::string& name,
                                          std::string& file,
                                          const std::string& help) {
  return command->add_option(name, file, help)->required()->check(CLI::ExistingFile);
}

// One add_<name>_command(CLI::App&) per subcommand, defined in cmd_<name>.cpp.
void add_triangulate_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_check_config_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_rig_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_sweep_command(CLI::App& app);

}  // namespace mvpose3d::tools
