"""RELU, RELU6 and LEAKY_RELU: float32, int8, int16, as TFLM's kernels. With the compiled
core, int8 layers run as a C table lookup of what eval gives for each of the 256 values."""
import numpy as np

from .. import quant
from ..native.elementwise import native_lookup
from .base import Kernel, register
from .common import clip


def int8_table(kernel, ctx):
    """The C lookup node of an int8 layer: eval's output for every input value."""
    if ctx.inputs[0].dtype != np.int8:
        return None
    values = np.arange(-128, 128, dtype=np.int8)
    table = np.empty(256, np.int8)
    kernel.eval([values], [table])
    return native_lookup(ctx, table, 128)


def _same_type(kernel, ctx, allowed=(np.float32, np.int8, np.int16)):
    x, y = ctx.inputs[0], ctx.outputs[0]
    if x.dtype != y.dtype or x.dtype not in allowed:
        kernel.fail(f"unsupported types: input {x.dtype}, output {y.dtype}")
    if x.shape != y.shape:
        kernel.fail(f"input shape {list(x.shape)} differs from output {list(y.shape)}")
    if x.dtype != np.float32 and (x.quantization is None or y.quantization is None):
        kernel.fail("quantized input and output need quantization parameters")
    return x, y


@register("RELU")
class Relu(Kernel):
    """Quantized RELU rescales the input to the output's quantization, then clamps at zero."""
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = _same_type(self, ctx)
        self.float = x.dtype == np.float32
        if self.float:
            return
        zx, zy = int(x.quantization.zero_point[0]), int(y.quantization.zero_point[0])
        if x.dtype == np.int16 and (zx != 0 or zy != 0):
            self.fail("int16 RELU needs zero points of 0")
        sx, sy = np.float32(x.quantization.scale[0]), np.float32(y.quantization.scale[0])
        # The float32 scales divided in double: tflite-micro's build rounds like that (a
        # float32 quotient differs in the last bits, and then some outputs by one)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.float64(sx) / np.float64(sy)
        if not np.isfinite(ratio):
            self.fail(f"scales {sx} and {sy} give no usable multiplier")
        self.zx = zx
        # the same int32 MultiplyByQuantizedMultiplier serves int8 and int16 values
        self.requant = quant.Requantizer(*quant.quantize_multiplier(float(ratio)), offset=zy)
        lo, hi = quant.dtype_range(y.dtype)
        self.lo = max(lo, quant.quantize_value_float32(0.0, sy, zy))
        self.hi = hi
        self.native = int8_table(self, ctx)

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.float:
            outputs[0][...] = np.where(x < 0, np.float32(0), x)  # NaN passes, as in C
            return
        r = self.requant(x.astype(np.int64) - self.zx)
        clip(r, self.lo, self.hi, out=outputs[0], casting="unsafe")


@register("RELU6")
class Relu6(Kernel):
    """Quantized RELU6 clamps in the input's quantization (TFLM does not rescale)."""
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, _ = _same_type(self, ctx)
        self.float = x.dtype == np.float32
        if self.float:
            self.lo, self.hi = np.float32(0), np.float32(6)
            return
        zx = int(x.quantization.zero_point[0])
        self.lo = zx
        # FloatToQuantizedType clamps 6.0's quantized value to the type's range
        tmin, tmax = quant.dtype_range(x.dtype)
        self.hi = min(max(quant.quantize_value_float32(6.0, x.quantization.scale[0], zx), tmin), tmax)
        self.native = int8_table(self, ctx)

    def eval(self, inputs, outputs):
        x = inputs[0]
        outputs[0][...] = np.where(x > self.hi, self.hi, np.where(x < self.lo, self.lo, x))


@register("LEAKY_RELU")
class LeakyRelu(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = _same_type(self, ctx)
        alpha = np.float32(self.options["alpha"])
        self.float = x.dtype == np.float32
        if self.float:
            self.alpha = alpha
            return
        sx, sy = np.float32(x.quantization.scale[0]), np.float32(y.quantization.scale[0])
        self.zx = int(x.quantization.zero_point[0])
        zy = int(y.quantization.zero_point[0])
        # The float32 scales and alpha combined in double, as tflite-micro's build rounds them
        m_alpha, s_alpha = quant.quantize_multiplier(float(sx) * float(alpha) / float(sy))
        self.alpha_sign = -1 if m_alpha < 0 else 1
        self.q_alpha = quant.Requantizer(abs(m_alpha), s_alpha)
        self.q_identity = quant.Requantizer(*quant.quantize_multiplier(float(sx) / float(sy)))
        self.zy = zy
        self.lo, self.hi = quant.dtype_range(y.dtype)
        self.native = int8_table(self, ctx)

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.float:
            outputs[0][...] = np.where(x > 0, x, x * self.alpha)
            return
        v = x.astype(np.int64) - self.zx
        r = np.where(v >= 0, self.q_identity(v), self.alpha_sign * self.q_alpha(v)) + self.zy
        clip(r, self.lo, self.hi, out=outputs[0], casting="unsafe")
