"""TRANSPOSE_CONV: float32, int8, int16 x int8 (int64 or int16 bias).

TFLM scatters every input value through the filter into an accumulator the size of the output.
Here one exact GEMM gives every (input pixel, tap, output channel) product, and a loop over the
filter taps adds them into a strided view of the accumulator; integer sums do not depend on the
order. Float sums do, so the float path adds its float32 products in TFLM's own order (see
``eval_float``) and matches it bit for bit.
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
            # [kh, kw, in_c, out_c]: the out_c weights of one tap and input channel are a row
            self.wf = np.ascontiguousarray(np.transpose(w.data, (1, 2, 3, 0)), np.float32)
            # one tap's chain of running sums, [in_c + 1, n, in_h, in_w, out_c] float32, and the
            # copy numpy may take of it for the in-place accumulate
            ctx.workspace((in_c + 1) * n * in_h * in_w * out_c * 8, "ordered partial sums")
            self.chain = np.empty((in_c + 1, n, in_h, in_w, out_c), np.float32)
            self.bias = None if b is None else np.asarray(b.data, np.float32).reshape(out_c)
            self.lo, self.hi = quant.activation_range_float(act)
            self.acc = np.zeros((n, acc_h, acc_w, out_c), np.float32)
            return
        if x.dtype not in (np.int8, np.int16) or w.dtype != np.int8 or y.dtype != x.dtype:
            self.fail(f"unsupported types: input {x.dtype}, weights {w.dtype}, output {y.dtype}")
        self.kind = x.dtype.name
        # 16x8: no input or output offset in TFLM (see conv.py)
        self.zx = int(x.quantization.zero_point[0]) \
            if x.quantization is not None and self.kind == "int8" else 0
        self.gemm = IntegerGemm(wt.T.astype(np.int64), 1 << 15 if self.kind == "int16" else 256)
        # 16x8: TFLM widens an int16 bias to int64 and reads any other as int64 (an int32 one
        # as garbage), always accumulating in 64 bits
        self.bias = bias_values(self, b, out_c, (np.int64, np.int16) if self.kind == "int16"
                                else None, x.dtype)
        m, s = conv_requantization(self, x, w, y, out_c)
        self.output = QuantizedOutput(m, s, y, act, y.shape, add_zero_point=self.kind == "int8")
        self.acc = np.zeros((n, acc_h, acc_w, out_c), np.int64)
        # TFLM's accumulator lives in a scratch buffer of the arena (int32, or int64 for int16)
        ctx.request_scratch(int(np.prod(y.shape)) * (8 if self.kind == "int16" else 4))

    def eval(self, inputs, outputs):
        n, in_h, in_w, in_c, out_c, kh, kw, sh, sw, out_h, out_w = self.geometry
        x = inputs[2]
        if self.kind == "float":
            self.eval_float(x, outputs[0])
            return
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
        self.output.store(res + self.bias, outputs[0])

    def eval_float(self, x, out):
        """TFLM zeroes the output, then walks the input (batch, y, x, channel) and, per element,
        the taps, adding each rounded float32 product to its output element; bias and clamp
        follow in a second pass. An output element at accumulator row ay takes tap fy from input
        row (ay - fy) / stride, so its contributions arrive with the input row rising as fy
        falls, and likewise for columns; a tap fixes the input pixel, and its input channels
        come in rising order. Walking the taps from the last to the first and, within a tap,
        the input channels in order therefore adds every element's products in TFLM's order,
        while each step is a whole-array float32 operation."""
        n, in_h, in_w, in_c, out_c, kh, kw, sh, sw, out_h, out_w = self.geometry
        acc = self.acc
        # +0.0, as TFLM's zeroed output. An accumulator that starts at +0.0 never becomes -0.0
        # (a sum is -0.0 only when both terms are), so -0.0 products vanish as in C.
        acc[...] = 0
        # products of every input channel, first along the chain: [in_c, n, in_h, in_w, out_c]
        xs = np.moveaxis(x, 3, 0)[..., None]
        chain = self.chain
        for fy in range(kh - 1, -1, -1):
            for fx in range(kw - 1, -1, -1):
                view = acc[:, fy:fy + (in_h - 1) * sh + 1:sh, fx:fx + (in_w - 1) * sw + 1:sw, :]
                chain[0] = view
                np.multiply(xs, self.wf[fy, fx][:, None, None, None, :], out=chain[1:])
                # accumulate is sequential by definition: chain[i] = chain[i - 1] + chain[i],
                # the running sum first, as TFLM's ``out += in * filter``
                np.add.accumulate(chain, axis=0, out=chain)
                view[...] = chain[-1]
        # cells outside the output window took products TFLM skips; they are dropped here
        res = acc[:, self.pad_h:self.pad_h + out_h, self.pad_w:self.pad_w + out_w, :]
        r = res + self.bias if self.bias is not None else res
        # min/max as C's std::min(std::max(...)): inf becomes +-FLT_MAX, NaN passes
        clip(r, self.lo, self.hi, out=out)
