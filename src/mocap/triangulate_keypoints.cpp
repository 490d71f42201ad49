#include "mvpose3d/mocap/triangulate_keypoints.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/camera_batch.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

namespace mvpose3d::mocap {

namespace {

// Frames per task of the parallel loops below (25 joints x 8 views: a few microseconds a frame).
constexpr int64_t kFramesPerTask = 512;

// Undistorts view `v` of points2d in place (observed -> pinhole pixels; the DLT needs pinhole
// ones) where the detection is present.
void undistort_view(const Camera& camera, int64_t v, int64_t views, int64_t n, double* xy) {
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isfinite(xy[2 * (i * views + v)])) rows.push_back(i);
  }
  Eigen::Matrix2Xd observed(2, static_cast<Eigen::Index>(rows.size()));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const double* p = xy + 2 * (rows[r] * views + v);
    observed.col(static_cast<Eigen::Index>(r)) << p[0], p[1];
  }
  const Eigen::Matrix2Xd pinhole = camera.undistort_points(observed);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    double* p = xy + 2 * (rows[r] * views + v);
    p[0] = pinhole(0, static_cast<Eigen::Index>(r));
    p[1] = pinhole(1, static_cast<Eigen::Index>(r));
  }
}

}  // namespace

KeypointTriangulation triangulate_keypoints(const Rig& rig,
                                            const Keypoints2d& keypoints,
                                            const ops::RobustTriangulateOptions& options) {
  MVPOSE3D_CHECK(keypoints.view_names == rig.camera_names(),
                 "triangulate_keypoints: the keypoints' views are not the rig's cameras in order");
  const int64_t frames = keypoints.frames, views = keypoints.views(), joints = keypoints.joints();
  const int64_t n = frames * joints;
  at::Tensor points2d = at::empty({n, views, 2}, at::kDouble);  // [F*J, V, 2] px, NaN if missing
  at::Tensor weights = at::empty({n, views}, at::kDouble);      // [F*J, V]
  double* xy = points2d.data_ptr<double>();
  double* w = weights.data_ptr<double>();
  // [F, V, J] -> [F*J, V]: point i = f * J + j.
  at::parallel_for(0, frames, kFramesPerTask, [&](int64_t begin, int64_t end) {
    for (int64_t f = begin; f < end; ++f) {
      for (int64_t v = 0; v < views; ++v) {
        for (int64_t j = 0; j < joints; ++j) {
          const std::size_t k = keypoints.at(f, v, j);
          const int64_t slot = (f * joints + j) * views + v;
          const double c = keypoints.confidence[k];
          const bool present = c > 0;
          xy[2 * slot] = present ? keypoints.xy_px[2 * k] : NAN;
          xy[2 * slot + 1] = present ? keypoints.xy_px[2 * k + 1] : NAN;
          w[slot] = present ? c : 0.0;
        }
      }
    }
  });
  // Detections are observed (distorted) pixels; a camera without distortion needs nothing.
  for (int64_t v = 0; v < views; ++v) {
    const Camera& camera = rig.camera(static_cast<std::size_t>(v));
    if (!camera.distortion().is_identity()) undistort_view(camera, v, views, n, xy);
  }
  const at::Tensor proj = cameras_to_tensors(rig).proj_from_world;  // [V, 3, 4]
  const ops::RobustTriangulation solved = ops::robust_triangulate(points2d, proj, weights, options);

  KeypointTriangulation out;
  out.solves = solved.solves;
  out.flagged = solved.flagged;
  out.unresolved = solved.unresolved;
  out.fell_back = solved.fell_back;
  Tracks3d& t = out.tracks;
  t.joint_names = keypoints.joint_names;
  t.view_names = keypoints.view_names;
  t.unit = "mm";
  t.resize_invalid(frames);
  const double* p = solved.points3d.data_ptr<double>();             // [F*J, 3]
  const bool* valid = solved.valid.data_ptr<bool>();                // [F*J]
  const double* error = solved.reproj_error_px.data_ptr<double>();  // [F*J]
  const bool* used = solved.views_used.data_ptr<bool>();            // [F*J, V]
  at::parallel_for(0, frames, kFramesPerTask, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin * joints; i < end * joints; ++i) {
      if (!valid[i]) continue;
      const auto k = static_cast<std::size_t>(i);  // frame-major, as Tracks3d::at
      t.valid[k] = 1;
      for (int c = 0; c < 3; ++c) t.points[3 * k + static_cast<std::size_t>(c)] = p[3 * i + c];
      t.reproj_error_px[k] = error[i];
      // The score is the lowest confidence among the used views, as anipose reports it.
      double lowest = 0.0;
      bool any = false;
      for (int64_t v = 0; v < views; ++v) {
        if (!used[i * views + v]) continue;
        t.views_used[k * static_cast<std::size_t>(views) + static_cast<std::size_t>(v)] = 1;
        const double wv = w[i * views + v];
        lowest = any ? std::min(lowest, wv) : wv;
        any = true;
      }
      t.score[k] = lowest;
    }
  });
  return out;
}

}  // namespace mvpose3d::mocap
