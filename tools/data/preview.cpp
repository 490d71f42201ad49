// mvpose3d data preview --config FILE [--set K=V ...] --out PNG [--samples N] [--split train|test]
//                [--camera-set seen|rotated|unseen|random] [--first I] [--tile PX]
//       A PNG montage: one row per sample, one column per view, 2D joints and skeleton drawn.
// Any data.type (through make_dataset); --camera-set names one of its camera sets (synthetic:
// seen, rotated, unseen, random; Total Capture: seen, unseen; all: permuted).
#include "mvpose3d/config.h"
#include "mvpose3d/core/error.h"

#include "tools/data/data_commands.h"

#if MVPOSE3D_OPENCV_ENABLED
#include "mvpose3d/data/vis/preview.h"
#endif

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "tools/data/data_options.h"

namespace mvpose3d::tools {

void add_data_preview_command(CLI::App& data) {
  struct Args : DataArgs {
    std::string out;
    int samples = 4;
    std::int64_t first = 0;
    int tile = 256;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = data.add_subcommand(
      "preview", "Write a PNG montage of samples with their 2D joints and skeleton drawn");
  add_dataset_options(cmd, *a);
  cmd->add_option("--out", a->out, "PNG file to write")->required();
  cmd->add_option("--samples", a->samples, "samples (rows)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--first", a->first, "index of the first sample")->capture_default_str();
  cmd->add_option("--tile", a->tile, "size of each view in the montage, px")
      ->capture_default_str()
      ->check(CLI::Range(32, 1024));
  cmd->callback([a] {
#if MVPOSE3D_OPENCV_ENABLED
    const RunConfig config = load_run_config(*a);
    const auto dataset = open_dataset(config, *a);
    std::vector<MultiviewSample> samples;
    for (int i = 0; i < a->samples; ++i) {
      samples.push_back(dataset->get((a->first + i) % dataset->size()));
    }
    PreviewOptions options;
    options.tile_px = a->tile;
    write_preview_png(samples, dataset->skeleton(), a->out, options);
    spdlog::info("wrote {} samples x {} views to {}", samples.size(), dataset->num_views(), a->out);
    // How much the views hide: what fusion can add over a per-view detector.
    double hidden = 0, entries = 0, few_views = 0, joints = 0;
    for (const auto& s : samples) {
      const auto visible = s.visibility.gt(0.5);  // [V, J]
      hidden += static_cast<double>((~visible).sum().item<std::int64_t>());
      entries += static_cast<double>(visible.numel());
      few_views += static_cast<double>(visible.sum(0).lt(2).sum().item<std::int64_t>());
      joints += static_cast<double>(visible.size(1));
    }
    spdlog::info(
        "hidden (occluded or outside the crop): {:.1f} % of joints in a view; {:.1f} % of "
        "joints visible in fewer than 2 views",
        100.0 * hidden / entries,
        100.0 * few_views / joints);
#else
    throw UsageError("data preview: this build has no OpenCV (MVPOSE3D_WITH_OPENCV)");
#endif
  });
}

}  // namespace mvpose3d::tools
