"""CIRCULAR_BUFFER, TFLM's custom op for strided streaming convolutions: each invoke shifts the
output buffer by one slot and appends the input; the rest of the graph runs only every
``cycles_max``-th invoke (TFLM returns kTfLiteAbort from the node to stop the invoke early)."""
import numpy as np

from ..model.flexbuffers import read_map
from .base import Kernel, register
from .control_flow import AbortInvoke


@register("CIRCULAR_BUFFER")
class CircularBuffer(Kernel):
    dtypes = ("int8",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        self.cycles_max = int(read_map(custom_options, "CIRCULAR_BUFFER options")
                              .get("cycles_max", 0))

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != np.int8 or y.dtype != np.int8:
            self.fail("only int8 is supported (as TFLM)")
        if len(x.shape) != 4 or len(y.shape) != 4 or x.shape[0] != y.shape[0] or \
                x.shape[1] != 1 or x.shape[2] != y.shape[2] or x.shape[3] != y.shape[3]:
            self.fail("input must be [n, 1, w, d] and output [n, slots, w, d]")
        if self.cycles_max <= 0:
            # TFLM guesses the period of its two known streaming models from the shape
            self.cycles_max = 1 if y.shape[1] in (5, 13, 25) else 2
        self.slots = y.shape[1]
        self.depth = y.shape[2] * y.shape[3]
        self.cycles_until_run = self.cycles_max

    def reset(self):
        self.cycles_until_run = self.cycles_max

    def eval(self, inputs, outputs):
        out = outputs[0].reshape(-1)
        d = self.depth
        out[:(self.slots - 1) * d] = out[d:].copy()
        out[(self.slots - 1) * d:] = inputs[0].reshape(-1)[:d]
        self.cycles_until_run -= 1
        if self.cycles_until_run != 0:
            raise AbortInvoke()
        self.cycles_until_run = self.cycles_max
