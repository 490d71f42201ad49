// Decoding images and video frames (OpenCV) and rendering planned crops.
#include "mvpose3d/config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/image_crop.h"

#include <cmath>

#include <ATen/ATen.h>

#if MVPOSE3D_OPENCV_ENABLED
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#if MVPOSE3D_DATA_WITH_VIDEO
#include <opencv2/videoio.hpp>
#endif
#endif

namespace mvpose3d {

bool image_decoding_available() {
  return MVPOSE3D_OPENCV_ENABLED != 0;
}

#if MVPOSE3D_OPENCV_ENABLED

namespace {

bool is_jpeg(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".jpg" || ext == ".jpeg";
}

// Output pixels per original pixel of a plan (its scale at the crop centre).
double plan_scale(const Camera& original, const CropPlan& plan) {
  return plan.remap ? plan.camera.fx() / original.fx() : plan.crop_from_original(0, 0);
}

// The largest JPEG reduction (1, 2, 4, 8) that still leaves at least one decoded pixel per
// output pixel.
int reduction_for(double scale) {
  int r = 1;
  while (r < 8 && 2.0 * r * scale <= 1.0) r *= 2;
  return r;
}

cv::Mat decode(const ImageSource& source, int reduction) {
  if (source.is_video()) {
#if MVPOSE3D_DATA_WITH_VIDEO
    MVPOSE3D_CHECK(
        std::filesystem::exists(source.file), "video file {}: not found", source.file.string());
    cv::VideoCapture capture(source.file.string());
    MVPOSE3D_CHECK(capture.isOpened(), "video file {}: cannot be opened", source.file.string());
    const double frames = capture.get(cv::CAP_PROP_FRAME_COUNT);
    MVPOSE3D_CHECK(frames <= 0 || static_cast<double>(source.video_frame) < frames,
                   "video file {}: expected frame {} (0-based), found {} frames",
                   source.file.string(),
                   source.video_frame,
                   static_cast<std::int64_t>(frames));
    capture.set(cv::CAP_PROP_POS_FRAMES, static_cast<double>(source.video_frame));
    cv::Mat frame;
    MVPOSE3D_CHECK(capture.read(frame) && !frame.empty(),
                   "video file {}: cannot decode frame {}",
                   source.file.string(),
                   source.video_frame);
    return frame;
#else
    throw Error(fmt::format("video file {}: this build's OpenCV has no videoio module",
                            source.file.string()));
#endif
  }
  MVPOSE3D_CHECK(
      std::filesystem::exists(source.file), "image file {}: not found", source.file.string());
  int flags = cv::IMREAD_COLOR;
  if (reduction == 2) flags = cv::IMREAD_REDUCED_COLOR_2;
  if (reduction == 4) flags = cv::IMREAD_REDUCED_COLOR_4;
  if (reduction == 8) flags = cv::IMREAD_REDUCED_COLOR_8;
  cv::Mat image = cv::imread(source.file.string(), flags);
  MVPOSE3D_CHECK(!image.empty(),
                 "image file {}: cannot be decoded (expected a JPEG or PNG image)",
                 source.file.string());
  return image;
}

}  // namespace

at::Tensor render_crop(const ImageSource& source, const Camera& original, const CropPlan& plan) {
  const int size = plan.camera.width();
  const int r =
      (!source.is_video() && is_jpeg(source.file)) ? reduction_for(plan_scale(original, plan)) : 1;
  const cv::Mat image = decode(source, r);
  // Decoded pixel (u_r, v_r) ↔ original pixel u = r·u_r + (r − 1)/2 (pixel centres).
  const double half = 0.5 * (r - 1);
  cv::Mat out;
  if (!plan.remap) {
    const auto& a = plan.crop_from_original;
    cv::Mat m(2, 3, CV_64F);
    for (int i = 0; i < 2; ++i) {
      m.at<double>(i, 0) = a(i, 0) * r;
      m.at<double>(i, 1) = a(i, 1) * r;
      m.at<double>(i, 2) = a(i, 0) * half + a(i, 1) * half + a(i, 2);
    }
    cv::warpAffine(image,
                   out,
                   m,
                   cv::Size(size, size),
                   cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT,
                   cv::Scalar(0, 0, 0));
  } else {
    cv::Mat map_x(size, size, CV_32F), map_y(size, size, CV_32F);
    const Camera& c = plan.camera;
    const Eigen::Matrix3d back = plan.rotation.transpose();
    for (int y = 0; y < size; ++y) {
      float* mx = map_x.ptr<float>(y);
      float* my = map_y.ptr<float>(y);
      for (int x = 0; x < size; ++x) {
        const Eigen::Vector3d ray =
            back * Eigen::Vector3d((x - c.cx()) / c.fx(), (y - c.cy()) / c.fy(), 1.0);
        if (ray.z() <= 0) {
          mx[x] = my[x] = -1e6f;
          continue;
        }
        const Eigen::Vector2d px = original.normalized_to_pixel(ray.head<2>() / ray.z());
        mx[x] = static_cast<float>((px.x() - half) / r);
        my[x] = static_cast<float>((px.y() - half) / r);
      }
    }
    cv::remap(image, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
  }
  cv::cvtColor(out, out, cv::COLOR_BGR2RGB);
  const at::Tensor hwc = at::from_blob(out.data, {size, size, 3}, at::kByte);
  return hwc.permute({2, 0, 1}).contiguous();
}

std::int64_t video_frame_count(const std::filesystem::path& file) {
#if MVPOSE3D_DATA_WITH_VIDEO
  MVPOSE3D_CHECK(std::filesystem::exists(file), "video file {}: not found", file.string());
  cv::VideoCapture capture(file.string());
  MVPOSE3D_CHECK(capture.isOpened(), "video file {}: cannot be opened", file.string());
  return static_cast<std::int64_t>(capture.get(cv::CAP_PROP_FRAME_COUNT));
#else
  throw Error(
      fmt::format("video file {}: this build's OpenCV has no videoio module", file.string()));
#endif
}

#else  // !MVPOSE3D_OPENCV_ENABLED

at::Tensor render_crop(const ImageSource& source, const Camera&, const CropPlan&) {
  throw Error(
      fmt::format("image file {}: this build has no OpenCV (MVPOSE3D_WITH_OPENCV) to "
                  "decode images",
                  source.file.string()));
}

std::int64_t video_frame_count(const std::filesystem::path& file) {
  throw Error(
      fmt::format("video file {}: this build has no OpenCV (MVPOSE3D_WITH_OPENCV)", file.string()));
}

#endif

}  // namespace mvpose3d
