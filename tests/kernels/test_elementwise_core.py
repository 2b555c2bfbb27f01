"""The compiled core's element-wise kernels (binary ops with broadcasting, table lookups, float
functions of one input, reductions, pooling, float softmax) against tflite-micro (LiteRT's
reference kernels for GELU) and the numpy kernels, on random layers at every SIMD level this
machine runs: each node must run in C and give the same bytes at every level."""
import numpy as np
import pytest

import tinyrt
from oracle import litert_ref, run_both, tflm
from kernels.single_op import (broadcast_pair, float_bits_equal, one_op, random_quant,
                               random_shape, values, with_specials)
from tinyrt import native

LEVELS = native.available()
if not LEVELS:
    pytest.skip(f"compiled core unavailable: {native.info()}", allow_module_level=True)


def inputs_for(rng, specs, batches=2, specials=False, lo=None, hi=None):
    """``batches`` lists of random arrays for (shape, dtype) ``specs``."""
    out = []
    for _ in range(batches):
        xs = [values(rng, shape, dt, lo, hi) for shape, dt in specs]
        if specials:
            xs = [with_specials(x) if x.dtype == np.float32 else x for x in xs]
        out.append(xs)
    return out


def equal(a, b, level):
    assert a.dtype == b.dtype and a.shape == b.shape, level
    if a.dtype == np.float32:
        float_bits_equal(a, b)
    else:
        np.testing.assert_array_equal(a, b, err_msg=level)


def check(data, batches, oracle=None):
    """tinyrt at every level (and its numpy twin) against tflite-micro, or against ``oracle``
    (a function of a list of inputs giving the outputs); every node in C, the same bytes at
    every level."""
    first = None
    for level in LEVELS:
        it = tinyrt.Interpreter(model_content=data, native=level)
        it.allocate_tensors()
        for k in it.kernels:
            assert k.native is not None, (level, k.node.op_name)
        if oracle is None:
            tflm()
            pairs = run_both(data, batches, tinyrt_interp=it)
        else:
            pairs = []
            for xs in batches:
                for i, x in enumerate(xs):
                    it.set_input(x, i)
                it.invoke()
                pairs.append(([it.get_output(0)], oracle(xs)))
        outs = []
        for ours, theirs in pairs:
            equal(ours[0], theirs[0], level)
            outs.append(ours[0].tobytes())
        if first is None:
            first = outs
        assert outs == first, level


ACTS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def random_binary(rng, op, dtype):
    a, b, out = broadcast_pair(rng)
    if dtype != np.float32:
        qa, qb, qy = (random_quant(rng, dtype, 0.01, 0.3) for _ in range(3))
        if op == "MUL":
            qy["scale"] = qa["scale"] * qb["scale"] * float(rng.uniform(0.5, 30))
    else:
        qa = qb = qy = None
    options = {} if op == "SQUARED_DIFFERENCE" else \
        {"fused_activation_function": str(rng.choice(ACTS))}
    data = one_op(op, [(a, dtype, qa), (b, dtype, qb)], [(out, dtype, qy)], **options)
    return data, [(a, dtype), (b, dtype)]


BINARY = ("ADD", "SUB", "MUL", "SQUARED_DIFFERENCE")


@pytest.mark.parametrize("op,dtype", [(op, dt) for op in BINARY for dt in (np.float32, np.int8)]
                         + [(op, np.int16) for op in ("ADD", "SUB", "MUL")])
def test_binary_broadcasting(op, dtype):
    rng = np.random.default_rng([BINARY.index(op), np.dtype(dtype).itemsize])
    for i in range(6):
        data, specs = random_binary(rng, op, dtype)
        check(data, inputs_for(rng, specs, specials=i == 0))


UNARY = {"LOGISTIC": (np.float32, np.int8, np.int16), "TANH": (np.float32, np.int8, np.int16),
         "HARD_SWISH": (np.float32, np.int8), "ELU": (np.int8,),
         "RSQRT": (np.float32, np.int8, np.int16), "RELU": (np.int8,), "RELU6": (np.int8,)}


