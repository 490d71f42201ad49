// The subcommands of `mvpose3d rig`, one file each in tools/rig/; cmd_rig.cpp adds them.
#pragma once

#include <CLI/CLI.hpp>

namespace mvpose3d::tools {

void add_rig_check_command(CLI::App& rig);    // check.cpp
void add_rig_convert_command(CLI::App& rig);  // convert.cpp

}  // namespace mvpose3d::tools
