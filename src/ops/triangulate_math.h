// Per-point DLT triangulation math, shared by the CPU loop and the CUDA kernel (so parity holds by
// design). Everything here is header-only, allocation-free and templated on the input type
// `scalar_t` and the accumulation type `acc_t` (double by default).
//
// For one point seen in V views with pixel coordinates (x_v, y_v), projection matrices P_v (rows
// p1, p2, p3) and weights w_v, the DLT rows are  r_x = w (x p3 - p1),  r_y = w (y p3 - p2).
// We accumulate the 4x4 normal matrix M = sum r r^T directly (A is never formed) and return its
// unit eigenvector v of the smallest eigenvalue, i.e. the right singular vector of A for its
// smallest singular value: the exact algebraic DLT solution. X = v[0:3] / v[3].
//
// The eigenvector is found by shifted inverse iteration (the paper's DLT-SII idea) made exact:
//  * M is scaled by 1/trace(M), so the shift is relative (the official code's absolute 1e-3 is
//    below float32 resolution for pixel-unit systems: ../../docs/triangulation.md);
//  * the start vector is the inhomogeneous solution (solve M[0:3,0:3] X = -M[0:3,3]), deterministic
//    and already close to v, so 1-3 iterations usually reach machine precision;
//  * iteration stops on the eigen-residual ||M v - (v^T M v) v|| <= tol, not after a fixed T.
// The backward pass differentiates the converged eigenvector implicitly:
//   dv = -(M - l1 I)^+ dM v,  solved with the SPD matrix (M - l1 I + v v^T) on the complement of v.
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define MVPOSE3D_HOST_DEVICE __host__ __device__ __forceinline__
#define MVPOSE3D_FAST_PATH __host__ __device__ __forceinline__
#else
#define MVPOSE3D_HOST_DEVICE inline
// Inlined into the CPU loop over points, so that the loop can vectorise.
#define MVPOSE3D_FAST_PATH inline __attribute__((always_inline))
#endif

namespace mvpose3d::ops::detail {

// Why a point has no valid triangulation. 0 means valid.
enum TriangulationStatus : uint8_t {
  kValid = 0,
  kNonFinite = 1,    // NaN/Inf in the inputs of a view with weight != 0, or a negative weight
  kTooFewViews = 2,  // fewer than two views with weight != 0
  kDegenerate = 3,   // no isolated smallest eigenvalue (e.g. all rays coincide), or no convergence
  kAtInfinity = 4,   // the solution is a point at (or beyond) the configured distance limit
};

// Symmetric 4x4 matrix stored as its upper triangle: 00 01 02 03 11 12 13 22 23 33.
template <typename T>
struct Sym4 {
  T m[10];
  MVPOSE3D_HOST_DEVICE T at(int i, int j) const {
    if (i > j) {
      const int k = i;
      i = j;
      j = k;
    }
    // Row offsets of the packed upper triangle: 0, 4, 7, 9.
    const int offset = (i == 0) ? 0 : (i == 1) ? 4 : (i == 2) ? 7 : 9;
    return m[offset + (j - i)];
  }
};

template <typename T>
MVPOSE3D_HOST_DEVICE void sym4_zero(Sym4<T>& s) {
  for (int k = 0; k < 10; ++k) s.m[k] = T(0);
}

// s += a * r r^T
template <typename T>
MVPOSE3D_HOST_DEVICE void sym4_add_outer(Sym4<T>& s, const T r[4], T a) {
  const T r0 = a * r[0], r1 = a * r[1], r2 = a * r[2], r3 = a * r[3];
  s.m[0] += r0 * r[0];
  s.m[1] += r0 * r[1];
  s.m[2] += r0 * r[2];
  s.m[3] += r0 * r[3];
  s.m[4] += r1 * r[1];
  s.m[5] += r1 * r[2];
  s.m[6] += r1 * r[3];
  s.m[7] += r2 * r[2];
  s.m[8] += r2 * r[3];
  s.m[9] += r3 * r[3];
}

// y = S x for a packed symmetric S (T a scalar or, on the CPU, a SIMD vector of points).
template <typename T>
MVPOSE3D_FAST_PATH void sym4_apply(const T s[10], const T x[4], T y[4]) {
  y[0] = s[0] * x[0] + s[1] * x[1] + s[2] * x[2] + s[3] * x[3];
  y[1] = s[1] * x[0] + s[4] * x[1] + s[5] * x[2] + s[6] * x[3];
  y[2] = s[2] * x[0] + s[5] * x[1] + s[7] * x[2] + s[8] * x[3];
  y[3] = s[3] * x[0] + s[6] * x[1] + s[8] * x[2] + s[9] * x[3];
}

// g = S - l I + v v^T (packed): positive definite iff l is the smallest eigenvalue of S, isolated,
// when v is its unit eigenvector.
template <typename T>
MVPOSE3D_FAST_PATH void sym4_deflate(const T s[10], T l, const T v[4], T g[10]) {
  g[0] = s[0] - l + v[0] * v[0];
  g[1] = s[1] + v[0] * v[1];
  g[2] = s[2] + v[0] * v[2];
  g[3] = s[3] + v[0] * v[3];
  g[4] = s[4] - l + v[1] * v[1];
  g[5] = s[5] + v[1] * v[2];
  g[6] = s[6] + v[1] * v[3];
  g[7] = s[7] - l + v[2] * v[2];
  g[8] = s[8] + v[2] * v[3];
  g[9] = s[9] - l + v[3] * v[3];
}

// y = S x
template <typename T>
MVPOSE3D_HOST_DEVICE void sym4_mul(const Sym4<T>& s, const T x[4], T y[4]) {
  sym4_apply(s.m, x, y);
}

template <typename T>
MVPOSE3D_HOST_DEVICE T dot4(const T a[4], const T b[4]) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
}

