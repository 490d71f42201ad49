#pragma once

#include <CLI/CLI.hpp>

namespace mvpose3d::tools {

// `mvpose3d data render-session` (render_session.cpp).
void add_data_render_session_command(CLI::App& data);

}  // namespace mvpose3d::tools
