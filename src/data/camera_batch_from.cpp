#include "mvpose3d/data/camera_batch_from.h"

#include "mvpose3d/core/error.h"

#include <ATen/ATen.h>

namespace mvpose3d {

CameraBatch camera_batch_from(const MultiviewBatch& batch) {
  MVPOSE3D_CHECK(batch.K.defined() && batch.R.defined() && batch.t.defined() &&
                     batch.crop_from_original.defined(),
                 "camera_batch_from: the batch lacks K, R, t or crop_from_original");
  CameraBatch cameras;
  cameras.K = batch.K.to(at::kDouble);  // [B, V, 3, 3]
  cameras.cam_from_world =
      at::cat({batch.R, batch.t.unsqueeze(-1)}, -1).to(at::kDouble);  // [B, V, 3, 4]
  // [u; v] = A·[x; y; 1] with A = [M | c]  ->  [x; y] = M⁻¹·[u; v] − M⁻¹·c.
  const auto a = batch.crop_from_original.to(at::kDouble);                // [B, V, 2, 3]
  const auto m_inv = at::linalg_inv(a.narrow(-1, 0, 2));                  // [B, V, 2, 2]
  const auto c = a.narrow(-1, 2, 1);                                      // [B, V, 2, 1]
  cameras.image_from_crop = at::cat({m_inv, -at::matmul(m_inv, c)}, -1);  // [B, V, 2, 3]
  return cameras;
}

}  // namespace mvpose3d
