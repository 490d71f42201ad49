// triangulate(): argument checks, broadcasting, the choice of method and its settings, and the
// device dispatch of the fused kernels. The fused method's autograd Function is in
// ops/autograd/triangulate_autograd.cpp, the svd and sii methods and normalize_rig() in
// ops/triangulate_reference.cpp, the kernels in ops/cpu/ and ops/cuda/.
#include "mvpose3d/ops/triangulate.h"

#include "mvpose3d/config.h"
#include "mvpose3d/core/error.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "ops/autograd/triangulate_autograd.h"
#include "ops/fused_settings.h"
#include "ops/triangulate_kernels.h"
#include "ops/triangulate_reference.h"

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

namespace detail {

namespace {

// Forward and backward refuse CUDA inputs alike in a build without CUDA.
[[maybe_unused]] constexpr const char* kBuiltWithoutCuda =
    "triangulate: inputs are on CUDA but mvpose3d was built without CUDA "
    "(MVPOSE3D_WITH_CUDA=OFF)";

}  // namespace

FusedForward triangulate_forward(const ForwardParams& params) {
  if (params.x.is_cuda()) {
#if MVPOSE3D_CUDA_ENABLED
    return triangulate_forward_cuda(params);
#else
    throw Error(kBuiltWithoutCuda);
#endif
  }
  return triangulate_forward_cpu(params);
}

FusedGrads triangulate_backward(const BackwardParams& params) {
  if (params.x.is_cuda()) {
#if MVPOSE3D_CUDA_ENABLED
    return triangulate_backward_cuda(params);
#else
    throw Error(kBuiltWithoutCuda);
#endif
  }
  return triangulate_backward_cpu(params);
}

}  // namespace detail

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

}  // namespace

// The fused kernels' settings for `options` (defaults chosen by the accumulation precision).
detail::SolveSettings detail::fused_settings(const TriangulateOptions& options,
                                             bool normalize_in_kernel) {
  const bool acc_double = options.accumulate == at::kDouble;
  detail::SolveSettings settings;
  settings.max_iterations = options.iterations > 0 ? options.iterations : 8;
  settings.shift = options.shift > 0 ? options.shift : (acc_double ? 1e-12 : 1e-6);
  settings.tolerance = options.tolerance > 0 ? options.tolerance : (acc_double ? 1e-13 : 1e-6);
  settings.max_distance = options.max_distance;
  settings.degenerate_det = acc_double ? 1e-15 : 1e-9;
  // The fast path certifies what its precision can resolve (1e-10 rad is below float32's
  // resolution, so in float32 every point would take the slow path).
  settings.angle_tolerance = acc_double ? 1e-10 : 1e-5;
  settings.normalize_in_kernel = normalize_in_kernel;
  return settings;
}

namespace {

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
    detail::ForwardParams params;
    params.x = c.x;
    params.proj = proj;
    params.weights = c.weights;
    params.settings = detail::fused_settings(options, normalize_in_kernel);
    params.accumulate = options.accumulate;
    // An autograd node (and the eigenvectors its backward needs) only when a gradient can follow.
    const bool differentiable =
        at::GradMode::is_enabled() && (c.x.requires_grad() || proj.requires_grad() ||
                                       (c.weights.defined() && c.weights.requires_grad()));
    const detail::FusedForward out = differentiable
                                         ? detail::triangulate_forward_differentiable(params)
                                         : detail::triangulate_forward(params);
    if (norm) {
      result = finish(out.points, out.valid, out.status, &*norm, c.groups, c.leading);
    } else {
      // Already in world units with zeros where invalid.
      std::vector<int64_t> shape = c.leading;
      shape.push_back(3);
      result.points3d = out.points.view(shape);
      result.valid = out.valid.view(c.leading);
      result.status = out.status.view(c.leading);
    }
  } else {
    const detail::ReferenceSolution solution =
        detail::triangulate_reference(c.x, proj, c.weights, options);
    result = finish(
        solution.points, solution.valid, Tensor(), norm ? &*norm : nullptr, c.groups, c.leading);
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
