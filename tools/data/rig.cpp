// mvpose3d data rig (--ring N | --random N) [--seed S] --out FILE
//       Writes a generated camera rig (configs/rigs/*.yaml format).
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/synthetic/synthetic_rigs.h"

#include <cstdint>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "tools/data/data_commands.h"
#include "tools/data/data_options.h"

namespace mvpose3d::tools {

void add_data_rig_command(CLI::App& data) {
  struct Args {
    int ring = 0;
    int random = 0;
    std::int64_t seed = 0;
    std::string out;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = data.add_subcommand("rig", "Write a generated camera rig file");
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

}  // namespace mvpose3d::tools
