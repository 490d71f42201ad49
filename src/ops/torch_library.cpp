// Registers the triangulation op with PyTorch's dispatcher as torch.ops.mvpose3d (the Python
// package python/mvpose3d loads the shared library built from this file and the ops sources).
//
// It lives in src/ops/ rather than beside the Python code because the shared library is built from
// the same sources, with the same per-file flags (the CPU kernel's -march, the unity group), as
// mvpose3d_ops, and CMake applies source-file properties only to targets of the directory that
// sets them.
//
// Dispatch: the Autograd kernel calls the differentiable mvpose3d::ops::triangulate (which wraps
// the analytic backward in a torch::autograd::Function) when a graph is recorded; otherwise, and
// in inference mode, the CPU and CUDA kernels call the same function below autograd; the Meta
// kernel computes shapes only, for fake tensors (torch.compile, torch.library.opcheck).
#include "mvpose3d/ops/triangulate.h"

#include <cstdio>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/grad_mode.h>
#include <torch/library.h>

namespace mvpose3d::ops {
namespace {

using at::Tensor;

// Converts mvpose3d::Error (a user mistake) into the c10::Error that Python shows as RuntimeError
// with the message, instead of an opaque "std::exception".
template <typename Fn>
auto rethrow_as_c10_error(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const c10::Error&) {
    throw;
  } catch (const std::exception& e) {
    TORCH_CHECK(false, e.what());
  }
}

// Shapes only: points3d [..., 3] in the dtype of points2d, valid [...] bool, where [...] are the
// leading dimensions of points2d (proj and weights broadcast into them).
std::tuple<Tensor, Tensor> triangulate_shapes(const Tensor& points2d, const Tensor& proj) {
  TORCH_CHECK(points2d.dim() >= 2 && points2d.size(-1) == 2,
              "triangulate: points2d must be [..., V, 2], got ",
              points2d.sizes());
  TORCH_CHECK(proj.dim() >= 3 && proj.size(-2) == 3 && proj.size(-1) == 4,
              "triangulate: proj must be [..., V, 3, 4], got ",
              proj.sizes());
  std::vector<int64_t> shape(points2d.sizes().begin(), points2d.sizes().end() - 2);
  Tensor valid = at::empty(shape, points2d.options().dtype(at::kBool));
  shape.push_back(3);
  return std::make_tuple(at::empty(shape, points2d.options()), valid);
}

// Where a kernel sits in the dispatch (see the top of the file).
enum class Route { kAutograd, kBelowAutograd, kMeta };

// The kernels of the schema below: one parameter list, the route chosen at compile time.
template <Route route>
std::tuple<Tensor, Tensor> triangulate_kernel(const Tensor& points2d,  // [..., V, 2]
                                              const Tensor& proj,      // [..., V, 3, 4]
                                              const c10::optional<Tensor>& weights,  // [..., V]
                                              c10::string_view method,
                                              bool normalize,
                                              int64_t iterations,
                                              double shift,
                                              c10::string_view accumulate,
                                              double tolerance,
                                              double max_distance,
                                              bool strict) {
  if constexpr (route == Route::kMeta) return triangulate_shapes(points2d, proj);
  const Tensor w = weights.has_value() ? *weights : Tensor();
  if constexpr (route == Route::kAutograd) {
    // When no graph is recorded, redispatch below autograd, where fake tensors reach the Meta
    // kernel and real ones the CPU/CUDA kernels. When one is, the differentiable triangulate()
    // (its own torch::autograd::Function) runs the kernels directly, so it needs real tensors:
    // fake tensors that require grad (torch.compile of a training step) are refused.
    const bool needs_graph =
        at::GradMode::is_enabled() &&
        (points2d.requires_grad() || proj.requires_grad() || (w.defined() && w.requires_grad()));
    if (!needs_graph) {
      static const auto op = c10::Dispatcher::singleton()
                                 .findSchemaOrThrow("mvpose3d::triangulate", "")
                                 .typed<decltype(triangulate_kernel<Route::kAutograd>)>();
      at::AutoDispatchBelowADInplaceOrView below_autograd;
      return op.call(points2d,
                     proj,
                     weights,
                     method,
                     normalize,
                     iterations,
                     shift,
                     accumulate,
                     tolerance,
                     max_distance,
                     strict);
    }
    const auto is_traced = [](const Tensor& t) {
      return t.defined() && t.key_set().has(c10::DispatchKey::Python);
    };
    TORCH_CHECK(
        !is_traced(points2d) && !is_traced(proj) && !is_traced(w),
        "mvpose3d::triangulate: tracing it (torch.compile, export, fake tensors) with inputs "
        "that require grad is not supported (its backward runs the kernels directly); "
        "mvpose3d.triangulate() runs it eagerly there (a graph break), or call it under "
        "torch.no_grad()");
  }
  // Below autograd (CPU, CUDA): no graph is recorded, so the inner ATen calls skip autograd too.
  std::optional<at::AutoDispatchBelowADInplaceOrView> below_autograd;
  if constexpr (route == Route::kBelowAutograd) below_autograd.emplace();
  return rethrow_as_c10_error([&] {
    TriangulateOptions options;
    options.method = triangulation_method_from_string(std::string(method));
    options.normalize = normalize;
    options.iterations = static_cast<int>(iterations);
    options.shift = shift;
    TORCH_CHECK(accumulate == "float64" || accumulate == "float32",
                "triangulate: accumulate must be 'float64' or 'float32', got '",
                std::string(accumulate),
                "'");
    options.accumulate = accumulate == "float64" ? at::kDouble : at::kFloat;
    options.tolerance = tolerance;
    options.max_distance = max_distance;
    options.strict = strict;
    Triangulation result = triangulate(points2d, proj, w, options);
    return std::make_tuple(result.points3d, result.valid);
  });
}

std::tuple<Tensor, Tensor, Tensor> normalize_rig_op(const Tensor& proj) {  // [M, V, 3, 4]
  return rethrow_as_c10_error([&] {
    RigNormalization n = normalize_rig(proj);
    return std::make_tuple(n.proj_normalized, n.centre, n.scale);
  });
}

// A float default as the schema parser reads it (always with a '.' or an exponent).
std::string float_literal(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.17g", value);
  std::string literal = text;
  if (literal.find_first_of(".en") == std::string::npos) literal += ".0";
  return literal;
}

const char* bool_literal(bool value) {
  return value ? "True" : "False";
}

// The schema of triangulate, its defaults taken from TriangulateOptions (one source: 0 and <= 0
// select the method's own defaults there). Not exposed: sii_official and its generator (a random
// start), which exist to reproduce the paper's code.
std::string triangulate_schema() {
  const TriangulateOptions d;
  return "triangulate(Tensor points2d, Tensor proj, Tensor? weights=None, *, str method='" +
         to_string(d.method) + "', bool normalize=" + bool_literal(d.normalize) +
         ", int iterations=" + std::to_string(d.iterations) +
         ", float shift=" + float_literal(d.shift) + ", str accumulate='" +
         (d.accumulate == at::kDouble ? "float64" : "float32") +
         "', float tolerance=" + float_literal(d.tolerance) +
         ", float max_distance=" + float_literal(d.max_distance) +
         ", bool strict=" + bool_literal(d.strict) + ") -> (Tensor, Tensor)";
}

}  // namespace

TORCH_LIBRARY(mvpose3d, m) {
  m.def(torch::schema(triangulate_schema().c_str()));
  m.def("normalize_rig(Tensor proj) -> (Tensor, Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(mvpose3d, Autograd, m) {
  m.impl("triangulate", &triangulate_kernel<Route::kAutograd>);
}

TORCH_LIBRARY_IMPL(mvpose3d, CPU, m) {
  m.impl("triangulate", &triangulate_kernel<Route::kBelowAutograd>);
}

TORCH_LIBRARY_IMPL(mvpose3d, CUDA, m) {
  m.impl("triangulate", &triangulate_kernel<Route::kBelowAutograd>);
}

TORCH_LIBRARY_IMPL(mvpose3d, Meta, m) {
  m.impl("triangulate", &triangulate_kernel<Route::kMeta>);
}

// Plain differentiable ATen ops: autograd, devices and fake tensors come from the ops it calls.
TORCH_LIBRARY_IMPL(mvpose3d, CompositeImplicitAutograd, m) {
  m.impl("normalize_rig", &normalize_rig_op);
}

}  // namespace mvpose3d::ops
