// triangulate(): argument checks, broadcasting, rig normalisation, device dispatch and the autograd
// Function of the fused kernel, plus the svd and sii reference methods written with ATen ops.
#include "mvpose3d/ops/triangulate.h"

#include "mvpose3d/config.h"
#include "mvpose3d/core/error.h"

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include "ops/triangulate_kernels.h"

namespace mvpose3d::ops {

using at::Tensor;

TriangulationMethod triangulation_method_from_string(const std::string& name) {
  if (name == "fused") return TriangulationMethod::kFused;
  if (name == "svd") return TriangulationMethod::kSvd;
  if (name == "sii") return TriangulationMethod::kSii;
  throw Error(fmt::format("unknown triangulation method '{}' (known: fused, svd, sii)", name));
}

std::string to_string(TriangulationMethod method) {
  switch (method) {
    case TriangulationMethod::kFused:
      return "fused";
    case TriangulationMethod::kSvd:
      return "svd";
    case TriangulationMethod::kSii:
      return "sii";
  }
  return "?";
}

namespace {

std::string shape_str(at::IntArrayRef sizes) {
  return fmt::format("[{}]", fmt::join(sizes, ", "));
}

// ---------------------------------------------------------------------------------------------
// Argument checks and the canonical layout x [N, V, 2], proj [M, V, 3, 4], w [N, V], N = M * K.
struct Canonical {
  Tensor x, proj, weights;
  std::vector<int64_t> leading;  // leading shape of points2d
  int64_t groups = 0;            // M
};

Canonical canonicalize(const Tensor& points2d, const Tensor& proj, const Tensor& weights) {
  MVPOSE3D_CHECK(points2d.defined(), "triangulate: points2d is undefined");
  MVPOSE3D_CHECK(proj.defined(), "triangulate: proj_from_world is undefined");
  MVPOSE3D_CHECK(points2d.dim() >= 2 && points2d.size(-1) == 2,
                 "triangulate: points2d must have shape [..., V, 2], got {}",
                 shape_str(points2d.sizes()));
  const int64_t views = points2d.size(-2);
  MVPOSE3D_CHECK(
      proj.dim() >= 3 && proj.size(-1) == 4 && proj.size(-2) == 3 && proj.size(-3) == views,
      "triangulate: proj_from_world must have shape [..., V, 3, 4] with V = {} (from points2d {}), "
      "got {}",
      views,
      shape_str(points2d.sizes()),
      shape_str(proj.sizes()));
  MVPOSE3D_CHECK(
      at::isFloatingType(points2d.scalar_type()) &&
          (points2d.scalar_type() == at::kFloat || points2d.scalar_type() == at::kDouble),
      "triangulate: points2d must be float32 or float64, got {}",
      c10::toString(points2d.scalar_type()));
  MVPOSE3D_CHECK(proj.scalar_type() == points2d.scalar_type(),
                 "triangulate: proj_from_world has dtype {} but points2d has {}; they must match",
                 c10::toString(proj.scalar_type()),
                 c10::toString(points2d.scalar_type()));
  MVPOSE3D_CHECK(proj.device() == points2d.device(),
                 "triangulate: proj_from_world is on {} but points2d on {}",
                 proj.device().str(),
                 points2d.device().str());
  std::vector<int64_t> leading(points2d.sizes().begin(), points2d.sizes().end() - 2);
  if (weights.defined()) {
    std::vector<int64_t> expected = leading;
    expected.push_back(views);
    MVPOSE3D_CHECK(weights.sizes().vec() == expected,
                   "triangulate: weights must have shape {} ([..., V] of points2d), got {}",
                   shape_str(expected),
                   shape_str(weights.sizes()));
    MVPOSE3D_CHECK(weights.scalar_type() == points2d.scalar_type(),
                   "triangulate: weights has dtype {} but points2d has {}; they must match",
                   c10::toString(weights.scalar_type()),
                   c10::toString(points2d.scalar_type()));
    MVPOSE3D_CHECK(weights.device() == points2d.device(),
                   "triangulate: weights is on {} but points2d on {}",
                   weights.device().str(),
                   points2d.device().str());
  }
  std::vector<int64_t> proj_leading(proj.sizes().begin(), proj.sizes().end() - 3);
  MVPOSE3D_CHECK(proj_leading.size() <= leading.size(),
                 "triangulate: proj_from_world {} has more leading dimensions than points2d {}",
                 shape_str(proj.sizes()),
                 shape_str(points2d.sizes()));
  proj_leading.insert(proj_leading.begin(), leading.size() - proj_leading.size(), 1);
  for (size_t i = 0; i < leading.size(); ++i) {
    MVPOSE3D_CHECK(
        proj_leading[i] == leading[i] || proj_leading[i] == 1,
        "triangulate: proj_from_world {} does not broadcast against points2d {} (dimension {})",
        shape_str(proj.sizes()),
        shape_str(points2d.sizes()),
        i);
  }
  // Shared matrices form a prefix of the leading dimensions when proj has ones only at the end.
  size_t prefix = 0;
  for (size_t i = 0; i < leading.size(); ++i) {
    if (proj_leading[i] != 1) prefix = i + 1;
  }
  bool grouped = true;
  for (size_t i = 0; i < prefix; ++i) grouped = grouped && proj_leading[i] == leading[i];

  Canonical c;
  c.leading = leading;
  const int64_t n = points2d.numel() / (2 * std::max<int64_t>(views, 1));
  c.x = points2d.reshape({n, views, 2}).contiguous();
  c.weights = weights.defined() ? weights.reshape({n, views}).contiguous() : Tensor();
  std::vector<int64_t> expanded = proj_leading;
  for (int64_t s : {views, int64_t{3}, int64_t{4}}) expanded.push_back(s);
  Tensor p = proj.reshape(expanded);
  if (grouped) {
    int64_t m = 1;
    for (size_t i = 0; i < prefix; ++i) m *= leading[i];
    c.proj = p.reshape({m, views, 3, 4}).contiguous();
  } else {
    std::vector<int64_t> full = leading;
    for (int64_t s : {views, int64_t{3}, int64_t{4}}) full.push_back(s);
    c.proj = p.expand(full).reshape({n, views, 3, 4}).contiguous();
  }
  c.groups = c.proj.size(0);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Small closed-form 3-vector helpers on [..., 3] tensors (elementwise, fast for tiny batches).
Tensor cross3(const Tensor& a, const Tensor& b) {
  return at::linalg_cross(a, b, -1);
}
Tensor dot3(const Tensor& a, const Tensor& b) {
  return (a * b).sum(-1);
}

// ---------------------------------------------------------------------------------------------
// The fused method's forward kernel on the inputs' device.
detail::FusedForward fused_forward(const Tensor& x,
                                   const Tensor& proj,
                                   const Tensor& weights,
                                   const detail::SolveSettings& settings,
                                   at::ScalarType accumulate,
                                   bool keep_eigenvectors) {
  if (x.is_cuda()) {
#if MVPOSE3D_CUDA_ENABLED
    return detail::triangulate_forward_cuda(
        x, proj, weights, settings, accumulate, keep_eigenvectors);
#else
    throw Error(
        "triangulate: inputs are on CUDA but mvpose3d was built without CUDA "
        "(MVPOSE3D_WITH_CUDA=OFF)");
#endif
  }
  return detail::triangulate_forward_cpu(x, proj, weights, settings, accumulate, keep_eigenvectors);
}

// The fused method's autograd Function.
class FusedTriangulate : public torch::autograd::Function<FusedTriangulate> {
 public:
  // The solver settings travel as plain scalars (what autograd Functions accept) and are kept in
  // ctx->saved_data for the backward pass.
  static detail::SolveSettings settings_from(int64_t max_iterations,
                                             double shift,
                                             double tolerance,
                                             double max_distance,
                                             bool accumulate_double,
                                             bool normalize_in_kernel) {
    detail::SolveSettings settings;
    settings.max_iterations = static_cast<int>(max_iterations);
    settings.shift = shift;
    settings.tolerance = tolerance;
    settings.max_distance = max_distance;
    settings.degenerate_det = accumulate_double ? 1e-15 : 1e-9;
    // The fast path certifies what its precision can resolve (1e-10 rad is below float32's
    // resolution, so in float32 every point would take the slow path).
    settings.angle_tolerance = accumulate_double ? 1e-10 : 1e-5;
    settings.normalize_in_kernel = normalize_in_kernel;
    return settings;
  }

  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const Tensor& x,
                                                const Tensor& proj,
                                                const Tensor& weights_or_empty,
                                                int64_t max_iterations,
                                                double shift,
                                                double tolerance,
                                                double max_distance,
                                                bool accumulate_double,
                                                bool normalize_in_kernel,
                                                bool keep_eigenvectors) {
    const detail::SolveSettings settings = settings_from(
        max_iterations, shift, tolerance, max_distance, accumulate_double, normalize_in_kernel);
    const at::ScalarType acc = accumulate_double ? at::kDouble : at::kFloat;
    // Autograd Functions cannot take undefined tensors: "no weights" travels as an empty tensor.
    const Tensor weights = weights_or_empty.numel() > 0 ? weights_or_empty : Tensor();
    const detail::FusedForward out =
        fused_forward(x, proj, weights, settings, acc, keep_eigenvectors);
    ctx->save_for_backward({x, proj, weights_or_empty, out.eigenvector, out.status});
    ctx->saved_data["max_iterations"] = max_iterations;
    ctx->saved_data["shift"] = shift;
    ctx->saved_data["tolerance"] = tolerance;
    ctx->saved_data["max_distance"] = max_distance;
    ctx->saved_data["accumulate_double"] = accumulate_double;
    ctx->saved_data["normalize_in_kernel"] = normalize_in_kernel;
    ctx->mark_non_differentiable({out.status, out.valid});
    return {out.points, out.status, out.valid};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    TORCH_CHECK(
        !at::GradMode::is_enabled(),
        "mvpose3d::ops::triangulate: double backward is not supported (its backward is analytic "
        "and not itself differentiable)");
    const auto saved = ctx->get_saved_variables();
    const Tensor& x = saved[0];
    const Tensor& proj = saved[1];
    const Tensor weights = saved[2].numel() > 0 ? saved[2] : Tensor();
    TORCH_CHECK(saved[3].size(0) == x.size(0),
                "mvpose3d::ops::triangulate: backward called but the forward pass ran without "
                "gradient tracking");
    const detail::SolveSettings settings =
        settings_from(ctx->saved_data["max_iterations"].toInt(),
                      ctx->saved_data["shift"].toDouble(),
                      ctx->saved_data["tolerance"].toDouble(),
                      ctx->saved_data["max_distance"].toDouble(),
                      ctx->saved_data["accumulate_double"].toBool(),
                      ctx->saved_data["normalize_in_kernel"].toBool());
    Tensor grad_points = grad_outputs[0];
    if (!grad_points.defined()) grad_points = at::zeros({x.size(0), 3}, x.options());
    const bool need_x = ctx->needs_input_grad(0);
    const bool need_proj = ctx->needs_input_grad(1);
    const bool need_w = weights.defined() && ctx->needs_input_grad(2);
    detail::FusedGrads grads;
    if (x.is_cuda()) {
#if MVPOSE3D_CUDA_ENABLED
      grads = detail::triangulate_backward_cuda(
          grad_points, x, proj, weights, saved[3], saved[4], settings, need_x, need_proj, need_w);
#endif
    } else {
      grads = detail::triangulate_backward_cpu(
          grad_points, x, proj, weights, saved[3], saved[4], settings, need_x, need_proj, need_w);
    }
    if (!weights.defined()) grads.weights = Tensor();
    return {grads.x,
            grads.proj,
            grads.weights,
            Tensor(),
            Tensor(),
            Tensor(),
            Tensor(),
            Tensor(),
            Tensor(),
            Tensor()};
  }
};

// ---------------------------------------------------------------------------------------------
// Reference methods with ATen ops (autograd through the library's own backward).

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

Triangulation finish(const Tensor& points_normalized,  // [N, 3]
                     const Tensor& valid,              // [N]
                     const Tensor& status,             // [N] or undefined
                     const RigNormalization* norm,
                     int64_t groups,
                     const std::vector<int64_t>& leading) {
  const int64_t n = points_normalized.size(0);
  Tensor points = points_normalized;
  if (norm) {
    points = (points.view({groups, n / groups, 3}) * norm->scale.view({groups, 1, 1}) +
              norm->centre.unsqueeze(1))
                 .view({n, 3});
  }
  points = at::where(valid.unsqueeze(-1), points, at::zeros({}, points.options()));
  std::vector<int64_t> shape = leading;
  shape.push_back(3);
  Triangulation result;
  result.points3d = points.reshape(shape);
  result.valid = valid.reshape(leading);
  result.status = status.defined() ? status.reshape(leading) : Tensor();
  return result;
}

const char* status_reason(int code) {
  switch (code) {
    case detail::kNonFinite:
      return "NaN/Inf input or negative weight in a used view";
    case detail::kTooFewViews:
      return "fewer than two views with weight > 0";
    case detail::kDegenerate:
      return "degenerate geometry (parallel or coincident rays)";
    case detail::kAtInfinity:
      return "point at infinity";
    default:
      return "invalid";
  }
}

}  // namespace

RigNormalization normalize_rig(const Tensor& proj) {
  // proj [M, V, 3, 4]. Camera centres from the cofactor form of -M^-1 p4, optical axes from the
  // third row of M oriented by det(M): both elementwise, so tiny batches stay cheap.
  const Tensor mat = proj.narrow(-1, 0, 3);  // [M, V, 3, 3]
  const Tensor p4 = proj.select(-1, 3);      // [M, V, 3]
  const Tensor a = mat.select(-2, 0), b = mat.select(-2, 1), c = mat.select(-2, 2);
  const Tensor bc = cross3(b, c), ca = cross3(c, a), ab = cross3(a, b);
  const Tensor det = dot3(a, bc);  // [M, V]
  const Tensor centres =
      -(p4.select(-1, 0).unsqueeze(-1) * bc + p4.select(-1, 1).unsqueeze(-1) * ca +
        p4.select(-1, 2).unsqueeze(-1) * ab) /
      det.unsqueeze(-1);  // [M, V, 3]
  const Tensor axes =
      c * (at::sign(det) / at::linalg_vector_norm(c, 2, {-1})).unsqueeze(-1);  // [M, V, 3]
  // Point nearest to all optical axes, pulled weakly towards the mean centre so that parallel axes
  // (a stereo pair) still give a well-posed 3x3 system.
  const int64_t views = proj.size(1);
  const Tensor eye = at::eye(3, proj.options());
  const Tensor proj_perp = eye - axes.unsqueeze(-1) * axes.unsqueeze(-2);  // [M, V, 3, 3]
  const double reg = 1e-3 * static_cast<double>(views);
  const Tensor lhs = proj_perp.sum(1) + reg * eye;  // [M, 3, 3]
  const Tensor rhs =
      at::matmul(proj_perp, centres.unsqueeze(-1)).squeeze(-1).sum(1) + reg * centres.mean(1);
  // 3x3 solve by Cramer's rule (lhs is SPD).
  const Tensor r0 = lhs.select(-2, 0), r1 = lhs.select(-2, 1), r2 = lhs.select(-2, 2);
  const Tensor c12 = cross3(r1, r2), c20 = cross3(r2, r0), c01 = cross3(r0, r1);
  const Tensor det_l = dot3(r0, c12).unsqueeze(-1);
  const Tensor centre =
      (rhs.select(-1, 0).unsqueeze(-1) * c12 + rhs.select(-1, 1).unsqueeze(-1) * c20 +
       rhs.select(-1, 2).unsqueeze(-1) * c01) /
      det_l;                                                                     // [M, 3]
  Tensor scale = (centres - centre.unsqueeze(1)).pow(2).sum(-1).mean(1).sqrt();  // [M]
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
  RigNormalization out;
  out.proj_normalized = pu / focal.view({pu.size(0), views, 1, 1});
  out.centre = centre;
  out.scale = scale;
  return out;
}

Triangulation triangulate(const Tensor& points2d,
                          const Tensor& proj_from_world,
                          const Tensor& weights,
                          const TriangulateOptions& options) {
  Canonical c = canonicalize(points2d, proj_from_world, weights);
  const int64_t n = c.x.size(0);
  const bool official = options.method == TriangulationMethod::kSii && options.sii_official;
  MVPOSE3D_CHECK(
      !(official && weights.defined()),
      "triangulate: sii_official reproduces DiffDLT, which takes no weights; drop the weights or "
      "sii_official");
  if (n == 0) {
    std::vector<int64_t> shape = c.leading;
    shape.push_back(3);
    return {at::zeros(shape, points2d.options()),
            at::zeros(c.leading, points2d.options().dtype(at::kBool)),
            at::zeros(c.leading, points2d.options().dtype(at::kByte))};
  }

  // The fused kernels normalise constant matrices themselves (one pass, no extra ops); matrices
  // that need a gradient are normalised with differentiable ATen ops here.
  const bool fused = options.method == TriangulationMethod::kFused;
  const bool proj_needs_grad = at::GradMode::is_enabled() && c.proj.requires_grad();
  const bool normalize_in_kernel = fused && options.normalize && !proj_needs_grad;
  std::optional<RigNormalization> norm;
  Tensor proj = c.proj;
  if (options.normalize && !official && !normalize_in_kernel) {
    // Groups with a non-finite matrix are normalised as a harmless stand-in rig, then given their
    // original (non-finite) matrices back, so the kernel flags their points and no NaN reaches the
    // gradients of the normalisation.
    const Tensor finite =
        at::isfinite(c.proj).flatten(1).all(1).view({-1, 1, 1, 1});  // [M, 1, 1, 1]
    const Tensor stand_in = at::eye(3, 4, c.proj.options()).expand_as(c.proj).clone();
    stand_in.select(-1, 3).select(-1, 2).fill_(1.0);
    stand_in.select(-1, 3).select(-1, 0).copy_(
        at::arange(c.proj.size(1), c.proj.options()).view({1, -1}));
    const Tensor safe_proj = at::where(finite, c.proj, stand_in);
    norm = normalize_rig(safe_proj);
    proj = at::where(finite, norm->proj_normalized, c.proj);
  }

  Triangulation result;
  if (options.method == TriangulationMethod::kFused) {
    MVPOSE3D_CHECK(options.accumulate == at::kDouble || options.accumulate == at::kFloat,
                   "triangulate: accumulate must be float64 or float32, got {}",
                   c10::toString(options.accumulate));
    const bool acc_double = options.accumulate == at::kDouble;
    const int64_t iterations = options.iterations > 0 ? options.iterations : 8;
    const double shift = options.shift > 0 ? options.shift : (acc_double ? 1e-12 : 1e-6);
    const double tolerance =
        options.tolerance > 0 ? options.tolerance : (acc_double ? 1e-13 : 1e-6);
    const Tensor weights_or_empty = c.weights.defined() ? c.weights : at::empty({0}, c.x.options());
    // The eigenvectors are kept for the backward pass only when one can follow.
    const bool keep = at::GradMode::is_enabled() && (c.x.requires_grad() || proj.requires_grad() ||
                                                     weights_or_empty.requires_grad());

    torch::autograd::variable_list out;
    if (keep) {
      out = FusedTriangulate::apply(c.x,
                                    proj,
                                    weights_or_empty,
                                    iterations,
                                    shift,
                                    tolerance,
                                    options.max_distance,
                                    acc_double,
                                    normalize_in_kernel,
                                    keep);
    } else {
      // Nothing to differentiate: the kernel alone, without an autograd node.
      const detail::FusedForward f = fused_forward(
          c.x,
          proj,
          c.weights,
          FusedTriangulate::settings_from(
              iterations, shift, tolerance, options.max_distance, acc_double, normalize_in_kernel),
          options.accumulate,
          false);
      out = {f.points, f.status, f.valid};
    }
    if (norm) {
      result = finish(out[0], out[2], out[1], &*norm, c.groups, c.leading);
    } else {
      // Already in world units with zeros where invalid.
      std::vector<int64_t> shape = c.leading;
      shape.push_back(3);
      result.points3d = out[0].view(shape);
      result.valid = out[2].view(c.leading);
      result.status = out[1].view(c.leading);
    }
  } else {
    const Tensor valid = reference_valid(c.x, proj, c.weights);
    const Tensor safe_x = at::where(valid.view({-1, 1, 1}), c.x, at::zeros({}, c.x.options()));
    const Tensor safe_w =
        c.weights.defined() ? at::where(valid.view({-1, 1}), c.weights, at::ones({}, c.x.options()))
                            : Tensor();
    const Tensor rows = sanitize_rows(dlt_rows(safe_x, proj, safe_w), valid);
    Tensor v;
    if (options.method == TriangulationMethod::kSvd) {
      v = solve_svd(rows);
    } else {
      const int iterations = options.iterations > 0 ? options.iterations : 2;
      const double shift = options.shift > 0 ? options.shift : 1e-3;
      v = solve_sii(rows, iterations, shift, options).to(points2d.scalar_type());
    }
    Tensor points = dehomogenize(v);
    const Tensor ok = valid & at::isfinite(points).all(-1);
    points = at::where(ok.unsqueeze(-1), points, at::zeros({}, points.options()));
    result = finish(points, ok, Tensor(), norm ? &*norm : nullptr, c.groups, c.leading);
  }

  if (options.strict) {
    const Tensor invalid = (~result.valid).flatten().nonzero();
    if (invalid.numel() > 0) {
      const int64_t first = invalid[0][0].item<int64_t>();
      const int code = result.status.defined() ? result.status.flatten()[first].item<int>() : -1;
      throw Error(fmt::format(
          "triangulate (strict): {} of {} points are invalid; the first is point {}: {}",
          invalid.size(0),
          n,
          first,
          code >= 0 ? status_reason(code) : "invalid"));
    }
  }
  return result;
}

}  // namespace mvpose3d::ops
