"""Reads the triangulate CLI test's outputs back with their consumers' parsers and compares them
with the synthetic truth: pandas for the anipose CSV, json, a reader of OpenSim's TRC layout, and
ezc3d for C3D (when installed). Exits non-zero with a message on the first mismatch."""
import json
import os
import sys

import numpy as np
import pandas as pd

out = sys.argv[1]
truth = np.load(os.path.join(out, "truth_mm.npy"))  # [F, J, 3] mm
F, J = truth.shape[:2]
BODY25 = ["Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
          "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar",
          "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel"]


def check(condition, message):
    if not condition:
        sys.exit("FAIL: " + message)


def mpjpe(points_mm):
    return float(np.nanmean(np.linalg.norm(points_mm - truth, axis=-1)))


def csv_points(path):
    with open(path) as handle:
        first = handle.readline().strip()
    frame = pd.read_csv(path, comment="#")
    points = np.stack([frame[[f"{j}_x", f"{j}_y", f"{j}_z"]].to_numpy() for j in BODY25], axis=1)
    return first, frame, points


# Anipose CSV, outlier rejection on.
first, frame, robust = csv_points(os.path.join(out, "robust.csv"))
check(first == "# unit: mm", f"CSV unit line: {first!r}")
for suffix in ["x", "y", "z", "error", "ncams", "score"]:
    check(f"RHeel_{suffix}" in frame.columns, f"CSV has no RHeel_{suffix}")
check(list(frame["fnum"]) == list(range(F)), "CSV fnum")
check(not np.isnan(robust).any(), "CSV: every joint valid with rejection")
robust_error = mpjpe(robust)
check(robust_error < 2.0, f"robust MPJPE {robust_error:.3f} mm")
check(frame["Nose_error"].max() <= 5.0, "a reprojection error above --max-reproj-px")
check(frame.loc[5, "Nose_ncams"] <= 5, "cam_3 is missing in frame 5")
_, _, plain = csv_points(os.path.join(out, "plain.csv"))
plain_error = mpjpe(plain)
check(plain_error > 3 * robust_error, f"plain DLT {plain_error:.3f} mm vs robust {robust_error:.3f} mm")
print(f"MPJPE: robust {robust_error:.3f} mm, plain DLT {plain_error:.3f} mm")

# OpenPose folders (the decoy person is listed first; --person best picks the real one).
_, _, openpose = csv_points(os.path.join(out, "openpose.csv"))
check(np.allclose(openpose, robust, atol=1e-6), "OpenPose input differs from the same NPY input")

# JSON, in metres.
with open(os.path.join(out, "robust.json")) as handle:
    doc = json.load(handle)
check(doc["unit"] == "m" and doc["joint_names"] == BODY25, "JSON unit or joint names")
check(len(doc["frames"]) == F, "JSON frame count")
nose = doc["frames"][3]["joints"]["Nose"]
check(abs(nose["x"] * 1000 - robust[3, 0, 0]) < 1e-6, "JSON Nose x")
check(nose["ncams"] == len(nose["cameras"]) and nose["error_px"] <= 5.0, "JSON ncams/error")

# TRC, as OpenSim's layout describes it: tab-separated; line 1 PathFileType; lines 2-3 the
# header keys and values; line 4 Frame#, Time and each marker name (followed by two empty cells);
# line 5 X1 Y1 Z1 ...; then the data rows (a blank line between is allowed).
with open(os.path.join(out, "robust.trc")) as handle:
    lines = handle.read().split("\n")
check(lines[0].split("\t")[0] == "PathFileType" and lines[0].split("\t")[1] == "4", "TRC line 1")
header = dict(zip(lines[1].split("\t"), lines[2].split("\t")))
check(float(header["DataRate"]) == 30 and float(header["CameraRate"]) == 30, "TRC rates")
check(int(header["NumFrames"]) == F and int(header["NumMarkers"]) == J, "TRC counts")
check(header["Units"] == "mm", "TRC units")
names = lines[3].split("\t")
check(names[:2] == ["Frame#", "Time"] and names[2::3] == BODY25, "TRC marker row")
check(lines[4].split("\t")[2:5] == ["X1", "Y1", "Z1"], "TRC axis row")
rows = [line.split("\t") for line in lines[5:] if line.strip()]
check(len(rows) == F, "TRC data rows")
data = np.array([[float(x) for x in row] for row in rows])
check(np.allclose(data[:, 1], np.arange(F) / 30), "TRC Time column")
check(np.allclose(data[:, 2:].reshape(F, J, 3), robust, atol=1e-9), "TRC coordinates")

# Filtered output stays close to the truth.
_, _, filtered = csv_points(os.path.join(out, "filtered.csv"))
check(mpjpe(filtered) < 3.0, f"filtered MPJPE {mpjpe(filtered):.3f}")

# C3D through ezc3d.
c3d_path = os.path.join(out, "robust.c3d")
if os.path.exists(c3d_path):
    import ezc3d
    c3d = ezc3d.c3d(c3d_path)
    point = c3d["parameters"]["POINT"]
    check(list(point["LABELS"]["value"]) == BODY25, "C3D labels")
    check(float(point["RATE"]["value"][0]) == 30, "C3D rate")
    check(point["UNITS"]["value"][0] == "mm", "C3D units")
    xyz = c3d["data"]["points"][:3].transpose(2, 1, 0)  # [F, J, 3]
    check(np.allclose(xyz, robust, atol=1e-3), "C3D coordinates (float32 in the file)")
print("exports read back: ok")
