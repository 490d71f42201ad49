"""Synthetic multi-view scenes and a float64 SVD DLT, the references of the Python op tests."""
import math

import torch


def look_at_projection(centre, focal_px=1000.0, principal_px=(500.0, 400.0)):
    """P = K [R | t] [3, 4] of a camera at centre [3] looking at the origin, y down."""
    centre = torch.as_tensor(centre, dtype=torch.float64)
    forward = -centre / centre.norm()
    up = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
    right = torch.linalg.cross(forward, up)
    right = right / right.norm()
    down = torch.linalg.cross(forward, right)
    rotation = torch.stack([right, down, forward])  # [3, 3] world -> camera
    translation = -rotation @ centre
    k = torch.tensor([[focal_px, 0.0, principal_px[0]], [0.0, focal_px, principal_px[1]], [0.0, 0.0, 1.0]],
                     dtype=torch.float64)
    return k @ torch.cat([rotation, translation[:, None]], dim=1)


def ring_rig(views, radius_m=5.0, generator=None):
    """[V, 3, 4] cameras on a ring around the origin, at slightly random heights."""
    heights = torch.rand(views, generator=generator, dtype=torch.float64) + 0.5
    angles = [2.0 * math.pi * v / views + 0.3 for v in range(views)]
    return torch.stack([look_at_projection([radius_m * math.cos(a), radius_m * math.sin(a), float(h)])
                        for a, h in zip(angles, heights)])


def project(points3d, proj):
    """points3d [..., 3], proj [V, 3, 4] -> pixels [..., V, 2]."""
    homogeneous = torch.cat([points3d, torch.ones_like(points3d[..., :1])], dim=-1)  # [..., 4]
    image = torch.einsum("vij,...j->...vi", proj, homogeneous)  # [..., V, 3]
    return image[..., :2] / image[..., 2:]


def random_scene(batch, joints, views, noise_px=0.0, seed=0):
    """points3d [B, J, 3] in a 2 m cube, proj [V, 3, 4], points2d [B, J, V, 2] (+ Gaussian noise)."""
    generator = torch.Generator().manual_seed(seed)
    points3d = torch.rand(batch, joints, 3, generator=generator, dtype=torch.float64) * 2.0 - 1.0
    proj = ring_rig(views, generator=generator)
    points2d = project(points3d, proj)
    points2d = points2d + noise_px * torch.randn(points2d.shape, generator=generator, dtype=torch.float64)
    return points3d, proj, points2d


def svd_dlt(points2d, proj, weights=None):
    """The plain DLT in float64: points2d [..., V, 2], proj [V, 3, 4], weights [..., V] -> [..., 3]."""
    x = points2d[..., 0:1] * proj[:, 2] - proj[:, 0]  # [..., V, 4]
    y = points2d[..., 1:2] * proj[:, 2] - proj[:, 1]  # [..., V, 4]
    rows = torch.stack([x, y], dim=-2)  # [..., V, 2, 4]
    if weights is not None:
        rows = rows * weights[..., None, None]
    a = rows.flatten(-3, -2)  # [..., 2V, 4]
    solution = torch.linalg.svd(a).Vh[..., -1, :]  # [..., 4]
    return solution[..., :3] / solution[..., 3:]
