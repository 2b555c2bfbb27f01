"""Helpers for differential tests of one op: random shapes and quantization, a one-op model,
and a bit-level comparison of tinyrt's outputs with tflite-micro's."""
import numpy as np
import pytest

import tinyrt
from oracle import litert_ref, run_both, tflm, tflm_interpreter
from tinyrt.builder import ModelBuilder


def random_shape(rng, min_rank=1, max_rank=4, max_dim=6):
    return tuple(int(d) for d in rng.integers(1, max_dim + 1, int(rng.integers(min_rank,
                                                                           max_rank + 1))))


def broadcast_partner(rng, shape):
    """A shape that broadcasts against ``shape``: some dimensions set to 1, maybe fewer dims."""
    dims = [1 if rng.random() < 0.4 else d for d in shape]
    drop = int(rng.integers(0, len(dims) + 1)) if rng.random() < 0.3 else 0
    return tuple(dims[drop:])


def broadcast_pair(rng):
    """Two input shapes of a random broadcasting binary op and its output shape: sometimes a
    long last row (for the C kernels' vector loops), usually one input broadcast."""
    shape = random_shape(rng, 1, 5, 9)
    if rng.random() < 0.3:
        shape = shape[:-1] + (int(rng.integers(30, 200)),)
    other = broadcast_partner(rng, shape) if rng.random() < 0.7 else shape
    a, b = (shape, other) if rng.random() < 0.5 else (other, shape)
    return a, b, tuple(np.broadcast_shapes(a, b))


def random_quant(rng, dtype, lo=0.005, hi=0.2, symmetric=None):
    """Per-tensor quantization: int16 (and ``symmetric``) get zero point 0."""
    scale = float(rng.uniform(lo, hi))
    sym = dtype == np.int16 if symmetric is None else symmetric
    zp = 0 if sym else int(rng.integers(-40, 41))
    return {"scale": scale, "zero_point": zp}


def one_op(op, inputs, outputs, **options):
    """A model of one op. ``inputs``: (shape, dtype, quant dict or None) per input, or
    (numpy array, quant dict or None) for a constant; ``outputs``: (shape, dtype, quant)."""
    b = ModelBuilder()
    ins = []
    for i, spec in enumerate(inputs):
        if isinstance(spec[0], np.ndarray):
            ins.append(b.add_constant(f"c{i}", spec[0], **(spec[1] or {})))
        else:
            shape, dtype, qp = spec
            ins.append(b.add_input(f"x{i}", shape, dtype, **(qp or {})))
    outs = []
    for i, (shape, dtype, qp) in enumerate(outputs):
        outs.append(b.add_tensor(f"y{i}", shape, dtype, **(qp or {})))
    b.add_operator(op, ins, outs, **options)
    for t in outs:
        b.mark_output(t)
    return b.build()


def window_options(op, padding, stride, dilation, act, channels):
    """The options of a CONV_2D or DEPTHWISE_CONV_2D node; ``channels`` is a depthwise
    convolution's depth multiplier (a convolution takes its output channels from the
    weights)."""
    options = dict(padding=padding, stride_h=stride[0], stride_w=stride[1],
                   dilation_hfactor=dilation[0], dilation_wfactor=dilation[1],
                   fused_activation_function=act)
    if op == "DEPTHWISE_CONV_2D":
        options["depth_multiplier"] = channels
    return options


def float_bits_equal(a, b, ulps=0):
    """Same bits (so -0.0 differs from +0.0), NaN where the other has NaN; with ``ulps``,
    finite values may differ by that many units in the last place."""
    nan = np.isnan(a)
    np.testing.assert_array_equal(nan, np.isnan(b))
    ia = a[~nan].view(np.int32).astype(np.int64)
    ib = b[~nan].view(np.int32).astype(np.int64)
    # order the bit patterns so that adjacent floats differ by 1 across zero too
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    if ulps:
        diff = np.abs(ia - ib)
        assert diff.size == 0 or diff.max() <= ulps, f"{diff.max()} ulps apart"
    else:
        bad = np.flatnonzero(a[~nan].view(np.int32) != b[~nan].view(np.int32))
        assert bad.size == 0, (f"{bad.size} values differ, first: "
                               f"{a[~nan][bad[:5]]} vs {b[~nan][bad[:5]]}")


def compare(data, batches, ulps=0, oracle_data=None):
    """Run every batch of inputs through tinyrt and tflite-micro (on ``oracle_data`` when the
    oracle needs a variant of the model); outputs must be identical (floats bit for bit, or
    within ``ulps``). Returns the number of values compared."""
    tflm()
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    oracle = None if oracle_data is None else tflm_interpreter(oracle_data)
    n = 0
    for ours, theirs in run_both(data, batches, tinyrt_interp=it, oracle=oracle):
        for a, b in zip(ours, theirs):
            assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
            if a.dtype.kind == "f":
                float_bits_equal(a, b, ulps)
            else:
                np.testing.assert_array_equal(a, b)
            n += a.size
    return n


def values(rng, shape, dtype, lo=None, hi=None):
    """Random values of a dtype: the full integer range unless bounded, N(0, 3) floats."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo = info.min if lo is None else lo
        hi = info.max if hi is None else hi
        return rng.integers(lo, hi, size=shape, endpoint=True).astype(dt)
    return (rng.standard_normal(shape) * 3).astype(dt)


SPECIAL_FLOATS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5,
                           1e-45, -1e-45, 3.4e38, -3.4e38, 1e-30, 88.8, -104.0, 127.0, -0.49999997],
                          np.float32)


def with_specials(x):
    """``x`` with its first elements replaced by edge-case floats."""
    flat = x.reshape(-1).copy()
    k = min(flat.size, SPECIAL_FLOATS.size)
    flat[:k] = SPECIAL_FLOATS[:k]
    return flat.reshape(x.shape)


def both_fail(data, inputs):
    """tinyrt and tflite-micro both refuse the model (at allocation) or its invoke."""
    with pytest.raises(tinyrt.TinyrtError):
        it = tinyrt.Interpreter(model_content=data)
        it.allocate_tensors()
        for i, x in enumerate(inputs):
            it.set_input(x, i)
        it.invoke()
    with pytest.raises(RuntimeError):          # how tflite-micro reports a refusal
        ref = tflm_interpreter(data)
        for i, x in enumerate(inputs):
            ref.set_input(x, i)
        ref.invoke()


def assert_matches_litert(data, inputs):
    """Each input array through tinyrt and LiteRT's reference kernels (the oracle for hybrid
    ops), one invoke after the other on the same two interpreters: bit-identical outputs.
    Returns LiteRT's last output."""
    ref = litert_ref(data)
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    theirs = None
    for xv in inputs:
        it.set_input(xv, 0)
        it.invoke()
        ref.set_tensor(ref.get_input_details()[0]["index"], xv)
        ref.invoke()
        theirs = ref.get_tensor(ref.get_output_details()[0]["index"])
        ours = it.get_output(0)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        float_bits_equal(ours, theirs)
    return theirs