// In-place LDL^T factorisation of a symmetric 4x4 matrix (packed). Pivots below `min_pivot` are
// raised to it, which keeps inverse iteration finite on exactly singular (noise-free) systems:
// there a tiny pivot only scales the iterate, it does not change its direction.
template <typename T>
struct Ldl4 {
  T l10, l20, l21, l30, l31, l32;  // unit lower triangle
  T d[4];                          // diagonal
};

template <typename T>
MVPOSE3D_HOST_DEVICE Ldl4<T> ldl4_factor(const Sym4<T>& a, T min_pivot) {
  Ldl4<T> f;
  f.d[0] = a.m[0] > min_pivot ? a.m[0] : min_pivot;
  f.l10 = a.m[1] / f.d[0];
  f.l20 = a.m[2] / f.d[0];
  f.l30 = a.m[3] / f.d[0];
  T d1 = a.m[4] - f.l10 * f.l10 * f.d[0];
  f.d[1] = d1 > min_pivot ? d1 : min_pivot;
  f.l21 = (a.m[5] - f.l20 * f.l10 * f.d[0]) / f.d[1];
  f.l31 = (a.m[6] - f.l30 * f.l10 * f.d[0]) / f.d[1];
  T d2 = a.m[7] - f.l20 * f.l20 * f.d[0] - f.l21 * f.l21 * f.d[1];
  f.d[2] = d2 > min_pivot ? d2 : min_pivot;
  f.l32 = (a.m[8] - f.l30 * f.l20 * f.d[0] - f.l31 * f.l21 * f.d[1]) / f.d[2];
  T d3 = a.m[9] - f.l30 * f.l30 * f.d[0] - f.l31 * f.l31 * f.d[1] - f.l32 * f.l32 * f.d[2];
  f.d[3] = d3 > min_pivot ? d3 : min_pivot;
  return f;
}

// Solves (L D L^T) x = b in place.
template <typename T>
MVPOSE3D_HOST_DEVICE void ldl4_solve(const Ldl4<T>& f, T x[4]) {
  x[1] -= f.l10 * x[0];
  x[2] -= f.l20 * x[0] + f.l21 * x[1];
  x[3] -= f.l30 * x[0] + f.l31 * x[1] + f.l32 * x[2];
  x[0] /= f.d[0];
  x[1] /= f.d[1];
  x[2] /= f.d[2];
  x[3] /= f.d[3];
  x[2] -= f.l32 * x[3];
  x[1] -= f.l21 * x[2] + f.l31 * x[3];
  x[0] -= f.l10 * x[1] + f.l20 * x[2] + f.l30 * x[3];
}

// What the CPU SIMD vector types (below) are made of; scalars have kSimd = false.
template <typename T>
struct SimdTraits {
  static constexpr bool kSimd = false;
};

template <typename T>
MVPOSE3D_HOST_DEVICE T my_sqrt(T x) {
#if defined(__CUDA_ARCH__)
  return sqrt(x);
#else
  if constexpr (SimdTraits<T>::kSimd) {
    T r = x;  // lane by lane; GCC emits one vector square root (no errno: -fno-math-errno)
    for (int i = 0; i < SimdTraits<T>::kWidth; ++i) r[i] = std::sqrt(x[i]);
    return r;
  } else {
    return std::sqrt(x);
  }
#endif
}

template <typename T>
MVPOSE3D_HOST_DEVICE bool my_isfinite(T x) {
#if defined(__CUDA_ARCH__)
  return isfinite(x);
#else
  return std::isfinite(x);
#endif
}

