"""DIV, MAXIMUM, MINIMUM: element-wise binary ops with broadcasting."""
import numpy as np

from .. import quant
from .base import Kernel, register
from .common import activation, check_broadcast, clip, same_types


@register("DIV")
class Div(Kernel):
    dtypes = ("float32", "int32")

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        dt = same_types(self, [a, b, y], (np.float32, np.int32))
        check_broadcast(self, a, b, y)
        act = activation(self.options)
        self.float = dt == np.float32
        self.lo, self.hi = (quant.activation_range_float(act) if self.float
                            else quant.activation_range_int(act, dt))

    def eval(self, inputs, outputs):
        a, b = inputs
        if self.float:
            clip(a / b, self.lo, self.hi, out=outputs[0])
            return
        if not b.all():
            # C integer division by zero traps on the device; say so instead.
            self.fail("integer division by zero")
        q = np.abs(a) // np.abs(b)            # C division truncates towards zero
        q = np.where((a < 0) != (b < 0), -q, q)
        clip(q, self.lo, self.hi, out=outputs[0], casting="unsafe")


class _MinMax(Kernel):
    dtypes = ("float32", "int8", "int16", "int32", "int64")
    fn = None

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        same_types(self, [a, b, y], (np.float32, np.int8, np.int16, np.int32, np.int64))
        check_broadcast(self, a, b, y)

    def eval(self, inputs, outputs):
        type(self).fn(inputs[0], inputs[1], out=outputs[0])


@register("MAXIMUM")
class Maximum(_MinMax):
    fn = staticmethod(np.maximum)


@register("MINIMUM")
class Minimum(_MinMax):
    fn = staticmethod(np.minimum)
