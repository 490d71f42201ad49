#include "mvpose3d/infer/overlays.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/data/vis/rig_plot.h"
#include "mvpose3d/infer/video_file_writer.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace mvpose3d::infer {

namespace fs = std::filesystem;

namespace {

const cv::Scalar kBox(170, 170, 170);
const cv::Scalar kSkeleton(220, 120, 30);  // BGR: blue
const cv::Scalar kText(255, 255, 255);

cv::Point to_point(const Eigen::Vector2d& p) {
  return {static_cast<int>(std::lround(p.x())), static_cast<int>(std::lround(p.y()))};
}

bool drawable(const Eigen::Vector2d& p) {
  return p.allFinite() && p.cwiseAbs().maxCoeff() < 1e6;
}

// Green at confidence 1 to red at 0 (BGR).
cv::Scalar confidence_colour(double c) {
  const double k = std::clamp(c, 0.0, 1.0);
  return {40, 255 * k, 255 * (1 - k)};
}

void label(cv::Mat& image, const std::string& text, int row) {
  const double scale = std::max(0.5, image.cols / 1400.0);
  const cv::Point at(10, static_cast<int>((row + 1) * 28 * scale));
  cv::putText(
      image, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), 4, cv::LINE_AA);
  cv::putText(image, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, kText, 1, cv::LINE_AA);
}

}  // namespace

OverlayImage draw_overlay(
    const Rig& rig, const InferResult& r, std::int64_t frame, int view, const CameraFrame& pixels) {
  const Camera& camera = rig.camera(static_cast<std::size_t>(view));
  cv::Mat image;
  if (pixels.present()) {
    image =
        cv::Mat(pixels.height, pixels.width, CV_8UC3, const_cast<std::uint8_t*>(pixels.bgr.data()))
            .clone();
  } else {
    image = cv::Mat(camera.height(), camera.width(), CV_8UC3, cv::Scalar(40, 40, 40));
  }
  const int views = static_cast<int>(rig.size());
  const std::int64_t joints = static_cast<std::int64_t>(r.joint_names.size());
  const int thickness = std::max(1, image.cols / 500);
  label(image,
        fmt::format("{}  frame {}", rig.camera_name(static_cast<std::size_t>(view)), frame),
        0);
  const Eigen::Vector4d& box = r.boxes_ltrb[static_cast<std::size_t>(frame * views + view)];
  if (!pixels.present()) {
    label(image, "missing frame (weight 0)", 1);
  } else if (!box.allFinite()) {
    label(image, "no person box (weight 0)", 1);
  } else {
    cv::rectangle(
        image, to_point(box.head<2>()), to_point(box.tail<2>()), kBox, thickness, cv::LINE_AA);
  }
  // The 3D skeleton projected back (lens distortion included).
  std::vector<std::optional<Eigen::Vector2d>> projected(static_cast<std::size_t>(joints));
  for (std::int64_t j = 0; j < joints; ++j) {
    const std::size_t k = r.tracks.at(frame, j);
    if (!r.tracks.valid[k]) continue;
    const Eigen::Vector3d x(
        r.tracks.points[3 * k], r.tracks.points[3 * k + 1], r.tracks.points[3 * k + 2]);
    if (camera.world_to_camera(x).z() <= 0) continue;
    const Eigen::Vector2d p = camera.project(x);
    if (drawable(p)) projected[static_cast<std::size_t>(j)] = p;
  }
  for (const auto& [child, parent] : r.bones) {
    const auto& a = projected[static_cast<std::size_t>(child)];
    const auto& b = projected[static_cast<std::size_t>(parent)];
    if (a && b) cv::line(image, to_point(*a), to_point(*b), kSkeleton, 2 * thickness, cv::LINE_AA);
  }
  // The network's 2D joints.
  for (std::int64_t j = 0; j < joints; ++j) {
    const std::size_t k = r.keypoints.at(frame, view, j);
    if (r.keypoints.confidence[k] <= 0) continue;
    const Eigen::Vector2d p(r.keypoints.xy_px[2 * k], r.keypoints.xy_px[2 * k + 1]);
    if (!drawable(p)) continue;
    cv::circle(image,
               to_point(p),
               3 * thickness,
               confidence_colour(r.keypoints.confidence[k]),
               cv::FILLED,
               cv::LINE_AA);
  }
  OverlayImage out;
  out.width = image.cols;
  out.height = image.rows;
  out.bgr.assign(image.data, image.data + image.total() * 3);
  return out;
}