def unary_quant(rng, op, dtype):
    if dtype == np.float32:
        return None, None
    if dtype == np.int16:
        qx = {"scale": float(rng.uniform(1e-4, 1e-3)), "zero_point": 0}
        qy = {"scale": 2.0 ** -15, "zero_point": 0} if op in ("LOGISTIC", "TANH") else \
            {"scale": float(rng.uniform(1e-4, 1e-2)), "zero_point": 0}
        return qx, qy
    qx, qy = random_quant(rng, dtype, 0.01, 0.2), random_quant(rng, dtype, 0.01, 0.2)
    if op == "LOGISTIC":
        qy = {"scale": 1 / 256, "zero_point": -128}
    if op == "TANH":
        qy = {"scale": 1 / 128, "zero_point": 0}
    return qx, qy


@pytest.mark.parametrize("op,dtype", [(op, dt) for op, dts in UNARY.items() for dt in dts])
def test_unary(op, dtype):
    rng = np.random.default_rng([len(op), np.dtype(dtype).itemsize])
    for _ in range(2):
        shape = random_shape(rng, 1, 4, 12)
        qx, qy = unary_quant(rng, op, dtype)
        data = one_op(op, [(shape, dtype, qx)], [(shape, dtype, qy)])
        # RSQRT is defined from the zero point up
        lo = qx["zero_point"] if op == "RSQRT" and qx else None
        batches = inputs_for(rng, [(shape, dtype)], specials=True, lo=lo)
        if op == "RSQRT" and dtype == np.float32:
            batches = [[np.abs(x) for x in xs] for xs in batches]
        check(data, batches)


@pytest.mark.parametrize("alpha", [0.3, -0.5, 1.7])
def test_leaky_relu_int8(alpha):
    rng = np.random.default_rng(int(alpha * 10) + 20)
    shape = random_shape(rng, 1, 4, 12)
    qx, qy = random_quant(rng, np.int8, 0.01, 0.2), random_quant(rng, np.int8, 0.01, 0.2)
    data = one_op("LEAKY_RELU", [(shape, np.int8, qx)], [(shape, np.int8, qy)], alpha=alpha)
    check(data, inputs_for(rng, [(shape, np.int8)]))


@pytest.mark.parametrize("pair", [("float32", "int8"), ("float32", "int16"), ("int8", "int8"),
                                  ("int16", "int8"), ("int8", "int16"), ("int8", "int32"),
                                  ("int8", "float32"), ("int16", "float32")])
def test_quantize_dequantize(pair):
    src, dst = (np.dtype(t) for t in pair)
    rng = np.random.default_rng([src.itemsize, dst.itemsize, dst.kind == "f"])
    op = "DEQUANTIZE" if dst == np.float32 else "QUANTIZE"
    for _ in range(3):
        shape = random_shape(rng, 1, 4, 10)
        qx = None if src == np.float32 else random_quant(rng, src, 0.01, 0.2)
        qy = None if dst == np.float32 else random_quant(rng, dst, 0.01, 0.2)
        data = one_op(op, [(shape, src, qx)], [(shape, dst, qy)])
        check(data, inputs_for(rng, [(shape, src)], specials=True))


@pytest.mark.parametrize("op", ["MEAN", "SUM"])
@pytest.mark.parametrize("dtype", [np.float32, np.int8])
def test_reductions(op, dtype):
    rng = np.random.default_rng([len(op), np.dtype(dtype).itemsize])
    for i in range(8):
        shape = random_shape(rng, 1, 5, 9)
        if i == 0:
            shape = (1, 7, 7, 96)                     # global pooling as in MobileNetV3
        rank = len(shape)
        axes = sorted(set(int(a) for a in rng.integers(-rank, rank, int(rng.integers(1, 4)))))
        if i == 0:
            axes = [1, 2]
        if i == 1:                                    # one long sequential sum per output
            shape, axes, rank = (3, 700), [1], 2
        keep = bool(rng.random() < 0.5)
        resolved = {a % rank for a in axes}
        out = tuple(1 if d in resolved else n for d, n in enumerate(shape)) if keep else \
            tuple(n for d, n in enumerate(shape) if d not in resolved)
        q = (lambda: random_quant(rng, dtype, 0.01, 0.2)) if dtype == np.int8 else lambda: None
        data = one_op(op, [(shape, dtype, q()), (np.array(axes, np.int32), None)],
                      [(out, dtype, q())], keep_dims=keep)
        check(data, inputs_for(rng, [(shape, dtype)]))