// The rig normalisation of ops::normalize_rig (src/ops/triangulate.cpp) for one group of V
// projection matrices, for use inside the kernels when the matrices are constants: out [V, 3, 4]
// normalised matrices, so that X_world = centre + scale * X_normalised. Non-finite matrices are
// copied unchanged (the points using them are then flagged) with centre 0 and scale 1. A view whose
// 3x3 part is singular (an all-zero placeholder for a missing camera) has no centre or axis: it is
// left out of the centre and scale and only moved into the normalised frame, not rescaled, so its
// rows mean what they meant before (an all-zero matrix stays zero and adds nothing to the system).
template <typename acc_t, typename proj_t>
MVPOSE3D_HOST_DEVICE void normalize_projections(
    const proj_t* proj, int num_views, acc_t* out, acc_t centre[3], acc_t* scale) {
  bool finite = true;
  for (int k = 0; k < 12 * num_views; ++k) {
    out[k] = static_cast<acc_t>(proj[k]);
    finite = finite && my_isfinite(out[k]);
  }
  centre[0] = centre[1] = centre[2] = acc_t(0);
  *scale = acc_t(1);
  if (!finite) return;
  auto cross = [](const acc_t* a, const acc_t* b, acc_t* c) {
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
  };
  // Least-squares point nearest to the optical axes, pulled weakly to the mean camera centre.
  const acc_t reg = acc_t(1e-3) * static_cast<acc_t>(num_views);
  acc_t lhs[3][3] = {{reg, 0, 0}, {0, reg, 0}, {0, 0, reg}};
  acc_t rhs[3] = {0, 0, 0};
  acc_t mean_c[3] = {0, 0, 0};
  constexpr int kMaxViews = 64;
  acc_t centres[3 * kMaxViews];
  acc_t dets[kMaxViews];
  bool usable[kMaxViews];
  int num_usable = 0;
  for (int v = 0; v < num_views && v < kMaxViews; ++v) {
    const acc_t* p = out + 12 * v;
    const acc_t a[3] = {p[0], p[1], p[2]}, b[3] = {p[4], p[5], p[6]}, c[3] = {p[8], p[9], p[10]};
    acc_t bc[3], ca[3], ab[3];
    cross(b, c, bc);
    cross(c, a, ca);
    cross(a, b, ab);
    const acc_t det = a[0] * bc[0] + a[1] * bc[1] + a[2] * bc[2];
    acc_t* cv = centres + 3 * v;
    usable[v] = det != acc_t(0);
    for (int k = 0; k < 3; ++k) {
      cv[k] = usable[v] ? -(p[3] * bc[k] + p[7] * ca[k] + p[11] * ab[k]) / det : acc_t(0);
      usable[v] = usable[v] && my_isfinite(cv[k]);
    }
    dets[v] = det;
    num_usable += usable[v] ? 1 : 0;
  }
  if (num_usable == 0) return;
  for (int v = 0; v < num_views && v < kMaxViews; ++v) {
    if (!usable[v]) continue;
    const acc_t* p = out + 12 * v;
    const acc_t c[3] = {p[8], p[9], p[10]};
    const acc_t det = dets[v];
    const acc_t* cv = centres + 3 * v;
    const acc_t cn = my_sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
    const acc_t sgn = det > acc_t(0) ? acc_t(1) : (det < acc_t(0) ? acc_t(-1) : acc_t(0));
    const acc_t axis[3] = {c[0] * sgn / cn, c[1] * sgn / cn, c[2] * sgn / cn};
    for (int i = 0; i < 3; ++i) {
      acc_t row = acc_t(0);
      for (int j = 0; j < 3; ++j) {
        const acc_t perp = (i == j ? acc_t(1) : acc_t(0)) - axis[i] * axis[j];
        lhs[i][j] += perp;
        row += perp * cv[j];
      }
      rhs[i] += row;
      mean_c[i] += cv[i] / static_cast<acc_t>(num_usable);
    }
  }
  for (int i = 0; i < 3; ++i) rhs[i] += reg * mean_c[i];
  acc_t c12[3], c20[3], c01[3];
  cross(lhs[1], lhs[2], c12);
  cross(lhs[2], lhs[0], c20);
  cross(lhs[0], lhs[1], c01);
  const acc_t det_l = lhs[0][0] * c12[0] + lhs[0][1] * c12[1] + lhs[0][2] * c12[2];
  for (int k = 0; k < 3; ++k)
    centre[k] = (rhs[0] * c12[k] + rhs[1] * c20[k] + rhs[2] * c01[k]) / det_l;
  acc_t ms = acc_t(0);
  for (int v = 0; v < num_views && v < kMaxViews; ++v) {
    if (!usable[v]) continue;
    for (int k = 0; k < 3; ++k) {
      const acc_t d = centres[3 * v + k] - centre[k];
      ms += d * d;
    }
  }
  acc_t s = my_sqrt(ms / static_cast<acc_t>(num_usable));
  s = s > acc_t(0) ? s : acc_t(1);
  *scale = s;
  for (int v = 0; v < num_views; ++v) {
    acc_t* p = out + 12 * v;
    for (int r = 0; r < 3; ++r) {
      acc_t* row = p + 4 * r;
      row[3] += row[0] * centre[0] + row[1] * centre[1] + row[2] * centre[2];
      row[0] *= s;
      row[1] *= s;
      row[2] *= s;
    }
    if (v < kMaxViews && !usable[v]) continue;
    const acc_t n3 = my_sqrt(p[8] * p[8] + p[9] * p[9] + p[10] * p[10]);
    for (int k = 0; k < 12; ++k) p[k] /= n3;
    const acc_t d1 = p[0] * p[8] + p[1] * p[9] + p[2] * p[10];
    const acc_t d2 = p[4] * p[8] + p[5] * p[9] + p[6] * p[10];
    acc_t f1 = acc_t(0), f2 = acc_t(0);
    for (int k = 0; k < 3; ++k) {
      const acc_t e1 = p[k] - d1 * p[8 + k], e2 = p[4 + k] - d2 * p[8 + k];
      f1 += e1 * e1;
      f2 += e2 * e2;
    }
    const acc_t focal = my_sqrt(my_sqrt(f1) * my_sqrt(f2));
    for (int k = 0; k < 12; ++k) p[k] /= focal;
  }
}

// Accumulates M for one point. `x` points at [V, 2] with strides (xs_v, 1); `proj` at [V, 3, 4]
// contiguous; `w` at [V] (stride ws_v) or nullptr for unit weights. Returns the number of views
// with weight != 0 and sets *finite to false if any of them has a non-finite input or a negative
// weight.
template <typename acc_t, typename scalar_t, typename proj_t>
MVPOSE3D_HOST_DEVICE int accumulate_normal_matrix(const scalar_t* x,
                                                  const proj_t* proj,
                                                  const scalar_t* w,
                                                  int num_views,
                                                  Sym4<acc_t>& m,
                                                  bool* finite) {
  sym4_zero(m);
  int used = 0;
  bool ok = true;
  for (int v = 0; v < num_views; ++v) {
    const acc_t wv = w ? static_cast<acc_t>(w[v]) : acc_t(1);
    if (wv == acc_t(0)) continue;  // a zero weight removes the view, NaN coordinates included
    const proj_t* p = proj + 12 * v;
    const acc_t u = static_cast<acc_t>(x[2 * v]);
    const acc_t t = static_cast<acc_t>(x[2 * v + 1]);
    acc_t rx[4], ry[4];
    for (int k = 0; k < 4; ++k) {
      const acc_t p3 = static_cast<acc_t>(p[8 + k]);
      rx[k] = u * p3 - static_cast<acc_t>(p[k]);
      ry[k] = t * p3 - static_cast<acc_t>(p[4 + k]);
    }
    const acc_t w2 = wv * wv;
    ok = ok && wv > acc_t(0) && my_isfinite(w2) && my_isfinite(dot4(rx, rx)) &&
         my_isfinite(dot4(ry, ry));
    sym4_add_outer(m, rx, w2);
    sym4_add_outer(m, ry, w2);
    ++used;
  }
  *finite = ok;
  return used;
}

