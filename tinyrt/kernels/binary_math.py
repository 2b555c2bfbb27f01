"""FLOOR_DIV, FLOOR_MOD, SQUARED_DIFFERENCE (element-wise binary ops with broadcasting) and
ADD_N, with the dtypes and arithmetic of TFLM's kernels."""
import numpy as np

from .. import quant
from ..native.elementwise import native_binary
from .base import Kernel, register
from .common import Int8PairTable, check_broadcast, clip, same_types, scale_of, zero_point_of

POINTER_BYTES = 8     # TFLM's ADD_N keeps one data pointer per input in a scratch buffer


def _binary_shapes(kernel, ctx, allowed):
    a, b = ctx.inputs[0], ctx.inputs[1]
    y = ctx.outputs[0]
    dt = same_types(kernel, [a, b, y], allowed)
    check_broadcast(kernel, a, b, y, max_rank=8)
    return a, b, y, dt


def _smaller_than_one(kernel, real, what):
    """TFLM QuantizeMultiplierSmallerThanOneExp, which aborts outside (0, 1)."""
    if not 0.0 < real < 1.0:
        kernel.fail(f"{what} multiplier {real} is outside (0, 1), which TFLM cannot represent")
    return quant.quantize_multiplier(real)


@register("FLOOR_DIV")
class FloorDiv(Kernel):
    """float32 only, as tflite-micro: the quotient is taken in double, then floored."""
    dtypes = ("float32",)

    def prepare(self, ctx):
        _binary_shapes(self, ctx, (np.float32,))

    def eval(self, inputs, outputs):
        a, b = inputs
        if not b.all():
            self.fail("division by 0")        # TFLM checks every denominator first
        np.floor(np.divide(a, b, dtype=np.float64), out=outputs[0], casting="unsafe")


@register("FLOOR_MOD")
class FloorMod(Kernel):
    """float32 only: C's fmod, moved by the divisor when the signs differ."""
    dtypes = ("float32",)

    def prepare(self, ctx):
        _binary_shapes(self, ctx, (np.float32,))

    def eval(self, inputs, outputs):
        a, b = inputs
        with np.errstate(invalid="ignore"):
            r = np.fmod(a, b)
            moved = (r != 0) & ((b < 0) != (r < 0))
        outputs[0][...] = r
        np.add(outputs[0], b, out=outputs[0], where=moved)


@register("SQUARED_DIFFERENCE")
class SquaredDifference(Kernel):
    """float32, int32 (wrapping as C), and int8 / int16 through TFLM's rescaling: both inputs to
    a common scale after a left shift of 7 (int8) or 0 (int16), difference squared in int32,
    requantized to the output (int8 through its table of every input pair)."""
    dtypes = ("float32", "int8", "int16", "int32")
    pairs = None

    def prepare(self, ctx):
        a, b, y, dt = _binary_shapes(self, ctx, (np.float32, np.int8, np.int16, np.int32))
        self.quantized = dt in (np.int8, np.int16)
        if dt == np.float32:
            lim = np.float32(np.inf)
            self.native = native_binary(ctx, "SQUARED_DIFFERENCE", -lim, lim)
        if not self.quantized:
            return
        if any(t.quantization is None for t in (a, b, y)):
            self.fail("quantized inputs and output need quantization parameters")
        if dt == np.int16 and any(zero_point_of(t) for t in (a, b, y)):
            self.fail("int16 SQUARED_DIFFERENCE needs zero points of 0")
        sa, sb, so = (np.float32(scale_of(t)) for t in (a, b, y))
        self.left = 7 if dt == np.int8 else 0
        twice = 2.0 * float(max(sa, sb))
        self.qa = quant.Requantizer(*_smaller_than_one(self, float(sa) / twice, "input"))
        self.qb = quant.Requantizer(*_smaller_than_one(self, float(sb) / twice, "input"))
        # the C code multiplies 1 << 2*left by the float scale in float
        den = float(np.float32(1 << (2 * self.left)) * so)
        self.qo = quant.Requantizer(*quant.quantize_multiplier(twice * twice / den),
                                    offset=zero_point_of(y))
        self.za, self.zb = zero_point_of(a), zero_point_of(b)
        self.range = quant.dtype_range(dt)
        if dt == np.int8:
            self.pairs = Int8PairTable(self._quantized)
            self.native = native_binary(ctx, "SQUARED_DIFFERENCE", pairs=self.pairs)

    def _quantized(self, a, b):
        """TFLM's integer path on int64 input values."""
        sa = self.qa((a - self.za) << self.left)
        sb = self.qb((b - self.zb) << self.left)
        d = sa - sb
        return np.clip(self.qo(d * d), *self.range)

    def eval(self, inputs, outputs):
        if not self.quantized:
            d = np.subtract(inputs[0], inputs[1])
            np.multiply(d, d, out=outputs[0])
            return
        if self.pairs is not None:
            self.pairs(inputs[0], inputs[1], outputs[0])
            return
        r = self._quantized(inputs[0].astype(np.int64), inputs[1].astype(np.int64))
        np.copyto(outputs[0], r, casting="unsafe")


