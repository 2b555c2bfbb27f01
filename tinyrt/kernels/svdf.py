"""SVDF: float32, and int8 input with int16 or int8 state (TFLM's integer reference).

Each invoke shifts the whole state left by one value (TFLM moves the flat buffer, so the shift
crosses filter boundaries; the last column is then overwritten), writes the new feature
projections into the last column, and applies the time weights, bias and rank reduction.
"""
import numpy as np

from .. import quant
from .base import Kernel, register
from .common import activation, clip
from .gemm import IntegerGemm, ordered_dot


@register("SVDF")
class SVDF(Kernel):
    dtypes = ("float32", "int8")

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
        if int(np.prod(state.shape)) != batch * n_filter * n_memory:
            self.fail(f"state holds {int(np.prod(state.shape))} values; needs "
                      f"{batch * n_filter * n_memory}")
        if int(np.prod(y.shape)) != batch * n_unit:
            self.fail(f"output must hold {batch}x{n_unit} values")
        self.dims = (batch, n_filter, n_memory, n_unit, rank)
        act = activation(self.options)
        if x.dtype == np.float32:
            if not all(t.dtype == np.float32 for t in (wf, wt, state, y)):
                self.fail("float32 input needs float32 weights, state and output")
            self.kind = "float"
            self.wf = np.asarray(wf.data, np.float32)
            self.wt = np.asarray(wt.data, np.float32)
            self.bias = None if b is None else np.asarray(b.data, np.float32).reshape(n_unit)
            self.lo, self.hi = quant.activation_range_float(act)
            ctx.request_scratch(batch * n_filter * 4)
            return
        if x.dtype != np.int8 or wf.dtype != np.int8 or y.dtype != np.int8 or \
                state.dtype not in (np.int8, np.int16) or wt.dtype != state.dtype:
            self.fail(f"unsupported types: input {x.dtype}, feature weights {wf.dtype}, time "
                      f"weights {wt.dtype}, state {state.dtype}, output {y.dtype}")
        if any(t.quantization is None for t in (x, wf, wt, state, y)):
            self.fail("integer SVDF needs quantization parameters")
        self.kind = "int"
        sx, swf, swt, ss, sy = (float(t.quantization.scale[0]) for t in (x, wf, wt, state, y))
        self.zx = int(x.quantization.zero_point[0])
        self.zs = int(state.quantization.zero_point[0])
        self.zy = int(y.quantization.zero_point[0])
        self.q1 = quant.Requantizer(*quant.quantize_multiplier(sx * swf / ss))
        self.q2 = quant.Requantizer(*quant.quantize_multiplier(ss * swt / sy), offset=self.zy)
        wf_int = wf.data.astype(np.int64)
        self.gemm = IntegerGemm(wf_int, 256)
        self.feature_offset = -self.zx * wf_int.sum(axis=1)
        self.wt = wt.data.astype(np.int64)
        self.state_range = quant.dtype_range(state.dtype)
        self.bias = (np.zeros(n_unit, np.int64) if b is None
                     else b.data.astype(np.int64).reshape(n_unit))
        # TFLM's two int32 scratch buffers (they count in the arena head like the device's).
        ctx.request_scratch(batch * n_filter * 4)
        ctx.request_scratch(batch * n_unit * 4)

    def eval(self, inputs, outputs):
        batch, n_filter, n_memory, n_unit, rank = self.dims
        x = inputs[0]
        flat = inputs[4].reshape(-1)
        flat[:-1] = flat[1:].copy()
        state = flat.reshape(batch, n_filter, n_memory)
        if self.kind == "float":
            state[:, :, -1] = ordered_dot(x, self.wf)
            acts = _ordered_rowdot(state, self.wt)
            out = np.zeros((batch, n_unit), np.float32) if self.bias is None else \
                np.broadcast_to(self.bias, (batch, n_unit)).copy()
            acts = acts.reshape(batch, n_unit, rank)
            for j in range(rank):
                out += acts[:, :, j]
            clip(out, self.lo, self.hi, out=outputs[0].reshape(batch, n_unit))
            return
        dot = self.gemm(x) + self.feature_offset                # [batch, n_filter]
        lo, hi = self.state_range
        new = clip(self.q1(dot), lo, hi) + self.zs
        state[:, :, -1] = new                                   # stored as T: wraps like C
        acts = ((state.astype(np.int64) - self.zs) * self.wt).sum(axis=2)
        out = acts.reshape(batch, n_unit, rank).sum(axis=2) + self.bias
        r = self.q2(out)
        clip(r, -128, 127, out=r)
        outputs[0].reshape(batch, n_unit)[...] = r


def _ordered_rowdot(state, wt):
    """float32 sum_j wt[f, j] * state[b, f, j] in j order: [batch, n_filter]."""
    prods = wt.astype(np.float32) * state
    return np.add.accumulate(prods, axis=-1, dtype=np.float32)[..., -1]
