// The subcommands of `mvpose3d rig`, one file each in tools/rig/.
#pragma once

#include <CLI/CLI.hpp>

namespace mvpose3d::tools {

void add_rig_convert_command(CLI::App& rig);

}  // namespace mvpose3d::tools
