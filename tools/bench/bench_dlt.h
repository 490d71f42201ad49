#pragma once

#include <CLI/CLI.hpp>

namespace mvpose3d::tools {

// `mvpose3d bench dlt`: the paper's DLT experiment (DiffDLT protocol) for every method in one run.
void add_bench_dlt_command(CLI::App& bench);

}  // namespace mvpose3d::tools
