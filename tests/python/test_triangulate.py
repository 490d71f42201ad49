"""torch.ops.mvpose3d.triangulate from Python: values, gradients, degenerate inputs, dispatcher
registration (opcheck) and torch.compile. CUDA tests are skipped without a GPU."""
import subprocess
import sys

import pytest
import torch

import mvpose3d
from scenes import random_scene, svd_dlt

requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
requires_cuda_build = pytest.mark.skipif(not mvpose3d.CUDA_ENABLED, reason="built without CUDA")


def test_agrees_with_float64_svd_dlt_on_noisy_scenes():
    for seed in range(3):
        _, proj, points2d = random_scene(4, 17, 4, noise_px=2.0, seed=seed)
        weights = torch.rand(points2d.shape[:-1], dtype=torch.float64,
                             generator=torch.Generator().manual_seed(seed)) + 0.5
        # normalize=False: the op then minimises the same algebraic error as the plain DLT.
        for w in (None, weights):
            points3d, valid = mvpose3d.triangulate(points2d, proj, w, normalize=False)
            assert valid.all()
            torch.testing.assert_close(points3d, svd_dlt(points2d, proj, w), rtol=0, atol=1e-7)


def test_recovers_exact_points_and_keeps_float32():
    truth, proj, points2d = random_scene(2, 5, 3)
    # sii: the paper's two shifted inverse-iteration steps stop short of the exact solution.
    for method, atol in (("fused", 1e-9), ("svd", 1e-9), ("sii", 1e-4)):
        points3d, valid = mvpose3d.triangulate(points2d, proj, method=method)
        assert valid.all() and points3d.shape == (2, 5, 3) and valid.shape == (2, 5)
        torch.testing.assert_close(points3d, truth, rtol=0, atol=atol)
    points3d, valid = mvpose3d.triangulate(points2d.float(), proj.float())
    assert points3d.dtype == torch.float32 and valid.dtype == torch.bool
    torch.testing.assert_close(points3d, truth.float(), rtol=0, atol=1e-3)


def test_proj_broadcasts_per_batch_item():
    _, proj, points2d = random_scene(2, 3, 4)
    per_item = proj.expand(2, 1, 4, 3, 4)  # [B, 1, V, 3, 4]
    torch.testing.assert_close(mvpose3d.triangulate(points2d, per_item)[0],
                               mvpose3d.triangulate(points2d, proj)[0])