@register("ADD_N")
class AddN(Kernel):
    """float32 (summed in input order from 0, as TFLM) and int8 (TFLM's rescaling: every input
    to a common scale after a left shift of 20, summed in int32, requantized)."""
    dtypes = ("float32", "int8")
    INT8_LEFT_SHIFT = 20

    def prepare(self, ctx):
        xs, y = list(ctx.inputs), ctx.outputs[0]
        if len(xs) < 2:
            self.fail(f"needs at least 2 inputs, got {len(xs)}")
        dt = same_types(self, xs + [y], (np.float32, np.int8))
        if any(t.shape != xs[0].shape for t in xs[1:]):
            self.fail("all inputs must have the same shape")
        if int(np.prod(y.shape)) != int(np.prod(xs[0].shape)):
            self.fail(f"output shape {list(y.shape)} does not match inputs {list(xs[0].shape)}")
        ctx.request_scratch(POINTER_BYTES * len(xs))
        self.float = dt == np.float32
        if self.float:
            return
        if any(t.quantization is None for t in xs + [y]):
            self.fail("int8 ADD_N needs quantization parameters")
        s0, z0 = np.float32(scale_of(xs[0])), zero_point_of(xs[0])
        if any(np.float32(scale_of(t)) != s0 or zero_point_of(t) != z0 for t in xs[1:]):
            self.fail("int8 inputs must share one scale and zero point")
        twice = 2.0 * float(s0)
        self.qin = quant.Requantizer(*_smaller_than_one(self, float(s0) / twice, "input"))
        real_out = twice / ((1 << self.INT8_LEFT_SHIFT) * float(np.float32(scale_of(y))))
        self.qout = quant.Requantizer(*_smaller_than_one(self, real_out, "output"),
                                      offset=zero_point_of(y))
        self.offset = -z0
        # TFLM starts each sum from the rescaled input offset, not from 0
        self.start = int(self.qin(np.int64(self.offset << self.INT8_LEFT_SHIFT)))

    def eval(self, inputs, outputs):
        out = outputs[0].reshape(inputs[0].shape)
        if self.float:
            acc = np.zeros(out.shape, np.float32)     # 0 + x0 + x1 ...: -0.0 inputs sum to +0.0
            for x in inputs:
                acc += x
            out[...] = acc
            return
        acc = np.full(out.shape, self.start, np.int64)
        for x in inputs:
            acc += self.qin((x.astype(np.int64) + self.offset) << self.INT8_LEFT_SHIFT)
        acc = acc.astype(np.int32).astype(np.int64)   # the C sum is int32
        clip(self.qout(acc), -128, 127, out=out, casting="unsafe")
