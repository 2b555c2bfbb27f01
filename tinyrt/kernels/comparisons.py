"""EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL with broadcasting; the output is
bool. float32, int32, int64 (and bool for the equalities) compare values; int8 compares the
real values through TFLM's rescaling (offset, shift left by 8, multiply by each scale).

int16 is refused: tflite-micro's GREATER takes int16 into its rescaling path, but its prepare
fills the rescaling parameters for int8 only, so the comparison reads parameters that were
never set (all False with a zeroed arena); the other comparisons reject int16."""
import numpy as np

from .. import quant
from .base import Kernel, register
from .common import check_broadcast, scale_of, zero_point_of


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
        check_broadcast(self, a, b, y, max_rank=8)
        self.rescale = None
        if a.dtype == np.int8:
            if a.quantization is None or b.quantization is None:
                self.fail("int8 comparison needs quantization parameters")
            self.rescale = [(zero_point_of(t), quant.Requantizer(*self._multiplier(t)))
                            for t in (a, b)]

    def _multiplier(self, t):
        # TFLM QuantizeMultiplierSmallerThanOneExp, which aborts for a scale outside (0, 1)
        scale = float(np.float32(scale_of(t)))
        if not 0.0 < scale < 1.0:
            self.fail(f"int8 comparison needs input scales in (0, 1); {t.name} has {scale}")
        return quant.quantize_multiplier(scale)

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
