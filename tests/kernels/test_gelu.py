"""GELU against LiteRT's reference kernels (tflite-micro has no GELU kernel)."""
import numpy as np
import pytest

import tinyrt
from oracle import litert_ref, random_inputs
from tinyrt.builder import ModelBuilder


def model(dtype, approximate):
    b = ModelBuilder()
    q = {np.int8: {"scale": 0.05, "zero_point": -10},
         np.int16: {"scale": 3e-4, "zero_point": 0}}.get(dtype, {})
    qo = {np.int8: {"scale": 0.03, "zero_point": -60},
          np.int16: {"scale": 2e-4, "zero_point": 0}}.get(dtype, {})
    x = b.add_input("x", (4, 64), dtype, **q)
    y = b.add_tensor("y", (4, 64), dtype, **qo)
    b.add_operator("GELU", [x], [y], approximate=approximate)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("approximate", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.int16])
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
        if dtype != np.float32:
            np.testing.assert_array_equal(ours, theirs)
        elif approximate:
            # LiteRT evaluates tanh with Eigen's float approximation, tinyrt in float64; where
            # 1 + tanh cancels (x below about -4) Eigen's tanh is already -1: 1e-6 absolute
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
        else:
            # LiteRT's erfc is Eigen's float approximation, tinyrt's is float64 rounded: within
            # 1e-6 relative (at most 12 ulps on 2^18 samples), 71% identical
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0)


@pytest.mark.parametrize("approximate", [False, True])
@pytest.mark.parametrize("dtype", [np.int8, np.int16])
@pytest.mark.parametrize("seed", range(3))
def test_gelu_quantized_tables_on_every_input_value(dtype, approximate, seed):
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    lo, hi = (0.01, 0.1) if dtype == np.int8 else (1e-4, 1e-3)
    zp = (lambda: int(rng.integers(-40, 41))) if dtype == np.int8 else (lambda: 0)
    b = ModelBuilder()
    shape = (256, (info.max - info.min + 1) // 256)
    x = b.add_input("x", shape, dtype, scale=float(rng.uniform(lo, hi)), zero_point=zp())
    y = b.add_tensor("y", shape, dtype, scale=float(rng.uniform(lo, hi)), zero_point=zp())
    b.add_operator("GELU", [x], [y], approximate=approximate)
    b.mark_output(y)
    data = b.build()
    every = np.arange(info.min, info.max + 1, dtype=dtype).reshape(shape)
    ref = litert_ref(data)
    ref.set_tensor(ref.get_input_details()[0]["index"], every)
    ref.invoke()
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    it.set_input(every, 0)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0),
                                  ref.get_tensor(ref.get_output_details()[0]["index"]))
