"""EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL on unquantized types (float32,
int32, int64, bool for (NOT_)EQUAL), with broadcasting; the output is bool."""
import numpy as np

from .base import Kernel, register
from .common import check_broadcast


class _Compare(Kernel):
    dtypes = ("float32", "int32", "int64")
    fn = None
    allowed = (np.float32, np.int32, np.int64)

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        if a.dtype != b.dtype or y.dtype != np.bool_:
            self.fail(f"inputs must share a type and the output must be bool; got {a.dtype}, "
                      f"{b.dtype} -> {y.dtype}")
        if a.dtype not in self.allowed:
            self.fail(f"type {a.dtype} is not supported")
        check_broadcast(self, a, b, y)

    def eval(self, inputs, outputs):
        type(self).fn(inputs[0], inputs[1], out=outputs[0])


def _make(name, fn, allowed=None):
    attrs = {"fn": staticmethod(fn)}
    if allowed:
        attrs["allowed"] = allowed
        attrs["dtypes"] = tuple(np.dtype(t).name for t in allowed)
    register(name)(type(name.title().replace("_", ""), (_Compare,), attrs))


_make("EQUAL", np.equal, (np.float32, np.int32, np.int64, np.bool_))
_make("NOT_EQUAL", np.not_equal, (np.float32, np.int32, np.int64, np.bool_))
_make("GREATER", np.greater)
_make("GREATER_EQUAL", np.greater_equal)
_make("LESS", np.less)
_make("LESS_EQUAL", np.less_equal)
