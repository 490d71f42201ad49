#include "mvpose3d/mocap/triangulate_keypoints.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/camera_batch.h"
#include "mvpose3d/ops/robust_block.h"

#include <algorithm>
#include <cmath>
#include <memory>
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

// Points [first, first + count) (point i = frame * J + joint) as the solve reads them: xy
// [count, V, 2] px, NaN where missing, and w [count, V] the confidences, 0 where missing.
void gather_points(
    const Keypoints2d& keypoints, int64_t first, int64_t count, double* xy, double* w) {
  const int64_t views = keypoints.views(), joints = keypoints.joints(), last = first + count;
  // In the keypoints' order (frame, view, joint), so that they are read sequentially.
  for (int64_t f = first / joints; f * joints < last; ++f) {
    const int64_t j_begin = std::max<int64_t>(0, first - f * joints);
    const int64_t j_end = std::min<int64_t>(joints, last - f * joints);
    for (int64_t v = 0; v < views; ++v) {
      const std::size_t row = keypoints.at(f, v, 0);
      for (int64_t j = j_begin; j < j_end; ++j) {
        const std::size_t k = row + static_cast<std::size_t>(j);
        const int64_t slot = (f * joints + j - first) * views + v;
        const double c = keypoints.confidence[k];
        const bool present = c > 0;
        xy[2 * slot] = present ? keypoints.xy_px[2 * k] : NAN;
        xy[2 * slot + 1] = present ? keypoints.xy_px[2 * k + 1] : NAN;
        w[slot] = present ? c : 0.0;
      }
    }
  }
}

// Detections are observed (distorted) pixels; a camera without distortion needs nothing.
void undistort_detections(const Rig& rig, int64_t count, double* xy) {
  const auto views = static_cast<int64_t>(rig.size());
  for (int64_t v = 0; v < views; ++v) {
    const Camera& camera = rig.camera(static_cast<std::size_t>(v));
    if (!camera.distortion().is_identity()) undistort_view(camera, v, views, count, xy);
  }
}

// The solved points [first, first + count) into the tracks (frame-major, as Tracks3d::at); w are
// the weights the solve used (a used view's is its confidence).
void store_points(int64_t first,
                  int64_t count,
                  const double* p,      // [count, 3]
                  const bool* valid,    // [count]
                  const double* error,  // [count]
                  const bool* used,     // [count, V]
                  const double* w,      // [count, V]
                  Tracks3d& t) {
  const int64_t views = t.views();
  for (int64_t r = 0; r < count; ++r) {
    if (!valid[r]) continue;
    const auto k = static_cast<std::size_t>(first + r);
    t.valid[k] = 1;
    for (int c = 0; c < 3; ++c) t.points[3 * k + static_cast<std::size_t>(c)] = p[3 * r + c];
    t.reproj_error_px[k] = error[r];
    // The score is the lowest confidence among the used views, as anipose reports it.
    double lowest = 0.0;
    bool any = false;
    for (int64_t v = 0; v < views; ++v) {
      if (!used[r * views + v]) continue;
      t.views_used[k * static_cast<std::size_t>(views) + static_cast<std::size_t>(v)] = 1;
      const double wv = w[r * views + v];
      lowest = any ? std::min(lowest, wv) : wv;
      any = true;
    }
    t.score[k] = lowest;
  }
}