struct SolveSettings {
  int max_iterations = 8;    // inverse-iteration steps before the Jacobi fallback
  double shift = 1e-12;      // relative to trace(M); only keeps the factorisation finite
  double tolerance = 1e-13;  // on ||M v - l v|| with trace(M) = 1
  double max_distance =
      1e7;  // |X| in normalised units beyond which the point counts as at infinity
  double degenerate_det =
      1e-15;  // (l2 - l1)(l3 - l1)(l4 - l1) below this (trace 1): no isolated solution
  double angle_tolerance = 1e-10;  // eigenvector accuracy (radians) the fast path must certify
  // Normalise each group's matrices inside the kernel (normalize_projections) and return world
  // points; otherwise the matrices are used as given (already normalised by ATen ops, or raw).
  bool normalize_in_kernel = false;
};

// Cyclic Jacobi eigen-decomposition of a symmetric 4x4 matrix: the slow but unconditionally
// convergent fallback for the rare points where inverse iteration converges slowly (the two
// smallest eigenvalues close together, e.g. two views with large noise). Returns the unit
// eigenvector of the smallest eigenvalue in v and the determinant (l2 - l1)(l3 - l1)(l4 - l1) in
// *gap_det.
template <typename T>
MVPOSE3D_HOST_DEVICE T jacobi_smallest4(const Sym4<T>& s, T off_tolerance, T v[4], T* gap_det) {
  T a[4][4], e[4][4];
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      a[i][j] = s.at(i, j);
      e[i][j] = i == j ? T(1) : T(0);
    }
  }
  for (int sweep = 0; sweep < 32; ++sweep) {
    T off = T(0);
    for (int p = 0; p < 4; ++p) {
      for (int q = p + 1; q < 4; ++q) off += a[p][q] * a[p][q];
    }
    if (off <= off_tolerance) break;
    for (int p = 0; p < 3; ++p) {
      for (int q = p + 1; q < 4; ++q) {
        if (a[p][q] == T(0)) continue;
        const T theta = (a[q][q] - a[p][p]) / (T(2) * a[p][q]);
        const T t = (theta >= T(0) ? T(1) : T(-1)) /
                    ((theta >= T(0) ? theta : -theta) + my_sqrt(theta * theta + T(1)));
        const T c = T(1) / my_sqrt(t * t + T(1));
        const T sn = t * c;
        for (int k = 0; k < 4; ++k) {
          const T akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - sn * akq;
          a[k][q] = sn * akp + c * akq;
        }
        for (int k = 0; k < 4; ++k) {
          const T apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - sn * aqk;
          a[q][k] = sn * apk + c * aqk;
        }
        for (int k = 0; k < 4; ++k) {
          const T ekp = e[k][p], ekq = e[k][q];
          e[k][p] = c * ekp - sn * ekq;
          e[k][q] = sn * ekp + c * ekq;
        }
      }
    }
  }
  int best = 0;
  for (int k = 1; k < 4; ++k) {
    if (a[k][k] < a[best][best]) best = k;
  }
  T det = T(1);
  for (int k = 0; k < 4; ++k) {
    if (k != best) det *= a[k][k] - a[best][best];
    v[k] = e[k][best];
  }
  *gap_det = det;
  return a[best][best];
}

