"""tinyrt.libm against the C library functions tflite-micro calls, through one-op models: every
bit of the result, on random bit patterns (all exponents, subnormals, infinities, NaNs) and on
the inputs where the algorithms are delicate."""
import numpy as np
import pytest

from kernels.single_op import one_op
from oracle import tflm, tflm_interpreter
from tinyrt import libm

N = 1 << 17


def _oracle(op, x):
    tflm()
    data = one_op(op, [((x.size,), np.float32, None)], [((x.size,), np.float32, None)])
    it = tflm_interpreter(data, arena_size=16 << 20)
    it.set_input(x, 0)
    it.invoke()
    return it.get_output(0)


def _bit_patterns(rng, n):
    return rng.integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)


def _near_half_pi_multiples():
    """Floats around k*pi/2, where reducing the argument cancels most bits."""
    base = (np.arange(-76, 77) * np.pi / 2).astype(np.float32).view(np.int32)
    return np.concatenate([base + np.int32(d) for d in range(-200, 200)]).view(np.float32)


CASES = {
    "EXP": (libm.expf, lambda rng: rng.uniform(-105, 90, N).astype(np.float32)),
    "LOG": (libm.logf, lambda rng: np.concatenate([
        np.exp(rng.uniform(-103, 88, N // 2)).astype(np.float32),
        rng.uniform(0.9, 1.1, N // 2).astype(np.float32)])),
    "SIN": (libm.sinf, lambda rng: np.concatenate([
        (rng.standard_normal(N // 2) * np.exp(rng.uniform(-10, 10, N // 2))).astype(np.float32),
        _near_half_pi_multiples()])),
    "COS": (libm.cosf, lambda rng: np.concatenate([
        (rng.standard_normal(N // 2) * np.exp(rng.uniform(-10, 10, N // 2))).astype(np.float32),
        _near_half_pi_multiples()])),
    "TANH": (libm.tanhf, lambda rng: (rng.standard_normal(N) * 4).astype(np.float32)),
    # ELU runs expm1f on its negative inputs
    "ELU": (lambda x: np.where(x < 0, libm.expm1f(x), x),
            lambda rng: -np.exp(rng.uniform(-30, 4.6, N)).astype(np.float32)),
}


@pytest.mark.parametrize("op", sorted(CASES))
def test_same_bits_as_the_c_library(op):
    fn, gen = CASES[op]
    rng = np.random.default_rng(sorted(CASES).index(op))
    x = np.concatenate([gen(rng), _bit_patterns(rng, N)])
    theirs = _oracle(op, x)
    with np.errstate(all="ignore"):
        ours = fn(x)
    nan = np.isnan(theirs)
    np.testing.assert_array_equal(np.isnan(ours), nan)
    bad = np.flatnonzero(ours[~nan].view(np.uint32) != theirs[~nan].view(np.uint32))
    assert bad.size == 0, (x[~nan][bad[:5]], ours[~nan][bad[:5]], theirs[~nan][bad[:5]])


def test_scalars_and_shapes():
    assert libm.expf(np.float32(0)).dtype == np.float32
    assert libm.sinf(np.zeros((2, 3), np.float32)).shape == (2, 3)
    assert libm.expm1f(np.zeros((0,), np.float32)).shape == (0,)
