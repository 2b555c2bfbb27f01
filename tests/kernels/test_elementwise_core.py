"""The compiled core's element-wise kernels (binary ops with broadcasting, table lookups, float
functions of one input, reductions, pooling, float softmax) against tflite-micro (LiteRT's
reference kernels for GELU) and the numpy kernels, on random layers at every SIMD level this
machine runs: each node must run in C and give the same bytes at every level."""
import numpy as np
import pytest

import tinyrt
from oracle import litert_ref, run_both, tflm
from kernels.single_op import (broadcast_partner, float_bits_equal, one_op, random_quant,
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
    shape = random_shape(rng, 1, 5, 9)
    if rng.random() < 0.3:                          # a long row for the vector loops
        shape = shape[:-1] + (int(rng.integers(30, 200)),)
    other = broadcast_partner(rng, shape) if rng.random() < 0.7 else shape
    a, b = (shape, other) if rng.random() < 0.5 else (other, shape)
    out = tuple(np.broadcast_shapes(a, b))
    if dtype == np.int8:
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


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("dtype", [np.float32, np.int8])
def test_binary_broadcasting(op, dtype):
    rng = np.random.default_rng([BINARY.index(op), np.dtype(dtype).itemsize])
    for i in range(6):
        data, specs = random_binary(rng, op, dtype)
        check(data, inputs_for(rng, specs, specials=i == 0))