// Smallest-eigenvalue unit eigenvector of M (trace-normalised copy `mn` returned too), sign fixed
// so that v[3] >= 0. Returns a TriangulationStatus.
template <typename acc_t>
MVPOSE3D_HOST_DEVICE uint8_t smallest_eigenvector(const Sym4<acc_t>& m,
                                                  const SolveSettings& settings,
                                                  acc_t v[4],
                                                  acc_t* lambda,
                                                  int* iterations) {
  const acc_t trace = m.m[0] + m.m[4] + m.m[7] + m.m[9];
  *iterations = 0;
  if (!(trace > acc_t(0)) || !my_isfinite(trace)) return kDegenerate;
  Sym4<acc_t> mn;
  const acc_t inv_trace = acc_t(1) / trace;
  for (int k = 0; k < 10; ++k) mn.m[k] = m.m[k] * inv_trace;

  // Start: the inhomogeneous solution [X; 1] of M[0:3,0:3] X = -M[0:3,3] (Cramer's rule).
  const acc_t a00 = mn.m[0], a01 = mn.m[1], a02 = mn.m[2], a11 = mn.m[4], a12 = mn.m[5],
              a22 = mn.m[7];
  const acc_t b0 = -mn.m[3], b1 = -mn.m[6], b2 = -mn.m[8];
  const acc_t c00 = a11 * a22 - a12 * a12, c01 = a02 * a12 - a01 * a22, c02 = a01 * a12 - a02 * a11;
  const acc_t det = a00 * c00 + a01 * c01 + a02 * c02;
  if (det > acc_t(1e-30) && my_isfinite(det)) {
    const acc_t c11 = a00 * a22 - a02 * a02, c12 = a01 * a02 - a00 * a12,
                c22 = a00 * a11 - a01 * a01;
    v[0] = c00 * b0 + c01 * b1 + c02 * b2;
    v[1] = c01 * b0 + c11 * b1 + c12 * b2;
    v[2] = c02 * b0 + c12 * b1 + c22 * b2;
    v[3] = det;
  } else {
    // No usable inhomogeneous solution (e.g. parallel rays, point at infinity): a generic start.
    v[0] = v[1] = v[2] = v[3] = acc_t(0.5);
  }
  acc_t norm = my_sqrt(dot4(v, v));
  for (int k = 0; k < 4; ++k) v[k] /= norm;

  Sym4<acc_t> shifted = mn;
  const acc_t shift = static_cast<acc_t>(settings.shift);
  shifted.m[0] += shift;
  shifted.m[4] += shift;
  shifted.m[7] += shift;
  shifted.m[9] += shift;
  const Ldl4<acc_t> f = ldl4_factor(shifted, shift * acc_t(1e-3));

  const acc_t tol = static_cast<acc_t>(settings.tolerance);
  acc_t mv[4];
  // The residual test accepts any eigenvector; the inertia test below rejects one that is not the
  // smallest (possible only when the start has no component along it), then one restart follows.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool converged = false;
    for (int it = 0; it <= settings.max_iterations; ++it) {
      sym4_mul(mn, v, mv);
      const acc_t l = dot4(v, mv);
      acc_t r2 = acc_t(0);
      for (int k = 0; k < 4; ++k) {
        const acc_t r = mv[k] - l * v[k];
        r2 += r * r;
      }
      *lambda = l;
      if (r2 <= tol * tol) {
        converged = true;
        break;
      }
      if (it == settings.max_iterations) break;
      acc_t y[4] = {v[0], v[1], v[2], v[3]};
      ldl4_solve(f, y);
      norm = my_sqrt(dot4(y, y));
      if (!(norm > acc_t(0)) || !my_isfinite(norm)) return kDegenerate;
      for (int k = 0; k < 4; ++k) v[k] = y[k] / norm;
      *iterations += 1;
    }
    if (!converged) {
      acc_t gap_det = acc_t(0);
      *lambda = jacobi_smallest4(mn, tol * tol * acc_t(1e-6), v, &gap_det);
      if (!(gap_det > static_cast<acc_t>(settings.degenerate_det))) return kDegenerate;
      break;
    }
    // Inertia of Mn - l I + v v^T: positive definite iff l is the smallest eigenvalue and isolated;
    // its determinant is (l2 - l)(l3 - l)(l4 - l).
    Sym4<acc_t> gap = mn;
    gap.m[0] -= *lambda;
    gap.m[4] -= *lambda;
    gap.m[7] -= *lambda;
    gap.m[9] -= *lambda;
    sym4_add_outer(gap, v, acc_t(1));
    const Ldl4<acc_t> g = ldl4_factor(gap, -acc_t(1e30));
    const bool negative =
        g.d[0] < acc_t(0) || g.d[1] < acc_t(0) || g.d[2] < acc_t(0) || g.d[3] < acc_t(0);
    const acc_t det = g.d[0] * g.d[1] * g.d[2] * g.d[3];
    if (!negative && det > static_cast<acc_t>(settings.degenerate_det)) break;
    if (!negative || attempt == 1) return kDegenerate;
    // Restart from a generic vector orthogonal to the wrong eigenvector.
    acc_t restart[4] = {acc_t(0.5), acc_t(-0.3), acc_t(0.7), acc_t(0.4)};
    const acc_t along = dot4(restart, v);
    for (int k = 0; k < 4; ++k) restart[k] -= along * v[k];
    norm = my_sqrt(dot4(restart, restart));
    for (int k = 0; k < 4; ++k) v[k] = restart[k] / norm;
  }
  if (v[3] < acc_t(0)) {
    for (int k = 0; k < 4; ++k) v[k] = -v[k];
  }
  const acc_t xyz = my_sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  if (!(v[3] * static_cast<acc_t>(settings.max_distance) > xyz)) return kAtInfinity;
  return kValid;
}

#if !defined(__CUDACC__)
// CPU SIMD vectors of 32 bytes (AVX2) or 64 bytes (AVX-512); the CPU kernel picks the width its
// build supports (ops/cpu/triangulate_cpu.cpp).
typedef double Double4 __attribute__((vector_size(32)));
typedef float Float8 __attribute__((vector_size(32)));
typedef double Double8 __attribute__((vector_size(64)));
typedef float Float16 __attribute__((vector_size(64)));
typedef uint64_t Bits64x4 __attribute__((vector_size(32)));
typedef uint32_t Bits32x8 __attribute__((vector_size(32)));
typedef uint64_t Bits64x8 __attribute__((vector_size(64)));
typedef uint32_t Bits32x16 __attribute__((vector_size(64)));

// Lane type, width, and the IEEE layout of a lane (an unsigned integer vector of the same size,
// mantissa bits, exponent bias).
template <typename LaneT, typename BitsT, int kLanes, int kMantissa, unsigned kExponentBias>
struct SimdLayout {
  static constexpr bool kSimd = true;
  using Lane = LaneT;
  using Bits = BitsT;
  static constexpr int kWidth = kLanes;
  static constexpr int kMantissaBits = kMantissa;
  static constexpr unsigned kBias = kExponentBias;
};
template <>
struct SimdTraits<Double4> : SimdLayout<double, Bits64x4, 4, 52, 1023> {};
template <>
struct SimdTraits<Double8> : SimdLayout<double, Bits64x8, 8, 52, 1023> {};
template <>
struct SimdTraits<Float8> : SimdLayout<float, Bits32x8, 8, 23, 127> {};
template <>
struct SimdTraits<Float16> : SimdLayout<float, Bits32x16, 16, 23, 127> {};
#endif

// Broadcast of a constant to T: a scalar, or (CPU) a GCC vector of several points' values, so that
// the fast path below runs on 4 to 16 points per instruction on the CPU.
template <typename T>
MVPOSE3D_FAST_PATH T splat(double c) {
  if constexpr (SimdTraits<T>::kSimd) {
    return T{} + static_cast<typename SimdTraits<T>::Lane>(c);
  } else {
    return static_cast<T>(c);
  }
}

