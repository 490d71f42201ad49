// Where this process stands in a job of several: its rank, the world size and the rendezvous
// address, read from the environment that torchrun or SLURM set (no torch header).
//
//   torchrun:  RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (and
//              TORCHELASTIC_USE_AGENT_STORE=True: the agent already hosts the TCPStore)
//   SLURM:     SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; the master is the first host of
//              SLURM_JOB_NODELIST (or SLURM_NODELIST) unless MASTER_ADDR is set, the port
//              MASTER_PORT or one derived from SLURM_JOB_ID, so two jobs on a node do not collide
//   neither:   a job of one process
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace mvpose3d::distributed {

struct LaunchEnvironment {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;  // rank among the processes of this host (selects the GPU)
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string launcher = "none";  // "torchrun", "slurm" or "none"
  // torchrun's agent hosts the TCPStore at MASTER_ADDR:MASTER_PORT: every rank is a client.
  bool agent_hosts_store = false;

  bool distributed() const { return world_size > 1; }
};

// Reads the environment through `getenv` (tests pass their own); throws UsageError naming the
// variable when a value is not a number or is out of range (RANK >= WORLD_SIZE, a port > 65535).
using EnvironmentReader = std::function<std::optional<std::string>(const std::string& name)>;
LaunchEnvironment read_launch_environment(const EnvironmentReader& getenv);
// The same through ::getenv, and `scontrol show hostnames` for a SLURM node list when available.
LaunchEnvironment read_launch_environment();

// The first host of a SLURM node list in its compact form: "node[07-09,12],gpu1" -> "node07",
// "a1,b2" -> "a1", "rack[2-3]-n[01-04]" -> "rack2-n01". Throws UsageError on an empty list.
std::string first_host_of_nodelist(const std::string& nodelist);

}  // namespace mvpose3d::distributed
