"""UNIDIRECTIONAL_SEQUENCE_LSTM, float32: the standard LSTM cell over a sequence, with TFLM's
tensor layout (24 inputs; the output and cell states are variable tensors that persist across
invokes) and options (fused activation for the cell candidate and output, cell clip, time-major).

Supported: float32 without peephole, projection or layer-norm weights (the form the TFLite
converter emits for Keras LSTM layers). Gate sums are computed with BLAS, so results differ from
TFLM's sequential float sums in the last bits (tests allow 1e-5).
"""
import numpy as np

from .. import libm
from .activations import expf
from .base import Kernel, register
from .common import activation

_GATES = ("input", "forget", "cell", "output")


def _sigmoid(x):
    return np.float32(1) / (np.float32(1) + expf(-x))


_ACTIVATIONS = {
    "TANH": libm.tanhf,
    "RELU": lambda x: np.maximum(x, np.float32(0)),
    "RELU6": lambda x: np.clip(x, np.float32(0), np.float32(6)),
    "SIGMOID": _sigmoid,
    "NONE": lambda x: x,
}


@register("UNIDIRECTIONAL_SEQUENCE_LSTM")
class UnidirectionalSequenceLSTM(Kernel):
    dtypes = ("float32",)

    def prepare(self, ctx):
        ins = list(ctx.inputs) + [None] * (24 - len(ctx.inputs))
        x, y = ins[0], ctx.outputs[0]
        if x is None or x.dtype != np.float32 or y.dtype != np.float32:
            self.fail("only float32 is supported")
        if any(ins[i] is not None for i in (9, 10, 11, 16, 17, 20, 21, 22, 23)):
            self.fail("peephole, projection and layer-norm weights are not supported")
        w_in = [ins[1 + k] for k in range(4)]
        w_rec = [ins[5 + k] for k in range(4)]
        bias = [ins[12 + k] for k in range(4)]
        h_state, c_state = ins[18], ins[19]
        if w_in[0] is None or w_rec[0] is None:
            self.fail("CIFG (no input gate) is not supported")
        if any(t is None or t.data is None for t in w_in + w_rec + bias):
            self.fail("gate weights and biases must be constant")
        if h_state is None or c_state is None or not (h_state.is_variable and c_state.is_variable):
            self.fail("output and cell states (inputs 18 and 19) must be variable tensors")
        if len(x.shape) != 3:
            self.fail("input must be 3-D")
        self.time_major = self.options["time_major"]
        n_time, n_batch = (x.shape[0], x.shape[1]) if self.time_major else (x.shape[1], x.shape[0])
        n_cell, n_input = w_in[0].shape
        n_output = w_rec[0].shape[1]
        if x.shape[2] != n_input or n_output != n_cell:
            self.fail("weight shapes do not fit the input")
        want = (n_time, n_batch, n_output) if self.time_major else (n_batch, n_time, n_output)
        if tuple(y.shape) != want:
            self.fail(f"output shape {list(y.shape)} should be {list(want)}")
        # all four gates in one matrix: [n_input, 4 n_cell] and [n_output, 4 n_cell]
        self.w_in = np.concatenate([np.asarray(w.data, np.float32) for w in w_in]).T.copy()
        self.w_rec = np.concatenate([np.asarray(w.data, np.float32) for w in w_rec]).T.copy()
        self.bias = np.concatenate([np.asarray(b.data, np.float32) for b in bias])
        self.n_cell = n_cell
        act = activation(self.options)
        if act not in _ACTIVATIONS:
            self.fail(f"activation {act} is not supported")
        self.act = _ACTIVATIONS[act]
        self.cell_clip = np.float32(self.options["cell_clip"])

    def eval(self, inputs, outputs):
        x = inputs[0]
        h, c = inputs[18], inputs[19]
        if not self.time_major:
            x = np.swapaxes(x, 0, 1)
        out = outputs[0] if self.time_major else np.swapaxes(outputs[0], 0, 1)
        n = self.n_cell
        for t in range(x.shape[0]):
            z = x[t] @ self.w_in + h @ self.w_rec + self.bias
            i = _sigmoid(z[:, :n])
            f = _sigmoid(z[:, n:2 * n])
            g = self.act(z[:, 2 * n:3 * n])
            o = _sigmoid(z[:, 3 * n:])
            c[...] = f * c + i * g
            if self.cell_clip > 0:
                np.clip(c, -self.cell_clip, self.cell_clip, out=c)
            h[...] = o * self.act(c)
            out[t] = h
