// One multi-view sample and a batch of them: the data contract between every dataset (synthetic,
// Human3.6M, Total Capture) and the models, trainer and evaluator.
//
// Shape letters: B batch, V views, J joints, H×W image (pixels). Units are in the names: world
// coordinates in millimetres (`_mm`), image coordinates in pixels (`_px`) of the view's image after
// cropping and resizing, with the pixel-centre convention of docs/geometry.md (pixel (i, j) is
// centred at (u, v) = (i, j)). Every camera is the camera *of the image as given*: its K already
// includes the crop and resize, so project(joints_world_mm) through cameras[v] gives
// joints_2d_px[v] (exactly for pinhole cameras, which the synthetic data always uses).
#pragma once

#include "mvpose3d/geometry/camera.h"

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <Eigen/Core>

namespace mvpose3d {

struct MultiviewSample {
  at::Tensor images;  // [V, 3, H, W] uint8 RGB
  // Each view's camera for `images` (K includes the crop/resize; R, t world→camera, mm).
  std::vector<Camera> cameras;  // [V]
  // Affine from the original (uncropped) image of view v to `images[v]`: [u'; v'] = A·[u; v; 1].
  // The original camera's K is [A; 0 0 1]⁻¹·K'. Identity for datasets that do not crop.
  std::vector<Eigen::Matrix<double, 2, 3>> crop_from_original;  // [V]
  at::Tensor joints_world_mm;  // [J, 3] float64, world frame (z up for the synthetic data)
  at::Tensor joints_2d_px;     // [V, J, 2] float64, in each view's image
  // 1 where the joint is inside the view's image and not hidden by an object other than the
  // subject (self-occlusion does not clear it, as in the real datasets' labels), else 0.
  at::Tensor visibility;  // [V, J] float32

  std::string subject;        // e.g. "S9"
  int subject_id = 0;         // index in the dataset's subject_names()
  std::string action;         // e.g. "walking"
  int action_id = 0;          // index in the dataset's action_names()
  std::int64_t sequence = 0;  // sequence (sub-action / take) id within subject and action
  std::int64_t frame = 0;     // frame index within the sequence
  std::int64_t index = 0;     // the dataset index this sample was read from

  int num_views() const { return static_cast<int>(cameras.size()); }
};

// Samples stacked along a new leading dimension B. Every sample of a batch must have the same V,
// J and image size. All tensors are on the CPU; move them with `to(device)`.
struct MultiviewBatch {
  at::Tensor images;                  // [B, V, 3, H, W] float32 in [0, 1]
  at::Tensor K;                       // [B, V, 3, 3] float64, px
  at::Tensor R;                       // [B, V, 3, 3] float64, cam_from_world rotations
  at::Tensor t;                       // [B, V, 3] float64, cam_from_world translations, mm
  at::Tensor proj_from_world;         // [B, V, 3, 4] float64, K·[R | t]
  at::Tensor crop_from_original;      // [B, V, 2, 3] float64 (see MultiviewSample)
  at::Tensor image_size_px;           // [B, V, 2] int64, (width, height)
  at::Tensor joints_world_mm;         // [B, J, 3] float64
  at::Tensor joints_2d_px;            // [B, V, J, 2] float64
  at::Tensor visibility;              // [B, V, J] float32
  at::Tensor subject_id;              // [B] int64
  at::Tensor action_id;               // [B] int64
  at::Tensor sequence;                // [B] int64
  at::Tensor frame;                   // [B] int64
  at::Tensor index;                   // [B] int64, dataset indices
  std::vector<std::string> subjects;  // [B]
  std::vector<std::string> actions;   // [B]

  std::int64_t size() const { return images.defined() ? images.size(0) : 0; }
  // The same batch with every tensor moved to `device` (names are kept).
  MultiviewBatch to(const at::Device& device, bool non_blocking = false) const;
};

// Stacks samples into a batch; throws Error naming the first sample whose V, J or image size
// differs from the first sample's, or when `samples` is empty.
MultiviewBatch collate(const std::vector<MultiviewSample>& samples);

// Checks one sample's internal consistency (shapes, dtypes, V and J agreeing across fields); throws
// Error naming the field. Dataset readers call it in their tests.
void check_sample(const MultiviewSample& sample);

}  // namespace mvpose3d
