"""SVDF: float32, and int8 input with int16 or int8 state, as TFLM's reference kernels; and hybrid
(float32 input, state and output with int8 feature and time weights) as LiteRT's reference
kernel, since TFLM has none.

Each invoke shifts the whole state left by one value (both move the flat buffer, so the shift
crosses filter boundaries; the last column is then overwritten), writes the new feature
projections into the last column, and applies the time weights, bias and rank reduction.

Hybrid: each input row is quantized on the fly (symmetrically, or with a zero point when
``asymmetric_quantize_inputs`` is set), multiplied by the feature weights exactly in integers and
scaled back to float into the state; the time step runs in float32 on the dequantized time
weights. LiteRT's float order differs from TFLM's float kernel (the bias is added after the
rank reduction, not before), and so do its fused activations (std::max / std::min and Eigen's
tanh, where TFLM uses fmax / fmin and the C library's tanhf): each variant follows its own.
Infinite hybrid inputs give LiteRT's results; NaN inputs do not: LiteRT's row range then
depends on where std::minmax_element meets the NaN, and the NaN's conversion to int8 is
undefined in C.
"""
import numpy as np

from .. import hybrid, libm, quant
from ..model.schema import ACTIVATIONS
from ..native.core import prepares_native, requantization
from .base import Kernel, register
from .common import activation, clip
from .gemm import IntegerGemm, ordered_dot

f32 = np.float32
# the C kernel's activation codes are the schema's (SIGMOID, read as NONE, passes through)
ACTIVATION_CODES = {name: code for code, name in ACTIVATIONS.items()}


@prepares_native
def native_svdf_int(ctx, svdf):
    """The integer SVDF in C: TFLM's sums with the zero points folded into per-row offsets
    (modulo 2^32, as C's int32 sums wrap)."""
    batch, n_filter, n_memory, n_unit, rank = svdf.dims
    m1, l1, r1 = (int(a[0]) for a in requantization(svdf.q1.multiplier, svdf.q1.shift, 1))
    m2, l2, r2 = (int(a[0]) for a in requantization(svdf.q2.multiplier, svdf.q2.shift, 1))
    wf = np.ascontiguousarray(svdf.wf_int8)
    wt = np.ascontiguousarray(svdf.wt.astype(svdf.state_dtype))
    feature_offset = quant.wrap_int32(svdf.feature_offset).astype(np.int32)
    unit_offset = quant.wrap_int32(
        svdf.bias - svdf.zs * svdf.wt.reshape(n_unit, rank * n_memory).sum(axis=1)
    ).astype(np.int32)
    lo, hi = svdf.state_range
    return ctx.native_node(
        "svdf_int", keep=(wf, wt, feature_offset, unit_offset),
        inputs=("input", None, None, None, "state"),
        weights_feature=wf, feature_offset=feature_offset, weights_time=wt,
        unit_offset=unit_offset, batch=batch, n_input=wf.shape[1], n_filter=n_filter,
        n_memory=n_memory, n_unit=n_unit, rank=rank,
        state_bytes=np.dtype(svdf.state_dtype).itemsize, mult1=m1, left1=l1, right1=r1,
        state_zp=svdf.zs, state_min=lo, state_max=hi, mult2=m2, left2=l2, right2=r2,
        output_zp=svdf.zy)


@prepares_native
def native_svdf_f32(ctx, svdf):
    """The float32 SVDF in C: TFLM's summation order, the feature step several filters at a
    time from transposed weights."""
    batch, n_filter, n_memory, n_unit, rank = svdf.dims
    wf_t = np.ascontiguousarray(svdf.wf.T)
    wt = np.ascontiguousarray(svdf.wt)
    bias = None if svdf.bias is None else np.ascontiguousarray(svdf.bias)
    acc = np.zeros(n_filter, np.float32)
    return ctx.native_node(
        "svdf_f32", keep=(wf_t, wt, bias, acc), inputs=("input", None, None, None, "state"),
        weights_feature_t=wf_t, weights_time=wt, bias=bias, acc=acc, batch=batch,
        n_input=wf_t.shape[0], n_filter=n_filter, n_memory=n_memory, n_unit=n_unit,
        rank=rank, activation=ACTIVATION_CODES[svdf.act])


