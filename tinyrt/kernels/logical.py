"""LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT (bool, with broadcasting), SELECT_V2, ZEROS_LIKE."""
import numpy as np

from .base import Kernel, register
from .common import check_broadcast


class _Logical(Kernel):
    dtypes = ("bool",)
    fn = None

    def prepare(self, ctx):
        if any(t.dtype != np.bool_ for t in ctx.inputs + ctx.outputs):
            self.fail("inputs and output must be bool")
        if len(ctx.inputs) == 2:
            check_broadcast(self, ctx.inputs[0], ctx.inputs[1], ctx.outputs[0])
        elif ctx.inputs[0].shape != ctx.outputs[0].shape:
            self.fail("output shape differs from the input's")

    def eval(self, inputs, outputs):
        type(self).fn(*inputs, out=outputs[0])


register("LOGICAL_AND")(type("LogicalAnd", (_Logical,), {"fn": staticmethod(np.logical_and)}))
register("LOGICAL_OR")(type("LogicalOr", (_Logical,), {"fn": staticmethod(np.logical_or)}))
register("LOGICAL_NOT")(type("LogicalNot", (_Logical,), {"fn": staticmethod(np.logical_not)}))


@register("SELECT_V2")
class SelectV2(Kernel):
    dtypes = ("float32", "int8", "int16", "int32", "bool")

    def prepare(self, ctx):
        cond, a, b = ctx.inputs[:3]
        y = ctx.outputs[0]
        if cond.dtype != np.bool_ or a.dtype != b.dtype or a.dtype != y.dtype:
            self.fail("condition must be bool and both values of the output's type")
        try:
            shape = np.broadcast_shapes(cond.shape, a.shape, b.shape)
        except ValueError:
            self.fail("condition and values do not broadcast")
        if tuple(shape) != y.shape:
            self.fail(f"inputs broadcast to {list(shape)}, output is {list(y.shape)}")

    def eval(self, inputs, outputs):
        outputs[0][...] = np.where(*inputs[:3])


@register("ZEROS_LIKE")
class ZerosLike(Kernel):
    dtypes = ("float32", "int32", "int64")

    def prepare(self, ctx):
        if ctx.inputs[0].dtype != ctx.outputs[0].dtype:
            self.fail("output type differs from the input's")

    def eval(self, inputs, outputs):
        outputs[0][...] = 0
