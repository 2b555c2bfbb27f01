"""EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL with broadcasting; the output is
bool. float32, int32, int64 (and bool for the equalities) compare values; int8 compares the
real values through TFLM's rescaling (offset, shift left by 8, multiply by each scale)."""
import numpy as np

from .. import quant
from .base import Kernel, register
from .common import check_broadcast


class _Compare(Kernel):
    dtypes = ("float32", "int8", "int32", "int64")
    fn = None
    allowed = (np.float32, np.int8, np.int32, np.int64)

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        if a.dtype != b.dtype or y.dtype != np.bool_:
            self.fail(f"inputs must share a type and the output must be bool; got {a.dtype}, "
                      f"{b.dtype} -> {y.dtype}")
        if a.dtype not in self.allowed:
            self.fail(f"type {a.dtype} is not supported")
        check_broadcast(self, a, b, y)
        self.rescale = None
        if a.dtype == np.int8:
            if a.quantization is None or b.quantization is None:
                self.fail("int8 comparison needs quantization parameters")
            self.rescale = [(int(t.quantization.zero_point[0]),
                             quant.Requantizer(*quant.quantize_multiplier(
                                 float(t.quantization.scale[0]))))
                            for t in (a, b)]

    def eval(self, inputs, outputs):
        a, b = inputs[0], inputs[1]
        if self.rescale is not None:
            (za, qa), (zb, qb) = self.rescale
            a = qa((a.astype(np.int64) - za) << 8)
            b = qb((b.astype(np.int64) - zb) << 8)
        type(self).fn(a, b, out=outputs[0])


def _make(name, fn, allowed=None):
    attrs = {"fn": staticmethod(fn)}
    if allowed:
        attrs["allowed"] = allowed
        attrs["dtypes"] = tuple(np.dtype(t).name for t in allowed)
    register(name)(type(name.title().replace("_", ""), (_Compare,), attrs))


_make("EQUAL", np.equal, (np.float32, np.int8, np.int32, np.int64, np.bool_))
_make("NOT_EQUAL", np.not_equal, (np.float32, np.int8, np.int32, np.int64, np.bool_))
_make("GREATER", np.greater)
_make("GREATER_EQUAL", np.greater_equal)
_make("LESS", np.less)
_make("LESS_EQUAL", np.less_equal)
