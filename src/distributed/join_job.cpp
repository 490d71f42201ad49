// join_job and the context of a job of one process: the only part of the layer that exists in a
// build without c10d, where a job of several processes is refused with the reason.
#include "mvpose3d/config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/distributed/process_group.h"
#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/run/environment.h"

#if MVPOSE3D_DISTRIBUTED_ENABLED
#include "c10d_context.h"
#endif

namespace mvpose3d::distributed {

namespace {

class SingleProcessContext : public DistributedContext {
 public:
  explicit SingleProcessContext(const at::Device& device) : device_(device) {}
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  std::string backend() const override { return "none"; }
  std::vector<std::string> hosts() const override { return {}; }
  at::Device device() const override { return device_; }
  void broadcast(std::vector<at::Tensor>&, const std::string&) override {}
  void all_reduce_sum(at::Tensor&, const std::string&) override {}
  std::vector<at::Tensor> all_gather(const at::Tensor& tensor, const std::string&) override {
    return {tensor};
  }
  std::string share_from_main(const std::string&, const std::string& value) override {
    return value;
  }
  void set_phase(const std::string&) override {}
  void report_failure(const std::string&) noexcept override {}

 private:
  at::Device device_;
};

}  // namespace

std::shared_ptr<DistributedContext> single_process_context(const at::Device& device) {
  return std::make_shared<SingleProcessContext>(device);
}

std::shared_ptr<DistributedContext> join_job(const LaunchEnvironment& launch,
                                             const DistributedConfig& config) {
  if (!launch.distributed()) return single_process_context(eval::default_device());
#if MVPOSE3D_DISTRIBUTED_ENABLED
  auto job = std::make_shared<C10dContext>(launch, config);
  record_job(job->world_size(), job->backend(), job->hosts());  // for env.txt
  return job;
#else
  throw UsageError(fmt::format(
      "{} set a world size of {}, but this build of mvpose3d has no c10d (PyTorch's distributed "
      "engine): install libgloo-dev and reconfigure (scripts/setup.sh), or run one process",
      launch.launcher,
      launch.world_size));
#endif
}

}  // namespace mvpose3d::distributed
