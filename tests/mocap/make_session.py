"""Writes a small synthetic capture session for the triangulate CLI test.

Six cameras on a circle (radius 3 m, 1.5 m high) look at a 25-joint body moving for 40 frames.
Outputs, in DIR: rig.yaml (the project's rig format), truth_mm.npy [F, J, 3], keypoints.npy
[F, V, J, 3] (x_px, y_px, confidence; 0.3 px noise; 10 % of the joints have one view moved
60-150 px; camera cam_3 misses frame 5), and the same detections as OpenPose folders (with a
decoy person of lower confidence listed first).
"""
import json
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(7)
F, J, V = 40, 25, 6
size, focal = 1000, 1000.0
target = np.array([0.0, 0.0, 1000.0])

rig_lines = ["name: synthetic_session", "cameras:"]
projections = []
for v in range(V):
    angle = 2 * np.pi * v / V
    centre = np.array([3000 * np.cos(angle), 3000 * np.sin(angle), 1500.0])
    forward = (target - centre) / np.linalg.norm(target - centre)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    R = np.stack([right, down, forward])
    K = np.array([[focal, 0, size / 2], [0, focal, size / 2], [0, 0, 1]])
    projections.append(K @ np.hstack([R, (-R @ centre)[:, None]]))
    rig_lines += [f"  - name: cam_{v}", f"    width: {size}", f"    height: {size}",
                  f"    fx: {focal}", f"    fy: {focal}", f"    cx: {size / 2}", f"    cy: {size / 2}",
                  "    R_cam_from_world:"]
    rig_lines += ["      - [" + ", ".join(repr(float(x)) for x in row) + "]" for row in R]
    rig_lines.append("    center_world_mm: [" + ", ".join(repr(float(x)) for x in centre) + "]")
with open(os.path.join(out, "rig.yaml"), "w") as f:
    f.write("\n".join(rig_lines) + "\n")

rest = target + rng.uniform(-400, 400, size=(J, 3))
t = np.arange(F)[:, None, None] / 30.0
truth = rest[None] + 100 * np.sin(2 * np.pi * 0.5 * t + rng.uniform(0, 6, size=(1, J, 3)))
np.save(os.path.join(out, "truth_mm.npy"), truth)

P = np.stack(projections)  # [V, 3, 4]
homogeneous = np.concatenate([truth, np.ones((F, J, 1))], axis=-1)
image = np.einsum("vij,fkj->fvki", P, homogeneous)  # [F, V, J, 3]
pixels = image[..., :2] / image[..., 2:]
pixels += rng.normal(0, 0.3, size=pixels.shape)
corrupt = rng.random((F, J)) < 0.1
views = rng.integers(0, V, size=(F, J))
for f, j in zip(*np.nonzero(corrupt)):
    angle = rng.uniform(0, 2 * np.pi)
    pixels[f, views[f, j], j] += rng.uniform(60, 150) * np.array([np.cos(angle), np.sin(angle)])
confidence = rng.uniform(0.6, 1.0, size=(F, V, J, 1))
confidence[5, 3] = 0.0
keypoints = np.concatenate([pixels, confidence], axis=-1)
keypoints[5, 3, :, :2] = 0.0
np.save(os.path.join(out, "keypoints.npy"), keypoints)

for v in range(V):
    folder = os.path.join(out, "openpose", f"cam_{v}_json")
    os.makedirs(folder)
    for f in range(F):
        if v == 3 and f == 5:
            continue  # a missing frame file
        real = keypoints[f, v].reshape(-1).tolist()
        decoy = (keypoints[f, v] * [1.1, 0.9, 0.3]).reshape(-1).tolist()
        doc = {"version": 1.3, "people": [{"person_id": [-1], "pose_keypoints_2d": decoy},
                                          {"person_id": [-1], "pose_keypoints_2d": real}]}
        with open(os.path.join(folder, f"walk_{f:012d}_keypoints.json"), "w") as handle:
            json.dump(doc, handle)
