#include "mvpose3d/data/dataset_factory.h"

#include "mvpose3d/config/rules.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/h36m/h36m_dataset.h"
#include "mvpose3d/data/synthetic/synthetic_dataset.h"
#include "mvpose3d/data/totalcapture/totalcapture_dataset.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d {

namespace {

std::vector<int> reversed_views(int num_views) {
  std::vector<int> order(static_cast<std::size_t>(num_views));
  std::iota(order.rbegin(), order.rend(), 0);
  return order;
}

std::shared_ptr<const MultiviewDataset> make_synthetic(const DataConfig& data,
                                                       std::int64_t seed,
                                                       const std::string& split,
                                                       const std::string& camera_set) {
  if (split == "train") {
    return std::make_shared<SyntheticDataset>(data, seed, synthetic_train_split(data));
  }
  return std::make_shared<SyntheticDataset>(data, seed, synthetic_test_split(data, camera_set));
}

}  // namespace

std::vector<std::string> known_camera_sets(const DataConfig& data) {
  return camera_set_names(data);
}

std::shared_ptr<const MultiviewDataset> make_dataset(const DataConfig& data,
                                                     std::int64_t seed,
                                                     const std::string& split,
                                                     const std::string& camera_set) {
  if (split != "train" && split != "test") {
    throw Error(fmt::format("make_dataset: unknown split '{}' (known: train, test)", split));
  }
  const std::vector<std::string> sets = known_camera_sets(data);
  if (std::find(sets.begin(), sets.end(), camera_set) == sets.end()) {
    throw Error(fmt::format("camera set '{}' is not known for data.type {} (known: {})",
                            camera_set,
                            to_string(data.type),
                            fmt::join(sets, ", ")));
  }
  if (split == "train" && camera_set != "seen") {
    throw Error(fmt::format("camera set '{}' applies to the test split only", camera_set));
  }
  const std::string base_set = camera_set == kPermutedCameraSet ? "seen" : camera_set;
  std::shared_ptr<const MultiviewDataset> dataset;
  switch (data.type) {
    case DatasetType::kSynthetic:
      dataset = make_synthetic(data, seed, split, base_set);
      break;
    case DatasetType::kH36m:
      dataset = std::make_shared<H36mDataset>(data, seed, split);
      break;
    case DatasetType::kTotalCapture:
      dataset = std::make_shared<TotalCaptureDataset>(data, seed, split, base_set);
      break;
  }
  if (camera_set == kPermutedCameraSet) {
    return std::make_shared<ViewSelectedDataset>(dataset, reversed_views(dataset->num_views()));
  }
  return dataset;
}

std::shared_ptr<const MultiviewDataset> make_unseen_rig_test_set(const DataConfig& data,
                                                                 std::int64_t seed,
                                                                 int num_cameras) {
  MVPOSE3D_CHECK(data.type == DatasetType::kSynthetic,
                 "an unseen rig of {} cameras needs data.type = synthetic (it is '{}'): the other "
                 "datasets' cameras are fixed",
                 num_cameras,
                 to_string(data.type));
  MVPOSE3D_CHECK(num_cameras >= 2,
                 "an unseen rig needs at least 2 cameras to triangulate, got {}",
                 num_cameras);
  SyntheticSplit split = synthetic_test_split(data, "unseen");
  split.unseen_cameras = num_cameras;
  return std::make_shared<SyntheticDataset>(data, seed, std::move(split));
}

ViewSelectedDataset::ViewSelectedDataset(std::shared_ptr<const MultiviewDataset> base,
                                         std::vector<int> view_order)
    : base_(std::move(base)), view_order_(std::move(view_order)) {
  MVPOSE3D_CHECK(base_ != nullptr, "ViewSelectedDataset: no base dataset");
  MVPOSE3D_CHECK(!view_order_.empty(), "ViewSelectedDataset: no views selected");
  for (int v : view_order_) {
    MVPOSE3D_CHECK(v >= 0 && v < base_->num_views(),
                   "ViewSelectedDataset: view {} is outside [0, {})",
                   v,
                   base_->num_views());
  }
  view_index_ =
      at::tensor(std::vector<std::int64_t>(view_order_.begin(), view_order_.end()), at::kLong);
}

MultiviewSample ViewSelectedDataset::get(std::int64_t index) const {
  MultiviewSample sample = base_->get(index);
  std::vector<Camera> cameras;
  std::vector<Eigen::Matrix<double, 2, 3>> crops;
  for (int v : view_order_) {
    cameras.push_back(sample.cameras[static_cast<std::size_t>(v)]);
    crops.push_back(sample.crop_from_original[static_cast<std::size_t>(v)]);
  }
  sample.images = sample.images.index_select(0, view_index_).contiguous();
  sample.joints_2d_px = sample.joints_2d_px.index_select(0, view_index_).contiguous();
  sample.visibility = sample.visibility.index_select(0, view_index_).contiguous();
  sample.cameras = std::move(cameras);
  sample.crop_from_original = std::move(crops);
  return sample;
}

}  // namespace mvpose3d
