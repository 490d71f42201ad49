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

// One add_<name>_command(CLI::App&) per subcommand, defined in cmd_<name>.cpp.
void add_triangulate_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_check_config_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_sweep_command(CLI::App& app);

}  // namespace mvpose3d::tools
