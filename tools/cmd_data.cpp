// `mvpose3d data`: look at and measure the datasets.
//
//   data preview --config FILE [--set K=V ...] --out PNG [--samples N] [--split train|test]
//                [--camera-set seen|rotated|unseen|random] [--first I] [--tile PX]
//       A PNG montage: one row per sample, one column per view, 2D joints and skeleton drawn.
//   data bench --config FILE [--set K=V ...] [--batches N] [--batch-size B] [--workers W]
//              [--prefetch P]
//       Samples per second through MultiviewLoader (worker threads + prefetch), after a warm-up.
//   data rig (--ring N | --random N) [--seed S] --out FILE
//       Writes a generated camera rig (configs/rigs/*.yaml format).
//   data motion --frames N [--fps F] [--layout h36m17|body25] --out FILE.npy
//       Writes the synthetic motion's joints [F, J, 3] (world mm, z up) for tools outside the
//       dataset.
//   data stats --config FILE [--set K=V ...] [--split train|test|all] [--check-frames N]
//       Human3.6M / Total Capture: frames per split, subject, action and camera, and whether the
//       labels, cameras and joint order agree (projected 3D joints against the 2D labels and the
//       boxes; joints inside the images). Reads no image.
//   data cache --config FILE [--set K=V ...] [--split train|test|all] [--threads N]
//       Writes the HDF5 crop shards of data.<reader>.crop_cache for every split that is not
//       augmented (the test split; the training split with augmentation off).
// preview and bench take any data.type (through make_dataset); --camera-set names one of its
// camera sets (synthetic: seen, rotated, unseen, random; Total Capture: seen, unseen; all:
// permuted).
#include "tools/commands.h"
#include "tools/data/data_commands.h"
#include "tools/data/render_session.h"

namespace mvpose3d::tools {

void add_data_command(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "Preview and benchmark the datasets; make rigs");
  data->require_subcommand(1);
  add_data_preview_command(*data);
  add_data_bench_command(*data);
  add_data_stats_command(*data);
  add_data_cache_command(*data);
  add_data_rig_command(*data);
  add_data_motion_command(*data);
  add_data_render_session_command(*data);
}

}  // namespace mvpose3d::tools
