"""mvpose3d for PyTorch users: the exact, NaN-free differentiable multi-view DLT triangulation.

``import mvpose3d`` loads the op library, which registers ``torch.ops.mvpose3d.triangulate`` and
``torch.ops.mvpose3d.normalize_rig`` (CPU, CUDA, autograd, and shapes for torch.compile). The
conventions are those of the C++ header include/mvpose3d/ops/triangulate.h; the method is derived
in docs/triangulation.md.
"""
from pathlib import Path
from typing import Optional, Tuple

import torch

from ._build_info import CUDA_ENABLED, TORCH_VERSION

__all__ = ["triangulate", "normalize_rig", "CUDA_ENABLED", "TORCH_VERSION"]

# The op library links LibTorch's C++ ABI, which changes between torch versions: loading it into
# another version would fail with undefined symbols or, worse, crash.
if torch.__version__ != TORCH_VERSION:
    raise ImportError(
        f"mvpose3d was built against torch {TORCH_VERSION} but torch {torch.__version__} is "
        "installed; rebuild it with: pip install --no-build-isolation --force-reinstall ."
    )


def _load_library() -> None:
    libraries = sorted(Path(__file__).parent.glob("*mvpose3d_torch_ops*.so"))
    if not libraries:
        raise ImportError(f"mvpose3d: the op library is missing from {Path(__file__).parent}")
    torch.ops.load_library(str(libraries[0]))


_load_library()


def triangulate(
    points2d: torch.Tensor,
    proj: torch.Tensor,
    weights: Optional[torch.Tensor] = None,
    *,
    method: str = "fused",
    normalize: bool = True,
    iterations: int = 0,
    shift: float = 0.0,
    accumulate: str = "float64",
    tolerance: float = 0.0,
    max_distance: float = 1e7,
    strict: bool = False,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Triangulates points seen in V calibrated views (Remelli et al., CVPR 2020, Sec. 3.3).

    Args:
        points2d: [..., V, 2] pixel coordinates (float32 or float64), e.g. [B, J, V, 2].
        proj: [..., V, 3, 4] projection matrices P = K [R | t] (world to pixels). The leading
            dimensions broadcast against those of points2d (right-aligned), so [V, 3, 4] is shared
            by every point and [B, 1, V, 3, 4] by the joints of a batch item with points2d
            [B, J, V, 2].
        weights: optional [..., V] >= 0 per-view confidences (rows scaled by w, so A^T A by w^2);
            w = 0 removes a view, NaN coordinates included.
        method: "fused" (default: one fused kernel per point, CPU and CUDA, exact smallest
            eigenvector of A^T A), "svd" (reference: torch.linalg.svd of the weighted, normalised
            A) or "sii" (the paper's Algorithm 1, shifted inverse iteration).
        normalize: condition the system first (the world centred and scaled on the rig, each view's
            rows scaled by 1 / focal length); then max_distance is in units of the rig's size.
        iterations: fused: inverse-iteration steps before a Jacobi eigen-solve; sii: T. 0 selects
            the default (8 for fused, 2 for sii).
        shift: sii: sigma; fused: the shift relative to trace(A^T A). <= 0 selects the default.
        accumulate: fused: precision of the normal matrix and the solve, "float64" or "float32".
        tolerance: fused: eigen-residual tolerance with trace(A^T A) = 1 (<= 0: the default).
        max_distance: points farther than this from the rig centre are reported at infinity.
        strict: raise RuntimeError on the first invalid point instead of returning valid = False.

    Returns:
        (points3d, valid): points3d [..., 3] in world units, in the dtype of points2d, 0 where not
        valid; valid [...] bool. A point is invalid (finite output 0, zero gradient) when fewer than
        two views have w > 0, an input of a used view is NaN/Inf, the rays are degenerate (parallel
        or coincident), or the solution lies at infinity. Differentiable with respect to points2d,
        proj and weights (not twice); valid is not differentiable.
    """
    options = dict(method=method, normalize=normalize, iterations=iterations, shift=shift,
                   accumulate=accumulate, tolerance=tolerance, max_distance=max_distance,
                   strict=strict)
    # The op's backward runs the kernels directly, so torch.compile cannot trace it with inputs that
    # require grad: there it runs eagerly (a graph break; an error under fullgraph=True). Without
    # grad (inference) it stays in the compiled graph.
    if torch.compiler.is_compiling() and _needs_graph(points2d, proj, weights):
        return _triangulate_eager(points2d, proj, weights, **options)
    return torch.ops.mvpose3d.triangulate(points2d, proj, weights, **options)


def _needs_graph(*tensors: Optional[torch.Tensor]) -> bool:
    return torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


@torch.compiler.disable
def _triangulate_eager(points2d, proj, weights, **options):
    return torch.ops.mvpose3d.triangulate(points2d, proj, weights, **options)


def normalize_rig(proj: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The rig normalisation that triangulate(normalize=True) applies, for tests and benchmarks.

    Args:
        proj: [M, V, 3, 4] projection matrices.

    Returns:
        (proj_normalized [M, V, 3, 4], centre [M, 3], scale [M]) so that
        X_world = centre + scale * X_normalized. Differentiable (plain ATen ops).
    """
    return torch.ops.mvpose3d.normalize_rig(proj)
