#include "mvpose3d/mocap/triangulate_keypoints.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/camera_batch.h"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>

namespace mvpose3d::mocap {

KeypointTriangulation triangulate_keypoints(const Rig& rig,
                                            const Keypoints2d& keypoints,
                                            const ops::RobustTriangulateOptions& options) {
  MVPOSE3D_CHECK(keypoints.view_names == rig.camera_names(),
                 "triangulate_keypoints: the keypoints' views are not the rig's cameras in order");
  const int64_t frames = keypoints.frames, views = keypoints.views(), joints = keypoints.joints();
  const int64_t n = frames * joints;
  at::Tensor points2d = at::full({n, views, 2}, NAN, at::kDouble);  // [F*J, V, 2] undistorted px
  at::Tensor weights = at::zeros({n, views}, at::kDouble);          // [F*J, V]
  auto xy = points2d.accessor<double, 3>();
  auto w = weights.accessor<double, 2>();
  for (int64_t v = 0; v < views; ++v) {
    // Detections are observed (distorted) pixels; the DLT needs pinhole ones.
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < n; ++i) {
      if (keypoints.confidence[keypoints.at(i / joints, v, i % joints)] > 0) rows.push_back(i);
    }
    Eigen::Matrix2Xd observed(2, static_cast<Eigen::Index>(rows.size()));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const std::size_t k = keypoints.at(rows[r] / joints, v, rows[r] % joints);
      observed.col(static_cast<Eigen::Index>(r)) << keypoints.xy_px[2 * k],
          keypoints.xy_px[2 * k + 1];
    }
    const Eigen::Matrix2Xd pinhole =
        rig.camera(static_cast<std::size_t>(v)).undistort_points(observed);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const int64_t i = rows[r];
      xy[i][v][0] = pinhole(0, static_cast<Eigen::Index>(r));
      xy[i][v][1] = pinhole(1, static_cast<Eigen::Index>(r));
      w[i][v] = keypoints.confidence[keypoints.at(i / joints, v, i % joints)];
    }
  }
  const at::Tensor proj = cameras_to_tensors(rig).proj_from_world;  // [V, 3, 4]
  const ops::RobustTriangulation solved = ops::robust_triangulate(points2d, proj, weights, options);

  KeypointTriangulation out;
  out.solves = solved.solves;
  out.flagged = solved.flagged;
  out.unresolved = solved.unresolved;
  Tracks3d& t = out.tracks;
  t.joint_names = keypoints.joint_names;
  t.view_names = keypoints.view_names;
  t.unit = "mm";
  t.resize_invalid(frames);
  auto p = solved.points3d.accessor<double, 2>();
  auto valid = solved.valid.accessor<bool, 1>();
  auto error = solved.reproj_error_px.accessor<double, 1>();
  auto used = solved.views_used.accessor<bool, 2>();
  for (int64_t i = 0; i < n; ++i) {
    if (!valid[i]) continue;
    const auto k = static_cast<std::size_t>(i);  // frame-major, as Tracks3d::at
    t.valid[k] = 1;
    for (int c = 0; c < 3; ++c) t.points[3 * k + static_cast<std::size_t>(c)] = p[i][c];
    t.reproj_error_px[k] = error[i];
    // The score is the lowest confidence among the used views, as anipose reports it.
    double lowest = 0.0;
    bool any = false;
    for (int64_t v = 0; v < views; ++v) {
      if (!used[i][v]) continue;
      t.views_used[k * static_cast<std::size_t>(views) + static_cast<std::size_t>(v)] = 1;
      lowest = any ? std::min(lowest, w[i][v]) : w[i][v];
      any = true;
    }
    t.score[k] = lowest;
  }
  return out;
}

}  // namespace mvpose3d::mocap
