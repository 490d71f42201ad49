#!/usr/bin/env python3
"""Converts Human3.6M annotations that only exist as Python pickles into one pickle-free HDF5
file that mvpose3d's C++ reader loads (data.h36m.labels).

Inputs (docs/datasets.md):
  --lt FILE    learnable-triangulation's human36m-multiview-labels-GTbboxes.npy: a 0-d object
               array holding a pickled dict (subject_names, camera_names, action_names, cameras,
               table).
  --qiu FILE.. H36M-Toolbox / Qiu's h36m_train.pkl, h36m_validation.pkl: pickled lists of dicts,
               one per (frame, camera). Several files are merged.

Output (HDF5, attributes format = "mvpose3d-h36m-labels", version = "1", source):
  source "learnable-triangulation":
    /lt/subject_names, /lt/camera_names, /lt/action_names          fixed-length strings
    /lt/cameras/{R (S,C,3,3), t (S,C,3,1), K (S,C,3,3), dist (S,C,5)} float32, as in the file
    /lt/table/{subject_idx i1, action_idx i1, frame_idx i2 (N), keypoints f4 (N,17,3),
               bbox_by_camera_tlbr i2 (N,C,4)}                     as in the file
  source "h36m-toolbox":
    /qiu/rows/{subject, action, subaction, camera_id, image_id (M) int32, joints_2d (M,17,2),
               joints_3d_camera (M,17,3), box (M,4), center (M,2), scale (M,2) float64,
               image (M) strings}
    /qiu/cameras/{subject, camera_id (K) int32, R (K,3,3), T (K,3,1), f (K,2,1), c (K,2,1),
                  k (K,3,1), p (K,2,1) float64, name (K) strings}   one per (subject, camera)

The conversion only re-lays the data out: joint orders, conventions and units are left as they
are and interpreted by the C++ reader (include/mvpose3d/data/h36m/h36m_labels.h).

Pickles are read with a restricted unpickler that only rebuilds numpy arrays, dtypes and scalars
(no other code can run). Needs numpy and h5py only.

Exit status: 0 on success, 2 on bad input (the message names the file, what was expected and what
was found).
"""

import argparse
import ast
import io
import os
import pickle
import struct
import sys

import h5py
import numpy as np

FORMAT = "mvpose3d-h36m-labels"
VERSION = "1"


class InputError(Exception):
    """A problem with an input file; the message names the file."""


_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("collections", "OrderedDict"),
}


class _RefusedGlobal(pickle.UnpicklingError):
    pass


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise _RefusedGlobal(f"{module}.{name}")


def _unpickle(data, path):
    try:
        return _NumpyOnlyUnpickler(io.BytesIO(data)).load()
    except _RefusedGlobal as e:
        raise InputError(f"{path}: expected a pickle of numpy arrays and plain Python values, "
                         f"found a reference to {e} (not loaded)")
    except (EOFError, pickle.UnpicklingError, ValueError, TypeError, struct.error) as e:
        raise InputError(f"{path}: expected a complete pickle, found a truncated or damaged one ({e})")


