#pragma once

#include <CLI/CLI.hpp>

namespace mvpose3d::tools {

// `mvpose3d bench model`: size, latency and throughput of every network variant and backbone.
void add_bench_model_command(CLI::App& bench);

}  // namespace mvpose3d::tools
