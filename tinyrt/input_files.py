"""Model inputs from files: .npy, .npz, raw bytes and images, checked against each input.

A value reaches a tensor only when it fits exactly: integers out of the tensor type's range, real
values outside what the input's quantization can represent, and sizes that differ are errors (a
silent wrap from 200 to -56 is the kind of bug this module exists to refuse). Real (float) data
for a quantized input is quantized through the input's scale and zero point, as the converter
does.
"""
import io
import zipfile
from pathlib import Path

import numpy as np

from .errors import InputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm"}
RAW_SUFFIXES = {".bin", ".raw"}
FORMATS = ".npy, .npz, raw .bin/.raw (the input's dtype, native byte order), .png/.jpg images"


def _sniff(head):
    """The container a file's first bytes announce, or None."""
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "npz"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head[:3] == b"GIF" \
            or head[:2] == b"BM":
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "pickle"
    return None


def _read_bytes(path):
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None


def _load_npy(data, path):
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise InputError(f"{path} holds Python objects, not numbers; save a numeric array "
                             "(np.save with a numeric dtype)") from None
        raise InputError(f"{path} is not a readable .npy file: {e}") from None


def _load_npz(data, path):
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (ValueError, OSError, zipfile.BadZipFile) as e:
        if "allow_pickle" in str(e):
            raise InputError(f"{path} holds Python objects, not numbers") from None
        raise InputError(f"{path} is not a readable .npz file: {e}") from None


def _npz_order(keys):
    """np.savez(*arrays) names them arr_0, arr_1, ...: order those by number."""
    if all(k.startswith("arr_") and k[4:].isdigit() for k in keys):
        return sorted(keys, key=lambda k: int(k[4:]))
    return list(keys)


def _load_image(data, path, detail, image_range):
    try:
        from PIL import Image
    except ImportError:
        raise InputError(f"{path} is an image; reading images needs Pillow "
                         "(pip install 'tinyrt[image]')") from None
    shape = tuple(int(d) for d in detail["shape"])
    dims = shape[1:] if len(shape) == 4 and shape[0] == 1 else shape
    if len(dims) != 3 or dims[2] not in (1, 3):
        raise InputError(f"{path} is an image, but input {detail['name']!r} has shape "
                         f"{list(shape)}; images fit inputs of shape [1, H, W, 1 or 3]")
    h, w, c = dims
    try:
        img = Image.open(io.BytesIO(data))
        img = img.convert("L" if c == 1 else "RGB")
    except Exception as e:  # Pillow raises many types for broken files
        raise InputError(f"{path} is not a readable image: {e}") from None
    if img.size != (w, h):
        img = img.resize((w, h), Image.BILINEAR)
    pixels = np.asarray(img, np.float64).reshape(shape)
    lo, hi = image_range
    return (lo + pixels / 255.0 * (hi - lo)).astype(np.float32)


def _quantization(detail):
    q = detail["quantization_parameters"]
    if len(q["scales"]) != 1 or q["scales"][0] == 0:
        return None
    return float(q["scales"][0]), int(q["zero_points"][0])


def _first_outside(arr, lo, hi):
    bad = np.argwhere((arr < lo) | (arr > hi))[0]
    return tuple(int(i) for i in bad), arr[tuple(bad)]


def _batch_shape(arr, shape):
    """The shape of ``arr`` read as a batch of samples of ``shape`` (its first dimension the
    batch), or None: the same trailing dimensions, or flat data of whole samples."""
    if not shape:
        return None
    sample = int(np.prod(shape[1:], dtype=np.int64))
    if arr.ndim == len(shape) and tuple(arr.shape[1:]) == tuple(shape[1:]) and arr.shape[0]:
        return tuple(arr.shape)
    if arr.ndim == 1 and sample and arr.size % sample == 0 and arr.size:
        return (arr.size // sample,) + tuple(shape[1:])
    return None


def fit(arr, detail, source, batch=False):
    """``arr`` as the input described by ``detail`` (a get_input_details() dict), or an
    InputError saying why it does not fit. With ``batch``, ``arr`` may also hold several
    samples along the first dimension (the caller resizes the input)."""
    want = np.dtype(detail["dtype"])
    name = detail["name"]
    shape = tuple(int(d) for d in detail["shape"])
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{source}: {arr.dtype} data cannot feed input {name!r}")
    if arr.size == int(np.prod(shape, dtype=np.int64)):
        arr = arr.reshape(shape)
    elif batch and _batch_shape(arr, shape) is not None:
        arr = arr.reshape(_batch_shape(arr, shape))
    else:
        raise InputError(f"{source} has shape {list(arr.shape)} ({arr.size} values); input "
                         f"{name!r} needs shape {list(shape)}"
                         + (" or a batch of such samples" if batch else ""))
    if arr.dtype == want:
        return arr
    if want.kind == "b":
        if arr.dtype.kind in "iu" and np.isin(arr, (0, 1)).all():
            return arr.astype(bool)
        raise InputError(f"{source} holds {arr.dtype} data; input {name!r} is bool")
    if want.kind == "f":
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr.astype(want)) == np.isfinite(arr)):
            raise InputError(f"{source} holds values beyond {want.name}'s range")
        return arr.astype(want)
    info = np.iinfo(want)
    quant = _quantization(detail)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise InputError(f"{source} holds inf or NaN; input {name!r} is {want.name}")
        if quant is not None:
            # real values: quantize as the converter does (round half away from zero)
            scale, zp = quant
            q = np.round(arr.astype(np.float64) / scale) + zp
            if q.min() < info.min or q.max() > info.max:
                where, v = _first_outside(q, info.min, info.max)
                lo, hi = (info.min - zp) * scale, (info.max - zp) * scale
                raise InputError(
                    f"{source}: value {arr[where]:g} at {list(where)} is outside what input "
                    f"{name!r} represents ([{lo:g}, {hi:g}] with scale {scale:g}, zero point "
                    f"{zp}); give {want.name} values to set it directly")
            return q.astype(want)
        if not np.array_equal(arr, np.round(arr)):
            raise InputError(f"{source} holds fractional values; input {name!r} is {want.name} "
                             "without quantization")
    if arr.size and (arr.min() < info.min or arr.max() > info.max):
        where, v = _first_outside(arr, info.min, info.max)
        raise InputError(f"{source}: value {v} at {list(where)} is outside {want.name}'s range "
                         f"[{info.min}, {info.max}] (input {name!r})")
    return arr.astype(want)


