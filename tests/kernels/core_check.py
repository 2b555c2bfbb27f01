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


def check_levels(data, batches, native_nodes=None, oracle_data=None):
    """``batches``: a list of input lists. ``native_nodes``: the node indices that must run in C
    (default every node). Returns the outputs of the first level."""
    tflm()
    first = None
    for level in LEVELS:
        it = tinyrt.Interpreter(model_content=data, native=level)
        it.allocate_tensors()
        nodes = range(len(it.kernels)) if native_nodes is None else native_nodes
        for i in nodes:
            assert it.kernels[i].native is not None, (level, i, it.kernels[i].node.op_name)
        oracle = None if oracle_data is None else tflm_interpreter(oracle_data)
        outs = []
        for ours, theirs in run_both(data, batches, tinyrt_interp=it, oracle=oracle):
            for a, b in zip(ours, theirs):
                assert a.dtype == b.dtype and a.shape == b.shape, level
                assert a.tobytes() == b.tobytes() or (
                    a.dtype.kind == "f" and np.array_equal(a, b, equal_nan=True) and
                    np.array_equal(np.signbit(a), np.signbit(b))), \
                    f"{level}: {a.ravel()[:8]} vs tflite-micro {b.ravel()[:8]}"
            outs.append(b"".join(a.tobytes() for a in ours))
        if first is None:
            first = outs
        assert outs == first, f"{level} differs from {LEVELS[0]}"
    return first
