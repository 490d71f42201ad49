// robust_triangulate's CPU route for the fused float64 solve, one block of points at a time and
// without tensors: usable views, the full solve (the fused kernel), the reprojection errors, and
// the per-point outlier search of the flagged points, all in the calling thread on the caller's
// arrays. robust_triangulate runs it in parallel over blocks of its [N, V] tensors;
// mocap::triangulate_keypoints over blocks gathered straight from the keypoints, so that no
// [N, V] array is allocated (measured on the issue-17 session: the page faults of those arrays
// were about half of the triangulation's CPU time). The results are bit for bit those of
// robust_triangulate.
#pragma once

#include "mvpose3d/ops/robust_triangulate.h"

#include <cstdint>
#include <memory>
#include <mutex>

#include <ATen/Parallel.h>

namespace mvpose3d::ops {

// One block of B = count points: the caller's arrays, V views per point.
struct RobustBlock {
  int64_t count = 0;
  const double* points2d_px = nullptr;  // [B, V, 2] undistorted pixels; NaN drops a view
  double* weights = nullptr;            // [B, V] in: confidences; out: 0 on unusable views
  double* points3d = nullptr;           // [B, 3] out: world units of proj; 0 where invalid
  bool* valid = nullptr;                // [B] out
  double* reproj_error_px = nullptr;    // [B] out: mean over the used views; NaN where invalid
  bool* views_used = nullptr;           // [B, V] out
  uint8_t* status = nullptr;            // [B] scratch (the full solve's TriangulationStatus)
};

// What a block's triangulation counted (RobustTriangulation's counters).
struct RobustCounts {
  int64_t solves = 0;
  int64_t flagged = 0;
  int64_t unresolved = 0;
  int64_t fell_back = 0;
  RobustCounts& operator+=(const RobustCounts& other);
  // Into a result with the same four counters (RobustTriangulation, KeypointTriangulation).
  template <typename Result>
  void store(Result& out) const {
    out.solves = solves;
    out.flagged = flagged;
    out.unresolved = unresolved;
    out.fell_back = fell_back;
  }
};

class RobustBlockSolver {
 public:
  // True where this route applies: the fused method accumulating in float64, not strict (else
  // robust_triangulate uses batched tensor rounds).
  static bool supports(const RobustTriangulateOptions& options);

  // proj_from_world [V, 3, 4], shared by every point; options as robust_triangulate's (checked
  // there), for which supports() holds.
  RobustBlockSolver(const double* proj_from_world,
                    int views,
                    const RobustTriangulateOptions& options);
  ~RobustBlockSolver();
  RobustBlockSolver(const RobustBlockSolver&) = delete;
  RobustBlockSolver& operator=(const RobustBlockSolver&) = delete;

  // Triangulates one block; const and without shared scratch, so threads may share a solver.
  RobustCounts solve(const RobustBlock& block) const;

  // Points per block that keeps a block's arrays in the caches (about 100 KB at 8 views).
  static constexpr int64_t kBlockPoints = 1024;

  // The blocks of `points` points in parallel (at::parallel_for): each thread calls
  // task(first_block, end_block) -> RobustCounts once for its range; returns their sum.
  template <typename Task>
  static RobustCounts for_blocks(int64_t points, const Task& task) {
    std::mutex mutex;
    RobustCounts total;
    at::parallel_for(0, (points + kBlockPoints - 1) / kBlockPoints, 1, [&](int64_t b, int64_t e) {
      const RobustCounts counts = task(b, e);
      const std::lock_guard<std::mutex> lock(mutex);
      total += counts;
    });
    return total;
  }

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mvpose3d::ops
