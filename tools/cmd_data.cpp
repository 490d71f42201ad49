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
#include "mvpose3d/config.h"
#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/data/labeled/dataset_stats.h"
#include "mvpose3d/data/loader.h"
#include "mvpose3d/data/synthetic/synthetic_rigs.h"

#if MVPOSE3D_OPENCV_ENABLED
#include "mvpose3d/data/vis/preview.h"
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "tools/commands.h"

namespace mvpose3d::tools {

namespace {

struct DataArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string split = "train";
  std::string camera_set = "seen";
};

RunConfig load_run_config(const DataArgs& a) {
  if (a.config.empty()) {
    RunConfig c = default_config();
    if (!a.overrides.empty()) {
      load_fields(fields_of(c), {}, a.overrides);
    }
    return c;
  }
  return load_config(a.config, a.overrides);
}

std::shared_ptr<const MultiviewDataset> open_dataset(const RunConfig& config,
                                                     const std::string& split,
                                                     const std::string& camera_set) {
  // A dataset that cannot be built is a configuration problem (exit status 2).
  try {
    return make_dataset(config.data, config.seed, split, camera_set);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
}

std::shared_ptr<const MultiviewDataset> open_dataset(const RunConfig& config, const DataArgs& a) {
  return open_dataset(config, a.split, a.camera_set);
}

// Options of the commands that go over every split of a real dataset (stats, cache).
struct SplitsArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string split = "all";
};

void add_splits_options(CLI::App* cmd, SplitsArgs& a) {
  cmd->add_option("--config", a.config, "run config YAML")->required()->check(CLI::ExistingFile);
  cmd->add_option("--set", a.overrides, "override one config key")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--split", a.split, "train, test or all")
      ->capture_default_str()
      ->check(CLI::IsMember({"train", "test", "all"}));
}

// Calls fn(config, split, camera set, dataset) for the training split (seen cameras) and every
// camera set of the test split (permuted left out) of an h36m or totalcapture config.
void for_each_split(
    const SplitsArgs& a,
    const std::string& command,
    const std::function<void(
        const RunConfig&, const std::string&, const std::string&, const LabeledDataset&)>& fn) {
  const RunConfig config = load_config(a.config, a.overrides);
  if (config.data.type != "h36m" && config.data.type != "totalcapture") {
    throw UsageError(fmt::format(
        "data {}: data.type must be h36m or totalcapture, got '{}'", command, config.data.type));
  }
  for (const std::string split : {"train", "test"}) {
    if (a.split != "all" && a.split != split) continue;
    for (const std::string& set : known_camera_sets(config.data)) {
      if (set == "permuted" || (split == "train" && set != "seen")) continue;
      const auto dataset =
          std::dynamic_pointer_cast<const LabeledDataset>(open_dataset(config, split, set));
      fn(config, split, set, *dataset);
    }
  }
}

void add_common(CLI::App* cmd, DataArgs& a) {
  cmd->add_option("--config", a.config, "run config YAML (default: the built-in defaults)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", a.overrides, "override one config key, e.g. --set data.crop_size_px=64")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--split", a.split, "train or test")
      ->capture_default_str()
      ->check(CLI::IsMember({"train", "test"}));
  cmd->add_option("--camera-set",
                  a.camera_set,
                  "test cameras: a camera set of data.type (synthetic: seen, rotated, unseen, "
                  "random; totalcapture: seen, unseen; every type: permuted)")
      ->capture_default_str();
}

}  // namespace

