// mvpose3d data cache --config FILE [--set K=V ...] [--split train|test|all] [--threads N]
//       Writes the HDF5 crop shards of data.<reader>.crop_cache for every split that is not
//       augmented (the test split; the training split with augmentation off).
#include "mvpose3d/core/limits.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>

#include <spdlog/spdlog.h>

#include "tools/data/data_commands.h"
#include "tools/data/data_options.h"

namespace mvpose3d::tools {

constexpr const char* kCacheHelp =
    "Write the HDF5 crop shards (data.<reader>.crop_cache) of the splits that are not augmented";

void add_data_cache_command(CLI::App& data) {
  struct Args : SplitsArgs {
    int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = add_splits_command(data, "cache", kCacheHelp, a, [a](const SplitDataset& s) {
    if (s.dataset.crop_cache_dir().empty()) {
      spdlog::info(
          "data cache: {} {} ({} cameras): no cache (data.{}.crop_cache is empty or the split "
          "is augmented)",
          to_string(s.config.data.type),
          s.split,
          s.camera_set,
          to_string(s.config.data.type));
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t written = s.dataset.write_crop_cache(a->threads);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("data cache: %s %s (%s cameras): %lld new shards of %lld frames in %s (%.1f s)\n",
                to_string(s.config.data.type).c_str(),
                s.split.c_str(),
                s.camera_set.c_str(),
                static_cast<long long>(written),
                static_cast<long long>(s.dataset.num_frames()),
                s.dataset.crop_cache_dir().string().c_str(),
                seconds);
  });
  cmd->add_option("--threads", a->threads, "rendering threads")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxThreads));
}

}  // namespace mvpose3d::tools
