"""FULLY_CONNECTED: float32, int8 (per-tensor or per-channel weights), int16 x int8 (int32 or
int64 bias: 32- or 64-bit accumulators, as CONV_2D), and hybrid (float32 activations with int8
weights, as TensorFlow Lite's reference kernel: each input row is quantized symmetrically on the
fly, multiplied exactly, and scaled back). With the compiled core, int8 runs in its conv_s8
kernel (a 1x1 convolution over the rows) and float32 in fully_connected_f32. The numpy kernels
are the reference: for the integer types one exact GEMM (gemm.IntegerGemm) and the integer
requantization; float32 sums in TFLM's order."""
import numpy as np

from .. import hybrid, quant
from .base import Kernel, register
from .common import QuantizedOutput, Window2D, activation, clip, defined_shifts, zero_point_of
from .conv import bias_values, int16_accumulator_bits, native_conv
from ..native.core import OutOfRange, prepares_native
from .gemm import IntegerGemm, filter_values, ordered_dot, pack_f32_blocks, pad_f32_blocks


@prepares_native
def native_fully_connected_f32(ctx, weights, bias, rows, lo, hi):
    """The fully_connected_f32 node of a float32 FULLY_CONNECTED: ``weights`` [units, depth],
    ``bias`` [units] or None."""
    units, depth = weights.shape
    if units == 0:
        raise OutOfRange("no units")
    ctx.workspace(4 * (-(-units // 16) * 16) * (depth + 1), "packed float weights")
    packed = pack_f32_blocks(weights)
    bias = pad_f32_blocks(bias, units)
    return ctx.native_node("fully_connected_f32", keep=(packed, bias), weights=packed,
                           bias=bias, rows=rows, depth=depth, units=units, act_min=lo,
                           act_max=hi)


@register("FULLY_CONNECTED")
class FullyConnected(Kernel):
    dtypes = ("float32", "int8", "int16", "hybrid", "int4 weights")

    def prepare(self, ctx):
        x, w = ctx.inputs[0], ctx.inputs[1]
        b = ctx.inputs[2] if len(ctx.inputs) > 2 else None
        y = ctx.outputs[0]
        if w.data is None:
            self.fail("weights must be constant")
        wdata = filter_values(self, ctx, w, x)
        if len(w.shape) != 2:
            self.fail(f"weights must be 2-D, got shape {list(w.shape)}")
        units, depth = w.shape
        if int(np.prod(x.shape)) % depth:
            self.fail(f"input of {int(np.prod(x.shape))} values is not a multiple of the "
                      f"weights' depth {depth}")
        self.batch = int(np.prod(x.shape)) // depth
        if int(np.prod(y.shape)) != self.batch * units:
            self.fail(f"output shape {list(y.shape)} does not hold {self.batch}x{units} values")
        self.depth, self.units = depth, units
        act = activation(self.options)
        if x.dtype == np.float32 and w.element_dtype == np.int8 and y.dtype == np.float32:
            self._prepare_hybrid(w, b, act)
            return
        if x.dtype == np.float32:
            if w.element_dtype != np.float32 or y.dtype != np.float32:
                self.fail(f"float32 input needs float32 weights and output, got "
                          f"{w.element_dtype}, {y.dtype}")
            self.kind = "float"
            self.w = np.asarray(wdata, np.float32)
            self.bias = None if b is None else np.asarray(b.data, np.float32)
            self.lo, self.hi = quant.activation_range_float(act)
            self.native = native_fully_connected_f32(ctx, self.w, self.bias, self.batch,
                                                     self.lo, self.hi)
            return
        if x.dtype not in (np.int8, np.int16) or w.element_dtype != np.int8 or y.dtype != x.dtype:
            self.fail(f"unsupported types: input {x.dtype}, weights {w.element_dtype}, "
                      f"output {y.dtype}")
        if x.quantization is None or w.quantization is None or y.quantization is None:
            self.fail("quantized FULLY_CONNECTED needs quantization parameters on every tensor")
        if w.packed_bits and len(w.quantization.scale) > 1:
            self.fail("int4 weights take per-tensor quantization only (as in TFLM)")
        self.kind = "int"
        zx = int(x.quantization.zero_point[0])
        zw = w.quantization.zero_point
        wq = wdata.astype(np.int64) - (zw.reshape(-1, 1) if len(zw) == units else int(zw[0]))
        x_bound = 1 << 15 if x.dtype == np.int16 else 256
        self.gemm = IntegerGemm(wq, x_bound)
        wide = x.dtype == np.int16
        bias = bias_values(self, b, units, (np.int32, np.int64) if wide else (np.int32,), x.dtype)
        # sum_k (x - zx) * w = sum_k x * w - zx * sum_k w
        self.offset = bias - zx * wq.sum(axis=1)
        if not float(y.quantization.scale[0]) > 0:
            self.fail("the output scale must be positive")
        in_scale = np.float64(x.quantization.scale[0])
        out_scale = np.float64(y.quantization.scale[0])
        w_scale = w.quantization.scale.astype(np.float64)
        if b is not None and len(w_scale) == 1:
            # TFLM's GetQuantizedConvolutionMultipler: the bias scale (0 when it has none)
            # must be the input scale times the weight scale, within 2% of the output scale
            b_scale = 0.0 if b.quantization is None else np.float64(b.quantization.scale[0])
            diff = abs(in_scale * w_scale[0] - b_scale)
            if not diff / out_scale <= 0.02:
                self.fail(f"bias scale {float(b_scale)} is not input scale x "
                          f"weight scale ({float(in_scale * w_scale[0])}) within 2% of the "
                          "output scale, which TFLM requires")
        m, s = defined_shifts(self, *quant.quantize_multipliers(in_scale * w_scale / out_scale))
        self.gemm.set_offset(self.offset)
        self.output = QuantizedOutput(m, s, y, act, (self.batch, units), self.gemm.acc_bound,
                                      acc_bits=int16_accumulator_bits(self, b) if wide else 32)
        if not wide and not np.any(zw):
            # the rows as a column of pixels under a 1x1 convolution
            self.native = native_conv(ctx, np.asarray(wdata), self.offset, m, s,
                                      Window2D("VALID", self.batch, 1, 1, 1, 1, 1), 1, depth,
                                      zx, zero_point_of(y), self.output.lo, self.output.hi,
                                      overlaps_input=False)
            if self.native is not None:
                return
        self.work = self.gemm.buffers(self.batch)

    def _prepare_hybrid(self, w, b, act):
        if w.quantization is None or len(w.quantization.scale) != 1 or \
                int(w.quantization.zero_point[0]) != 0:
            self.fail("hybrid FULLY_CONNECTED needs symmetric per-tensor weight quantization")
        self.kind = "hybrid"
        self.product = hybrid.HybridProduct(w.data, np.float32(w.quantization.scale[0]),
                                            bool(self.options.get("asymmetric_quantize_inputs")))
        self.bias = np.zeros(self.units, np.float32) if b is None else \
            np.asarray(b.data, np.float32).reshape(self.units)
        self.act = act

    def _eval_hybrid(self, x, out):
        if not x.any():
            # LiteRT skips the product for an all-zero input: the output is the bias itself
            # (a -0.0 in it stays -0.0)
            out[...] = hybrid.litert_activation(self.act, np.broadcast_to(self.bias, out.shape))
            return
        # LiteRT's ApplyActivationToVector, not TFLM's clamp to +-FLT_MAX
        out[...] = hybrid.litert_activation(self.act, self.bias + self.product(x))

    def eval(self, inputs, outputs):
        x = inputs[0].reshape(self.batch, self.depth)
        out = outputs[0].reshape(self.batch, self.units)
        if self.kind == "hybrid":
            self._eval_hybrid(x, out)
            return
        if self.kind == "float":
            acc = ordered_dot(x, self.w)
            if self.bias is not None:
                acc += self.bias
            clip(acc, self.lo, self.hi, out=out)
            return
        self.output.store(self.gemm.into(x, self.work), out)