def token_vocabularies(model):
    """{input tensor index: vocabulary size} for the inputs of ``model`` (a tinyrt Model) that
    index a GATHER's constant table, token ids of an embedding lookup: random ids beyond the
    table are not valid inputs (TFLM fails the GATHER)."""
    sg = model.main
    vocab = {}
    for op in sg.operators:
        if op.op_name == "GATHER" and len(op.inputs) > 1 and op.inputs[1] in sg.inputs:
            params = sg.tensors[op.inputs[0]]
            if params.data is None:
                continue
            axis = op.options.get("axis", 0) % max(len(params.shape), 1)
            vocab[op.inputs[1]] = int(params.shape[axis])
    return vocab


def random_inputs(details, rng, vocab=None):
    """random_input for each of ``details``, token ids (``vocab``, token_vocabularies) drawn
    from their vocabulary."""
    vocab = vocab or {}
    out = []
    for d in details:
        if d["index"] in vocab:
            shape = tuple(int(n) for n in d["shape"])
            out.append(rng.integers(0, vocab[d["index"]], size=shape).astype(d["dtype"]))
        else:
            out.append(random_input(d, rng))
    return out


def random_input(detail, rng):
    """Random values for an input: full-range integers, or standard normal floats."""
    dt = np.dtype(detail["dtype"])
    shape = tuple(int(d) for d in detail["shape"])
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dt)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    return rng.standard_normal(shape).astype(dt)


def read_inputs(paths, details, image_range=(0.0, 1.0), batch=False):
    """One array per model input from ``paths``: a single .npz (arrays matched by input name,
    else by order), or one file per input in order. ``batch`` lets each hold several samples
    along the first dimension."""
    n = len(details)
    if len(paths) == 1 and n >= 1:
        data = _read_bytes(paths[0])
        if _sniff(data[:16]) == "npz":
            arrays = _load_npz(data, paths[0])
            names = [d["name"] for d in details]
            if names and all(nm in arrays for nm in names):
                return [fit(arrays[nm], d, f"{paths[0]}[{nm!r}]", batch)
                        for nm, d in zip(names, details)]
            if len(arrays) != n:
                raise InputError(f"{paths[0]} holds {len(arrays)} arrays {sorted(arrays)}; the "
                                 f"model has {n} inputs {names}: name the arrays after the "
                                 "inputs, or give one array per input in order")
            keys = _npz_order(list(arrays))
            return [fit(arrays[k], d, f"{paths[0]}[{k!r}]", batch) for k, d in zip(keys, details)]
    if len(paths) != n:
        raise InputError(f"the model has {n} inputs; got {len(paths)} --input files (give one "
                         "file per input in order, or one .npz holding them all)")
    return [read_input(p, d, image_range, batch) for p, d in zip(paths, details)]


def read_input(path, detail, image_range=(0.0, 1.0), batch=False):
    """One input's array from one file."""
    data = _read_bytes(path)
    kind = _sniff(data[:16])
    suffix = Path(path).suffix.lower()
    if kind == "npy":
        arr = _load_npy(data, path)
    elif kind == "npz":
        arrays = _load_npz(data, path)
        if detail["name"] in arrays:
            arr = arrays[detail["name"]]
        elif len(arrays) == 1:
            arr = next(iter(arrays.values()))
        else:
            raise InputError(f"{path} holds arrays {sorted(arrays)}; none is named "
                             f"{detail['name']!r}")
    elif kind == "image" or suffix in IMAGE_SUFFIXES:
        arr = _load_image(data, path, detail, image_range)
    elif suffix in RAW_SUFFIXES:
        want = np.dtype(detail["dtype"])
        if len(data) % want.itemsize:
            raise InputError(f"{path} has {len(data)} bytes, not a whole number of "
                             f"{want.name} values")
        arr = np.frombuffer(data, want)
    elif kind == "wav":
        raise InputError(f"{path} is WAV audio; tinyrt does not decode audio: give the "
                         f"samples as .npy or raw .bin ({FORMATS})")
    elif kind == "pickle":
        raise InputError(f"{path} is a Python pickle; tinyrt reads {FORMATS}")
    else:
        raise InputError(f"cannot tell what {path} holds; tinyrt reads {FORMATS}")
    return fit(arr, detail, path, batch)


__all__ = ["read_inputs", "read_input", "random_input", "random_inputs",
           "token_vocabularies", "fit", "FORMATS"]