struct OverlayWriter::Videos {
  std::vector<std::unique_ptr<VideoFileWriter>> writers;  // [V], opened on the first frame
  std::vector<cv::Size> sizes;                            // [V] each video's frame size
};

OverlayWriter::OverlayWriter(const Rig& rig, OverlayMode mode, fs::path dir, double fps)
    : rig_(rig), mode_(mode), dir_(std::move(dir)), fps_(fps), videos_(std::make_unique<Videos>()) {
  MVPOSE3D_CHECK(mode_ != OverlayMode::kVideo || fps_ > 0,
                 "overlay videos need a frame rate (--fps)");
  videos_->writers.resize(rig_.size());
  videos_->sizes.resize(rig_.size());
}

OverlayWriter::~OverlayWriter() = default;

void OverlayWriter::add(const InferResult& r, const BatchView& batch) {
  if (mode_ == OverlayMode::kNone) return;
  for (std::size_t b = 0; b < batch.frames->size(); ++b) {
    const std::int64_t frame = batch.first_frame + static_cast<std::int64_t>(b);
    for (std::size_t v = 0; v < rig_.size(); ++v) {
      const OverlayImage image =
          draw_overlay(rig_, r, frame, static_cast<int>(v), (*batch.frames)[b][v]);
      const std::string camera = rig_.camera_name(v);
      if (mode_ == OverlayMode::kPng) {
        write_file_atomic(dir_ / camera / fmt::format("frame_{:06d}.png", frame),
                          encode_png_bgr(image.bgr.data(), image.width, image.height));
        continue;
      }
      auto& writer = videos_->writers[v];
      if (!writer) {
        writer = std::make_unique<VideoFileWriter>(
            dir_ / (camera + ".mp4"), fps_, image.width, image.height);
        videos_->sizes[v] = cv::Size(image.width, image.height);
      }
      // The video's size is its first frame's; another (a missing view drawn at the
      // calibration's size) is resized to it.
      const cv::Mat mat(
          image.height, image.width, CV_8UC3, const_cast<std::uint8_t*>(image.bgr.data()));
      cv::Mat fitted = mat;
      if (mat.size() != videos_->sizes[v]) cv::resize(mat, fitted, videos_->sizes[v]);
      writer->write(fitted.data);
    }
  }
}

std::vector<fs::path> OverlayWriter::close() {
  std::vector<fs::path> files;
  for (std::size_t v = 0; v < rig_.size(); ++v) {
    if (mode_ == OverlayMode::kPng) files.push_back(dir_ / rig_.camera_name(v));
    auto& writer = videos_->writers[v];
    if (writer) {
      writer->close();
      files.push_back(writer->path());
    }
  }
  return files;
}

std::string skeleton_plot_png(const Rig& rig,
                              const InferResult& r,
                              const std::vector<std::int64_t>& frames) {
  std::vector<std::vector<Eigen::Vector3d>> poses;
  const std::int64_t joints = static_cast<std::int64_t>(r.joint_names.size());
  for (std::int64_t f : frames) {
    if (f < 0 || f >= r.frames) continue;
    std::vector<Eigen::Vector3d> pose(static_cast<std::size_t>(joints),
                                      Eigen::Vector3d::Constant(NAN));
    for (std::int64_t j = 0; j < joints; ++j) {
      const std::size_t k = r.tracks.at(f, j);
      if (r.tracks.valid[k]) {
        pose[static_cast<std::size_t>(j)] = Eigen::Vector3d(
            r.tracks.points[3 * k], r.tracks.points[3 * k + 1], r.tracks.points[3 * k + 2]);
      }
    }
    poses.push_back(std::move(pose));
  }
  RigViewOptions options;
  options.bones = r.bones;
  options.fit_points = true;
  options.panel_px = 600;
  return rig_view_png(rig, poses, options);
}

}  // namespace mvpose3d::infer