@register("SVDF")
class SVDF(Kernel):
    dtypes = ("float32", "int8", "hybrid")

    def prepare(self, ctx):
        if len(ctx.inputs) < 5:
            self.fail("needs 5 inputs: input, feature weights, time weights, bias, state")
        x, wf, wt, b, state = ctx.inputs[:5]
        y = ctx.outputs[0]
        rank = self.options["rank"]
        if None in (x, wf, wt, state) or wf.data is None or wt.data is None:
            self.fail("input, constant weights and the state tensor are required")
        if len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2:
            self.fail("input and weights must be 2-D")
        if not state.is_variable:
            self.fail(f"state tensor {state.name!r} must be a variable tensor")
        batch, n_input = x.shape
        n_filter, wf_in = wf.shape
        if wf_in != n_input or rank < 1 or n_filter % rank or wt.shape[0] != n_filter:
            self.fail(f"inconsistent shapes: input {list(x.shape)}, feature weights "
                      f"{list(wf.shape)}, time weights {list(wt.shape)}, rank {rank}")
        n_memory = wt.shape[1]
        n_unit = n_filter // rank
        if n_memory < 1:
            self.fail("the time weights need at least one memory column")
        if int(np.prod(state.shape)) != batch * n_filter * n_memory:
            self.fail(f"state holds {int(np.prod(state.shape))} values; needs "
                      f"{batch * n_filter * n_memory}")
        if int(np.prod(y.shape)) != batch * n_unit:
            self.fail(f"output must hold {batch}x{n_unit} values")
        if b is not None and (b.data is None or int(np.prod(b.shape)) != n_unit):
            self.fail(f"the bias must be a constant of {n_unit} values")
        # float products of the feature and time steps, one value per term
        ctx.workspace(batch * n_filter * (n_input + n_memory) * 8, "SVDF products")
        self.dims = (batch, n_filter, n_memory, n_unit, rank)
        # Code 6 (SIGMOID) is unknown to both flatbuffer readers, which read it as NONE.
        self.act = activation(self.options)
        if x.dtype == np.float32 and wf.dtype == np.int8:
            self._prepare_hybrid(wf, wt, b, state, y)
        elif x.dtype == np.float32:
            if not all(t.dtype == np.float32 for t in (wf, wt, state, y)) or \
                    (b is not None and b.dtype != np.float32):
                self.fail("float32 input needs float32 weights, bias, state and output")
            self.kind = "float"
            self.wf = np.asarray(wf.data, np.float32)
            self.wt = np.asarray(wt.data, np.float32)
            self.bias = None if b is None else np.asarray(b.data, np.float32).reshape(n_unit)
        else:
            self._prepare_int(x, wf, wt, b, state, y)
        if self.kind == "int":
            # TFLM's two int32 scratch buffers (they count in the arena head like the device's).
            ctx.request_scratch(batch * n_filter * 4)
            ctx.request_scratch(batch * n_unit * 4)
        else:
            ctx.request_scratch(batch * n_filter * 4)
        if self.kind == "int":
            self.native = native_svdf_int(ctx, self)
        elif self.kind == "float":
            self.native = native_svdf_f32(ctx, self)

    def _prepare_int(self, x, wf, wt, b, state, y):
        batch, n_filter, n_memory, n_unit, rank = self.dims
        if x.dtype != np.int8 or wf.dtype != np.int8 or y.dtype != np.int8 or \
                state.dtype not in (np.int8, np.int16) or wt.dtype != state.dtype:
            self.fail(f"unsupported types: input {x.dtype}, feature weights {wf.dtype}, time "
                      f"weights {wt.dtype}, state {state.dtype}, output {y.dtype}")
        if b is not None and b.dtype != np.int32:
            self.fail(f"integer SVDF needs an int32 bias, got {b.dtype}")
        if any(t.quantization is None for t in (x, wf, wt, state, y)):
            self.fail("integer SVDF needs quantization parameters")
        self.kind = "int"
        sx, swf, swt, ss, sy = (f32(t.quantization.scale[0]) for t in (x, wf, wt, state, y))
        with np.errstate(all="ignore"):
            # TFLM multiplies and divides the float scales in float32, then widens
            scale_1 = float(sx * swf / ss)
            scale_2 = float(ss * swt / sy)
            time_scale = float(ss * swt)
        if not all(np.isfinite(s) and s > 0 for s in (scale_1, scale_2)):
            self.fail(f"scales give no usable multipliers ({scale_1}, {scale_2})")
        if b is not None:
            bias_scale = 0.0 if b.quantization is None else float(b.quantization.scale[0])
            if not abs(bias_scale - time_scale) < 1e-5:
                self.fail(f"bias scale {bias_scale} must be the state scale times the time "
                          f"weights scale ({time_scale})")
        self.zx = int(x.quantization.zero_point[0])
        self.zs = int(state.quantization.zero_point[0])
        self.zy = int(y.quantization.zero_point[0])
        self.q1 = quant.Requantizer(*quant.quantize_multiplier(scale_1))
        self.q2 = quant.Requantizer(*quant.quantize_multiplier(scale_2), offset=self.zy)
        self.state_dtype = state.dtype
        self.wf_int8 = np.asarray(wf.data, np.int8)
        wf_int = wf.data.astype(np.int64)
        self.gemm = IntegerGemm(wf_int, 256)
        self.feature_offset = -self.zx * wf_int.sum(axis=1)
        self.wt = wt.data.astype(np.int64)
        self.state_range = quant.dtype_range(state.dtype)
        self.bias = (np.zeros(n_unit, np.int64) if b is None
                     else b.data.astype(np.int64).reshape(n_unit))
        # C's int32 sums wrap only if they can leave int32's range: wrap only then
        lo, hi = self.state_range
        feature_bound = (128 + abs(self.zx)) * int(np.abs(wf_int).sum(axis=1).max(initial=0))
        time_bound = max(hi - self.zs, self.zs - lo) * \
            int(np.abs(self.wt).sum(axis=1).reshape(n_unit, rank).sum(axis=1).max(initial=0)) + \
            int(np.abs(self.bias).max(initial=0))
        self.wrap_feature = feature_bound >= 1 << 31
        self.wrap_time = time_bound >= 1 << 31

    def _prepare_hybrid(self, wf, wt, b, state, y):
        n_unit = self.dims[3]
        if wt.dtype != np.int8 or state.dtype != np.float32 or y.dtype != np.float32 or \
                (b is not None and b.dtype != np.float32):
            self.fail(f"hybrid SVDF needs int8 time weights and float32 bias, state and output; "
                      f"got {wt.dtype}, {None if b is None else b.dtype}, {state.dtype}, "
                      f"{y.dtype}")
        for t in (wf, wt):
            q = t.quantization
            if q is None or len(q.scale) != 1 or int(q.zero_point[0]) != 0:
                self.fail(f"hybrid SVDF needs symmetric per-tensor quantization of {t.name!r}")
        self.kind = "hybrid"
        self.feature_product = hybrid.HybridProduct(
            wf.data, f32(wf.quantization.scale[0]),
            bool(self.options.get("asymmetric_quantize_inputs")))
        # LiteRT dequantizes the time weights once, one float32 product each
        self.wt = wt.data.astype(np.float32) * f32(wt.quantization.scale[0])
        self.bias = None if b is None else np.asarray(b.data, np.float32).reshape(n_unit)

    # -- eval ------------------------------------------------------------------------------
    def eval(self, inputs, outputs):
        batch, n_filter, n_memory, n_unit, rank = self.dims
        x = inputs[0]
        flat = inputs[4].reshape(-1)
        flat[:-1] = flat[1:]            # numpy copies overlapping views as if through a temporary
        state = flat.reshape(batch, n_filter, n_memory)
        out = outputs[0].reshape(batch, n_unit)
        if self.kind == "float":
            state[:, :, -1] = ordered_dot(x, self.wf)
            acts = _ordered_rowdot(state, self.wt).reshape(batch, n_unit, rank)
            total = np.zeros((batch, n_unit), np.float32) if self.bias is None else \
                np.broadcast_to(self.bias, (batch, n_unit)).copy()
            for j in range(rank):
                total += acts[:, :, j]
            out[...] = _tflm_activation(self.act, total)
            return
        if self.kind == "hybrid":
            self._eval_hybrid(x, state, out)
            return
        # int32 sums in C: they wrap where a long reduction overflows
        dot = self.gemm(x) + self.feature_offset                # [batch, n_filter]
        if self.wrap_feature:
            dot = quant.wrap_int32(dot)
        lo, hi = self.state_range
        state[:, :, -1] = clip(self.q1(dot), lo, hi) + self.zs  # stored as T: wraps like C
        acts = ((state.astype(np.int64) - self.zs) * self.wt).sum(axis=2)
        total = acts.reshape(batch, n_unit, rank).sum(axis=2) + self.bias
        if self.wrap_time:
            total = quant.wrap_int32(total)
        clip(self.q2(total), -128, 127, out=out, casting="unsafe")

    def _eval_hybrid(self, x, state, out):
        batch, n_filter, n_memory, n_unit, rank = self.dims
        # LiteRT skips the feature step for an all-zero input (the column stays +0.0)
        if x.any():
            # each product is added to a zeroed scratch (so -0.0 becomes +0.0)
            state[:, :, -1] = f32(0) + self.feature_product(x)
        else:
            state[:, :, -1] = 0
        acts = _ordered_rowdot(state, self.wt).reshape(batch, n_unit, rank)
        total = np.zeros((batch, n_unit), np.float32)
        for j in range(rank):
            total += acts[:, :, j]
        if self.bias is not None:
            total += self.bias
        out[...] = hybrid.litert_activation(self.act, total)


def _ordered_rowdot(state, wt):
    """float32 0 + sum_j wt[f, j] * state[b, f, j] in j order: [batch, n_filter]. Starting
    from +0.0 as the C loops do turns an all-zero sum's -0.0 into +0.0."""
    prods = wt.astype(np.float32) * state
    prods[..., 0] += f32(0)
    return np.add.accumulate(prods, axis=-1, dtype=np.float32)[..., -1]


def _tflm_activation(act, v):
    """TFLM's ActivationValFloat: fmax / fmin (a NaN loses to the bound), tanhf, signbit."""
    if act == "RELU":
        return np.fmax(v, f32(0))
    if act == "RELU6":
        return np.fmax(np.fmin(v, f32(6)), f32(0))
    if act == "RELU_N1_TO_1":
        return np.fmax(np.fmin(v, f32(1)), f32(-1))
    if act == "TANH":
        return libm.tanhf(v)
    if act == "SIGN_BIT":
        return np.signbit(v).astype(np.float32)
    return v
