"""The Signal library's streaming ops, whose output depends on earlier invokes: SignalDelay,
SignalStacker, SignalFramer and SignalOverlapAdd.

TFLM keeps each stream in a circular buffer; here each stream's pending samples sit at the
start of a linear arena buffer (one row per outer index, all rows advancing together), so a
write appends a slice and a read-and-discard shifts the rest to the front. Only the counts of
pending samples (and the stacker's first-frame flag) live outside the arena, in a small int32
array the C kernels share. As in TFLM, an output with no complete frame is left as it was.

TFLM reads these ops' flexbuffer options by position in the (key-sorted) map, so the map must
hold exactly the keys the converter writes: anything else would make TFLM read other values.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ...native.core import prepares_native
from ..base import Kernel, register
from .common import point_native, sorted_options

_INT32_MAX = 2**31 - 1


def _options(kernel, custom_options, keys):
    """The options as ints; ``keys`` maps each name to its least allowed value."""
    opts = dict(sorted_options(kernel, custom_options))
    if set(opts) != set(keys):
        kernel.fail(f"options must be exactly {sorted(keys)} (TFLM reads them by position); "
                    f"got {sorted(opts)}")
    out = {}
    for k, lo in keys.items():
        v = opts[k]
        if not isinstance(v, (int, bool)) or not lo <= int(v) <= _INT32_MAX:
            kernel.fail(f"option {k} must be an integer >= {lo}; got {v!r}")
        out[k] = int(v)
    return out


def _size(t):
    return int(np.prod(t.shape, dtype=np.int64))


def _check_valid_flag(kernel, ctx):
    if len(ctx.inputs) != 1 or len(ctx.outputs) != 2:
        kernel.fail("needs 1 input and 2 outputs (output, output_valid)")
    if ctx.inputs[0].dtype != np.int16 or ctx.outputs[0].dtype != np.int16:
        kernel.fail("input and output must be int16 (as TFLM)")
    valid = ctx.outputs[1]
    if valid.dtype != np.bool_ or len(valid.shape) != 0:
        kernel.fail("output_valid must be a bool scalar")


@prepares_native
def native_streaming(ctx, kernel, outputs=("output", "valid"), keep=(), **fields):
    """The op's C kernel; its persistent buffer is pointed at in bind()."""
    return ctx.native_node(kernel, keep=keep, outputs=outputs, **fields)