// A positive factor p with x * p in [1/2, 1] for finite x > 0: 1 / x for scalars (CUDA divides
// cheaply); for CPU vectors the power of two 2^(bias - 1 - e), e the biased exponent of x, from
// integer operations instead of a division (and rescaling by it is exact). Zero and subnormal x
// give a large finite factor, Inf/NaN a non-finite or zero one: the callers' finiteness and
// positivity tests then reject the point. Callers need only the range, not the exact value.
template <typename T>
MVPOSE3D_FAST_PATH T pow2_reciprocal(T x) {
  if constexpr (SimdTraits<T>::kSimd) {
    using L = SimdTraits<T>;
    using Bits = typename L::Bits;
    // Casts between GCC vector types of one size reinterpret the bits.
    const Bits exponent = ((Bits)x >> L::kMantissaBits) & (2 * L::kBias + 1);
    return (T)(((2 * L::kBias - 1) - exponent) << L::kMantissaBits);
  } else {
    return T(1) / x;
  }
}

// 2x2 minors of rows (0, 1) and rows (2, 3) of a symmetric 4x4 matrix, and its determinant.
template <typename T>
struct Minors4 {
  T b00, b01, b02, b03, b04, b05, b06, b07, b08, b09, b10, b11, det;
};

template <typename T>
MVPOSE3D_FAST_PATH Minors4<T> minors4(const T a[10]) {
  // Packed upper triangle: a[0]=a00 a[1]=a01 a[2]=a02 a[3]=a03 a[4]=a11 a[5]=a12 a[6]=a13 a[7]=a22
  // a[8]=a23 a[9]=a33.
  Minors4<T> m;
  m.b00 = a[0] * a[4] - a[1] * a[1];
  m.b01 = a[0] * a[5] - a[2] * a[1];
  m.b02 = a[0] * a[6] - a[3] * a[1];
  m.b03 = a[1] * a[5] - a[2] * a[4];
  m.b04 = a[1] * a[6] - a[3] * a[4];
  m.b05 = a[2] * a[6] - a[3] * a[5];
  m.b06 = a[2] * a[6] - a[5] * a[3];
  m.b07 = a[2] * a[8] - a[7] * a[3];
  m.b08 = a[2] * a[9] - a[8] * a[3];
  m.b09 = a[5] * a[8] - a[7] * a[6];
  m.b10 = a[5] * a[9] - a[8] * a[6];
  m.b11 = a[7] * a[9] - a[8] * a[8];
  m.det =
      m.b00 * m.b11 - m.b01 * m.b10 + m.b02 * m.b09 + m.b03 * m.b08 - m.b04 * m.b07 + m.b05 * m.b06;
  return m;
}

// Adjugate adj(A) = det(A) A^-1 of a symmetric 4x4 matrix (packed, like A), from its minors.
template <typename T>
MVPOSE3D_FAST_PATH void adjugate4(const T a[10], const Minors4<T>& s, T j[10]) {
  j[0] = a[4] * s.b11 - a[5] * s.b10 + a[6] * s.b09;
  j[1] = a[2] * s.b10 - a[1] * s.b11 - a[3] * s.b09;
  j[2] = a[6] * s.b05 - a[8] * s.b04 + a[9] * s.b03;
  j[3] = a[7] * s.b04 - a[5] * s.b05 - a[8] * s.b03;
  j[4] = a[0] * s.b11 - a[2] * s.b08 + a[3] * s.b07;
  j[5] = a[8] * s.b02 - a[3] * s.b05 - a[9] * s.b01;
  j[6] = a[2] * s.b05 - a[7] * s.b02 + a[8] * s.b01;
  j[7] = a[3] * s.b04 - a[6] * s.b02 + a[9] * s.b00;
  j[8] = a[5] * s.b02 - a[2] * s.b04 - a[8] * s.b00;
  j[9] = a[2] * s.b03 - a[5] * s.b01 + a[7] * s.b00;
}

// Number of adjugate products after the start in the fast path. Each costs 16 multiply-adds; with
// 6, all but 0.02 % of the points of 4-view DiffDLT scenes with 10 px noise are certified (with 2,
// 6.6 % already at 2 px noise fall back to the slow path; docs/triangulation.md).
constexpr int kFastIterations = 6;

// Branch-free fast path for the common case, written so that a loop over points vectorises (CPU)
// and warps do not diverge (CUDA). Inverse iteration without divisions: the adjugate
// adj(M) = det(M) M^-1 = sum_k (prod_{j != k} l_j) v_k v_k^T has the direction of M^-1, needs no
// shift, stays exact (rank one) for noise-free, exactly singular M, and its last column adj(M) e4
// is the inhomogeneous solution [X; 1] of M[0:3,0:3] X = -M[0:3,3]: the start. `iterations` more
// products follow, then one normalisation.
// The result is accepted only with a certificate, otherwise the caller falls back to
// smallest_eigenvector(). M is first scaled to Mn with trace in [1/2, 1]. With l = v^T Mn v,
// r = Mn v - l v and G = Mn - l I + v v^T:
//  * G positive definite (all leading principal minors > 0) <=> l is the smallest eigenvalue;
//  * det(G) = (l2 - l)(l3 - l)(l4 - l) <= (l2 - l) / 4, as (l3 - l)(l4 - l) <= ((l3 + l4) / 2)^2
//    <= (trace / 2)^2 <= 1 / 4, so 4 det(G) bounds the gap l2 - l from below;
//  * ||r|| / gap bounds the angle to the true eigenvector (Davis-Kahan), so
//    ||r|| <= angle_tolerance * 4 det(G) certifies the eigenvector to angle_tolerance.
// Returns the certificate (a lane mask for vectors) and v, unit with v[3] >= 0, and *inv_last =
// 1 / v[3] for the dehomogenisation.
// It comes in three steps, which fast_eigenvector() below runs in turn; the CPU kernel runs each
// step over two vectors of points before the next (their dependency chains then overlap in the
// out-of-order core; one vector's chain through all steps is several hundred cycles long).

