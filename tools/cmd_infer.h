#pragma once

#include <CLI/CLI.hpp>

namespace mvpose3d::tools {

// `mvpose3d infer` (cmd_infer.cpp; only in builds with OpenCV, like the infer layer).
void add_infer_command(CLI::App& app);

}  // namespace mvpose3d::tools
