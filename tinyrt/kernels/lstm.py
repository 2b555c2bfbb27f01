"""UNIDIRECTIONAL_SEQUENCE_LSTM: the standard LSTM cell over a sequence, as TFLM computes it.

TFLM's tensor layout (24 inputs; the output and cell states, inputs 18 and 19, are variable
tensors that persist across invokes) and options (cell-gate activation, cell clip, time-major).
Each time step computes the forget, input and cell gates from the input and the previous output
state, updates the cell state c = f * c + i * g (then clips it when cell_clip > 0), computes the
output gate (still from the previous output state) and the new output state o * tanh(c), which
is also that step's output. The output state always uses tanh. The cell gate uses tanh when the
node's activation is TANH; with any other activation (code 6, SIGMOID, is one TFLM's flatbuffer
reader does not know and reads as NONE) TFLM's release build falls through its activation
switch and leaves the cell gate's input as it is, and so does this kernel. Batch rows are
independent, so every step runs on all of them at once (TFLM walks batch-major inputs one row
at a time: same results).

Variants, all bit-exact with TFLM:

* float32: TFLM's reference arithmetic (sums in input order, its logistic cut-offs, expf and
  tanhf, products clamped to +-FLT_MAX).
* int8 activations, int8 weights, int32 biases, int16 cell state; and int16 activations, int8
  weights, int64 biases, int16 cell state. Each gate's two fully connected layers (input with
  bias, output state without) produce int16 at scale 2^-12; their saturating sum goes through
  TFLM's int16 logistic or tanh (a 256-entry sigmoid table with linear interpolation) to
  Q0.15; the products f * c and i * g requantize to the cell state's scale, o * tanh(c) to the
  output state's. The cell state scale enters tanh only through its rounded log2 (a power of
  two is expected). The int16 variant accumulates in int64 and requantizes with TFLM's 64-bit
  MultiplyByQuantizedMultiplier. TFLM reads no gate quantization from the node's intermediate
  tensors (the gate scales are fixed as above); like TFLM, the interpreter accepts only empty
  ones.

Refused, as TFLM's Prepare refuses them: peephole (inputs 9-11), projection (16-17) and
layer-norm (20-23) tensors, and a missing input gate (CIFG). Also refused where TFLM would run
but compute garbage: per-channel weight scales (its LSTM keeps only a per-tensor multiplier) and
bias types other than int32 (int8) / int64 (int16).

Hybrid (float32 input, states and biases, int8 weights with per-tensor symmetric scales): TFLM
has no such kernel (it would read the weights as floats), so this variant follows LiteRT's
kernel as its x86-64 pip build (ai-edge-litert) computes it, bit for bit:

* Each step quantizes every row of the input and of the output state to int8 on the fly:
  symmetrically (scale max|v| / 127) or, with asymmetric_quantize_inputs, with a zero point.
  That build runs TFLite's NEON quantizers through a NEON-to-SSE translation: in blocks of 8
  values a value rounds as trunc(y +- 0.5) in float32, the remaining values with round().
  A step skips the product of an input (or state) that is all zeros: the whole [batch, depth]
  slice when time-major (LiteRT steps all rows at once), each row alone when batch-major
  (LiteRT steps one row at a time).
* gate = bias + sum_in * (row scale x weight scale) + sum_state * (row scale x weight scale),
  each product and sum rounded to float32, the integer sums exact (minus zero point x row
  sum when asymmetric).
* Sigmoid and tanh are Eigen's (the build is SSE4 without FMA): tanh a [9/8] rational
  approximation. Eigen's logistic takes two paths that differ in the last bit: 4-wide packets
  compute exp with Eigen's own polynomial, leftover elements call expf (glibc's). Which
  elements take which path depends on the gate buffer's address modulo 16, which is fixed by
  LiteRT's scratch layout (the four gates' buffers one after the other, 64-byte aligned, rows
  offset by n_cell floats when batch-major); the split is computed at prepare.
* The node's activation applies to the cell gate and to the cell state before the output
  product (LiteRT reads codes other than RELU, RELU_N1_TO_1, RELU6, TANH and SIGN_BIT as NONE).
  With NONE LiteRT leaves its scratch buffer untouched, so the output is the output gate times
  the cell gate's pre-activation values, not times the cell state; reproduced as it is.
* Refused: per-channel or missing weight scales (LiteRT reads a per-tensor scale only, 0 for
  per-channel weights), nonzero weight zero points (ignored by LiteRT), uint8 weights, and
  non-float biases or cell state. NaN values in the input or state are not reproduced bit for
  bit (LiteRT's min/max search treats them by position).
"""
import functools

