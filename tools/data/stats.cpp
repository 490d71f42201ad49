// mvpose3d data stats --config FILE [--set K=V ...] [--split train|test|all] [--check-frames N]
//       Human3.6M / Total Capture: frames per split, subject, action and camera, and whether the
//       labels, cameras and joint order agree (projected 3D joints against the 2D labels and the
//       boxes; joints inside the images). Reads no image.
#include "mvpose3d/data/labeled/dataset_stats.h"

#include <cstdint>
#include <cstdio>

#include <fmt/format.h>

#include "tools/data/data_commands.h"
#include "tools/data/data_options.h"

namespace mvpose3d::tools {

constexpr const char* kStatsHelp =
    "Human3.6M / Total Capture: counts per split, subject, action and camera, and a check that "
    "labels, cameras and joint order agree";

void add_data_stats_command(CLI::App& data) {
  struct Args : SplitsArgs {
    std::int64_t check_frames = 2000;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = add_splits_command(data, "stats", kStatsHelp, a, [a](const SplitDataset& s) {
    const DatasetStats stats = compute_stats(s.dataset, a->check_frames);
    const std::string title =
        fmt::format("{} {} ({} cameras)", to_string(s.config.data.type), s.split, s.camera_set);
    std::fputs(format_stats(stats, s.dataset, title).c_str(), stdout);
  });
  cmd->add_option("--check-frames", a->check_frames, "frames checked per split and camera set")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

}  // namespace mvpose3d::tools
