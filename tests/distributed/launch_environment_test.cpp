#include "mvpose3d/distributed/launch_environment.h"

#include "mvpose3d/core/error.h"

#include <map>

#include <gtest/gtest.h>

namespace mvpose3d::distributed {
namespace {

LaunchEnvironment read(const std::map<std::string, std::string>& variables) {
  return read_launch_environment([&](const std::string& name) -> std::optional<std::string> {
    const auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  });
}

TEST(LaunchEnvironment, NoLauncherIsOneProcess) {
  const LaunchEnvironment env = read({});
  EXPECT_EQ(env.world_size, 1);
  EXPECT_EQ(env.rank, 0);
  EXPECT_FALSE(env.distributed());
  EXPECT_EQ(env.launcher, "none");
}

TEST(LaunchEnvironment, ReadsTorchrunVariables) {
  const LaunchEnvironment env = read({{"RANK", "3"},
                                      {"WORLD_SIZE", "4"},
                                      {"LOCAL_RANK", "1"},
                                      {"MASTER_ADDR", "10.0.0.7"},
                                      {"MASTER_PORT", "29600"},
                                      {"TORCHELASTIC_USE_AGENT_STORE", "True"}});
  EXPECT_EQ(env.launcher, "torchrun");
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_addr, "10.0.0.7");
  EXPECT_EQ(env.master_port, 29600);
  EXPECT_TRUE(env.agent_hosts_store);
  EXPECT_TRUE(env.distributed());
}

TEST(LaunchEnvironment, ReadsSlurmVariablesWithTheFirstHostAsMaster) {
  const LaunchEnvironment env = read({{"SLURM_PROCID", "5"},
                                      {"SLURM_NTASKS", "8"},
                                      {"SLURM_LOCALID", "1"},
                                      {"SLURM_JOB_ID", "12345"},
                                      {"SLURM_JOB_NODELIST", "gpu[07-09,12],login1"}});
  EXPECT_EQ(env.launcher, "slurm");
  EXPECT_EQ(env.rank, 5);
  EXPECT_EQ(env.world_size, 8);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_addr, "gpu07");
  EXPECT_EQ(env.master_port, 15000 + 12345 % 20000);
  EXPECT_FALSE(env.agent_hosts_store);
}

TEST(LaunchEnvironment, TorchrunVariablesWinOverSlurmAndMasterAddrOverTheNodeList) {
  const LaunchEnvironment env = read({{"RANK", "0"},
                                      {"WORLD_SIZE", "2"},
                                      {"SLURM_PROCID", "1"},
                                      {"SLURM_NTASKS", "4"},
                                      {"MASTER_ADDR", "127.0.0.1"}});
  EXPECT_EQ(env.launcher, "torchrun");
  EXPECT_EQ(env.world_size, 2);
  EXPECT_EQ(env.master_addr, "127.0.0.1");
  EXPECT_EQ(env.master_port, 29500);
}

TEST(LaunchEnvironment, RejectsBadValuesNamingTheVariable) {
  try {
    read({{"RANK", "x"}, {"WORLD_SIZE", "2"}});
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("RANK=x"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read({{"RANK", "2"}, {"WORLD_SIZE", "2"}}), UsageError);
  EXPECT_THROW(read({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}}), UsageError);
}

TEST(FirstHostOfNodelist, ExpandsTheFirstEntryOfTheCompactForm) {
  EXPECT_EQ(first_host_of_nodelist("node01"), "node01");
  EXPECT_EQ(first_host_of_nodelist("a1,b2"), "a1");
  EXPECT_EQ(first_host_of_nodelist("node[07-09,12],gpu1"), "node07");
  EXPECT_EQ(first_host_of_nodelist("node[3,5-6]"), "node3");
  EXPECT_EQ(first_host_of_nodelist("rack[2-3]-n[01-04]"), "rack2-n01");
  EXPECT_THROW(first_host_of_nodelist(""), UsageError);
  EXPECT_THROW(first_host_of_nodelist("node[01-02"), UsageError);
}

}  // namespace
}  // namespace mvpose3d::distributed