import numpy as np

from .. import hybrid, libm, quant
from ..int16_activations import checked_log2, int16_logistic, int16_table, int16_tanh
from ..native.core import OutOfRange, prepares_native, requantization
from .activations import Logistic
from .base import Kernel, register
from .common import activation, clip
from .gemm import IntegerGemm, ordered_dot

f32 = np.float32

_PEEPHOLE, _PROJECTION, _LAYER_NORM = (9, 10, 11), (16, 17), (20, 21, 22, 23)
_INT16_MIN, _INT16_MAX = -32768, 32767
_FLT_MAX = np.float32(quant.FLOAT32_MAX)
_GATE_INPUT_SCALE = 2.0 ** -12       # Q3.12: what the gates' fully connected layers produce
_GATE_OUTPUT_SCALE = 2.0 ** -15      # Q0.15: what the int16 logistic and tanh produce

@prepares_native
def native_lstm(ctx, lstm, n_time, n_batch, n_input, act_dtype):
    """The integer LSTM in C from the integer variant's prepared data: the layers' weights
    (minus zero points, as int16), offsets, multipliers and the int16 activation tables. The
    int8 variant's sums wrap modulo 2^32 in C, so its offsets need no wrapping here."""
    n = lstm.n_cell
    wide = np.dtype(act_dtype) == np.int16
    (w_in, off_in, p_in), (w_rec, off_rec, p_rec) = lstm.layers
    if any(np.abs(w).max(initial=0) > 32767 for w in (w_in, w_rec)):
        raise OutOfRange("weights minus their zero points leave int16")
    if wide and any(not -47 <= s <= 14 for _, s in p_in + p_rec):
        raise OutOfRange("a gate shift outside the 64-bit requantization's range")
    gate = [requantization(m, s, 1) for m, s in p_in + p_rec]
    mult, left, right = (np.array([g[k][0] for g in gate], np.int32) for k in range(3))
    forget, added, hidden = (requantization(r.multiplier, r.shift, 1) for r in (
        lstm.forget_requant, lstm.input_requant, lstm.hidden_requant))
    arrays = dict(
        w_in=np.ascontiguousarray(w_in, np.int16), w_rec=np.ascontiguousarray(w_rec, np.int16),
        offset_in=np.ascontiguousarray(off_in, np.int64),
        offset_rec=np.ascontiguousarray(off_rec, np.int64), gate_mult=mult, gate_left=left,
        gate_right=right, sigmoid_table=lstm.sigmoid_table, cell_table=lstm.cell_table,
        cell_tanh_table=lstm.cell_tanh_table, gates=np.zeros(4 * n, np.int32))
    lo, hi = lstm.hidden_range
    return ctx.native_node(
        "lstm_int", keep=tuple(arrays.values()),
        inputs=("input",) + (None,) * 17 + ("h_state", "c_state"), **arrays,
        n_time=n_time, n_batch=n_batch, n_input=n_input, n_cell=n,
        time_major=int(lstm.time_major), act_bytes=2 if wide else 1,
        forget_mult=forget[0][0], forget_left=forget[1][0], forget_right=forget[2][0],
        input_mult=added[0][0], input_left=added[1][0], input_right=added[2][0],
        hidden_mult=hidden[0][0], hidden_left=hidden[1][0], hidden_right=hidden[2][0],
        hidden_zp=lstm.hidden_zero_point, hidden_min=lo, hidden_max=hi,
        use_clip=int(lstm.cell_clip > 0), clip=lstm.quantized_clip)


