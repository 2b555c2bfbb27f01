"""BATCH_MATMUL: float32 (products summed in order, as TFLM), int8 (exact integer GEMM, then
TFLM's requantization), with adj_x / adj_y and broadcast batch dimensions; and hybrid (float
lhs, constant int8 rhs: each lhs row quantized symmetrically on the fly, as TensorFlow Lite's
reference kernel)."""
import numpy as np

from .. import quant
from .base import Kernel, register
from .common import QuantizedOutput


@register("BATCH_MATMUL")
class BatchMatMul(Kernel):
    dtypes = ("float32", "int8", "hybrid")

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        if len(a.shape) < 2 or len(b.shape) < 2 or max(len(a.shape), len(b.shape)) > 5:
            self.fail("inputs must have rank 2 to 5")
        self.adj_x, self.adj_y = self.options["adj_x"], self.options["adj_y"]
        sa = a.shape[:-2] + ((a.shape[-1], a.shape[-2]) if self.adj_x else a.shape[-2:])
        sb = b.shape[:-2] + ((b.shape[-1], b.shape[-2]) if self.adj_y else b.shape[-2:])
        if sa[-1] != sb[-2]:
            self.fail(f"inner dimensions differ: {list(sa)} x {list(sb)}")
        try:
            batch = np.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            self.fail("batch dimensions do not broadcast")
        want = tuple(batch) + (sa[-2], sb[-1])
        if tuple(y.shape) != want:
            self.fail(f"output shape {list(y.shape)} should be {list(want)}")
        if a.dtype == np.float32 and b.dtype == np.float32 and y.dtype == np.float32:
            self.kind = "float"
            return
        if a.dtype == np.float32 and b.dtype == np.int8 and y.dtype == np.float32:
            if b.data is None or b.quantization is None or len(b.quantization.scale) != 1 or \
                    int(b.quantization.zero_point[0]) != 0 or self.adj_x or \
                    self.options["asymmetric_quantize_inputs"]:
                self.fail("hybrid BATCH_MATMUL needs a constant, symmetric per-tensor int8 rhs, "
                          "no adj_x and symmetric input quantization")
            self.kind = "hybrid"
            rhs = b.data.astype(np.float64)
            self.rhs = np.swapaxes(rhs, -1, -2) if self.adj_y else rhs
            self.rhs_scale = np.float32(b.quantization.scale[0])
            return
        if not (a.dtype == b.dtype == y.dtype == np.int8):
            self.fail(f"unsupported types {a.dtype} x {b.dtype} -> {y.dtype}")
        if any(t.quantization is None for t in (a, b, y)):
            self.fail("int8 BATCH_MATMUL needs quantization parameters")
        self.kind = "int8"
        self.za = int(a.quantization.zero_point[0])
        self.zb = int(b.quantization.zero_point[0])
        real = (float(a.quantization.scale[0]) * float(b.quantization.scale[0])
                / float(y.quantization.scale[0]))
        m, s = quant.quantize_multiplier(real)
        self.output = QuantizedOutput(np.array([m]), np.array([s]), y, "NONE", y.shape)
        ctx.workspace(int(np.prod(want)) * sa[-1] * 8, "products")

    def _operands(self, a, b):
        if self.adj_x:
            a = np.swapaxes(a, -1, -2)
        if self.adj_y:
            b = np.swapaxes(b, -1, -2)
        return a, b

    def eval(self, inputs, outputs):
        a, b = self._operands(inputs[0], inputs[1])
        if self.kind == "hybrid":
            f32 = np.float32
            x = inputs[0]
            span = np.abs(x).max(axis=-1, keepdims=True).astype(f32)
            span = np.where(span == 0, f32(1), span)
            q = np.clip(quant.round_half_away_array(x * (f32(127) / span)), -127, 127)
            acc = np.matmul(q.astype(np.float64), self.rhs).astype(f32)   # exact integers
            outputs[0][...] = acc * ((span / f32(127)) * self.rhs_scale)
            return
        if self.kind == "float":
            prods = a[..., :, :, None] * b[..., None, :, :]           # [..., M, K, N]
            outputs[0][...] = np.add.accumulate(prods, axis=-2, dtype=np.float32)[..., -1, :]
            return
        # |(a - za)(b - zb)| < 2^16: sums of any practical depth are exact in float64
        acc = np.matmul(a.astype(np.float64) - self.za, b.astype(np.float64) - self.zb)
        self.output.store(acc.astype(np.int64), outputs[0])
