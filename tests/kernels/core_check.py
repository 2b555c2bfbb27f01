"""The check every compiled-core kernel test makes: the model's nodes run in C at every SIMD
level this machine has, give the same bytes at each level, and equal tflite-micro's outputs
(invoke after invoke, so state carries over; the numpy kernels run alongside in run_both)."""
import numpy as np
import pytest

import tinyrt
from oracle import run_both, tflm, tflm_interpreter
from tinyrt import native

LEVELS = native.available()


def require_core():
    """Skip the calling test module (call at its top) where no level of the core is built."""
    if not LEVELS:
        pytest.skip(f"compiled core unavailable: {native.info()}", allow_module_level=True)


def check_levels(data, batches, native_nodes=None, oracle_data=None, numpy_nodes=(),
                 exact_nan=False):
    """``batches``: a list of input lists. ``native_nodes``: the node indices that must run in C
    (default every node); ``numpy_nodes``: those that must not. Float outputs may differ from
    tflite-micro's only in a NaN's payload, unless ``exact_nan``. Returns the first level's
    outputs, a list of output arrays per batch (the same bytes at every level)."""
    tflm()
    first = None
    for level in LEVELS:
        it = tinyrt.Interpreter(model_content=data, native=level)
        it.allocate_tensors()
        nodes = range(len(it.kernels)) if native_nodes is None else native_nodes
        for i in nodes:
            assert it.kernels[i].native is not None, (level, i, it.kernels[i].node.op_name)
        for i in numpy_nodes:
            assert it.kernels[i].native is None, (level, i, it.kernels[i].node.op_name)
        oracle = None if oracle_data is None else tflm_interpreter(oracle_data)
        outs = []
        for ours, theirs in run_both(data, batches, tinyrt_interp=it, oracle=oracle):
            for a, b in zip(ours, theirs):
                assert a.dtype == b.dtype and a.shape == b.shape, level
                assert a.tobytes() == b.tobytes() or (
                    not exact_nan and a.dtype.kind == "f" and
                    np.array_equal(a, b, equal_nan=True) and
                    np.array_equal(np.signbit(a), np.signbit(b))), \
                    f"{level}: {a.ravel()[:8]} vs tflite-micro {b.ravel()[:8]}"
            outs.append([np.array(a) for a in ours])
        if first is None:
            first = outs
        assert [[a.tobytes() for a in o] for o in outs] == \
            [[a.tobytes() for a in o] for o in first], f"{level} differs from {LEVELS[0]}"
    return first
