// The subcommands of `mvpose3d data`, one file each in tools/data/; cmd_data.cpp adds them to the
// `data` group in this order.
#pragma once

#include <CLI/CLI.hpp>

namespace mvpose3d::tools {

void add_data_preview_command(CLI::App& data);  // preview.cpp
void add_data_bench_command(CLI::App& data);    // bench.cpp
void add_data_stats_command(CLI::App& data);    // stats.cpp
void add_data_cache_command(CLI::App& data);    // cache.cpp
void add_data_rig_command(CLI::App& data);      // rig.cpp
void add_data_motion_command(CLI::App& data);   // motion.cpp

}  // namespace mvpose3d::tools