// The scaling factor of fast_eigen_start: pow2_reciprocal, or with kExactScale 1 / x for vectors
// too, as the scalar path scales (the per-point outlier search solves its candidates in vectors;
// scaled so, its results stayed within 1.6e-12 mm of its former scalar solves on the issue-17
// session, docs/benchmarks.md).
template <bool kExactScale, typename T>
MVPOSE3D_FAST_PATH T scale_reciprocal(T x) {
  if constexpr (kExactScale) {
    return splat<T>(1.0) / x;
  } else {
    return pow2_reciprocal(x);
  }
}

// Step 1: Mn = M scaled to trace in [1/2, 1] (exactly 1 with kExactScale) in `a`, the scaled
// adjugate J of Mn and the start w = J e4.
template <typename T, bool kExactScale = false>
MVPOSE3D_FAST_PATH void fast_eigen_start(const T m[10], T a[10], T j[10], T w[4]) {
  const T it = scale_reciprocal<kExactScale>(m[0] + m[4] + m[7] + m[9]);
  for (int k = 0; k < 10; ++k) a[k] = m[k] * it;
  adjugate4(a, minors4(a), j);
  // adj(M) / trace(adj(M)) up to a factor in [1/2, 1]: eigenvalues (prod_{j != k} l_j) over their
  // sum, the largest in [1/8, 1], so the products below neither underflow nor overflow, in float32
  // too.
  const T jt = scale_reciprocal<kExactScale>(j[0] + j[4] + j[7] + j[9]);
  for (int k = 0; k < 10; ++k) j[k] *= jt;
  w[0] = j[3];  // adj(M) e4
  w[1] = j[6];
  w[2] = j[8];
  w[3] = j[9];
}

// Step 2: w = J^kIterations w.
template <int kIterations, typename T>
MVPOSE3D_FAST_PATH void fast_eigen_iterate(const T j[10], T w[4]) {
  for (int step = 0; step < kIterations; ++step) {
    T y[4];
    sym4_apply(j, w, y);
    for (int k = 0; k < 4; ++k) w[k] = y[k];
  }
}

// Step 3: v = w / ||w|| with v[3] >= 0, *inv_last = 1 / v[3], and the certificate for v as an
// eigenvector of Mn (`a`, from step 1).
template <typename T>
MVPOSE3D_FAST_PATH auto fast_eigen_certify(const T a[10],
                                           const T w[4],
                                           T angle_tolerance,
                                           T degenerate_det,
                                           T max_distance,
                                           T v[4],
                                           T* inv_last) {
  const T zero = splat<T>(0.0), one = splat<T>(1.0);
  {
    // One division for both 1 / ||w|| and 1 / v[3].
    const T norm = my_sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2] + w[3] * w[3]);
    const T r = one / (norm * w[3]);
    const T inv = r * w[3];
    const T sign = w[3] < zero ? -inv : inv;
    for (int k = 0; k < 4; ++k) v[k] = w[k] * sign;
    const T rn = r * norm * norm;  // norm / w[3]
    *inv_last = w[3] < zero ? -rn : rn;
  }
  // Certificate.
  T mv[4];
  sym4_apply(a, v, mv);
  const T l = v[0] * mv[0] + v[1] * mv[1] + v[2] * mv[2] + v[3] * mv[3];
  const T r0 = mv[0] - l * v[0], r1 = mv[1] - l * v[1], r2 = mv[2] - l * v[2],
          r3 = mv[3] - l * v[3];
  const T res2 = r0 * r0 + r1 * r1 + r2 * r2 + r3 * r3;
  T g[10];
  sym4_deflate(a, l, v, g);
  const Minors4<T> gm = minors4(g);
  const T minor3 = g[0] * (g[4] * g[7] - g[5] * g[5]) - g[1] * (g[1] * g[7] - g[5] * g[2]) +
                   g[2] * (g[1] * g[5] - g[4] * g[2]);
  const T xyz2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
  const T bound = splat<T>(4.0) * angle_tolerance * gm.det;
  return (g[0] > zero) & (gm.b00 > zero) & (minor3 > zero) & (gm.det > degenerate_det) &
         (res2 <= bound * bound) & (v[3] * v[3] * max_distance * max_distance > xyz2) &
         (res2 - res2 == zero) &
         (gm.det - gm.det == zero);  // finite (x - x is NaN for Inf and NaN)
}

template <int kIterations, typename T>
MVPOSE3D_FAST_PATH auto fast_eigenvector(
    const T m[10], T angle_tolerance, T degenerate_det, T max_distance, T v[4], T* inv_last) {
  T a[10], j[10], w[4];
  fast_eigen_start(m, a, j, w);
  fast_eigen_iterate<kIterations>(j, w);
  return fast_eigen_certify(a, w, angle_tolerance, degenerate_det, max_distance, v, inv_last);
}

// fast_eigenvector without the reciprocal of v[3].
template <int kIterations, typename T>
MVPOSE3D_FAST_PATH auto fast_smallest_eigenvector(
    const T m[10], T angle_tolerance, T degenerate_det, T max_distance, T v[4]) {
  T inv_last;
  return fast_eigenvector<kIterations>(
      m, angle_tolerance, degenerate_det, max_distance, v, &inv_last);
}