@pytest.mark.parametrize("with_weights", [False, True])
def test_gradcheck_float64(with_weights):
    _, proj, points2d = random_scene(1, 3, 3, noise_px=1.0)
    inputs = [points2d.clone().requires_grad_(), proj.clone().requires_grad_()]
    if with_weights:
        inputs.append((torch.rand(points2d.shape[:-1], dtype=torch.float64) + 0.5).requires_grad_())

    def points_only(*args):
        return mvpose3d.triangulate(*args)[0]

    assert torch.autograd.gradcheck(points_only, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_valid_is_not_differentiable():
    _, proj, points2d = random_scene(1, 2, 3)
    points3d, valid = mvpose3d.triangulate(points2d.requires_grad_(), proj)
    assert points3d.requires_grad and not valid.requires_grad


def test_degenerate_inputs_give_finite_zero_outputs_and_gradients():
    _, proj, points2d = random_scene(1, 3, 3)
    points2d = points2d[0].clone()  # [J=3, V=3, 2]
    weights = torch.ones(3, 3, dtype=torch.float64)
    weights[0, 1:] = 0.0  # point 0: one view with w > 0
    points2d[1, 0, 0] = float("nan")  # point 1: NaN in a used view
    proj = proj.clone()
    proj[1] = proj[0]  # point 2 below: the same camera twice, coincident rays
    points2d[2, 1] = points2d[2, 0]
    weights[2, 2] = 0.0
    points2d.requires_grad_()
    points3d, valid = mvpose3d.triangulate(points2d, proj, weights)
    assert not valid.any()
    assert torch.isfinite(points3d).all() and (points3d == 0).all()
    points3d.sum().backward()
    assert torch.isfinite(points2d.grad).all() and (points2d.grad == 0).all()


def test_a_removed_view_may_hold_nan():
    truth, proj, points2d = random_scene(1, 2, 4)
    weights = torch.ones(points2d.shape[:-1], dtype=torch.float64)
    weights[..., 3] = 0.0
    points2d[..., 3, :] = float("nan")
    points3d, valid = mvpose3d.triangulate(points2d, proj, weights)
    assert valid.all()
    torch.testing.assert_close(points3d, truth, rtol=0, atol=1e-6)


def test_strict_raises_on_an_invalid_point():
    _, proj, points2d = random_scene(1, 2, 3)
    points2d[0, 0, 0, 0] = float("nan")
    with pytest.raises(RuntimeError, match="strict"):
        mvpose3d.triangulate(points2d, proj, strict=True)


def test_bad_shapes_and_options_raise_runtime_errors():
    _, proj, points2d = random_scene(1, 2, 3)
    with pytest.raises(RuntimeError):
        mvpose3d.triangulate(points2d[..., :1], proj)
    with pytest.raises(RuntimeError, match="unknown triangulation method"):
        mvpose3d.triangulate(points2d, proj, method="nope")


def test_opcheck():
    _, proj, points2d = random_scene(2, 3, 4, noise_px=1.0)
    weights = torch.rand(points2d.shape[:-1], dtype=torch.float64) + 0.5
    op = torch.ops.mvpose3d.triangulate.default
    torch.library.opcheck(op, (points2d, proj, weights))
    torch.library.opcheck(op, (points2d.float(), proj.float()), {"method": "svd"})
    # With inputs that require grad, everything but tracing the backward (not supported, see
    # test_fullgraph_compile_with_grad_says_why_it_cannot).
    torch.library.opcheck(op, (points2d.requires_grad_(), proj.requires_grad_(), weights),
                          test_utils=("test_schema", "test_autograd_registration", "test_faketensor"))


def test_normalize_rig():
    _, proj, _ = random_scene(1, 1, 4)
    proj_normalized, centre, scale = mvpose3d.normalize_rig(proj[None])
    assert proj_normalized.shape == (1, 4, 3, 4) and centre.shape == (1, 3) and scale.shape == (1,)
    torch.library.opcheck(torch.ops.mvpose3d.normalize_rig.default, (proj[None],))


def test_torch_compile_fullgraph_matches_eager():
    _, proj, points2d = random_scene(2, 5, 4, noise_px=1.0)

    def masked_points(points2d, proj):
        points3d, valid = mvpose3d.triangulate(points2d, proj)
        return points3d * valid[..., None] + 1.0

    compiled = torch.compile(masked_points, fullgraph=True)
    torch.testing.assert_close(compiled(points2d, proj), masked_points(points2d, proj))


def test_torch_compile_with_grad_runs_the_op_eagerly():
    _, proj, points2d = random_scene(2, 5, 4, noise_px=1.0)

    def loss(points2d, proj):
        points3d, valid = mvpose3d.triangulate(points2d, proj)
        return (points3d * valid[..., None]).square().sum()

    eager_input = points2d.clone().requires_grad_()
    loss(eager_input, proj).backward()
    compiled_input = points2d.clone().requires_grad_()
    compiled = torch.compile(loss, backend="aot_eager")  # a graph break at the op
    torch.testing.assert_close(compiled(compiled_input, proj), loss(points2d, proj))
    compiled(compiled_input, proj).backward()
    torch.testing.assert_close(compiled_input.grad, eager_input.grad)


def test_fullgraph_compile_with_grad_says_why_it_cannot():
    _, proj, points2d = random_scene(1, 2, 3)

    def op_directly(points2d, proj):
        return torch.ops.mvpose3d.triangulate(points2d, proj)[0].sum()

    with pytest.raises(Exception, match="require grad is not supported"):
        torch.compile(op_directly, fullgraph=True, backend="eager")(points2d.requires_grad_(), proj)


def test_import_refuses_another_torch_version():
    code = "import torch; torch.__version__ = '0.0.1'; import mvpose3d"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "built against torch" in result.stderr


@requires_cuda
@requires_cuda_build
def test_cuda_matches_cpu_and_gradcheck():
    _, proj, points2d = random_scene(2, 5, 4, noise_px=1.0)
    cpu = mvpose3d.triangulate(points2d, proj)
    cuda = mvpose3d.triangulate(points2d.cuda(), proj.cuda())
    torch.testing.assert_close(cuda[0].cpu(), cpu[0], rtol=0, atol=1e-7)
    assert torch.equal(cuda[1].cpu(), cpu[1])
    inputs = [points2d[:1, :2].cuda().requires_grad_(), proj.cuda().requires_grad_()]
    assert torch.autograd.gradcheck(lambda *a: mvpose3d.triangulate(*a)[0], inputs, eps=1e-6,
                                    atol=1e-5, rtol=1e-4)


@requires_cuda
@requires_cuda_build
def test_cuda_opcheck():
    _, proj, points2d = random_scene(2, 3, 4, noise_px=1.0)
    torch.library.opcheck(torch.ops.mvpose3d.triangulate.default, (points2d.cuda(), proj.cuda()))
