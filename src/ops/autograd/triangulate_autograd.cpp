// The autograd Function of the fused triangulation (as torchvision keeps its ops' Functions in
// ops/autograd/): saves what the analytic backward needs and calls it through the device dispatch.
#include "ops/autograd/triangulate_autograd.h"

#include <torch/autograd.h>

namespace mvpose3d::ops::detail {

namespace {

using at::Tensor;

// The solver settings are kept in ctx->saved_data (which takes plain scalars) for the backward.
void save_settings(torch::autograd::AutogradContext* ctx, const SolveSettings& settings) {
  ctx->saved_data["max_iterations"] = static_cast<int64_t>(settings.max_iterations);
  ctx->saved_data["shift"] = settings.shift;
  ctx->saved_data["tolerance"] = settings.tolerance;
  ctx->saved_data["max_distance"] = settings.max_distance;
  ctx->saved_data["degenerate_det"] = settings.degenerate_det;
  ctx->saved_data["angle_tolerance"] = settings.angle_tolerance;
  ctx->saved_data["normalize_in_kernel"] = settings.normalize_in_kernel;
}

SolveSettings load_settings(torch::autograd::AutogradContext* ctx) {
  SolveSettings settings;
  settings.max_iterations = static_cast<int>(ctx->saved_data["max_iterations"].toInt());
  settings.shift = ctx->saved_data["shift"].toDouble();
  settings.tolerance = ctx->saved_data["tolerance"].toDouble();
  settings.max_distance = ctx->saved_data["max_distance"].toDouble();
  settings.degenerate_det = ctx->saved_data["degenerate_det"].toDouble();
  settings.angle_tolerance = ctx->saved_data["angle_tolerance"].toDouble();
  settings.normalize_in_kernel = ctx->saved_data["normalize_in_kernel"].toBool();
  return settings;
}

class FusedTriangulate : public torch::autograd::Function<FusedTriangulate> {
 public:
  // Autograd Functions cannot take undefined tensors: "no weights" travels as an empty tensor.
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const Tensor& x,
                                                const Tensor& proj,
                                                const Tensor& weights_or_empty,
                                                const SolveSettings& settings,
                                                at::ScalarType accumulate) {
    ForwardParams params;
    params.x = x;
    params.proj = proj;
    params.weights = weights_or_empty.numel() > 0 ? weights_or_empty : Tensor();
    params.settings = settings;
    params.accumulate = accumulate;
    params.keep_eigenvectors = true;
    const FusedForward out = triangulate_forward(params);
    ctx->save_for_backward({x, proj, weights_or_empty, out.eigenvector, out.status});
    save_settings(ctx, settings);
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
    BackwardParams params;
    params.x = saved[0];
    params.proj = saved[1];
    params.weights = saved[2].numel() > 0 ? saved[2] : Tensor();
    params.eigenvector = saved[3];
    params.status = saved[4];
    TORCH_CHECK(params.eigenvector.size(0) == params.x.size(0),
                "mvpose3d::ops::triangulate: backward called but the forward pass ran without "
                "gradient tracking");
    params.settings = load_settings(ctx);
    params.grad_points = grad_outputs[0].defined()
                             ? grad_outputs[0]
                             : at::zeros({params.x.size(0), 3}, params.x.options());
    params.need_x = ctx->needs_input_grad(0);
    params.need_proj = ctx->needs_input_grad(1);
    params.need_weights = params.weights.defined() && ctx->needs_input_grad(2);
    FusedGrads grads = triangulate_backward(params);
    if (!params.weights.defined()) grads.weights = Tensor();
    // One gradient per input of forward(): the settings and the accumulation type have none.
    return {grads.x, grads.proj, grads.weights, Tensor(), Tensor()};
  }
};

}  // namespace

FusedForward triangulate_forward_differentiable(const ForwardParams& params) {
  const Tensor weights_or_empty =
      params.weights.defined() ? params.weights : at::empty({0}, params.x.options());
  const torch::autograd::variable_list out = FusedTriangulate::apply(
      params.x, params.proj, weights_or_empty, params.settings, params.accumulate);
  FusedForward result;
  result.points = out[0];
  result.status = out[1];
  result.valid = out[2];
  return result;
}

}  // namespace mvpose3d::ops::detail
