// DataParallel in a build without c10d: join_job never makes a job of several processes there,
// so make_data_parallel always returns nullptr and nothing else is ever called.
#include "mvpose3d/core/error.h"
#include "mvpose3d/distributed/data_parallel.h"

namespace mvpose3d::distributed {

struct DataParallel::State {};

DataParallel::DataParallel(std::shared_ptr<DistributedContext> job, torch::nn::Module& model, bool)
    : job_(std::move(job)), model_(model) {
  throw Error("DataParallel: this build of mvpose3d has no c10d");
}
DataParallel::~DataParallel() = default;
void DataParallel::before_forward() {}
void DataParallel::backward(const at::Tensor& loss, const std::string&) {
  loss.backward();
}
void DataParallel::broadcast_buffers(const std::string&) {}

std::unique_ptr<DataParallel> make_data_parallel(const std::shared_ptr<DistributedContext>&,
                                                 torch::nn::Module&,
                                                 const DistributedConfig&) {
  return nullptr;
}

}  // namespace mvpose3d::distributed
