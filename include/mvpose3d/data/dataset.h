// The dataset interface every multi-view reader implements (synthetic, Human3.6M, Total Capture).
//
// A dataset is a fixed, indexable list of samples: get(i) for 0 <= i < size() must be a pure
// function of i (and of how the dataset was constructed), and safe to call from several threads at
// once. MultiviewLoader (loader.h) relies on both to produce the same batches with any number of
// worker threads.
#pragma once

#include "mvpose3d/data/multiview_sample.h"
#include "mvpose3d/geometry/skeleton.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mvpose3d {

class MultiviewDataset {
 public:
  virtual ~MultiviewDataset() = default;

  // Number of samples.
  virtual std::int64_t size() const = 0;
  // Sample `index` (0 <= index < size(); throws Error otherwise). Thread-safe.
  virtual MultiviewSample get(std::int64_t index) const = 0;

  // The joint set of joints_world_mm / joints_2d_px.
  virtual const Skeleton& skeleton() const = 0;
  // Views per sample (V).
  virtual int num_views() const = 0;
  // Side of the square view images, px (H = W).
  virtual int image_size_px() const = 0;
  // Names behind MultiviewSample::subject_id and ::action_id.
  virtual std::vector<std::string> subject_names() const = 0;
  virtual std::vector<std::string> action_names() const = 0;
};

}  // namespace mvpose3d