@register("SignalDelay")
class SignalDelay(Kernel):
    """Delays each row of the innermost dimension by ``delay_length`` samples."""
    dtypes = ("int16",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        self.delay = _options(self, custom_options, {"delay_length": 0})["delay_length"]

    def prepare(self, ctx):
        if len(ctx.inputs) != 1 or len(ctx.outputs) != 1:
            self.fail("needs 1 input and 1 output")
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != np.int16 or y.dtype != np.int16:
            self.fail("input and output must be int16 (as TFLM)")
        if len(x.shape) == 0 or x.shape[-1] < 1 or _size(y) != _size(x):
            self.fail(f"input {list(x.shape)} needs a non-empty innermost dimension and an "
                      f"output of as many values; output is {list(y.shape)}")
        self.frame = int(x.shape[-1])
        self.outer = _size(x) // self.frame
        nbytes = self.outer * (self.delay + self.frame) * 2
        ctx.workspace(nbytes, "the delay line")
        self.state_index = ctx.allocate_persistent(nbytes)
        self.native = native_streaming(ctx, "signal_delay", outputs=("output",),
                                       outer=self.outer, delay=self.delay, frame=self.frame)

    def bind(self):
        self.line = self.persistent[self.state_index].view(np.int16).reshape(
            self.outer, self.delay + self.frame)
        point_native(self, line=self.line)

    def reset(self):
        self.line[...] = 0

    def eval(self, inputs, outputs):
        d, f = self.delay, self.frame
        self.line[:, d:] = inputs[0].reshape(self.outer, f)
        outputs[0].reshape(self.outer, f)[...] = self.line[:, :f]
        self.line[:, :d] = self.line[:, f:]


@register("SignalStacker")
class SignalStacker(Kernel):
    """Stacks ``left + 1 + right`` consecutive input frames into one output, every
    ``stacker_step`` frames; the first frame after a reset also fills the left context."""
    dtypes = ("int16",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        o = _options(self, custom_options, {"num_channels": 1, "stacker_left_context": 0,
                                            "stacker_right_context": 0, "stacker_step": 1})
        self.channels = o["num_channels"]
        self.left = o["stacker_left_context"]
        frames = self.left + 1 + o["stacker_right_context"]
        if o["stacker_step"] > frames:
            # TFLM would discard more samples than its buffer holds
            self.fail(f"stacker_step {o['stacker_step']} exceeds the {frames} stacked frames")
        self.size = self.channels * frames
        self.step = self.channels * o["stacker_step"]

    def prepare(self, ctx):
        _check_valid_flag(self, ctx)
        x, y = ctx.inputs[0], ctx.outputs[0]
        if len(x.shape) != 1 or len(y.shape) != 1:
            self.fail("input and output must be 1-D (as TFLM)")
        if x.shape[0] != self.channels or y.shape[0] != self.size:
            self.fail(f"input must hold num_channels={self.channels} values and output "
                      f"{self.size}; got {x.shape[0]} and {y.shape[0]}")
        ctx.workspace(self.size * 2, "the stacker buffer")
        self.state_index = ctx.allocate_persistent(self.size * 2)
        self.counters = np.zeros(2, np.int32)       # pending samples, started
        self.native = native_streaming(ctx, "signal_stacker", keep=(self.counters,),
                                       counters=self.counters, channels=self.channels,
                                       left=self.left, size=self.size, step=self.step)

    def bind(self):
        self.buffer = self.persistent[self.state_index].view(np.int16)
        point_native(self, buffer=self.buffer)

    def reset(self):
        self.buffer[...] = 0
        self.counters[...] = 0

    def eval(self, inputs, outputs):
        c = self.channels
        pending, started = (int(v) for v in self.counters)
        if started:
            self.buffer[pending:pending + c] = inputs[0]
            pending += c
        else:
            n = c * (self.left + 1)
            self.buffer[:n].reshape(self.left + 1, c)[...] = inputs[0]
            pending = n
        valid = pending >= self.size
        if valid:
            outputs[0][...] = self.buffer
            keep = self.size - self.step
            self.buffer[:keep] = self.buffer[self.step:]
            pending = keep
        self.counters[...] = pending, 1
        outputs[1][...] = valid


@register("SignalFramer")
class SignalFramer(Kernel):
    """Cuts each row of the innermost dimension into frames of ``frame_size`` samples,
    ``frame_step`` apart, carrying the samples of unfinished frames to the next invoke."""
    dtypes = ("int16",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        o = _options(self, custom_options, {"frame_size": 1, "frame_step": 1, "prefill": 0})
        self.size, self.step, self.prefill = o["frame_size"], o["frame_step"], bool(o["prefill"])
        if self.prefill and self.size < self.step:
            # TFLM would prefill a negative number of zeros
            self.fail(f"prefill needs frame_size ({self.size}) >= frame_step ({self.step})")

    def prepare(self, ctx):
        _check_valid_flag(self, ctx)
        x, y = ctx.inputs[0], ctx.outputs[0]
        if len(x.shape) == 0 or len(y.shape) != len(x.shape) + 1:
            self.fail(f"output must have one more dimension than the input; got input "
                      f"{list(x.shape)}, output {list(y.shape)}")
        inner = int(x.shape[-1])
        if inner < self.step or inner % self.step:
            self.fail(f"innermost dimension {inner} must be a positive multiple of "
                      f"frame_step {self.step}")
        self.frames = inner // self.step
        self.outer = _size(x) // inner
        if _size(y) != self.outer * self.frames * self.size:
            self.fail(f"output {list(y.shape)} must hold {self.outer}x{self.frames} frames of "
                      f"{self.size}")
        # fewer than frame_size samples wait between invokes, then one invoke's worth arrives
        self.width = self.size + inner
        nbytes = self.outer * self.width * 2
        ctx.workspace(nbytes, "the framer buffer")
        self.state_index = ctx.allocate_persistent(nbytes)
        self.counters = np.zeros(1, np.int32)       # pending samples (every row alike)
        self.native = native_streaming(ctx, "signal_framer", keep=(self.counters,),
                                       counters=self.counters, outer=self.outer,
                                       frames=self.frames, width=self.width, size=self.size,
                                       step=self.step)

    def bind(self):
        self.buffer = self.persistent[self.state_index].view(np.int16).reshape(
            self.outer, self.width)
        point_native(self, buffer=self.buffer)

    def reset(self):
        self.buffer[...] = 0
        self.counters[0] = self.size - self.step if self.prefill else 0

    def eval(self, inputs, outputs):
        size, step, n = self.size, self.step, self.frames
        have = int(self.counters[0])
        total = have + n * step
        self.buffer[:, have:total] = inputs[0].reshape(self.outer, n * step)
        # Frame j is complete once j + 1 steps have arrived; no frame is taken before the
        # first complete one, so after it each new step completes another.
        first = max(0, -(-(size - have) // step) - 1)
        done = max(0, n - first)
        if done:
            windows = sliding_window_view(self.buffer[:, :total], size, axis=1)[:, ::step]
            outputs[0].reshape(self.outer, n, size)[:, first:] = windows[:, :done]
        pending = total - done * step
        self.buffer[:, :pending] = self.buffer[:, done * step:total]
        self.counters[0] = pending
        outputs[1][...] = done == n


@register("SignalOverlapAdd")
class SignalOverlapAdd(Kernel):
    """Adds frames of ``frame_size`` samples placed ``frame_step`` apart and emits
    ``frame_step`` finished samples per frame; the unfinished tail carries over."""
    dtypes = ("float32", "int16")
    _TYPES = {0: np.float32, 7: np.int16}   # the .tflite TensorType codes TFLM accepts in T

    def init(self, options, custom_options):
        super().init(options, custom_options)
        o = _options(self, custom_options, {"T": 0, "frame_step": 1})
        if o["T"] not in self._TYPES:
            self.fail(f"T must be FLOAT32 (0) or INT16 (7); got {o['T']}")
        self.dtype = np.dtype(self._TYPES[o["T"]])
        self.step = o["frame_step"]

    def prepare(self, ctx):
        if len(ctx.inputs) != 1 or len(ctx.outputs) != 1:
            self.fail("needs 1 input and 1 output")
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != self.dtype or y.dtype != self.dtype:
            self.fail(f"input and output must be {self.dtype} (option T)")
        if len(x.shape) < 2 or len(y.shape) != len(x.shape) - 1:
            self.fail(f"input must be [..., frames, frame_size] and output one dimension "
                      f"less; got {list(x.shape)} and {list(y.shape)}")
        self.size, self.frames = int(x.shape[-1]), int(x.shape[-2])
        if self.frames < 1:
            self.fail("needs at least one frame")
        if self.size < self.step:
            # TFLM would copy out more samples than a frame has
            self.fail(f"frame_size {self.size} is smaller than frame_step {self.step}")
        self.outer = _size(x) // (self.size * self.frames)
        if _size(y) != self.outer * self.frames * self.step:
            self.fail(f"output {list(y.shape)} must hold {self.outer}x{self.frames}x"
                      f"{self.step} values")
        # the sum's rows: this invoke's frames and the (chunks - 1) steps still open after them
        self.chunks = -(-self.size // self.step)
        acc_type = np.float32 if self.dtype == np.float32 else np.int32
        acc_bytes = self.outer * (self.frames + self.chunks - 1) * self.step * 4
        ctx.workspace(acc_bytes, "the overlap-add sums")
        self.acc = np.zeros((self.outer, self.frames + self.chunks - 1, self.step), acc_type)
        self.tail = self.size - self.step
        self.state_index = ctx.allocate_persistent(self.outer * self.tail * self.dtype.itemsize)
        row = self.acc[0].reshape(-1)           # C sums one row at a time
        self.native = native_streaming(ctx, "signal_overlap_add", outputs=("output",),
                                       keep=(row,), acc=row, acc_len=row.shape[0],
                                       type=0 if self.dtype == np.float32 else 1,
                                       outer=self.outer, frames=self.frames, size=self.size,
                                       step=self.step)

    def bind(self):
        self.state = self.persistent[self.state_index].view(self.dtype).reshape(
            self.outer, self.tail)
        point_native(self, state=self.state)

    def reset(self):
        self.state[...] = 0

    def eval(self, inputs, outputs):
        n, step, size = self.frames, self.step, self.size
        acc = self.acc
        flat = acc.reshape(self.outer, -1)
        acc[...] = 0
        flat[:, :self.tail] = self.state
        frames = inputs[0].reshape(self.outer, n, size)
        # Each sample gets its frames in time order (as TFLM adds them one frame at a time):
        # the later a chunk sits in its frame, the earlier that frame came.
        for k in reversed(range(self.chunks)):
            w = min(step, size - k * step)
            part = acc[:, k:k + n, :w]
            part += frames[:, :, k * step:k * step + w]
            if self.dtype == np.int16:
                np.clip(part, -32768, 32767, out=part)   # TFLM saturates after every add
        outputs[0].reshape(self.outer, n * step)[...] = flat[:, :n * step]
        self.state[...] = flat[:, n * step:n * step + self.tail]