// The fused float64 route: blocks of points gathered from the keypoints, solved by
// ops::RobustBlockSolver and stored into the tracks, in parallel; no [F*J, V] arrays.
void triangulate_in_blocks(const Rig& rig,
                           const Keypoints2d& keypoints,
                           const ops::RobustTriangulateOptions& options,
                           KeypointTriangulation& out) {
  const int64_t n = keypoints.frames * keypoints.joints(), views = keypoints.views();
  const at::Tensor proj = cameras_to_tensors(rig).proj_from_world.to(at::kDouble).contiguous();
  const ops::RobustBlockSolver solver(proj.data_ptr<double>(), static_cast<int>(views), options);
  constexpr int64_t kBlock = ops::RobustBlockSolver::kBlockPoints;
  ops::RobustBlockSolver::for_blocks(n, [&](int64_t begin, int64_t end) {
    std::vector<double> xy(kBlock * views * 2), w(kBlock * views), points(kBlock * 3),
        error(kBlock);
    std::unique_ptr<bool[]> valid(new bool[kBlock]), used(new bool[kBlock * views]);
    std::vector<uint8_t> status(kBlock);
    ops::RobustCounts counts;
    for (int64_t block = begin; block < end; ++block) {
      const int64_t first = block * kBlock;
      ops::RobustBlock b;
      b.count = std::min(kBlock, n - first);
      gather_points(keypoints, first, b.count, xy.data(), w.data());
      undistort_detections(rig, b.count, xy.data());
      b.points2d_px = xy.data();
      b.weights = w.data();
      b.points3d = points.data();
      b.valid = valid.get();
      b.reproj_error_px = error.data();
      b.views_used = used.get();
      b.status = status.data();
      counts += solver.solve(b);
      store_points(first,
                   b.count,
                   points.data(),
                   valid.get(),
                   error.data(),
                   used.get(),
                   w.data(),
                   out.tracks);
    }
    return counts;
  }).store(out);
}

// Other solve methods: every point at once through ops::robust_triangulate.
void triangulate_at_once(const Rig& rig,
                         const Keypoints2d& keypoints,
                         const ops::RobustTriangulateOptions& options,
                         KeypointTriangulation& out) {
  const int64_t frames = keypoints.frames, views = keypoints.views(), joints = keypoints.joints();
  const int64_t n = frames * joints;
  at::Tensor points2d = at::empty({n, views, 2}, at::kDouble);  // [F*J, V, 2] px, NaN if missing
  at::Tensor weights = at::empty({n, views}, at::kDouble);      // [F*J, V]
  double* xy = points2d.data_ptr<double>();
  double* w = weights.data_ptr<double>();
  at::parallel_for(0, frames, kFramesPerTask, [&](int64_t begin, int64_t end) {
    gather_points(keypoints,
                  begin * joints,
                  (end - begin) * joints,
                  xy + 2 * views * begin * joints,
                  w + views * begin * joints);
  });
  undistort_detections(rig, n, xy);
  const at::Tensor proj = cameras_to_tensors(rig).proj_from_world;  // [V, 3, 4]
  const ops::RobustTriangulation solved = ops::robust_triangulate(points2d, proj, weights, options);
  ops::RobustCounts{solved.solves, solved.flagged, solved.unresolved, solved.fell_back}.store(out);
  at::parallel_for(0, frames, kFramesPerTask, [&](int64_t begin, int64_t end) {
    const int64_t first = begin * joints;
    store_points(first,
                 (end - begin) * joints,
                 solved.points3d.data_ptr<double>() + 3 * first,
                 solved.valid.data_ptr<bool>() + first,
                 solved.reproj_error_px.data_ptr<double>() + first,
                 solved.views_used.data_ptr<bool>() + views * first,
                 w + views * first,
                 out.tracks);
  });
}

}  // namespace

KeypointTriangulation triangulate_keypoints(const Rig& rig,
                                            const Keypoints2d& keypoints,
                                            const ops::RobustTriangulateOptions& options) {
  MVPOSE3D_CHECK(keypoints.view_names == rig.camera_names(),
                 "triangulate_keypoints: the keypoints' views are not the rig's cameras in order");
  KeypointTriangulation out;
  Tracks3d& t = out.tracks;
  t.joint_names = keypoints.joint_names;
  t.view_names = keypoints.view_names;
  t.unit = "mm";
  t.resize_invalid(keypoints.frames);
  if (ops::RobustBlockSolver::supports(options)) {
    triangulate_in_blocks(rig, keypoints, options, out);
  } else {
    triangulate_at_once(rig, keypoints, options, out);
  }
  return out;
}

}  // namespace mvpose3d::mocap
