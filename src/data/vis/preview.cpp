#include "mvpose3d/data/vis/preview.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"

#include <algorithm>

#include <ATen/ATen.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace mvpose3d {

namespace {

// Side of each joint: -1 left, +1 right, 0 centre (from the skeleton's mirror pairs).
std::vector<int> joint_sides(const Skeleton& skeleton) {
  std::vector<int> side(static_cast<std::size_t>(skeleton.num_joints()), 0);
  for (const auto& [left, right] : skeleton.left_right) {
    side[static_cast<std::size_t>(left)] = -1;
    side[static_cast<std::size_t>(right)] = 1;
  }
  return side;
}

cv::Scalar side_color(int side) {  // BGR
  return side < 0   ? cv::Scalar(255, 150, 30)
         : side > 0 ? cv::Scalar(30, 120, 255)
                    : cv::Scalar(60, 220, 60);
}

}  // namespace

std::string preview_png(const std::vector<MultiviewSample>& samples,
                        const Skeleton& skeleton,
                        const PreviewOptions& options) {
  MVPOSE3D_CHECK(!samples.empty(), "preview: no samples");
  MVPOSE3D_CHECK(options.tile_px >= 16, "preview: tile_px must be >= 16, got {}", options.tile_px);
  const int views = samples.front().num_views();
  const int tile = options.tile_px;
  const int gap = 4;
  cv::Mat montage(static_cast<int>(samples.size()) * (tile + gap) - gap,
                  views * (tile + gap) - gap,
                  CV_8UC3,
                  cv::Scalar(255, 255, 255));
  const std::vector<int> sides = joint_sides(skeleton);
  for (std::size_t row = 0; row < samples.size(); ++row) {
    const MultiviewSample& s = samples[row];
    check_sample(s);
    MVPOSE3D_CHECK(s.num_views() == views,
                   "preview: sample {} has {} views, sample 0 has {}",
                   row,
                   s.num_views(),
                   views);
    MVPOSE3D_CHECK(s.joints_world_mm.size(0) == skeleton.num_joints(),
                   "preview: sample {} has {} joints but skeleton '{}' has {}",
                   row,
                   s.joints_world_mm.size(0),
                   skeleton.name,
                   skeleton.num_joints());
    const at::Tensor images = s.images.permute({0, 2, 3, 1}).contiguous();  // [V, H, W, 3]
    const at::Tensor joints = s.joints_2d_px.contiguous();
    const at::Tensor vis = s.visibility.contiguous();
    const int h = static_cast<int>(images.size(1)), w = static_cast<int>(images.size(2));
    for (int v = 0; v < views; ++v) {
      cv::Mat rgb(h, w, CV_8UC3, images[v].data_ptr<std::uint8_t>());
      cv::Mat bgr, scaled;
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
      cv::resize(bgr, scaled, cv::Size(tile, tile), 0, 0, cv::INTER_LINEAR);
      const double sx = static_cast<double>(tile) / w, sy = static_cast<double>(tile) / h;
      auto to_tile = [&](int j) {
        const double* p = joints.data_ptr<double>() + (v * joints.size(1) + j) * 2;
        // Pixel-centre convention: u' = s·(u + 0.5) − 0.5; drawn with 4 fractional bits.
        return cv::Point(static_cast<int>(std::lround(16 * (sx * (p[0] + 0.5) - 0.5))),
                         static_cast<int>(std::lround(16 * (sy * (p[1] + 0.5) - 0.5))));
      };
      if (options.draw_skeleton) {
        const int thickness = std::max(1, tile / 128);
        for (const auto& [child, parent] : skeleton.bones) {
          cv::line(scaled,
                   to_tile(child),
                   to_tile(parent),
                   side_color(sides[static_cast<std::size_t>(child)]),
                   thickness,
                   cv::LINE_AA,
                   4);
        }
        for (int j = 0; j < skeleton.num_joints(); ++j) {
          const bool visible = vis.data_ptr<float>()[v * vis.size(1) + j] > 0.5f;
          cv::circle(scaled,
                     to_tile(j),
                     16 * std::max(2, tile / 96),
                     side_color(sides[static_cast<std::size_t>(j)]),
                     visible ? cv::FILLED : 1,
                     cv::LINE_AA,
                     4);
        }
      }
      if (options.captions) {
        const std::string text =
            v == 0 ? fmt::format("{} {} f{}", s.subject, s.action, s.frame) : fmt::format("v{}", v);
        const double scale = 0.35 * tile / 128.0;
        cv::putText(scaled,
                    text,
                    cv::Point(4, static_cast<int>(14 * tile / 128.0)),
                    cv::FONT_HERSHEY_SIMPLEX,
                    scale,
                    cv::Scalar(0, 0, 0),
                    3,
                    cv::LINE_AA);
        cv::putText(scaled,
                    text,
                    cv::Point(4, static_cast<int>(14 * tile / 128.0)),
                    cv::FONT_HERSHEY_SIMPLEX,
                    scale,
                    cv::Scalar(255, 255, 255),
                    1,
                    cv::LINE_AA);
      }
      scaled.copyTo(
          montage(cv::Rect(v * (tile + gap), static_cast<int>(row) * (tile + gap), tile, tile)));
    }
  }
  std::vector<unsigned char> png;
  MVPOSE3D_CHECK(cv::imencode(".png", montage, png), "preview: PNG encoding failed");
  return std::string(png.begin(), png.end());
}

void write_preview_png(const std::vector<MultiviewSample>& samples,
                       const Skeleton& skeleton,
                       const std::filesystem::path& path,
                       const PreviewOptions& options) {
  write_file_atomic(path, preview_png(samples, skeleton, options));
}

}  // namespace mvpose3d