// Backward of X = v[0:3] / v[3] through the unit smallest eigenvector v of M (implicit
// differentiation, docs/triangulation.md): dv = -(M - l1 I)^+ dM v, so with
// y = (M - l1 I)^+ dL/dv (on the complement of v) dL/dM = -sym(y v^T), a rank-two matrix returned
// as y and coef with dL/dM = coef (y v^T + v y^T). Branch-free, for scalars and SIMD vectors of
// points. The pseudo-inverse is applied with the adjugate of Mn - l I + v v^T, positive definite
// for a valid point (one division per point, shared with the dehomogenisation).
template <typename T>
MVPOSE3D_FAST_PATH void eigenvector_backward_rank2(
    const T m[10], const T v[4], const T grad_point[3], T y[4], T* coef) {
  const T s = pow2_reciprocal(m[0] + m[4] + m[7] + m[9]);
  T a[10];
  for (int k = 0; k < 10; ++k) a[k] = m[k] * s;
  T mv[4];
  sym4_apply(a, v, mv);
  const T l = v[0] * mv[0] + v[1] * mv[1] + v[2] * mv[2] + v[3] * mv[3];
  T g[10];
  sym4_deflate(a, l, v, g);
  const Minors4<T> minors = minors4(g);
  T adj[10];
  adjugate4(g, minors, adj);
  const T r = splat<T>(1.0) / (v[3] * minors.det);
  const T inv_w = r * minors.det, inv_det = r * v[3];
  // dL/dv from the dehomogenisation X = v[0:3] / v[3], projected onto the complement of v.
  T gv[4] = {grad_point[0] * inv_w,
             grad_point[1] * inv_w,
             grad_point[2] * inv_w,
             -(grad_point[0] * v[0] + grad_point[1] * v[1] + grad_point[2] * v[2]) * inv_w * inv_w};
  const T along = gv[0] * v[0] + gv[1] * v[1] + gv[2] * v[2] + gv[3] * v[3];
  for (int k = 0; k < 4; ++k) gv[k] -= along * v[k];
  sym4_apply(adj, gv, y);
  const T along_y = (y[0] * v[0] + y[1] * v[1] + y[2] * v[2] + y[3] * v[3]);
  for (int k = 0; k < 4; ++k) y[k] = (y[k] - along_y * v[k]) * inv_det;
  *coef = splat<T>(-0.5) * s;
}

// Gradient of a loss with respect to the packed symmetric normal matrix, given dL/dX for X =
// v[0:3]/v[3]. Returns G = sym(dL/dM) (so that dL = sum_ij G_ij dM_ij for symmetric dM) in `g`.
template <typename acc_t>
MVPOSE3D_HOST_DEVICE void eigenvector_backward(const Sym4<acc_t>& m,
                                               const acc_t v[4],
                                               const acc_t grad_point[3],
                                               acc_t g[4][4]) {
  acc_t y[4], coef;
  eigenvector_backward_rank2(m.m, v, grad_point, y, &coef);
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) g[i][j] = coef * (y[i] * v[j] + v[i] * y[j]);
  }
}

// Back-propagates G = dL/dM into the inputs of one point. grad_x: [V, 2] (contiguous), grad_proj:
// [V, 3, 4] (contiguous, accumulated with +=) or nullptr, grad_w: [V] or nullptr.
template <typename acc_t, typename scalar_t, typename proj_t>
MVPOSE3D_HOST_DEVICE void normal_matrix_backward(const scalar_t* x,
                                                 const proj_t* proj,
                                                 const scalar_t* w,
                                                 int num_views,
                                                 const acc_t g[4][4],
                                                 acc_t* grad_x,
                                                 acc_t* grad_proj,
                                                 acc_t* grad_w) {
  for (int v = 0; v < num_views; ++v) {
    const acc_t wv = w ? static_cast<acc_t>(w[v]) : acc_t(1);
    if (wv == acc_t(0)) {
      grad_x[2 * v] = grad_x[2 * v + 1] = acc_t(0);
      if (grad_w) grad_w[v] = acc_t(0);
      continue;
    }
    const proj_t* p = proj + 12 * v;
    const acc_t u = static_cast<acc_t>(x[2 * v]);
    const acc_t t = static_cast<acc_t>(x[2 * v + 1]);
    acc_t rx[4], ry[4], p3[4];
    for (int k = 0; k < 4; ++k) {
      p3[k] = static_cast<acc_t>(p[8 + k]);
      rx[k] = u * p3[k] - static_cast<acc_t>(p[k]);
      ry[k] = t * p3[k] - static_cast<acc_t>(p[4 + k]);
    }
    // M = sum w^2 r r^T  =>  dL/dr = 2 w^2 G r,  dL/dw = 2 w r^T G r.
    acc_t gx[4], gy[4];
    for (int i = 0; i < 4; ++i) {
      gx[i] = g[i][0] * rx[0] + g[i][1] * rx[1] + g[i][2] * rx[2] + g[i][3] * rx[3];
      gy[i] = g[i][0] * ry[0] + g[i][1] * ry[1] + g[i][2] * ry[2] + g[i][3] * ry[3];
    }
    const acc_t two_w2 = acc_t(2) * wv * wv;
    if (grad_w) grad_w[v] = acc_t(2) * wv * (dot4(rx, gx) + dot4(ry, gy));
    for (int k = 0; k < 4; ++k) {
      gx[k] *= two_w2;
      gy[k] *= two_w2;
    }
    grad_x[2 * v] = dot4(gx, p3);
    grad_x[2 * v + 1] = dot4(gy, p3);
    if (grad_proj) {
      acc_t* gp = grad_proj + 12 * v;
      for (int k = 0; k < 4; ++k) {
        gp[k] -= gx[k];
        gp[4 + k] -= gy[k];
        gp[8 + k] += u * gx[k] + t * gy[k];
      }
    }
  }
}

}  // namespace mvpose3d::ops::detail
