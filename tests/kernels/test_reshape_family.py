"""EXPAND_DIMS, SQUEEZE and PADV2 against tflite-micro: random shapes and axes over every dtype
TFLM moves, pad values (including PADV2's explicit one) on quantized and float data."""
import numpy as np
import pytest

import tinyrt

from kernels.single_op import both_fail, compare, one_op, random_quant, random_shape, values
from oracle import tflm_interpreter

DTYPES = [np.float32, np.int8, np.int16, np.int32, np.int64, np.bool_]
# TFLM's EXPAND_DIMS moves only these; tinyrt moves every dtype (checked against numpy)
TFLM_EXPAND_DIMS = (np.float32, np.int8, np.int16)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_expand_dims(dtype):
    rng = np.random.default_rng(11)
    for _ in range(6):
        shape = random_shape(rng, 0, 4)
        axis = int(rng.integers(-len(shape) - 1, len(shape) + 1))
        out = list(shape)
        out.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
        data = one_op("EXPAND_DIMS", [(shape, dtype, None), (np.array([axis], np.int32), None)],
                      [(tuple(out), dtype, None)])
        batches = [[values(rng, shape, dtype)] for _ in range(2)]
        if dtype in TFLM_EXPAND_DIMS:
            compare(data, batches)
        else:
            with pytest.raises(RuntimeError):        # tflite-micro refuses these types
                ref = tflm_interpreter(data)
                ref.set_input(batches[0][0], 0)
                ref.invoke()
            it = tinyrt.Interpreter(model_content=data)
            it.allocate_tensors()
            for (x,) in batches:
                it.set_input(x, 0)
                it.invoke()
                np.testing.assert_array_equal(it.get_output(0), np.expand_dims(x, axis))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_squeeze(dtype):
    rng = np.random.default_rng(12)
    for _ in range(6):
        shape = [int(d) if rng.random() < 0.5 else 1 for d in random_shape(rng, 1, 5)]
        ones = [i for i, d in enumerate(shape) if d == 1]
        if ones and rng.random() < 0.6:
            picked = [i for i in ones if rng.random() < 0.5] or ones[:1]
            dims = [i - len(shape) if rng.random() < 0.5 else i for i in picked]
            out = [d for i, d in enumerate(shape) if i not in picked]
        else:
            dims = []
            out = [d for d in shape if d != 1]
        data = one_op("SQUEEZE", [(tuple(shape), dtype, None)], [(tuple(out), dtype, None)],
                      squeeze_dims=dims)
        compare(data, [[values(rng, tuple(shape), dtype)] for _ in range(2)])


def test_squeeze_of_a_dimension_that_is_not_one_is_refused():
    data = one_op("SQUEEZE", [((2, 3), np.float32, None)], [((2, 3), np.float32, None)],
                  squeeze_dims=[0])
    both_fail(data, [np.zeros((2, 3), np.float32)])


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.int16, np.int32],
                         ids=lambda d: np.dtype(d).name)
def test_padv2_with_explicit_pad_value(dtype):
    rng = np.random.default_rng(13)
    for _ in range(5):
        shape = random_shape(rng, 1, 4, max_dim=4)
        pads = rng.integers(0, 3, (len(shape), 2)).astype(np.int32)
        out = tuple(int(d + p.sum()) for d, p in zip(shape, pads))
        qp = random_quant(rng, dtype) if dtype in (np.int8, np.int16) else None
        pad_value = np.array(values(rng, (1,), dtype)[0], dtype)
        data = one_op("PADV2", [(shape, dtype, qp), (pads, None), (pad_value, qp)],
                      [(out, dtype, qp)])
        compare(data, [[values(rng, shape, dtype)] for _ in range(2)])


def test_expand_dims_with_a_wrong_output_shape_is_refused():
    data = one_op("EXPAND_DIMS", [((2, 3), np.float32, None), (np.array([1], np.int32), None)],
                  [((2, 3, 1), np.float32, None)])
    both_fail(data, [np.zeros((2, 3), np.float32)])
