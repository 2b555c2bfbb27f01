"""Element-wise float32 math: ABS, NEG, CEIL, FLOOR, ROUND, SQRT, RSQRT, SQUARE, SIN, COS, EXP,
LOG. Transcendentals are evaluated in float64 and rounded once to float32, which gives the
correctly rounded result that C's float functions return in all but rare cases."""
import numpy as np

from .base import Kernel, register


def _f64(fn):
    return lambda x: fn(x.astype(np.float64)).astype(np.float32)


def _rsqrt(x):
    return np.float32(1) / np.sqrt(x)


_FUNCTIONS = {
    "ABS": np.abs, "NEG": np.negative, "CEIL": np.ceil, "FLOOR": np.floor,
    "ROUND": np.round,            # TFLM rounds halves to even, as numpy does
    "SQRT": np.sqrt, "RSQRT": _rsqrt, "SQUARE": np.square,
    "SIN": _f64(np.sin), "COS": _f64(np.cos), "EXP": _f64(np.exp), "LOG": _f64(np.log),
}


class _Unary(Kernel):
    dtypes = ("float32",)
    fn = None

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != np.float32 or y.dtype != np.float32:
            self.fail(f"only float32 is supported, got {x.dtype} -> {y.dtype}")
        if x.shape != y.shape:
            self.fail(f"output shape {list(y.shape)} differs from input {list(x.shape)}")

    def eval(self, inputs, outputs):
        outputs[0][...] = type(self).fn(inputs[0])


for _name, _fn in _FUNCTIONS.items():
    register(_name)(type(_name.title(), (_Unary,), {"fn": staticmethod(_fn)}))
