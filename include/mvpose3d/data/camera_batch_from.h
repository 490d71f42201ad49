// What the network is fed from a MultiviewBatch besides its images (which go through
// models::imagenet_normalize, resnet.h): the cameras as a CameraBatch. Shared by the evaluator and
// the trainer, so that training and evaluation cannot feed the network differently.
#pragma once

#include "mvpose3d/data/multiview_sample.h"
#include "mvpose3d/geometry/camera_batch.h"

#include <ATen/core/Tensor.h>

namespace mvpose3d {

// The batch's cameras for MultiViewPoseNet::forward, on the batch's device, float64:
//   K = batch.K [B, V, 3, 3] (the crops' calibration), cam_from_world = [R | t] [B, V, 3, 4],
//   image_from_crop = crop_from_original⁻¹ [B, V, 2, 3] (so joints2d_image_px are in the
//   original, uncropped images).
CameraBatch camera_batch_from(const MultiviewBatch& batch);

}  // namespace mvpose3d
