"""Helpers shared by kernels: options decoding, padding rules, quantization parameters.

One place for each idea: a kernel that needs one of these calls it here, never re-derives it.
"""

import numpy as np

from ..model.schema import ACTIVATIONS, PADDINGS

# The clip ufunc itself: numpy's np.clip wrapper costs several microseconds a call, which
# dominates small tensors. Same semantics (NaN passes), and out= / casting= as any ufunc.
clip = (getattr(np, "_core", None) or np.core).umath.clip


def activation(options):
    """The fused activation of a node's options, as a name ("NONE", "RELU", "RELU6", ...)."""
    return ACTIVATIONS.get(options.get("fused_activation_function", 0), "NONE")


def padding_name(options):
    return PADDINGS.get(options.get("padding", 0), "SAME")


def output_size(padding, in_size, filter_size, stride, dilation=1):
    """TFLM ComputeOutSize."""
    eff = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        return (in_size + stride - 1) // stride
    return (in_size + stride - eff) // stride


def padding_before(padding, in_size, filter_size, stride, dilation, out_size):
    """TFLM ComputePaddingWithOffset: (padding before, extra 1 when the total is odd)."""
    if padding != "SAME":
        return 0, 0
    eff = (filter_size - 1) * dilation + 1
    total = max((out_size - 1) * stride + eff - in_size, 0)
    return total // 2, total % 2


def scale_of(tensor):
    """Scale of a per-tensor quantized tensor (float), or None when not quantized."""
    q = tensor.quantization
    return None if q is None else float(q.scale[0])


def zero_point_of(tensor):
    q = tensor.quantization
    return 0 if q is None else int(q.zero_point[0])


def scales_of(tensor):
    """All scales (per-channel or a single one) as a float32 array."""
    return tensor.quantization.scale


def clamp_range(act, output):
    """Integer clamp bounds of a fused activation for a quantized output tensor."""
    from ..quant import activation_range_quantized
    return activation_range_quantized(act, scale_of(output), zero_point_of(output), output.dtype)


def defined_shifts(kernel, multiplier, shift):
    """(multiplier, shift), after refusing left shifts TFLM cannot do: its requantization
    multiplies by (1 << shift) in int32, which for shifts of 32 and more is undefined
    behaviour in C++ (x86 then shifts by the count modulo 32). Up to 31 the product wraps
    as int32, which tinyrt reproduces."""
    if np.any(np.asarray(shift) > 31):
        kernel.fail(f"the requantization needs a left shift of {int(np.max(shift))} "
                    "(a multiplier of about 2^" f"{int(np.max(shift)) - 1}); TFLM's int32 "
                    "arithmetic is undefined past 31")
    return multiplier, shift