void add_data_command(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "Preview and benchmark the datasets; make rigs");
  data->require_subcommand(1);

  // --- preview ----------------------------------------------------------------------------------
  {
    struct Args : DataArgs {
      std::string out;
      int samples = 4;
      std::int64_t first = 0;
      int tile = 256;
    };
    auto a = std::make_shared<Args>();
    CLI::App* cmd = data->add_subcommand(
        "preview", "Write a PNG montage of samples with their 2D joints and skeleton drawn");
    add_common(cmd, *a);
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
      spdlog::info(
          "wrote {} samples x {} views to {}", samples.size(), dataset->num_views(), a->out);
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

  // --- bench ------------------------------------------------------------------------------------
  {
    struct Args : DataArgs {
      int batches = 40;
      int batch_size = 16;
      int workers = -1;
      int prefetch = -1;
      int warmup = 2;
    };
    auto a = std::make_shared<Args>();
    CLI::App* cmd =
        data->add_subcommand("bench", "Measure samples per second through the threaded loader");
    add_common(cmd, *a);
    cmd->add_option("--batches", a->batches, "batches timed")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--batch-size", a->batch_size, "samples per batch")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--workers", a->workers, "loader threads (default: data.workers)");
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
          config.data.type.c_str(),
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

  // --- stats ------------------------------------------------------------------------------------
  {
    struct Args : SplitsArgs {
      std::int64_t check_frames = 2000;
    };
    auto a = std::make_shared<Args>();
    CLI::App* cmd = data->add_subcommand(
        "stats",
        "Human3.6M / Total Capture: counts per split, subject, action and camera, and a check that "
        "labels, cameras and joint order agree");
    add_splits_options(cmd, *a);
    cmd->add_option("--check-frames", a->check_frames, "frames checked per split and camera set")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->callback([a] {
      for_each_split(*a,
                     "stats",
                     [&](const RunConfig& config,
                         const std::string& split,
                         const std::string& set,
                         const LabeledDataset& dataset) {
                       const DatasetStats stats = compute_stats(dataset, a->check_frames);
                       const std::string title =
                           fmt::format("{} {} ({} cameras)", config.data.type, split, set);
                       std::fputs(format_stats(stats, dataset, title).c_str(), stdout);
                     });
    });
  }

  // --- cache ------------------------------------------------------------------------------------
  {
    struct Args : SplitsArgs {
      int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    };
    auto a = std::make_shared<Args>();
    CLI::App* cmd = data->add_subcommand(
        "cache",
        "Write the HDF5 crop shards (data.<reader>.crop_cache) of the splits that are "
        "not augmented");
    add_splits_options(cmd, *a);
    cmd->add_option("--threads", a->threads, "rendering threads")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->callback([a] {
      for_each_split(
          *a,
          "cache",
          [&](const RunConfig& config,
              const std::string& split,
              const std::string& set,
              const LabeledDataset& dataset) {
            if (dataset.crop_cache_dir().empty()) {
              spdlog::info(
                  "data cache: {} {} ({} cameras): no cache (data.{}.crop_cache is empty or the "
                  "split "
                  "is augmented)",
                  config.data.type,
                  split,
                  set,
                  config.data.type);
              return;
            }
            const auto start = std::chrono::steady_clock::now();
            const std::int64_t written = dataset.write_crop_cache(a->threads);
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            std::printf(
                "data cache: %s %s (%s cameras): %lld new shards of %lld frames in %s (%.1f s)\n",
                config.data.type.c_str(),
                split.c_str(),
                set.c_str(),
                static_cast<long long>(written),
                static_cast<long long>(dataset.num_frames()),
                dataset.crop_cache_dir().string().c_str(),
                seconds);
          });
    });
  }

  // --- rig --------------------------------------------------------------------------------------
  {
    struct Args {
      int ring = 0;
      int random = 0;
      std::int64_t seed = 0;
      std::string out;
    };
    auto a = std::make_shared<Args>();
    CLI::App* cmd = data->add_subcommand("rig", "Write a generated camera rig file");
    auto* ring = cmd->add_option("--ring", a->ring, "N cameras on a Total-Capture-like ring");
    auto* random = cmd->add_option("--random", a->random, "N cameras of a random rig");
    ring->excludes(random);
    cmd->add_option("--seed", a->seed, "seed of --random")->capture_default_str();
    cmd->add_option("--out", a->out, "rig YAML to write")->required();
    cmd->callback([a] {
      Rig rig;
      if (a->ring > 0) {
        synthetic::RingRigOptions o;
        o.num_cameras = a->ring;
        rig = synthetic::ring_rig(o);
      } else if (a->random > 0) {
        synthetic::RandomRigOptions o;
        o.num_cameras = a->random;
        Rng rng(static_cast<std::uint64_t>(a->seed));
        rig = synthetic::random_rig(o, rng);
      } else {
        throw UsageError("data rig: give --ring N or --random N (N >= 1)");
      }
      save_rig(rig, a->out);
      spdlog::info("wrote rig '{}' ({} cameras) to {}", rig.name(), rig.size(), a->out);
    });
  }
}

}  // namespace mvpose3d::tools
