"""TRANSPOSE_CONV: float32, int8, int16 x int8 (int64 or int32 bias).

TFLM scatters every input value through the filter into an accumulator the size of the output.
Here one exact GEMM gives every (input pixel, tap, output channel) product, and a loop over the
filter taps adds them into a strided view of the accumulator; integer sums do not depend on the
order. (Float sums do: float results may differ from TFLM's in the last bits.)
"""
import numpy as np

from .. import quant
from .base import Kernel, register
from .common import QuantizedOutput, activation, clip, output_size, padding_before, padding_name
from .conv import bias_values, conv_requantization
from .gemm import IntegerGemm


@register("TRANSPOSE_CONV")
class TransposeConv(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        if len(ctx.inputs) < 3:
            self.fail("needs output_shape, weights and input")
        shape_t, w, x = ctx.inputs[:3]
        b = ctx.inputs[3] if len(ctx.inputs) > 3 else None
        y = ctx.outputs[0]
        if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4:
            self.fail("input, weights and output must be 4-D")
        if w.data is None:
            self.fail("weights must be constant")
        if shape_t is not None and shape_t.data is not None and \
                tuple(int(v) for v in shape_t.data.reshape(-1)) != y.shape:
            self.fail(f"output_shape {shape_t.data.tolist()} differs from the output tensor "
                      f"{list(y.shape)}")
        n, in_h, in_w, in_c = x.shape
        out_c, kh, kw, w_in = w.shape
        _, out_h, out_w, y_c = y.shape
        if w_in != in_c or y_c != out_c or y.shape[0] != n:
            self.fail(f"shapes do not fit: input {list(x.shape)}, weights {list(w.shape)}, "
                      f"output {list(y.shape)}")
        o = self.options
        sh, sw = o["stride_h"], o["stride_w"]
        if sh < 1 or sw < 1:
            self.fail("strides must be >= 1")
        pad = padding_name(o)
        # TFLM derives the padding from the output size, as if convolving the output.
        self.pad_h, _ = padding_before(pad, out_h, kh, sh, 1, output_size(pad, out_h, kh, sh))
        self.pad_w, _ = padding_before(pad, out_w, kw, sw, 1, output_size(pad, out_w, kw, sw))
        self.geometry = (n, in_h, in_w, in_c, out_c, kh, kw, sh, sw, out_h, out_w)
        ctx.workspace(n * in_h * in_w * kh * kw * out_c * 16, "partial products")
        acc_h = max((in_h - 1) * sh + kh, self.pad_h + out_h)
        acc_w = max((in_w - 1) * sw + kw, self.pad_w + out_w)
        ctx.workspace(n * acc_h * acc_w * out_c * 8, "accumulator")
        act = activation(o)
        # taps-major weights: [in_c, kh*kw*out_c]
        wt = np.transpose(w.data, (3, 1, 2, 0)).reshape(in_c, kh * kw * out_c)
        if x.dtype == np.float32:
            if w.dtype != np.float32 or y.dtype != np.float32:
                self.fail("float32 input needs float32 weights and output")
            self.kind = "float"
            self.wt = np.asarray(wt, np.float32)
            self.bias = None if b is None else np.asarray(b.data, np.float32).reshape(out_c)
            self.lo, self.hi = quant.activation_range_float(act)
            self.acc = np.zeros((n, acc_h, acc_w, out_c), np.float32)
            return
        if x.dtype not in (np.int8, np.int16) or w.dtype != np.int8 or y.dtype != x.dtype:
            self.fail(f"unsupported types: input {x.dtype}, weights {w.dtype}, output {y.dtype}")
        self.kind = x.dtype.name
        self.zx = int(x.quantization.zero_point[0]) if x.quantization is not None else 0
        self.gemm = IntegerGemm(wt.T.astype(np.int64), 1 << 15 if self.kind == "int16" else 256)
        self.bias = bias_values(self, b, out_c)
        m, s = conv_requantization(self, x, w, y, out_c)
        self.output = QuantizedOutput(m, s, y, act, y.shape)
        self.acc = np.zeros((n, acc_h, acc_w, out_c), np.int64)
        # TFLM's accumulator lives in a scratch buffer of the arena (int32, or int64 for int16)
        ctx.request_scratch(int(np.prod(y.shape)) * (8 if self.kind == "int16" else 4))

    def eval(self, inputs, outputs):
        n, in_h, in_w, in_c, out_c, kh, kw, sh, sw, out_h, out_w = self.geometry
        x = inputs[2]
        if self.kind == "float":
            contrib = x.reshape(-1, in_c) @ self.wt
        else:
            xi = x.reshape(-1, in_c)
            if self.zx:
                xi = xi.astype(np.int64) - self.zx
            contrib = self.gemm(xi)
        contrib = contrib.reshape(n, in_h, in_w, kh, kw, out_c)
        acc = self.acc
        acc[...] = 0
        for fy in range(kh):
            for fx in range(kw):
                acc[:, fy:fy + (in_h - 1) * sh + 1:sh, fx:fx + (in_w - 1) * sw + 1:sw, :] += \
                    contrib[:, :, :, fy, fx, :]
        res = acc[:, self.pad_h:self.pad_h + out_h, self.pad_w:self.pad_w + out_w, :]
        out = outputs[0]
        if self.kind == "float":
            r = res + self.bias if self.bias is not None else res
            clip(r, self.lo, self.hi, out=out)
            return
        self.output.store(res + self.bias, out)