class _TapAxis:
    """One spatial axis of a filter window, cut to the taps that can read the input.

    Tap k of output o reads position o * stride + k * dilation - pad. Taps that read padding
    for every output add nothing (TFLM skips them), so only the hull of taps that some output
    reads inside the input is kept: with a dilation or a filter far larger than the input
    (SAME padding), the padded input and the windows then stay about the input's size
    instead of the filter's. ``first`` is the first kept tap, ``taps`` their number; when no
    tap ever reads the input, one tap is kept that reads padding for every output.
    ``pad`` (TFLM's padding, less the cut taps) is negative when the first kept tap of the
    first output lies inside the input."""

    def __init__(self, padding, in_size, filter_size, stride, dilation, out_size):
        self.full_pad, self.odd = padding_before(padding, in_size, filter_size, stride,
                                                 dilation, out_size)
        pad, last = self.full_pad, (out_size - 1) * stride
        first = max(0, -((last - pad) // dilation))          # ceil((pad - last) / dilation)
        end = min(filter_size, (in_size - 1 + pad) // dilation + 1)
        if filter_size == 0 or out_size <= 0:
            first, end = 0, filter_size
        if first >= end and filter_size > 0 and out_size > 0:
            # every tap reads padding: one tap, placed before the input for every output
            first, end, pad = 0, 1, last + 1
        else:
            pad -= first * dilation
        self.first, self.taps = first, end - first
        self.dilation = dilation if self.taps > 1 else 1
        self.pad = pad
        self.before = max(pad, 0)                  # padding rows written before the input
        self.start = max(-pad, 0)                  # where the first window starts in them
        need = last + (self.taps - 1) * self.dilation + 1 if self.taps else last + 1
        self.after = max(self.start + need - self.before - in_size, 0)


class Window2D:
    """Where a 2-D filter window of an NHWC input goes: output size, padding, and a strided
    view of every window over a padded copy of the input (no Python loop over pixels).

    ``kh``/``kw`` are the taps kept (see _TapAxis): a kernel with weights takes them through
    ``crop_filter``. ``pad_top``/``pad_left`` are the padding before the first kept tap
    (negative: the first window starts that many rows inside the input)."""

    def __init__(self, padding, in_h, in_w, kh, kw, stride_h, stride_w, dil_h=1, dil_w=1,
                 out_h=None, out_w=None):
        if min(stride_h, stride_w, dil_h, dil_w) < 1:
            raise ValueError(f"strides and dilations must be >= 1, got stride {stride_h}x{stride_w}"
                             f" dilation {dil_h}x{dil_w}")
        self.filter_h, self.filter_w = kh, kw
        self.out_h = output_size(padding, in_h, kh, stride_h, dil_h) if out_h is None else out_h
        self.out_w = output_size(padding, in_w, kw, stride_w, dil_w) if out_w is None else out_w
        self.options = (stride_h, stride_w, dil_h, dil_w)
        rows = _TapAxis(padding, in_h, kh, stride_h, dil_h, self.out_h)
        cols = _TapAxis(padding, in_w, kw, stride_w, dil_w, self.out_w)
        self.tflm_padding = (rows.full_pad, cols.full_pad)
        # a single output row (column) has no next one: its stride reads nothing
        self.stride_h = stride_h if self.out_h > 1 else 1
        self.stride_w = stride_w if self.out_w > 1 else 1
        self.rows, self.cols = slice(rows.first, rows.first + rows.taps), \
            slice(cols.first, cols.first + cols.taps)
        self.kh, self.kw = rows.taps, cols.taps
        self.dil_h, self.dil_w = rows.dilation, cols.dilation
        self.pad_top, self.pad_left = rows.pad, cols.pad
        self.start_h, self.start_w = rows.start, cols.start
        self._before = (rows.before, cols.before)
        self.pad_bottom, self.pad_right = rows.after, cols.after
        self.in_h, self.in_w = in_h, in_w

    def tflm_int16_overflow(self, strides_and_dilations=True):
        """Why TFLM cannot compute this window as the model states it, or None.

        TFLM keeps the padding of every windowed op, and the strides and dilations of its
        convolutions (ConvParams, DepthwiseParams), in int16 fields: a larger value is cut to
        its low 16 bits, and the layer computes with a geometry other than the model's. Only
        values that matter count: the stride of an axis with one output, the dilation of an
        axis with one tap, read nothing."""
        stride_h, stride_w, dil_h, dil_w = self.options
        values = [("padding", p) for p in self.tflm_padding]
        if strides_and_dilations:
            values += [("stride", v) for v, used in ((stride_h, self.out_h > 1),
                                                     (stride_w, self.out_w > 1)) if used]
            values += [("dilation", v) for v, used in ((dil_h, self.filter_h > 1),
                                                       (dil_w, self.filter_w > 1)) if used]
        for name, v in values:
            if not -(1 << 15) <= v < 1 << 15:
                return (f"a {name} of {v} does not fit TFLM's int16 field (it would compute "
                        "with the value's low 16 bits)")
        return None

    def crop_filter(self, weights, h_axis=1, w_axis=2):
        """The kept taps of a filter array whose axes ``h_axis``, ``w_axis`` are the filter's
        height and width (OHWI convolution weights, 1HWC depthwise weights)."""
        index = [slice(None)] * np.ndim(weights)
        index[h_axis], index[w_axis] = self.rows, self.cols
        return np.asarray(weights)[tuple(index)]

    @property
    def offset(self):
        """True when a window starts inside the input (negative padding): only code reading
        windows through ``windows`` handles that."""
        return bool(self.start_h or self.start_w)

    def padded_bytes(self, batch, channels, itemsize):
        """Bytes of ``padded_buffer(batch, channels, dtype)`` for a dtype of ``itemsize``."""
        return batch * self.padded_h * self.padded_w * channels * itemsize

    @property
    def padded(self):
        return any(self._before) or self.pad_bottom or self.pad_right

    @property
    def padded_h(self):
        """Rows of the input with its padding: every tap of every window falls inside."""
        return self.in_h + self._before[0] + self.pad_bottom

    @property
    def padded_w(self):
        return self.in_w + self._before[1] + self.pad_right

    def padded_buffer(self, batch, channels, dtype, fill):
        """A workspace holding the input surrounded by ``fill``; eval writes the interior."""
        buf = np.full((batch, self.padded_h, self.padded_w, channels), fill, dtype)
        top, left = self._before
        interior = buf[:, top:top + self.in_h, left:left + self.in_w, :]
        return buf, interior

    def windows(self, padded):
        """View [N, out_h, out_w, kh, kw, C] of every window of the padded NHWC array (or of
        the input itself when nothing is padded). Windows overlap, so callers only read it
        (the fast path does not mark it read-only)."""
        if self.start_h or self.start_w:
            padded = padded[:, self.start_h:, self.start_w:, :]
        n, _, _, c = padded.shape
        s0, s1, s2, s3 = padded.strides
        shape = (n, self.out_h, self.out_w, self.kh, self.kw, c)
        strides = (s0, s1 * self.stride_h, s2 * self.stride_w, s1 * self.dil_h,
                   s2 * self.dil_w, s3)
        if padded.flags.c_contiguous and padded.size:
            # the ndarray constructor makes the view several times faster than as_strided
            return np.ndarray(shape, padded.dtype, padded, 0, strides)
        return np.lib.stride_tricks.as_strided(padded, shape, strides, writeable=False)

    def valid_counts(self):
        """Number of window taps inside the input for each output pixel: [out_h, out_w]."""
        ones, inner = self.padded_buffer(1, 1, np.int64, 0)
        inner[...] = 1
        return self.windows(ones).sum(axis=(3, 4, 5))[0]


def check_broadcast(kernel, a, b, out, max_rank=6):
    """The two inputs broadcast (numpy rules, as TFLM's) to exactly the output's shape."""
    if max(len(a.shape), len(b.shape)) > max_rank:
        kernel.fail(f"inputs of rank above {max_rank} are not supported")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        kernel.fail(f"shapes {list(a.shape)} and {list(b.shape)} do not broadcast")
    if tuple(shape) != tuple(out.shape):
        kernel.fail(f"inputs broadcast to {list(shape)} but the output is {list(out.shape)}")


def same_types(kernel, tensors, allowed):
    """All tensors share one dtype, which is in ``allowed`` (numpy dtypes)."""
    dt = tensors[0].dtype
    if any(t.dtype != dt for t in tensors):
        kernel.fail("types differ: " + ", ".join(str(t.dtype) for t in tensors))
    if dt not in [np.dtype(a) for a in allowed]:
        kernel.fail(f"type {dt} is not supported (supported: "
                    f"{', '.join(np.dtype(a).name for a in allowed)})")
    return dt


class QuantizedOutput:
    """The last stage of every quantized accumulate-then-requantize kernel (FULLY_CONNECTED,
    convolutions): requantize the int64 accumulators, add the output zero point, clamp to the
    fused activation, store. ``acc_bits`` is the width of TFLM's accumulator: 32 (the default
    for 8-bit outputs) wraps the sums as C's int32 does and requantizes with the 32-bit
    MultiplyByQuantizedMultiplier; 64 (the default for 16-bit outputs) uses the 64-bit one.
    ``acc_bound``: the largest |accumulator| the kernel can pass, when known (the int32 wrap is
    then emulated only where it can happen). ``add_zero_point=False``: the output zero point
    bounds the activation clamp but is not added (TFLM's 16x8 convolutions, which assume it
    is 0).
    """

    def __init__(self, multiplier, shift, output, act, shape, acc_bound=None, acc_bits=None,
                 add_zero_point=True):
        from ..quant import Requantizer
        if acc_bits is None:
            acc_bits = 64 if output.dtype == np.int16 else 32
        self.wide = acc_bits == 64
        zy = zero_point_of(output) if add_zero_point else 0
        self.lo, self.hi = clamp_range(act, output)
        # An int32 accumulator that can leave int32's range wraps in TFLM; emulate that only
        # where it can happen.
        self.wrap = not self.wide and (acc_bound is None or acc_bound >= 1 << 31)
        if self.wide:
            self.m, self.s, self.zy = multiplier, shift, zy
        else:
            if len(multiplier) == 1:
                multiplier, shift = multiplier[0], shift[0]
            self.requant = Requantizer(multiplier, shift, zy, shape=shape,
                                       x_bound=None if self.wrap else acc_bound)
            self.tmp = np.empty(shape, np.int64)
            if self.wrap:
                self.narrow = np.empty(shape, np.int32)

    def store(self, acc, out):
        """``acc``: int64 accumulators of ``out``'s shape (overwritten)."""
        if self.wide:
            from ..quant import multiply_by_quantized_multiplier_int64
            r = multiply_by_quantized_multiplier_int64(acc, self.m, self.s) + self.zy
        else:
            if self.wrap:       # the cast keeps the low 32 bits: two's complement wrap
                np.copyto(self.narrow, acc, casting="unsafe")
                np.copyto(acc, self.narrow)
            r = self.requant.apply_inplace(acc, self.tmp)
        clip(r, self.lo, self.hi, out=out, casting="unsafe")


class Int8PairTable:
    """An int8 binary op whose output depends only on the two input values: prepare evaluates
    the op's exact integer arithmetic ``fn(a, b)`` (int64 arrays of values) once on all
    256 x 256 pairs, and eval is one lookup, with broadcasting, instead of the arithmetic."""

    def __init__(self, fn):
        values = np.arange(-128, 128, dtype=np.int64)
        self.table = np.asarray(fn(values[:, None], values[None, :]),
                                np.int64).astype(np.int8).reshape(-1)

    # elements per pass over same-shaped inputs: the intp index temporaries of a large batch
    # would otherwise leave the cache (a batch of 16 ran 10x slower per sample than one)
    chunk = 1 << 14

    def __call__(self, a, b, out):
        if a.shape == b.shape == out.shape and a.size > self.chunk and out.flags.c_contiguous:
            a, b, flat = a.reshape(-1), b.reshape(-1), out.reshape(-1)
            for i in range(0, flat.size, self.chunk):
                j = i + self.chunk
                self._lookup(a[i:j], b[i:j], flat[i:j])
            return
        self._lookup(a, b, out)

    def _lookup(self, a, b, out):
        # row a + 128, column b + 128 of the table
        index = a.astype(np.intp)
        index <<= 8
        np.take(self.table, np.add(index, b + np.intp(128 * 256 + 128)), out=out)


class Int8TableKernel:
    """Mixin for element-wise kernels that run float32 directly and int8 through a 256-entry
    table made in prepare: subclasses define ``float_fn(x)`` and ``make_table(xq, yq)``
    (the input and output Quantization; return None to refuse)."""

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype or x.shape != y.shape or x.dtype not in (np.float32, np.int8):
            self.fail(f"unsupported types or shapes: {x.dtype} -> {y.dtype}")
        self.lut = None
        if x.dtype == np.int8:
            if x.quantization is None or y.quantization is None:
                self.fail(f"int8 {self.node.op_name} needs quantization parameters")
            self.lut = self.make_table(x.quantization, y.quantization)

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.lut is None:
            outputs[0][...] = self.float_fn(x)
        else:
            np.take(self.lut, x.astype(np.intp) + 128, out=outputs[0])