def test_softmax_float():
    rng = np.random.default_rng(71)
    for _ in range(4):
        shape = random_shape(rng, 1, 4, 9)
        if rng.random() < 0.5:
            shape = shape[:-1] + (int(rng.integers(30, 300)),)
        data = one_op("SOFTMAX", [(shape, np.float32, None)], [(shape, np.float32, None)],
                      beta=float(rng.choice([1.0, 0.5, 1.7])))
        check(data, inputs_for(rng, [(shape, np.float32)]))


@pytest.mark.parametrize("op,dtype", [("MAX_POOL_2D", np.float32), ("MAX_POOL_2D", np.int8),
                                      ("AVERAGE_POOL_2D", np.float32)])
def test_pools(op, dtype):
    rng = np.random.default_rng([len(op), np.dtype(dtype).itemsize])
    for _ in range(6):
        n, h, w, c = (int(rng.integers(1, 3)), int(rng.integers(1, 12)),
                      int(rng.integers(1, 12)), int(rng.integers(1, 40)))
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        padding = str(rng.choice(["SAME", "VALID"]))
        if padding == "VALID" and (kh > h or kw > w):
            padding = "SAME"
        oh = -(-h // sh) if padding == "SAME" else (h - kh) // sh + 1
        ow = -(-w // sw) if padding == "SAME" else (w - kw) // sw + 1
        q = random_quant(rng, dtype, 0.01, 0.2) if dtype == np.int8 else None
        data = one_op(op, [((n, h, w, c), dtype, q)], [((n, oh, ow, c), dtype, q)],
                      padding=padding, stride_h=sh, stride_w=sw, filter_height=kh,
                      filter_width=kw, fused_activation_function=str(rng.choice(ACTS[:3])))
        check(data, inputs_for(rng, [((n, h, w, c), dtype)]))


def litert_outputs(data):
    ref = litert_ref(data)

    def run(xs):
        for d, x in zip(ref.get_input_details(), xs):
            ref.set_tensor(d["index"], x)
        ref.invoke()
        return [ref.get_tensor(ref.get_output_details()[0]["index"])]
    return run


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
@pytest.mark.parametrize("approximate", [False, True])
def test_gelu_quantized(dtype, approximate):
    rng = np.random.default_rng([np.dtype(dtype).itemsize, approximate])
    shape = (3, 50)
    qx, qy = (random_quant(rng, dtype, 0.01, 0.1) if dtype == np.int8 else
              {"scale": float(rng.uniform(1e-4, 1e-3)), "zero_point": 0} for _ in range(2))
    data = one_op("GELU", [(shape, dtype, qx)], [(shape, dtype, qy)], approximate=approximate)
    check(data, inputs_for(rng, [(shape, dtype)]), oracle=litert_outputs(data))


@pytest.mark.parametrize("approximate", [False, True])
def test_gelu_float(approximate):
    """GELU float32 in C takes the numpy kernel's steps (double erfc / tanh, rounded): the same
    bits at every level and from numpy; LiteRT (Eigen's float erfc and tanh) within 1e-6."""
    rng = np.random.default_rng(int(approximate))
    shape = (4, 300)
    data = one_op("GELU", [(shape, np.float32, None)], [(shape, np.float32, None)],
                  approximate=approximate)
    x = values(rng, shape, np.float32) * np.float32(2)
    twin = tinyrt.Interpreter(model_content=data, native=False)
    twin.allocate_tensors()
    twin.set_input(x, 0)
    twin.invoke()
    expected = twin.get_output(0)
    for level in LEVELS:
        it = tinyrt.Interpreter(model_content=data, native=level)
        it.allocate_tensors()
        assert it.kernels[0].native is not None, level
        it.set_input(x, 0)
        it.invoke()
        assert it.get_output(0).tobytes() == expected.tobytes(), level
    theirs = litert_outputs(data)([x])[0]
    if approximate:
        np.testing.assert_allclose(expected, theirs, rtol=0, atol=1e-6)
    else:
        np.testing.assert_allclose(expected, theirs, rtol=1e-6, atol=0)