@prepares_native
def native_lstm_f32(ctx, lstm, n_time, n_batch, n_input):
    """The float32 LSTM in C: TFLM's reference order from the float variant's weights."""
    n = lstm.n_cell
    arrays = dict(w_in=np.ascontiguousarray(lstm.w_in), w_rec=np.ascontiguousarray(lstm.w_rec),
                  bias=np.ascontiguousarray(lstm.bias), gates=np.zeros(4 * n, np.float32))
    return ctx.native_node(
        "lstm_f32", keep=tuple(arrays.values()),
        inputs=("input",) + (None,) * 17 + ("h_state", "c_state"), **arrays,
        n_time=n_time, n_batch=n_batch, n_input=n_input, n_cell=n,
        time_major=int(lstm.time_major), cell_tanh=int(lstm.cell_tanh),
        cell_clip=lstm.clip_value)


@functools.lru_cache(maxsize=None)
def _table(fn, *args):
    """int16_table, built once per function and arguments (read-only: layers share it)."""
    table = int16_table(fn, *args)
    table.flags.writeable = False
    return table


def _identity(v):
    return v


def _mul_params(scale1, scale2, scale_out):
    """TFLM's LSTM element-wise product requantization: (multiplier, shift), in double."""
    return quant.quantize_multiplier(float(scale1) * float(scale2) / float(scale_out))


def _fc_multiplier(input_scale, weight_scale):
    """TFLM's fully connected multiplier into a gate (scale 2^-12), in double: tflite-micro's
    build multiplies the two float32 scales in double too (a float32 product changes the int16
    variant's 16-bit multiplier for some scales, and then its outputs)."""
    return quant.quantize_multiplier(float(input_scale) * float(weight_scale)
                                     / _GATE_INPUT_SCALE)


def _float_sigmoid(x):
    with np.errstate(over="ignore"):
        return Logistic.float_fn(x)


def _cell_clip(v, clip_value):
    """The cell state clip, when clip_value > 0: std::max(std::min(clip, v), -clip), in which a
    NaN becomes clip (TFLM and LiteRT alike)."""
    if clip_value > 0:
        v = np.where(v < clip_value, v, clip_value)
        v = np.where(-clip_value < v, v, -clip_value)
    return v


def _float_clamp(x):
    """TFLM's float activation clamp to +-FLT_MAX (inf becomes FLT_MAX; NaN passes)."""
    return clip(x, -_FLT_MAX, _FLT_MAX, out=x)


