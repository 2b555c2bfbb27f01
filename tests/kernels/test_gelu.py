"""GELU against LiteRT's reference kernels (tflite-micro has no GELU kernel)."""
import numpy as np
import pytest

import tinyrt
from oracle import random_inputs
from tinyrt.builder import ModelBuilder


def litert_ref(data):
    lr = pytest.importorskip("ai_edge_litert.interpreter")
    it = lr.Interpreter(model_content=data,
                        experimental_op_resolver_type=lr.OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    return it


def model(dtype, approximate):
    b = ModelBuilder()
    q = {"scale": 0.05, "zero_point": -10} if dtype == np.int8 else {}
    qo = {"scale": 0.03, "zero_point": -60} if dtype == np.int8 else {}
    x = b.add_input("x", (4, 64), dtype, **q)
    y = b.add_tensor("y", (4, 64), dtype, **qo)
    b.add_operator("GELU", [x], [y], approximate=approximate)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("approximate", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.int8])
def test_gelu_matches_litert_reference(dtype, approximate):
    data = model(dtype, approximate)
    ref = litert_ref(data)
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    rng = np.random.default_rng(3)
    for _ in range(4):
        (x,) = random_inputs(it.get_input_details(), rng)
        it.set_input(x, 0)
        it.invoke()
        ref.set_tensor(ref.get_input_details()[0]["index"], x)
        ref.invoke()
        ours = it.get_output(0)
        theirs = ref.get_tensor(ref.get_output_details()[0]["index"])
        if dtype == np.int8:
            np.testing.assert_array_equal(ours, theirs)
        else:
            # erf / tanh computed differently from the C library: within 1e-6 absolute
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
