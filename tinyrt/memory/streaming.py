"""How far an operator's output may overlap one of its inputs without changing a bit.

TFLM's reference kernels write their output in order (row-major: batch, row, column, channel)
and, once an output pixel or element is written, never read the input that came before the
window of the next one. So an output placed at ``o`` may share bytes with an input at ``i`` as
long as no output byte is written over input bytes still to be read:

    i - o >= gap,  gap = max over output units p of (end of p's output) - (first input byte
                                                       read by unit p or any later unit)

A gap of 0 is an in-place operation (same-size elementwise ops, RESHAPE as a view); a
stride-1 3x3 depthwise convolution needs about one input row more than in-place (TinyEngine's
in-place depthwise without its channel buffer); a 1x1 convolution that widens channels may
start its output ``out - in`` bytes before its input. Only the input whose last use is this
operator can be overlapped (tinyrt.memory.compact decides which pairs are used).
"""
import numpy as np

from ..kernels.common import padding_before, padding_name

ELEMENTWISE = frozenset("""
ABS ADD CAST CEIL COS DEQUANTIZE DIV ELU EXP FLOOR FLOOR_DIV FLOOR_MOD HARD_SWISH LEAKY_RELU LOG
LOGISTIC MAXIMUM MINIMUM MUL NEG PRELU QUANTIZE RELU RELU6 RELU_N1_TO_1 ROUND RSQRT SIN SQRT
SQUARE SQUARED_DIFFERENCE SUB TANH""".split())
VIEWS = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS"})
WINDOWED = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D"})


def _elementwise_gap(count, in_size, out_size):
    # element e is read, then written: its output ends at (e+1)*out_size while the elements
    # still to read start at (e+1)*in_size
    if count == 0:
        return 0
    return max((e + 1) * (out_size - in_size) for e in (0, count - 1))


def _windowed_gap(op, inp, out, filt_hw):
    """Output pixels in order (batch, row, column). A convolution stores a pixel's output
    channels once their sums over the window are done (its accumulators: registers or a
    pixel's worth of stack, as CMSIS-NN and TinyEngine kernels keep them; TFLM's reference
    loop stores channel by channel and would need one input pixel more); a depthwise
    convolution or a pooling reads the window of one input channel and writes the outputs
    made from it (depth multiplier M of them) before moving to the next channel."""
    if len(inp.shape) != 4 or len(out.shape) != 4:
        return None
    o = op.options or {}
    n, h, w, c = inp.shape
    _, oh, ow, oc = out.shape
    kh, kw = filt_hw
    sh, sw = o.get("stride_h", 1), o.get("stride_w", 1)
    dh, dw = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)
    pad = padding_name(o)
    top = padding_before(pad, h, kh, sh, dh, oh)[0]
    left = padding_before(pad, w, kw, sw, dw, ow)[0]
    iy0 = np.clip(np.arange(oh) * sh - top, 0, h - 1)   # first input row each output row reads
    ix0 = np.clip(np.arange(ow) * sw - left, 0, w - 1)
    isz, osz = inp.dtype.itemsize, out.dtype.itemsize
    pixel = ((np.arange(n)[:, None, None] * h + iy0[None, :, None]) * w
             + ix0[None, None, :]).reshape(-1) * c * isz   # first input byte of each window
    if op.op_name == "CONV_2D":
        first = pixel                                       # unit: a pixel, all channels
        per_unit = oc
        mult = 1
    else:
        if oc % c:
            return None
        mult = oc // c
        first = (pixel[:, None] + np.arange(c)[None, :] * isz).reshape(-1)  # unit: (pixel, ch)
        per_unit = mult
    # input bytes still to be read from unit u on (including u), and after u
    incl = np.minimum.accumulate(first[::-1])[::-1]
    after = np.append(incl[1:], np.iinfo(np.int64).max)
    units = np.arange(first.size, dtype=np.int64)
    if op.op_name == "CONV_2D":
        return int(np.max((units + 1) * per_unit * osz - after))
    gap = np.max((units + 1) * per_unit * osz - after)      # last output of each unit
    if mult > 1:                                            # earlier ones: window still read
        gap = max(gap, np.max((units * per_unit + mult - 1) * osz - incl))
    return int(gap)


def overlap_gaps(op, tensors):
    """{input position: gap} for the inputs of ``op`` its output may overlap (see module
    doc); empty when the operator is not one whose writing order is known."""
    if len(op.outputs) != 1 or op.outputs[0] < 0:
        return {}
    out = tensors[op.outputs[0]]
    if out.dtype is None:
        return {}
    name = op.op_name
    gaps = {}
    if name in ELEMENTWISE or name in VIEWS:
        data_inputs = [0] if name in VIEWS else range(len(op.inputs))
        for k in data_inputs:
            i = op.inputs[k]
            if i < 0:
                continue
            t = tensors[i]
            if t.dtype is None or tuple(t.shape) != tuple(out.shape) and name not in VIEWS:
                continue          # broadcast operands are read many times
            count = int(np.prod(out.shape))
            if name in VIEWS and int(np.prod(t.shape)) != count:
                continue
            gaps[k] = _elementwise_gap(count, t.dtype.itemsize, out.dtype.itemsize)
    elif name in WINDOWED:
        i = op.inputs[0]
        if i >= 0 and tensors[i].dtype is not None:
            if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                if len(op.inputs) < 2 or len(tensors[op.inputs[1]].shape) != 4:
                    return {}
                filt = tensors[op.inputs[1]].shape[1:3]
            else:
                filt = (op.options.get("filter_height", 1), op.options.get("filter_width", 1))
            gap = _windowed_gap(op, tensors[i], out, filt)
            if gap is not None:
                gaps[0] = gap
    return gaps
