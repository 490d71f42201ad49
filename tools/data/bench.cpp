// mvpose3d data bench --config FILE [--set K=V ...] [--batches N] [--batch-size B] [--workers W]
//              [--prefetch P]
//       Samples per second through MultiviewLoader (worker threads + prefetch), after a warm-up.
// Any data.type (through make_dataset); --camera-set names one of its camera sets (synthetic:
// seen, rotated, unseen, random; Total Capture: seen, unseen; all: permuted).
#include "mvpose3d/core/limits.h"
#include "mvpose3d/data/loader.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>

#include "tools/data/data_commands.h"
#include "tools/data/data_options.h"

namespace mvpose3d::tools {

void add_data_bench_command(CLI::App& data) {
  struct Args : DataArgs {
    int batches = 40;
    int batch_size = 16;
    int workers = -1;
    int prefetch = -1;
    int warmup = 2;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd =
      data.add_subcommand("bench", "Measure samples per second through the threaded loader");
  add_dataset_options(cmd, *a);
  cmd->add_option("--batches", a->batches, "batches timed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", a->batch_size, "samples per batch")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--workers", a->workers, "loader threads (default: data.workers)")
      ->check(CLI::Range(0, kMaxLoaderWorkers));
  cmd->add_option("--prefetch", a->prefetch, "batches ahead per worker (default: data.prefetch)");
  cmd->add_option("--warmup", a->warmup, "batches taken before timing")->capture_default_str();
  cmd->callback([a] {
    const RunConfig config = load_run_config(*a);
    const auto dataset = open_dataset(config, *a);
    LoaderOptions options;
    options.batch_size = a->batch_size;
    options.workers = a->workers >= 0 ? a->workers : config.data.workers;
    options.prefetch = a->prefetch >= 0 ? a->prefetch : config.data.prefetch;
    options.shuffle = true;
    options.seed = static_cast<std::uint64_t>(config.seed);
    MultiviewLoader loader(dataset, options);
    for (int i = 0; i < a->warmup; ++i) loader.next();
    const auto start = std::chrono::steady_clock::now();
    std::int64_t samples = 0;
    for (int i = 0; i < a->batches; ++i) samples += loader.next()->size();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "data bench: %s %s: %lld samples of %d views at %dx%d px in %.3f s = %.1f samples/s "
        "(workers %d, prefetch %d, batch %d, %u hardware threads)\n",
        to_string(config.data.type).c_str(),
        a->split.c_str(),
        static_cast<long long>(samples),
        dataset->num_views(),
        dataset->image_size_px(),
        dataset->image_size_px(),
        seconds,
        samples / seconds,
        options.workers,
        options.prefetch,
        options.batch_size,
        std::thread::hardware_concurrency());
  });
}

}  // namespace mvpose3d::tools
