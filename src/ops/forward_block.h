// The CPU forward kernel of the fused triangulation on raw float64 arrays, in the calling thread
// (private to ops; defined in ops/cpu/triangulate_cpu.cpp): for callers that solve blocks of
// points inside their own parallel loop (ops::RobustBlockSolver). No ATen here, so that such a
// caller compiles quickly.
#pragma once

#include <cstdint>

#include "ops/triangulate_math.h"

namespace mvpose3d::ops::detail {

// Solves `count` points x [B, V, 2] with weights [B, V] (nullptr: all 1) and the world matrices
// proj_from_world [V, 3, 4] of one group, normalised as settings.normalize_in_kernel says: bit for
// bit what triangulate_forward_cpu returns for these points in float64.
void triangulate_forward_block_cpu(const double* x,
                                   const double* weights,
                                   const double* proj_from_world,
                                   int num_views,
                                   int64_t count,
                                   const SolveSettings& settings,
                                   double* points,   // [B, 3]; 0 where invalid
                                   uint8_t* status,  // [B] TriangulationStatus
                                   bool* valid);     // [B]

}  // namespace mvpose3d::ops::detail
