// Datasets by name from the `data` config: one entry point for the trainer, the evaluator and the
// tools, whatever data.type is.
//
//   auto train = make_dataset(config.data, config.seed, "train");
//   auto test = make_dataset(config.data, config.seed, "test", "unseen");
//
// Camera sets name the cameras a test split is seen through. Every dataset has "seen" (the
// training cameras) and "permuted" (the seen cameras in reversed view order: a model that is
// really invariant to which view comes first gives the same 3D joints). The synthetic data adds
// "rotated", "unseen" and "random" (see SyntheticSplit); Total Capture adds "unseen" (cameras
// 2, 4, 6, 8 under the paper's protocol).
#pragma once

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/data/dataset.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mvpose3d {

// split: "train" or "test". camera_set applies to "test" only ("seen" for "train"). Throws Error
// naming the key for an unknown split or camera set (listing the known ones).
std::shared_ptr<const MultiviewDataset> make_dataset(const DataConfig& data,
                                                     std::int64_t seed,
                                                     const std::string& split,
                                                     const std::string& camera_set = "seen");

// The test split seen through an unseen rig of `num_cameras` cameras (eval.view_counts): for the
// synthetic data the "unseen" set's random rig drawn with that many cameras (with data.num_views,
// the "unseen" set itself). Throws Error for another data.type (its cameras are fixed) or fewer
// than 2 cameras.
std::shared_ptr<const MultiviewDataset> make_unseen_rig_test_set(const DataConfig& data,
                                                                 std::int64_t seed,
                                                                 int num_cameras);

// The camera sets make_dataset accepts for data.type.
std::vector<std::string> known_camera_sets(const DataConfig& data);

// A dataset whose views are those of `base` in the order `view_order` (a permutation or a subset
// of 0..V-1): images, cameras, crops, 2D joints and visibility are reordered together.
class ViewSelectedDataset : public MultiviewDataset {
 public:
  ViewSelectedDataset(std::shared_ptr<const MultiviewDataset> base, std::vector<int> view_order);
  std::int64_t size() const override { return base_->size(); }
  MultiviewSample get(std::int64_t index) const override;
  const Skeleton& skeleton() const override { return base_->skeleton(); }
  int num_views() const override { return static_cast<int>(view_order_.size()); }
  int image_size_px() const override { return base_->image_size_px(); }
  std::vector<std::string> subject_names() const override { return base_->subject_names(); }
  std::vector<std::string> action_names() const override { return base_->action_names(); }

 private:
  std::shared_ptr<const MultiviewDataset> base_;
  std::vector<int> view_order_;
  at::Tensor view_index_;  // view_order_ as an int64 tensor, made once (get runs per sample)
};

}  // namespace mvpose3d
