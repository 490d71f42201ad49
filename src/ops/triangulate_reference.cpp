// The reference methods of triangulate(), written with ATen ops (autograd through the library's
// own backward): svd (torch::linalg_svd) and sii (the paper's Algorithm 1), and the rig
// normalisation normalize_rig() that conditions the system of every method.
#include "ops/triangulate_reference.h"

#include <tuple>

#include <ATen/ATen.h>

namespace mvpose3d::ops {

using at::Tensor;

namespace {

// Small closed-form 3-vector helpers on [..., 3] tensors (elementwise, fast for tiny batches).
Tensor cross3(const Tensor& a, const Tensor& b) {
  return at::linalg_cross(a, b, -1);
}
Tensor dot3(const Tensor& a, const Tensor& b) {
  return (a * b).sum(-1);
}

// Camera centres from the cofactor form of -M^-1 p4 for proj [M, V, 3, 4] (elementwise, so tiny
// batches stay cheap): centres [M, V, 3], det(M) [M, V] and M's third row c [M, V, 3].
struct CameraCentres {
  Tensor centres, det, third_row;
};
CameraCentres camera_centres(const Tensor& proj) {
  const Tensor mat = proj.narrow(-1, 0, 3);  // [M, V, 3, 3]
  const Tensor p4 = proj.select(-1, 3);      // [M, V, 3]
  const Tensor a = mat.select(-2, 0), b = mat.select(-2, 1), c = mat.select(-2, 2);
  const Tensor bc = cross3(b, c), ca = cross3(c, a), ab = cross3(a, b);
  const Tensor det = dot3(a, bc);  // [M, V]
  const Tensor centres =
      -(p4.select(-1, 0).unsqueeze(-1) * bc + p4.select(-1, 1).unsqueeze(-1) * ca +
        p4.select(-1, 2).unsqueeze(-1) * ab) /
      det.unsqueeze(-1);  // [M, V, 3]
  return {centres, det, c};
}

// Views with a camera centre: a finite matrix whose 3x3 part is not singular. [M, V] bool, found
// without gradient; the same test as normalize_projections (triangulate_math.h) makes in the
// kernels. An all-zero matrix (a placeholder for a missing camera) has none.
Tensor views_with_centre(const Tensor& proj) {
  at::NoGradGuard no_grad;
  const CameraCentres found = camera_centres(proj);
  return (found.det != 0) & at::isfinite(found.centres).all(-1);
}

}  // namespace

RigNormalization normalize_rig(const Tensor& proj) {
  // proj [M, V, 3, 4]. Views without a centre are replaced by a harmless stand-in for the
  // statistics (so no NaN reaches a gradient), left out of the centre and the scale, and given
  // back moved into the normalised frame but not rescaled (see normalize_projections).
  const Tensor usable = views_with_centre(proj);        // [M, V]
  const Tensor weight = usable.to(proj.scalar_type());  // [M, V]
  const Tensor all_usable = usable.all(1);              // [M]
  const Tensor count = weight.sum(1).clamp_min(1.0);    // [M]
  const Tensor stand_in = at::eye(3, 4, proj.options()).expand_as(proj);
  const Tensor safe = at::where(usable.unsqueeze(-1).unsqueeze(-1), proj, stand_in);
  // Camera centres, and optical axes from the third row of M oriented by det(M).
  const CameraCentres found = camera_centres(safe);
  const Tensor& centres = found.centres;     // [M, V, 3]
  const Tensor& det = found.det;             // [M, V]
  const Tensor& c = found.third_row;         // [M, V, 3]
  const Tensor mat = safe.narrow(-1, 0, 3);  // [M, V, 3, 3]
  const Tensor p4 = safe.select(-1, 3);      // [M, V, 3]
  const Tensor axes =
      c * (at::sign(det) / at::linalg_vector_norm(c, 2, {-1})).unsqueeze(-1);  // [M, V, 3]
  // Point nearest to all optical axes, pulled weakly towards the mean centre so that parallel axes
  // (a stereo pair) still give a well-posed 3x3 system.
  const int64_t views = proj.size(1);
  const Tensor eye = at::eye(3, proj.options());
  const Tensor proj_perp = (eye - axes.unsqueeze(-1) * axes.unsqueeze(-2)) *
                           weight.unsqueeze(-1).unsqueeze(-1);  // [M, V, 3, 3]
  const double reg = 1e-3 * static_cast<double>(views);
  const Tensor lhs = proj_perp.sum(1) + reg * eye;  // [M, 3, 3]
  // The plain mean where every view counts keeps those rigs' numbers exactly as they were.
  const Tensor mean_centre =
      at::where(all_usable.unsqueeze(-1),
                centres.mean(1),
                (centres * weight.unsqueeze(-1)).sum(1) / count.unsqueeze(-1));  // [M, 3]
  const Tensor rhs =
      at::matmul(proj_perp, centres.unsqueeze(-1)).squeeze(-1).sum(1) + reg * mean_centre;
  // 3x3 solve by Cramer's rule (lhs is SPD).
  const Tensor r0 = lhs.select(-2, 0), r1 = lhs.select(-2, 1), r2 = lhs.select(-2, 2);
  const Tensor c12 = cross3(r1, r2), c20 = cross3(r2, r0), c01 = cross3(r0, r1);
  const Tensor det_l = dot3(r0, c12).unsqueeze(-1);
  const Tensor centre =
      (rhs.select(-1, 0).unsqueeze(-1) * c12 + rhs.select(-1, 1).unsqueeze(-1) * c20 +
       rhs.select(-1, 2).unsqueeze(-1) * c01) /
      det_l;                                                              // [M, 3]
  const Tensor sq_dist = (centres - centre.unsqueeze(1)).pow(2).sum(-1);  // [M, V]
  const Tensor mean_sq =
      at::where(all_usable, sq_dist.mean(1), (sq_dist * weight).sum(1) / count);  // [M]
  Tensor scale = mean_sq.sqrt();                                                  // [M]
  scale = at::where(scale > 0, scale, at::ones_like(scale));
  // P U with U = [[s I, c], [0, 1]], then rows scaled so that the third row's direction is a unit
  // vector and the focal length is 1.
  Tensor pu =
      at::cat({mat * scale.view({-1, 1, 1, 1}),
               (at::matmul(mat, centre.view({-1, 1, 3, 1})).squeeze(-1) + p4).unsqueeze(-1)},
              -1);  // [M, V, 3, 4]
  const Tensor n3 = at::linalg_vector_norm(pu.select(-2, 2).narrow(-1, 0, 3), 2, {-1});  // [M, V]
  pu = pu / n3.view({pu.size(0), views, 1, 1});
  const Tensor h3 = pu.select(-2, 2).narrow(-1, 0, 3);
  const Tensor h1 = pu.select(-2, 0).narrow(-1, 0, 3), h2 = pu.select(-2, 1).narrow(-1, 0, 3);
  const Tensor f1 = at::linalg_vector_norm(h1 - dot3(h1, h3).unsqueeze(-1) * h3, 2, {-1});
  const Tensor f2 = at::linalg_vector_norm(h2 - dot3(h2, h3).unsqueeze(-1) * h3, 2, {-1});
  const Tensor focal = (f1 * f2).sqrt();
  // Views without a centre: P U with the frame held constant (their rows carry no information
  // about it), not rescaled.
  const Tensor raw_mat = proj.narrow(-1, 0, 3);
  const Tensor moved = at::cat(
      {raw_mat * scale.detach().view({-1, 1, 1, 1}),
       (at::matmul(raw_mat, centre.detach().view({-1, 1, 3, 1})).squeeze(-1) + proj.select(-1, 3))
           .unsqueeze(-1)},
      -1);  // [M, V, 3, 4]
  RigNormalization out;
  out.proj_normalized = at::where(
      usable.unsqueeze(-1).unsqueeze(-1), pu / focal.view({pu.size(0), views, 1, 1}), moved);
  out.centre = centre;
  out.scale = scale;
  return out;
}

namespace detail {

namespace {

// Weighted DLT design matrix A [N, 2V, 4] of the canonical layout.
Tensor dlt_rows(const Tensor& x, const Tensor& proj, const Tensor& weights) {
  const int64_t n = x.size(0), m = proj.size(0), views = x.size(1);
  const Tensor p = proj.unsqueeze(1).expand({m, n / m, views, 3, 4}).reshape({n, views, 3, 4});
  const Tensor p3 = p.select(2, 2);                                      // [N, V, 4]
  const Tensor rx = x.select(2, 0).unsqueeze(-1) * p3 - p.select(2, 0);  // [N, V, 4]
  const Tensor ry = x.select(2, 1).unsqueeze(-1) * p3 - p.select(2, 1);  // [N, V, 4]
  Tensor rows = at::stack({rx, ry}, 2);                                  // [N, V, 2, 4]
  if (weights.defined()) rows = rows * weights.unsqueeze(-1).unsqueeze(-1);
  return rows.reshape({n, 2 * views, 4});
}

// Validity shared by the reference methods: >= 2 views with w != 0 and finite inputs in those
// views.
Tensor reference_valid(const Tensor& x, const Tensor& proj, const Tensor& weights) {
  const int64_t n = x.size(0), m = proj.size(0), views = x.size(1);
  const Tensor used =
      weights.defined() ? weights != 0 : at::ones({n, views}, x.options().dtype(at::kBool));
  const Tensor p_finite = at::isfinite(proj).flatten(2).all(-1);  // [M, V]
  const Tensor p_pts = p_finite.unsqueeze(1).expand({m, n / m, views}).reshape({n, views});
  Tensor finite = at::isfinite(x).all(-1) & p_pts;
  if (weights.defined()) finite = finite & at::isfinite(weights) & (weights >= 0);
  const Tensor ok_views = (finite | ~used).all(-1);
  return ok_views & (used.sum(-1) >= 2);
}

// Replaces the rows of invalid points by a harmless system so that the solvers never see NaN/Inf.
Tensor sanitize_rows(const Tensor& rows, const Tensor& valid) {
  const Tensor safe =
      at::eye(4, rows.options()).repeat({rows.size(1) / 4 + 1, 1}).narrow(0, 0, rows.size(1));
  return at::where(valid.view({-1, 1, 1}), rows, safe.unsqueeze(0).expand_as(rows));
}

Tensor dehomogenize(const Tensor& v) {
  return v.narrow(-1, 0, 3) / v.narrow(-1, 3, 1);
}

Tensor solve_svd(const Tensor& rows) {
  const auto svd = at::linalg_svd(rows, /*full_matrices=*/false);
  return std::get<2>(svd).select(-2, 3);  // [N, 4]: right singular vector of the smallest value
}

Tensor solve_sii(const Tensor& rows,
                 int iterations,
                 double shift,
                 const TriangulateOptions& options) {
  const int64_t n = rows.size(0);
  Tensor ata = at::matmul(rows.transpose(1, 2), rows);  // [N, 4, 4]
  Tensor b;
  Tensor v;
  if (options.sii_official) {
    // DiffDLT: float32 A^T A + 1e-3 I, start uniform in [0, 1)^4 from the caller's generator.
    ata = ata.to(at::kFloat);
    b = ata + shift * at::eye(4, ata.options());
    // Drawn on the CPU and moved, as DiffDLT does (torch.rand(...).to(device)).
    v = at::rand({n, 4, 1}, options.generator, ata.options().device(at::kCPU)).to(ata.device());
  } else {
    // Scale-aware shift and a deterministic start e4 (the rig centre in normalised coordinates).
    const Tensor trace = at::diagonal(ata, 0, 1, 2).sum(-1).clamp_min(1e-300).view({n, 1, 1});
    b = ata / trace + shift * at::eye(4, ata.options());
    v = at::zeros({n, 4, 1}, ata.options());
    v.select(1, 3).fill_(1.0);
  }
  v = v / at::linalg_vector_norm(v, 2, {1}, /*keepdim=*/true);
  for (int t = 0; t < iterations; ++t) {
    v = std::get<0>(at::linalg_solve_ex(b, v));  // no error check: singular systems give inf/NaN
    v = v / at::linalg_vector_norm(v, 2, {1}, /*keepdim=*/true);
  }
  return v.squeeze(-1);
}

}  // namespace

ReferenceSolution triangulate_reference(const Tensor& x,
                                        const Tensor& proj,
                                        const Tensor& weights,
                                        const TriangulateOptions& options) {
  const Tensor valid = reference_valid(x, proj, weights);
  const Tensor safe_x = at::where(valid.view({-1, 1, 1}), x, at::zeros({}, x.options()));
  const Tensor safe_w = weights.defined()
                            ? at::where(valid.view({-1, 1}), weights, at::ones({}, x.options()))
                            : Tensor();
  const Tensor rows = sanitize_rows(dlt_rows(safe_x, proj, safe_w), valid);
  Tensor v;
  if (options.method == TriangulationMethod::kSvd) {
    v = solve_svd(rows);
  } else {
    const int iterations = options.iterations > 0 ? options.iterations : 2;
    const double shift = options.shift > 0 ? options.shift : 1e-3;
    v = solve_sii(rows, iterations, shift, options).to(x.scalar_type());
  }
  ReferenceSolution solution;
  solution.points = dehomogenize(v);
  solution.valid = valid & at::isfinite(solution.points).all(-1);
  solution.points = at::where(
      solution.valid.unsqueeze(-1), solution.points, at::zeros({}, solution.points.options()));
  return solution;
}

}  // namespace detail

}  // namespace mvpose3d::ops
