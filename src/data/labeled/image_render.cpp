// Decoding images and video frames (OpenCV) and rendering planned crops.
#include "mvpose3d/config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/labeled/image_crop.h"

#include <cmath>

#include <ATen/ATen.h>
#include <Eigen/LU>

#if MVPOSE3D_OPENCV_ENABLED
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#if MVPOSE3D_DATA_WITH_VIDEO
#include <opencv2/videoio.hpp>
#endif
#if MVPOSE3D_DATA_WITH_LIBJPEG
#include "data/labeled/jpeg_region.h"
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

// The pixels of `source` at 1/r scale that cover `window` (a rectangle of the full image at that
// scale): the whole image from OpenCV, or just the window's part of a JPEG from libjpeg-turbo.
struct Decoded {
  cv::Mat image;
  cv::Point offset;  // of `image` in the full image at the decoded scale
};

Decoded decode_window(const ImageSource& source, int r, const cv::Rect& window) {
#if MVPOSE3D_DATA_WITH_LIBJPEG
  if (!source.is_video() && is_jpeg(source.file)) {
    detail::JpegRegion region = detail::decode_jpeg_region(source.file, r, window);
    return {std::move(region.image), region.offset};
  }
#else
  (void)window;
#endif
  return {decode(source, r), cv::Point(0, 0)};
}

// The bounding rectangle (with a pixel of margin for bilinear sampling) of finite map entries.
cv::Rect map_bounds(const cv::Mat& map_x, const cv::Mat& map_y) {
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  cv::minMaxLoc(map_x, &x0, &x1, nullptr, nullptr, map_x > -1e5f);
  cv::minMaxLoc(map_y, &y0, &y1, nullptr, nullptr, map_y > -1e5f);
  const int left = static_cast<int>(std::floor(x0)) - 1, top = static_cast<int>(std::floor(y0)) - 1;
  return {left,
          top,
          static_cast<int>(std::ceil(x1)) + 2 - left,
          static_cast<int>(std::ceil(y1)) + 2 - top};
}

}  // namespace

at::Tensor render_crop(const ImageSource& source, const Camera& original, const CropPlan& plan) {
  const int size = plan.camera.width();
  at::Tensor out = at::empty({3, size, size}, at::kByte);
  render_crop_into(source, original, plan, out.data_ptr<std::uint8_t>());
  return out;
}

namespace {

// Every output pixel's source position for `plan`, in pixels of the original image decoded at 1/r
// scale (map_x, map_y: [size, size] float; -1e6 where the ray points away from the camera).
void crop_maps(
    const Camera& original, const CropPlan& plan, int r, cv::Mat& map_x, cv::Mat& map_y) {
  const int size = plan.camera.width();
  // Decoded pixel (u_r, v_r) ↔ original pixel u = r·u_r + (r − 1)/2 (pixel centres).
  const double half = 0.5 * (r - 1);
  map_x.create(size, size, CV_32F);
  map_y.create(size, size, CV_32F);
  if (!plan.remap) {
    const Eigen::Matrix2d a = plan.crop_from_original.leftCols<2>();
    const Eigen::Matrix2d inv = a.inverse();
    const Eigen::Vector2d b = plan.crop_from_original.col(2);
    for (int y = 0; y < size; ++y) {
      float* mx = map_x.ptr<float>(y);
      float* my = map_y.ptr<float>(y);
      for (int x = 0; x < size; ++x) {
        const Eigen::Vector2d px = inv * (Eigen::Vector2d(x, y) - b);
        mx[x] = static_cast<float>((px.x() - half) / r);
        my[x] = static_cast<float>((px.y() - half) / r);
      }
    }
  } else {
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
  }
}

// Samples `decoded` (BGR, its top-left at `offset` in the decoded full image) at the maps and
// writes the crop as RGB planes into `chw`.
void sample_crop(const Decoded& decoded, cv::Mat& map_x, cv::Mat& map_y, std::uint8_t* chw) {
  const int size = map_x.cols;
  cv::Mat out;
  if (decoded.image.empty()) {
    out = cv::Mat::zeros(size, size, CV_8UC3);  // the crop lies outside the image
  } else {
    map_x -= static_cast<float>(decoded.offset.x);
    map_y -= static_cast<float>(decoded.offset.y);
    cv::remap(decoded.image,
              out,
              map_x,
              map_y,
              cv::INTER_LINEAR,
              cv::BORDER_CONSTANT,
              cv::Scalar(0, 0, 0));
  }
  // BGR, interleaved → RGB planes.
  const std::int64_t plane = static_cast<std::int64_t>(size) * size;
  for (int y = 0; y < size; ++y) {
    const std::uint8_t* bgr = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < size; ++x) {
      const std::int64_t i = static_cast<std::int64_t>(y) * size + x;
      chw[i] = bgr[3 * x + 2];
      chw[plane + i] = bgr[3 * x + 1];
      chw[2 * plane + i] = bgr[3 * x];
    }
  }
}

}  // namespace

void render_crop_into(const ImageSource& source,
                      const Camera& original,
                      const CropPlan& plan,
                      std::uint8_t* chw) {
  const int r =
      (!source.is_video() && is_jpeg(source.file)) ? reduction_for(plan_scale(original, plan)) : 1;
  cv::Mat map_x, map_y;
  crop_maps(original, plan, r, map_x, map_y);
  sample_crop(decode_window(source, r, map_bounds(map_x, map_y)), map_x, map_y, chw);
}

void render_crop_from_bgr(const BgrImage& image,
                          const Camera& original,
                          const CropPlan& plan,
                          std::uint8_t* chw) {
  MVPOSE3D_CHECK(image.bgr != nullptr && image.width > 0 && image.height > 0,
                 "render_crop_from_bgr: empty image");
  cv::Mat map_x, map_y;
  crop_maps(original, plan, 1, map_x, map_y);
  // A view of the caller's pixels, no copy.
  const cv::Mat pixels(image.height,
                       image.width,
                       CV_8UC3,
                       const_cast<std::uint8_t*>(image.bgr),
                       static_cast<std::size_t>(image.width) * 3);
  sample_crop({pixels, cv::Point(0, 0)}, map_x, map_y, chw);
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

void render_crop_into(const ImageSource& source, const Camera&, const CropPlan&, std::uint8_t*) {
  throw Error(
      fmt::format("image file {}: this build has no OpenCV (MVPOSE3D_WITH_OPENCV) to decode images",
                  source.file.string()));
}

at::Tensor render_crop(const ImageSource& source, const Camera& original, const CropPlan& plan) {
  render_crop_into(source, original, plan, nullptr);
  return {};
}

void render_crop_from_bgr(const BgrImage&, const Camera&, const CropPlan&, std::uint8_t*) {
  throw Error("render_crop_from_bgr: this build has no OpenCV (MVPOSE3D_WITH_OPENCV)");
}
std::int64_t video_frame_count(const std::filesystem::path& file) {
  throw Error(
      fmt::format("video file {}: this build has no OpenCV (MVPOSE3D_WITH_OPENCV)", file.string()));
}

#endif

}  // namespace mvpose3d
