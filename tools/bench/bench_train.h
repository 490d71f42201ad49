#pragma once

#include <CLI/CLI.hpp>

namespace mvpose3d::tools {

// `mvpose3d bench train`: steps/s and samples/s of real training steps of a config.
void add_bench_train_command(CLI::App& bench);

}  // namespace mvpose3d::tools