def _read_npy_object(path):
    """The object held by a 0-d object .npy file, without np.load's unrestricted pickle."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise InputError(f"{path}: expected a .npy file (magic \\x93NUMPY), found {data[:6]!r}")
    if len(data) < 10:
        raise InputError(f"{path}: expected a .npy header, found a truncated file ({len(data)} bytes)")
    major = data[6]
    if major == 1:
        (header_len,) = struct.unpack("<H", data[8:10])
        start = 10
    elif major in (2, 3):
        if len(data) < 12:
            raise InputError(f"{path}: expected a .npy header, found a truncated file")
        (header_len,) = struct.unpack("<I", data[8:12])
        start = 12
    else:
        raise InputError(f"{path}: expected .npy format version 1-3, found {major}")
    if len(data) < start + header_len:
        raise InputError(f"{path}: expected a {header_len}-byte .npy header, found a truncated file")
    try:
        header = ast.literal_eval(data[start:start + header_len].decode("latin1"))
    except (ValueError, SyntaxError) as e:
        raise InputError(f"{path}: malformed .npy header ({e})")
    descr, shape = header.get("descr"), header.get("shape")
    if descr != "|O" or tuple(shape) != ():
        raise InputError(
            f"{path}: expected a 0-d object array holding a pickled dict (descr '|O', shape ()), "
            f"found descr {descr!r}, shape {tuple(shape) if shape is not None else None}")
    array = _unpickle(data[start + header_len:], path)
    if not isinstance(array, np.ndarray) or array.dtype != object or array.shape != ():
        raise InputError(f"{path}: expected a pickled 0-d object array, found {type(array).__name__}")
    return array.item()


def _check_fields(path, name, array, expected):
    """expected: list of (field, kind ('i' or 'f'), shape)."""
    if not isinstance(array, np.ndarray) or array.dtype.names is None:
        found = array.dtype if isinstance(array, np.ndarray) else type(array).__name__
        raise InputError(f"{path}: {name}: expected a structured array, found {found}")
    for field, kind, shape in expected:
        if field not in array.dtype.names:
            raise InputError(f"{path}: {name}: expected a field '{field}', found fields "
                             f"{list(array.dtype.names)}")
        sub = array.dtype[field]
        found_shape = sub.shape
        base_kind = sub.base.kind
        if base_kind not in (kind, "u" if kind == "i" else kind) or found_shape != shape:
            raise InputError(f"{path}: {name}: field '{field}': expected "
                             f"{'integers' if kind == 'i' else 'floats'} of shape {shape}, "
                             f"found {sub.base} of shape {found_shape}")


def _strings(values):
    return np.array([str(v).encode("utf-8") for v in values], dtype="S")


def convert_lt(path, out):
    labels = _read_npy_object(path)
    if not isinstance(labels, dict):
        raise InputError(f"{path}: expected a dict, found {type(labels).__name__}")
    for key in ("subject_names", "camera_names", "action_names", "cameras", "table"):
        if key not in labels:
            raise InputError(f"{path}: expected key '{key}', found keys {sorted(labels)}")
    subjects, cameras = list(labels["subject_names"]), list(labels["camera_names"])
    cams = labels["cameras"]
    _check_fields(path, "cameras", cams,
                  [("R", "f", (3, 3)), ("t", "f", (3, 1)), ("K", "f", (3, 3)), ("dist", "f", (5,))])
    if cams.shape != (len(subjects), len(cameras)):
        raise InputError(f"{path}: cameras: expected shape ({len(subjects)}, {len(cameras)}), "
                         f"found {cams.shape}")
    table = labels["table"]
    _check_fields(path, "table", table,
                  [("subject_idx", "i", ()), ("action_idx", "i", ()), ("frame_idx", "i", ()),
                   ("keypoints", "f", (17, 3)), ("bbox_by_camera_tlbr", "i", (len(cameras), 4))])
    if table.ndim != 1:
        raise InputError(f"{path}: table: expected shape (N,), found {table.shape}")
    out.attrs["source"] = "learnable-triangulation"
    out["lt/subject_names"] = _strings(subjects)
    out["lt/camera_names"] = _strings(cameras)
    out["lt/action_names"] = _strings(labels["action_names"])
    for field in ("R", "t", "K", "dist"):
        out[f"lt/cameras/{field}"] = np.ascontiguousarray(cams[field])
    for field in table.dtype.names:
        out.create_dataset(f"lt/table/{field}", data=np.ascontiguousarray(table[field]),
                           compression="gzip", compression_opts=4)
    return len(table)


def _qiu_rows(path):
    with open(path, "rb") as f:
        rows = _unpickle(f.read(), path)
    if not isinstance(rows, list):
        raise InputError(f"{path}: expected a pickled list of dicts, found {type(rows).__name__}")
    return rows


_QIU_ROW_KEYS = ("subject", "action", "subaction", "camera_id", "image_id", "joints_2d",
                 "joints_3d_camera", "box", "center", "scale", "image", "camera")
_QIU_CAMERA_KEYS = ("R", "T", "fx", "fy", "cx", "cy", "k", "p")


def convert_qiu(paths, out):
    columns = {key: [] for key in _QIU_ROW_KEYS if key != "camera"}
    cameras = {}
    for path in paths:
        for i, row in enumerate(_qiu_rows(path)):
            if not isinstance(row, dict):
                raise InputError(f"{path}: row {i}: expected a dict, found {type(row).__name__}")
            missing = [k for k in _QIU_ROW_KEYS if k not in row]
            if missing:
                raise InputError(f"{path}: row {i}: expected keys {list(_QIU_ROW_KEYS)}, "
                                 f"missing {missing}")
            for key, shape in (("joints_2d", (17, 2)), ("joints_3d_camera", (17, 3)), ("box", (4,))):
                found = np.shape(row[key])
                if found != shape:
                    raise InputError(f"{path}: row {i}: {key}: expected shape {shape}, found {found}")
            for key in columns:
                columns[key].append(row[key])
            cam = row["camera"]
            missing = [k for k in _QIU_CAMERA_KEYS if k not in cam]
            if missing:
                raise InputError(f"{path}: row {i}: camera: missing keys {missing}")
            key = (int(row["subject"]), int(row["camera_id"]))
            values = (np.asarray(cam["R"], np.float64).reshape(3, 3),
                      np.asarray(cam["T"], np.float64).reshape(3, 1),
                      np.array([[cam["fx"]], [cam["fy"]]], np.float64),
                      np.array([[cam["cx"]], [cam["cy"]]], np.float64),
                      np.asarray(cam["k"], np.float64).reshape(3, 1),
                      np.asarray(cam["p"], np.float64).reshape(2, 1),
                      str(cam.get("name", "")))
            if key in cameras:
                if not all(np.allclose(a, b) for a, b in zip(cameras[key][:6], values[:6])):
                    raise InputError(f"{path}: row {i}: camera of subject {key[0]} camera_id "
                                     f"{key[1]} differs from an earlier row's")
            else:
                cameras[key] = values
    if not columns["subject"]:
        raise InputError(f"{', '.join(paths)}: expected rows, found none")
    out.attrs["source"] = "h36m-toolbox"
    for key in ("subject", "action", "subaction", "camera_id", "image_id"):
        out[f"qiu/rows/{key}"] = np.asarray(columns[key], np.int32)
    for key in ("joints_2d", "joints_3d_camera", "box", "center", "scale"):
        out.create_dataset(f"qiu/rows/{key}", data=np.asarray(columns[key], np.float64),
                           compression="gzip", compression_opts=4)
    out["qiu/rows/image"] = _strings(columns["image"])
    keys = sorted(cameras)
    out["qiu/cameras/subject"] = np.array([k[0] for k in keys], np.int32)
    out["qiu/cameras/camera_id"] = np.array([k[1] for k in keys], np.int32)
    for j, name in enumerate(("R", "T", "f", "c", "k", "p")):
        out[f"qiu/cameras/{name}"] = np.stack([cameras[k][j] for k in keys])
    out["qiu/cameras/name"] = _strings([cameras[k][6] for k in keys])
    return len(columns["subject"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--lt", metavar="NPY", help="learnable-triangulation labels .npy")
    source.add_argument("--qiu", metavar="PKL", nargs="+", help="H36M-Toolbox / Qiu pickles")
    parser.add_argument("--out", required=True, help="HDF5 file to write")
    args = parser.parse_args(argv)
    tmp = f"{args.out}.tmp-{os.getpid()}"
    try:
        for path in [args.lt] if args.lt else args.qiu:
            if not os.path.isfile(path):
                raise InputError(f"{path}: no such file")
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with h5py.File(tmp, "w") as out:
            out.attrs["format"] = FORMAT
            out.attrs["version"] = VERSION
            out.attrs["origin"] = os.path.basename(args.lt) if args.lt else \
                ", ".join(os.path.basename(p) for p in args.qiu)
            n = convert_lt(args.lt, out) if args.lt else convert_qiu(args.qiu, out)
        os.replace(tmp, args.out)
    except InputError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        print(f"convert_h36m_labels: {e}", file=sys.stderr)
        return 2
    print(f"convert_h36m_labels: wrote {n} rows to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
