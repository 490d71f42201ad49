// The image pipeline shared by the real-data readers (Human3.6M, Total Capture): a square crop
// around a bounding box, resized to the network's input size, with the camera updated to match;
// optional undistortion; augmentation (scale, shift, in-plane rotation, colour, whole-sample flip).
//
// Geometry (plan_crop, map_to_crop, flip_sample) is pure Eigen and ATen; rendering (render_crop)
// decodes the image with OpenCV and needs a build with MVPOSE3D_WITH_OPENCV (it throws otherwise).
//
// Pixel convention (docs/geometry.md): pixel centres at integers. A crop of side `side` px whose
// top-left corner is (left, top) in the original image maps to a size×size output by
//   u' = s·(u − left) − 0.5,  s = size / side,
// so the window's edges land on the output's edges −0.5 and size − 0.5.
//
// Two ways of rendering a crop:
//   affine  the output camera is the original camera (distortion included) after the crop and
//           resize: Camera::apply_image_transform(A). One cv::warpAffine.
//   remap   the output camera is a pinhole camera (optionally turned about its optical axis for the
//           rotation augmentation): every output pixel is cast as a ray, projected through the
//           original camera (with its distortion) and sampled there (cv::remap). Used when
//           undistorting or rotating.
#pragma once

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/data/multiview_sample.h"
#include "mvpose3d/data/random.h"
#include "mvpose3d/geometry/camera.h"
#include "mvpose3d/geometry/skeleton.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

#include <ATen/core/Tensor.h>
#include <Eigen/Core>

namespace mvpose3d {

// Random changes of one view (identity by default).
struct ViewAugmentation {
  double scale = 1.0;                    // crop side multiplier
  double shift_u = 0.0, shift_v = 0.0;   // crop centre shift, fraction of the crop side
  double rotation_rad = 0.0;             // in-plane rotation about the crop centre
  std::array<float, 3> gain{1, 1, 1};    // per-channel (R, G, B) gain
  std::array<float, 3> offset{0, 0, 0};  // per-channel offset, grey levels

  bool is_identity() const;
};

// One view's augmentation drawn from `rng` within the ranges of `config` (config.enabled is not
// looked at: the caller decides whether to augment).
ViewAugmentation draw_view_augmentation(const AugmentConfig& config, Rng& rng);

// How one view is cropped.
struct CropPlan {
  Camera camera;  // the output crop's camera (size × size)
  // Original image pixel → output pixel: exact for affine crops; for remapped crops the affine
  // part of the mapping at the crop centre (exact for a pinhole camera with fx = fy).
  Eigen::Matrix<double, 2, 3> crop_from_original = Eigen::Matrix<double, 2, 3>::Zero();
  bool remap = false;                                      // rendered by remap (else warpAffine)
  Eigen::Matrix3d rotation = Eigen::Matrix3d::Identity();  // output cam ← original cam rotation
};

// Plans the crop of the square of side bbox_scale · augmentation.scale · max(box width, height)
// around the centre of `box_ltrb` (left, top, right, bottom in the original image, px), shifted by
// the augmentation. `undistort` renders through a pinhole camera when `original` has distortion.
// Throws Error for an empty or non-finite box.
CropPlan plan_crop(const Camera& original,
                   const Eigen::Vector4d& box_ltrb,
                   int size_px,
                   double bbox_scale,
                   bool undistort,
                   const ViewAugmentation& augmentation = {});

// An original (observed, distorted) pixel → the output crop's pixel.
Eigen::Vector2d map_to_crop(const Camera& original,
                            const CropPlan& plan,
                            const Eigen::Vector2d& px);

// The squared box of the projected points (all in front of the camera) of `points_world_mm`:
// (left, top, right, bottom), px. Throws Error when no point is in front of the camera.
Eigen::Vector4d projected_box(const Camera& camera, const at::Tensor& points_world_mm);

// Where a view's pixels come from: an image file, or frame `video_frame` (0-based) of a video.
struct ImageSource {
  std::filesystem::path file;
  std::int64_t video_frame = -1;  // -1: `file` is an image
  bool is_video() const { return video_frame >= 0; }
};

// Decodes `source` (JPEG/PNG through OpenCV; JPEGs at 1/2, 1/4 or 1/8 resolution when the crop is
// that much smaller than the box) and renders `plan`: [3, size, size] uint8 RGB; pixels outside the
// image are black. Throws Error naming the file when it is missing or cannot be decoded, or when
// the video has no such frame. Thread-safe.
at::Tensor render_crop(const ImageSource& source, const Camera& original, const CropPlan& plan);
// The same, written into `chw`, a [3, size, size] uint8 buffer (no ATen op: loader threads must
// not start ATen's intra-op thread pool, which stalls them on a busy machine).
void render_crop_into(const ImageSource& source,
                      const Camera& original,
                      const CropPlan& plan,
                      std::uint8_t* chw);

// A decoded image held by the caller: height rows of width·3 bytes, BGR (OpenCV's order).
struct BgrImage {
  const std::uint8_t* bgr = nullptr;
  int width = 0;
  int height = 0;
};

// The same crop as render_crop_into from an image already decoded (a video read frame by frame,
// `mvpose3d infer`): the same sampling, so the same pixels for the same decoded image.
void render_crop_from_bgr(const BgrImage& image,
                          const Camera& original,
                          const CropPlan& plan,
                          std::uint8_t* chw);

// Frames of a video (OpenCV's count); throws Error naming the file when it cannot be opened.
std::int64_t video_frame_count(const std::filesystem::path& file);

// Applies a view's colour augmentation in place to a [3, H, W] uint8 image.
void apply_color(at::Tensor& image, const ViewAugmentation& augmentation);
// The same on `pixels_per_channel` pixels of a [3, H, W] uint8 buffer.
void apply_color(std::uint8_t* chw,
                 std::int64_t pixels_per_channel,
                 const ViewAugmentation& augmentation);

// Mirrors a whole sample: every image flipped left-right, the world mirrored (x → −x), each camera
// changed so that it sees the mirrored world in the flipped image (R' = F·R·M, t' = F·t,
// cx' = W − 1 − cx, tangential p[1] → −p[1], with F = M = diag(−1, 1, 1)), the crop affines
// composed with the flip, and left/right joints swapped (skeleton.flip_permutation()).
void flip_sample(MultiviewSample& sample, const Skeleton& skeleton);

// True when this build can decode images (OpenCV).
bool image_decoding_available();

}  // namespace mvpose3d