def _logistic_packet_lanes(n_batch, n_cell, time_major):
    """[n_batch, 4 n_cell]: where LiteRT's sigmoid gates take Eigen's packet path. LiteRT's
    scratch buffer (64-byte aligned) holds the input, cell, forget and output gates in that
    order, n_batch x n_cell floats each; a time-major step activates each gate's whole buffer,
    a batch-major one row b at b x n_cell floats in. Eigen runs scalar up to the first 16-byte
    boundary, then 4-wide packets, then scalar for the rest."""
    total = n_batch * n_cell
    lanes = np.zeros((n_batch, 4 * n_cell), bool)

    def packets(start, length):
        peel = min(-start % 4, length)
        k = np.arange(length)
        return (k >= peel) & (k < peel + (length - peel) // 4 * 4)

    for gate, slot in ((0, 0), (1, 2), (3, 3)):          # input, forget, output
        cols = slice(gate * n_cell, (gate + 1) * n_cell)
        if time_major:
            lanes[:, cols] = packets(slot * total, total).reshape(n_batch, n_cell)
        else:
            for b in range(n_batch):
                lanes[b, cols] = packets(slot * total + b * n_cell, n_cell)
    return lanes


class _HybridStep:
    """One of a hybrid step's two products (input or output state) with all four gates'
    weights (hybrid.HybridProduct), added into the gates of the rows LiteRT does not skip."""

    def __init__(self, weights, asymmetric, time_major):
        mats = [w.data.astype(np.int64) for w in weights]
        n_cell = mats[0].shape[0]
        self.product = hybrid.HybridProduct(
            np.concatenate(mats), np.repeat(np.array([f32(w.quantization.scale[0])
                                                      for w in weights], f32), n_cell),
            asymmetric)
        self.whole_slice = time_major

    def accumulate(self, gates, v):
        """gates [batch, 4 n_cell] += the product of the rows of v [batch, depth]; LiteRT skips
        all-zero rows (all-zero slices, time major)."""
        live = (v != 0).any(axis=1)
        if self.whole_slice:
            live[:] = live.any()
        if not live.any():
            return
        np.add(gates, self.product(v), out=gates, where=live[:, None])


@register("UNIDIRECTIONAL_SEQUENCE_LSTM")
class UnidirectionalSequenceLSTM(Kernel):
    dtypes = ("float32", "int8", "int16", "hybrid")

    def prepare(self, ctx):
        if len(ctx.inputs) != 24 or len(ctx.outputs) != 1:
            self.fail("needs 24 inputs and 1 output")
        ins, y = list(ctx.inputs), ctx.outputs[0]
        x, h_state, c_state = ins[0], ins[18], ins[19]
        if x is None or y is None:
            self.fail("input and output are required")
        if h_state is None or c_state is None or not (h_state.is_variable and c_state.is_variable):
            self.fail("output and cell states (inputs 18 and 19) must be variable tensors")
        if h_state.dtype != x.dtype or y.dtype != x.dtype:
            self.fail(f"output state and output must have the input's type {x.dtype}")
        if any(ins[i] is not None for i in _PEEPHOLE):
            self.fail("peephole weights (inputs 9-11) are not supported")
        if any(ins[i] is not None for i in _PROJECTION):
            self.fail("projection weights and bias (inputs 16-17) are not supported")
        if any(ins[i] is not None for i in _LAYER_NORM):
            self.fail("layer-norm coefficients (inputs 20-23) are not supported")
        if ins[1] is None or ins[5] is None or ins[12] is None:
            self.fail("CIFG (no input gate: inputs 1, 5 or 12 absent) is not supported")
        # gate order everywhere below: input, forget, cell, output
        w_in, w_rec, bias = ins[1:5], ins[5:9], ins[12:16]
        if any(t is None for t in w_in + w_rec + bias):
            self.fail("all gate weights and biases (inputs 1-8, 12-15) are required")
        if any(t.data is None for t in w_in + w_rec + bias):
            self.fail("gate weights and biases must be constant")
        if any(t.dtype != w_in[1].dtype for t in w_in + w_rec) or \
                any(t.dtype != bias[1].dtype for t in bias):
            self.fail("gate weights must share one type, and biases another")
        if len(x.shape) != 3 or len(h_state.shape) != 2:
            self.fail("input must be 3-D and the output state 2-D")
        self.time_major = bool(self.options.get("time_major", False))
        n_time, n_batch, n_input = x.shape if self.time_major else \
            (x.shape[1], x.shape[0], x.shape[2])
        n_cell = h_state.shape[1]
        if any(tuple(w.shape) != (n_cell, n_input) for w in w_in) or \
                any(tuple(w.shape) != (n_cell, n_cell) for w in w_rec) or \
                any(tuple(b.shape) != (n_cell,) for b in bias):
            self.fail(f"weights must be [{n_cell}, {n_input}] and [{n_cell}, {n_cell}], "
                      f"biases [{n_cell}]")
        for s in (h_state, c_state):
            if int(np.prod(s.shape)) != n_batch * n_cell:
                self.fail(f"state {s.name!r} must hold {n_batch}x{n_cell} values")
        if len(y.shape) != 3 or tuple(y.shape[:2]) != tuple(x.shape[:2]) or y.shape[2] != n_cell:
            self.fail(f"output shape {list(y.shape)} should be "
                      f"{[x.shape[0], x.shape[1], n_cell]}")
        self.n_cell = n_cell
        self.cell_tanh = activation(self.options) == "TANH"
        self.cell_clip = float(np.float32(self.options.get("cell_clip", 0.0)))
        if x.dtype == np.float32 and w_in[1].dtype == np.int8:
            self._prepare_hybrid(w_in, w_rec, bias, c_state, n_batch)
            # the step's gate sums and their temporaries
            ctx.workspace(8 * 8 * n_batch * 4 * n_cell, "the gate sums")
        elif x.dtype == np.float32:
            self._prepare_float(w_in, w_rec, bias, c_state)
            self.native = native_lstm_f32(ctx, self, n_time, n_batch, n_input)
        elif x.dtype in (np.int8, np.int16):
            self._prepare_integer(x, h_state, c_state, w_in, w_rec, bias)
            self.native = native_lstm(ctx, self, n_time, n_batch, n_input, x.dtype)
            # the input's gate sums for every step at once, with their requantization temporaries
            ctx.workspace(3 * 8 * n_time * n_batch * 4 * n_cell, "the gate sums")
        else:
            self.fail(f"input type {x.dtype} is not supported")
        # TFLM's four gate buffers, so that the arena is laid out as on the device
        cell_bytes = 4 if x.dtype == np.float32 else 2
        for _ in range(4):
            ctx.request_scratch(n_batch * n_cell * cell_bytes)

    # -- float32 -------------------------------------------------------------------------------
    def _prepare_float(self, w_in, w_rec, bias, c_state):
        if any(t.dtype != np.float32 for t in w_in + w_rec + bias + [c_state]):
            self.fail("float32 input needs float32 (or int8: hybrid) weights, and float32 "
                      "biases and cell state")
        self.kind = "float"
        self.w_in = np.concatenate([np.asarray(w.data, np.float32) for w in w_in])
        self.w_rec = np.concatenate([np.asarray(w.data, np.float32) for w in w_rec])
        self.bias = np.concatenate([np.asarray(b.data, np.float32) for b in bias])
        self.cell_fn = libm.tanhf if self.cell_tanh else (lambda z: z)
        self.clip_value = np.float32(self.cell_clip)

    def _eval_float(self, x, h, c, out):
        n = self.n_cell
        for t in range(x.shape[0]):
            z = _float_clamp(ordered_dot(x[t], self.w_in) + self.bias)
            # the recurrent layer has no bias, but TFLM still adds 0.0f (-0 becomes +0)
            z += _float_clamp(ordered_dot(h, self.w_rec) + np.float32(0))
            f = _float_sigmoid(z[:, n:2 * n])
            i = _float_sigmoid(z[:, :n])
            g = self.cell_fn(z[:, 2 * n:3 * n])
            new_c = _float_clamp(f * c) + _float_clamp(i * g)
            new_c = _cell_clip(new_c, self.clip_value)
            c[...] = new_c
            o = _float_sigmoid(z[:, 3 * n:])
            h[...] = _float_clamp(libm.tanhf(c) * o)
            out[t] = h

    # -- hybrid: float32 activations, int8 weights, as LiteRT ---------------------------------
    def _prepare_hybrid(self, w_in, w_rec, bias, c_state, n_batch):
        if any(t.dtype != np.float32 for t in bias + [c_state]):
            self.fail("hybrid LSTM (float32 input, int8 weights) needs float32 biases and cell "
                      f"state; got {bias[1].dtype} biases, {c_state.dtype} cell state")
        for t in w_in + w_rec:
            q = t.quantization
            if q is None or len(q.scale) == 0:
                self.fail(f"tensor {t.name!r} needs a weight scale")
            if len(q.scale) > 1:
                self.fail(f"tensor {t.name!r}: per-channel weight scales are not supported "
                          "(LiteRT's hybrid LSTM reads a per-tensor scale only)")
            if int(q.zero_point[0]) != 0:
                self.fail(f"tensor {t.name!r}: hybrid weights must be symmetric (zero point 0)")
        self.kind = "hybrid"
        asymmetric = bool(self.options.get("asymmetric_quantize_inputs", False))
        self.hybrid_in = _HybridStep(w_in, asymmetric, self.time_major)
        self.hybrid_rec = _HybridStep(w_rec, asymmetric, self.time_major)
        self.hybrid_bias = np.concatenate([np.asarray(b.data, f32).reshape(-1) for b in bias])
        self.hybrid_act = hybrid.LITERT_ACTIVATIONS.get(activation(self.options))
        n = self.n_cell
        lanes = _logistic_packet_lanes(n_batch, n, self.time_major)
        # the sigmoid gates (input, forget, output; not the cell gate), and of their values
        # those Eigen computes in packets and those it computes one by one
        gates = np.r_[0:2 * n, 3 * n:4 * n]
        self.sigmoid_gates = gates
        self.packet_lanes = lanes[:, gates]
        self.scalar_lanes = ~self.packet_lanes
        self.gates = np.empty((n_batch, 4 * n), f32)
        self.sigmoids = np.empty((n_batch, 3 * n), f32)
        self.clip_value = f32(self.cell_clip)

    def _eval_hybrid(self, x, h, c, out):
        n = self.n_cell
        z, sig, packet, scalar = self.gates, self.sigmoids, self.packet_lanes, self.scalar_lanes
        for t in range(x.shape[0]):
            z[...] = self.hybrid_bias
            self.hybrid_in.accumulate(z, x[t])
            self.hybrid_rec.accumulate(z, h)
            zs = z[:, self.sigmoid_gates]
            sig[packet] = hybrid.eigen_logistic_packet(zs[packet])
            sig[scalar] = hybrid.eigen_logistic_scalar(zs[scalar])
            i, f, o = sig[:, :n], sig[:, n:2 * n], sig[:, 2 * n:]
            g = z[:, 2 * n:3 * n]
            if self.hybrid_act is not None:
                g = self.hybrid_act(g)
            new_c = f * c + g * i
            new_c = _cell_clip(new_c, self.clip_value)
            c[...] = new_c
            # NONE: LiteRT multiplies the cell gate's values still in its scratch buffer
            cell_out = g if self.hybrid_act is None else self.hybrid_act(new_c)
            h[...] = o * cell_out
            out[t] = h

    # -- int8 / int16 --------------------------------------------------------------------------
    def _prepare_integer(self, x, h_state, c_state, w_in, w_rec, bias):
        wide = x.dtype == np.int16
        want_bias = np.int64 if wide else np.int32
        if any(w.dtype != np.int8 for w in w_in + w_rec) or c_state.dtype != np.int16 or \
                any(b.dtype != want_bias for b in bias):
            self.fail(f"{x.dtype} input needs int8 weights, {np.dtype(want_bias).name} biases "
                      f"and an int16 cell state; got {w_in[1].dtype} weights, "
                      f"{bias[1].dtype} biases, {c_state.dtype} cell state")
        for t in [x, h_state, c_state] + w_in + w_rec:
            q = t.quantization
            if q is None or len(q.scale) == 0:
                self.fail(f"tensor {t.name!r} needs quantization parameters")
            if len(q.scale) > 1:
                self.fail(f"tensor {t.name!r}: per-channel quantization is not supported")
        self.kind = "integer"
        sx, zx = float(x.quantization.scale[0]), int(x.quantization.zero_point[0])
        sh, zh = float(h_state.quantization.scale[0]), int(h_state.quantization.zero_point[0])
        sc = float(c_state.quantization.scale[0])
        if not (sx > 0 and sh > 0 and sc > 0):
            self.fail("input, output state and cell state scales must be positive")

        def layer(weights, input_scale, input_zero_point, biases):
            """One GEMM for the four gates: weights minus their zero points, the bias minus the
            input zero point's share, and each gate's (multiplier, shift) per output."""
            mats = [w.data.astype(np.int64) - int(w.quantization.zero_point[0]) for w in weights]
            w_all = np.concatenate(mats)
            offset = -input_zero_point * w_all.sum(axis=1)
            if biases is not None:
                offset = offset + np.concatenate([b.data.astype(np.int64) for b in biases])
            params = [_fc_multiplier(input_scale, float(w.quantization.scale[0]))
                      for w in weights]
            self.layers.append((w_all, offset, params))
            mult = np.repeat([p[0] for p in params], self.n_cell)
            shift = np.repeat([p[1] for p in params], self.n_cell)
            gemm = IntegerGemm(w_all, 1 << 15 if wide else 1 << 7)
            if wide:
                return gemm, offset, lambda acc: quant.multiply_by_quantized_multiplier_int64(
                    acc, mult, shift)
            requant = quant.Requantizer(mult, shift)
            # TFLM accumulates in int32
            return gemm, offset, lambda acc: requant(quant.wrap_int32(acc))

        self.layers = []        # (weights minus zero points, offsets, per-gate multipliers)
        self.gemm_in, self.offset_in, self.requant_in = layer(w_in, sx, zx, bias)
        self.gemm_rec, self.offset_rec, self.requant_rec = layer(w_rec, sh, zh, None)
        self.hidden_zero_point = zh
        self.sigmoid_table = _table(int16_logistic)
        self.cell_table = _table(int16_tanh if self.cell_tanh else _identity)
        # tanh of the cell state: its input scale is read as 2^power
        left_shift = 15 + checked_log2(sc) - 3
        if left_shift >= 30:
            self.fail(f"cell state scale {sc} is too large")
        self.cell_tanh_table = _table(int16_tanh, 0, left_shift) if left_shift >= 0 \
            else _table(int16_tanh, 3, -left_shift)
        self.forget_requant = quant.Requantizer(*_mul_params(_GATE_OUTPUT_SCALE, sc, sc))
        self.input_requant = quant.Requantizer(
            *_mul_params(_GATE_OUTPUT_SCALE, _GATE_OUTPUT_SCALE, sc))
        self.hidden_requant = quant.Requantizer(
            *_mul_params(_GATE_OUTPUT_SCALE, _GATE_OUTPUT_SCALE, sh), offset=zh)
        self.hidden_range = quant.dtype_range(x.dtype)
        # int16 cast of the double quotient: truncates towards zero
        self.quantized_clip = int(min(max(float(np.float32(self.cell_clip)) / sc, -32768.0),
                                      32767.0))

    def _gate_sums(self, gemm, offset, requant, values):
        """A fully connected layer into the gates: int16 values at scale 2^-12."""
        acc = gemm(values) + offset
        return clip(requant(acc), _INT16_MIN, _INT16_MAX)

    def _eval_integer(self, x, h, c, out):
        n = self.n_cell
        n_time, n_batch = x.shape[:2]
        from_input = self._gate_sums(self.gemm_in, self.offset_in, self.requant_in,
                                     x.reshape(n_time * n_batch, -1))
        from_input = from_input.reshape(n_time, n_batch, 4 * n)
        lo, hi = self.hidden_range
        for t in range(n_time):
            z = from_input[t] + self._gate_sums(self.gemm_rec, self.offset_rec,
                                                self.requant_rec, h)
            z = clip(z, _INT16_MIN, _INT16_MAX) - _INT16_MIN
            i = self.sigmoid_table[z[:, :n]].astype(np.int64)
            f = self.sigmoid_table[z[:, n:2 * n]].astype(np.int64)
            g = self.cell_table[z[:, 2 * n:3 * n]].astype(np.int64)
            o = self.sigmoid_table[z[:, 3 * n:]].astype(np.int64)
            kept = clip(self.forget_requant(f * c), _INT16_MIN, _INT16_MAX)
            added = clip(self.input_requant(i * g), _INT16_MIN, _INT16_MAX)
            new_c = clip(kept + added, _INT16_MIN, _INT16_MAX)
            if self.cell_clip > 0:
                new_c = clip(new_c, -self.quantized_clip, self.quantized_clip)
            c[...] = new_c
            tanh_c = self.cell_tanh_table[new_c - _INT16_MIN].astype(np.int64)
            h[...] = clip(self.hidden_requant(tanh_c * o), lo, hi)
            out[t] = h

    def eval(self, inputs, outputs):
        x, out = inputs[0], outputs[0]
        if not self.time_major:
            x, out = np.swapaxes(x, 0, 1), np.swapaxes(out, 0, 1)
        h = inputs[18].reshape(-1, self.n_cell)
        c = inputs[19].reshape(-1, self.n_cell)
        if self.kind == "float":
            self._eval_float(x, h, c, out)
        elif self.kind == "hybrid":
            self._eval_hybrid(x, h, c, out)
        else:
            self._eval_integer(x, h, c, out)
