"""What each TFLM reference kernel asks of the arena in init and prepare, in order.

Read from the kernels' Init and Prepare functions (tensorflow/lite/micro/kernels/, signal/):
- ``("op_data", "Struct")``: a persistent buffer of sizeof(Struct) (init's op data);
- ``("persistent", n)``: a persistent buffer of n bytes, or of sizeof(n) when n is a struct
  name (16-byte aligned, from the tail);
- ``("temp", i)``: a temporary TfLiteTensor for tensor i (plus its quantization copy), from
  ``AllocateTemp{Input,Output}Tensor``; temporaries are released only after the node's prepare;
- ``("scratch", n)``: a scratch buffer request of n bytes (planned in the head), or
  ``("scratch", struct, count)`` for an array of structs;
- ``("bound", i)``: prepare points tensor i at memory of its own, so TFLM does not plan it;
- ``("resource", i, n)``: ASSIGN_VARIABLE's buffer of n bytes for the resource variable whose
  handle is tensor i, allocated (persistent) on the variable's first assignment only.
The sequence matters: a temporary must fit below the tail as it is at that moment.
"""
import numpy as np

INT8, INT16 = np.dtype(np.int8), np.dtype(np.int16)


class NodeView:
    """One operator and its subgraph's tensors, as a kernel's prepare sees them."""

    def __init__(self, op, tensors):
        self.op = op
        self.tensors = tensors

    def _at(self, seq, k):
        return seq[k] if k < len(seq) and seq[k] >= 0 else None

    def input(self, k):
        """Tensor index of input k, or None when absent or optional (-1)."""
        return self._at(self.op.inputs, k)

    def output(self, k):
        return self._at(self.op.outputs, k)

    def tensor(self, index):
        return self.tensors[index] if index is not None else None

    def temp_in(self, *ks):
        return [("temp", i) for i in (self.input(k) for k in ks) if i is not None]

    def temp_out(self, *ks):
        return [("temp", i) for i in (self.output(k) for k in ks) if i is not None]

    def channels(self, k, dim):
        t = self.tensor(self.input(k))
        return t.shape[dim] if t is not None and len(t.shape) > dim else 1

    def dtype(self, k=0):
        t = self.tensor(self.input(k))
        return t.dtype if t is not None else None


def _conv_like(n, channel_dim):
    """CONV_2D / DEPTHWISE_CONV_2D: output, input, filter; two per-channel arrays; then
    CalculateOpData takes input, filter, bias and output again."""
    c = n.channels(1, channel_dim)
    ev = n.temp_out(0) + n.temp_in(0, 1) + [("persistent", 4 * c), ("persistent", 4 * c)]
    filt = n.tensor(n.input(1))
    if filt is not None and filt.packed_bits == 4:
        ev.append(("scratch", int(np.prod(filt.shape))))
    return ev + n.temp_in(0, 1, 2) + n.temp_out(0)


def conv(n):
    return ["OpDataConv"], _conv_like(n, 0)


def depthwise_conv(n):
    return ["OpDataConv"], _conv_like(n, 3)


def fully_connected(n):
    ev = n.temp_in(0, 1, 2) + n.temp_out(0)
    filt = n.tensor(n.input(1))
    if filt is not None and filt.packed_bits == 4:
        ev.append(("scratch", int(np.prod(filt.shape))))
    q = filt.quantization if filt is not None else None
    if n.dtype(0) in (INT8, INT16) and q is not None and len(q.scale) > 1:
        ev += [("persistent", 4 * len(q.scale))] * 2
    return ["OpDataFullyConnected"], ev


def transpose_conv(n):
    # inputs: output_shape, filter, input, bias
    c = n.channels(1, 0)
    ev = n.temp_out(0) + n.temp_in(2, 1) + [("persistent", 4 * c)] * 2
    out = n.tensor(n.output(0))
    count = int(np.prod(out.shape)) if out is not None else 0
    if n.dtype(2) == INT8:
        ev.append(("scratch", 4 * count))
    elif n.dtype(2) == INT16:
        ev.append(("scratch", 8 * count))
    ev += n.temp_in(2, 1, 3) + n.temp_out(0)
    bias = n.tensor(n.input(3))
    if n.dtype(2) == INT16 and bias is not None and bias.dtype == np.dtype(np.int32):
        ev.append(("scratch", 8 * int(np.prod(bias.shape))))
    return ["TransposeConvOpData"], ev


def _binary(struct):
    def recipe(n):
        return [struct], n.temp_in(0, 1) + n.temp_out(0)
    return recipe


def _unary(struct):
    def recipe(n):
        return ([struct] if struct else []), n.temp_in(0) + n.temp_out(0)
    return recipe


def softmax(n):
    ev = n.temp_in(0) + n.temp_out(0)
    if n.dtype(0) == INT16:
        ev += [("persistent", 2 * 513), ("persistent", 2 * 513)]
    return ["SoftmaxParams"], ev


def pad(n):
    return ["PadOpData"], n.temp_in(0, 1, 2) + n.temp_out(0)


def strided_slice(n):
    return ["StridedSliceParams"], n.temp_in(0, 1, 2, 3) + n.temp_out(0)


def reduce_mean(n):
    ev = n.temp_in(0) + n.temp_out(0) + n.temp_in(1)
    inp, out, axis = (n.tensor(n.input(0)), n.tensor(n.output(0)), n.tensor(n.input(1)))
    if n.dtype(0) in (INT8, INT16):
        ev.append(("scratch", 4 * int(np.prod(out.shape))))
    ev.append(("scratch", 4 * len(inp.shape)))
    ev.append(("scratch", 4 * int(np.prod(axis.shape))))
    return ["OpDataReduce"], ev


def reduce_min_max(n):
    inp, axis = n.tensor(n.input(0)), n.tensor(n.input(1))
    ev = n.temp_in(0) + n.temp_out(0) + n.temp_in(1)
    ev += [("scratch", 4 * len(inp.shape)), ("scratch", 4 * int(np.prod(axis.shape)))]
    return ["OpDataReduce"], ev


def concatenation(n):
    ev = n.temp_in(0) + n.temp_out(0)
    ev += n.temp_in(*range(len(n.op.inputs)))
    return ["ConcatenationOpData"], ev


def split(n):
    return [], n.temp_in(0)


def svdf(n):
    # input, weights_feature, weights_time, bias, activation_state; output
    ev = n.temp_in(0, 1, 2, 3, 4) + n.temp_out(0)
    inp, wf = n.tensor(n.input(0)), n.tensor(n.input(1))
    batch = inp.shape[0]
    filters = wf.shape[0]
    rank = n.op.options.get("rank", 1) or 1
    units = filters // rank
    if n.dtype(0) == INT8:
        ev += [("scratch", 4 * batch * filters), ("scratch", 4 * batch * units)]
    else:
        ev += [("scratch", 4 * batch * filters)]
    return ["OpDataSvdf"], ev


def lstm(n):
    """UNIDIRECTIONAL_SEQUENCE_LSTM: all 24 inputs and the output as temporaries, then four
    gate buffers of batch x state cells (cell state type)."""
    ev = n.temp_in(*range(24)) + n.temp_out(0)
    inp = n.tensor(n.input(0))
    cell = n.tensor(n.input(19))
    time_major = n.op.options.get("time_major", False)
    batch = inp.shape[1] if time_major else inp.shape[0]
    state = cell.shape[-1] if cell is not None else 0
    itemsize = cell.dtype.itemsize if cell is not None else 4
    return ["OpDataLSTM"], ev + [("scratch", batch * state * itemsize)] * 4


def relu(n):
    return ["ReluOpData"], n.temp_in(0) + n.temp_out(0)


def relu6(n):
    return ["Relu6OpData"], n.temp_in(0)


def tanh(n):
    return ["TanhOpData"], n.temp_in(0) + n.temp_in(0) + n.temp_out(0)


def cumsum(n):
    ev = n.temp_in(0, 1) + n.temp_out(0)
    out = n.tensor(n.output(0))
    if out is not None and out.dtype == INT8:     # its op data, made in prepare
        ev.append(("persistent", "CumsumOpData"))
    return [], ev


def add_n(n):
    ev = n.temp_in(0) + n.temp_out(0) + n.temp_in(*range(1, len(n.op.inputs)))
    out = n.tensor(n.output(0))
    if out is not None and out.dtype == np.dtype(np.float32):
        ev.append(("scratch", "pointer", len(n.op.inputs)))
    elif out is not None and out.dtype == INT8:
        ev += [("persistent", "AddNOpData"), ("scratch", "pointer", len(n.op.inputs))]
    return [], ev


def embedding_lookup(n):
    return [], n.temp_in(0, 1) + n.temp_out(0) + [("persistent", "EmbeddingLookupOpData")]


def batch_matmul(n):
    """Temporaries for both operands and the output; persistent quantization data, and a
    transposed copy (eval tensor, dims, data) of lhs when adj_x and of rhs unless adj_y."""
    ev = n.temp_in(0, 1) + n.temp_out(0)
    if n.dtype(0) in (INT8, INT16):
        ev.append(("persistent", "QuantizationOpDataBatchMatmul"))
    o = n.op.options or {}
    for k, transposed in ((0, o.get("adj_x", False)), (1, not o.get("adj_y", False))):
        t = n.tensor(n.input(k))
        if transposed and t is not None:
            ev += [("persistent", "TfLiteEvalTensor"), ("persistent", 4 + 4 * len(t.shape)),
                   ("persistent", t.nbytes)]
    return ["OpDataBatchMatmul"], ev


def comparison(n):
    return ["ComparisonOpData"], n.temp_in(0, 1)


def if_op(n):
    return ["IfOpData"], n.temp_in(0)


def while_op(n):
    return ["WhileOpData"], []


def call_once(n):
    return ["CallOnceOpData"], []


def var_handle(n):
    # prepare points the output (the resource id) at the op data: TFLM does not plan it
    return ["VarHandleOpData"], [("bound", n.output(0))]


def assign_variable(n):
    """The first assignment of each resource variable allocates its buffer (value's bytes)."""
    value = n.tensor(n.input(1))
    ev = n.temp_in(1)
    if value is not None:
        ev.append(("resource", n.input(0), value.nbytes))
    return ["AssignVariableOpData"], ev


def read_variable(n):
    return [], n.temp_in(0)


def reshape(n):
    return [], n.temp_in(0) + n.temp_out(0)


def no_prepare(n):
    return [], []


# Signal library kernels (custom ops).
def signal_window(n):
    return ["WindowParams"], n.temp_in(0, 1) + n.temp_out(0)


def signal_energy(n):
    return ["EnergyParams"], n.temp_in(0) + n.temp_out(0)


def signal_fft_auto_scale(n):
    return [], n.temp_in(0) + n.temp_out(0, 1)


def signal_filter_bank(n):
    channels = _flex_int(n, "num_channels")
    return ["FilterBankParams", ("bytes", 8 * (channels + 1))], \
        n.temp_in(0, 1, 2, 3, 4, 5) + n.temp_out(0)


def signal_filter_bank_log(n):
    return ["LogParams"], n.temp_in(0) + n.temp_out(0)


def signal_filter_bank_square_root(n):
    return [], n.temp_in(0, 1) + n.temp_out(0)


def signal_spectral_subtraction(n):
    channels = _flex_int(n, "num_channels")
    return ["SpectralSubtractionParams", ("bytes", 4 * channels)], \
        n.temp_in(0) + n.temp_out(0, 1)


def signal_pcan(n):
    return ["PcanParams"], n.temp_in(0, 1, 2) + n.temp_out(0)


def signal_rfft(n):
    fft_length = _flex_int(n, "fft_length")
    inp = n.tensor(n.input(0))
    itemsize = inp.dtype.itemsize if inp is not None else 2
    return ["RfftParams", ("kiss_fftr", fft_length, itemsize)], \
        n.temp_in(0) + n.temp_out(0) + [("scratch", fft_length * itemsize)]


def _flex_int(n, key):
    from ..model.flexbuffers import read_map
    return int(read_map(bytes(n.op.custom_options or b"")).get(key, 0))


def kiss_fftr_bytes(fft_length, scalar_bytes, sizeof):
    """kiss_fftr_alloc's memory for a real FFT of ``fft_length``: its state (three pointers),
    the complex FFT of half the length (state with one twiddle inline, then the other
    twiddles) and 3/2 half-length complex buffers."""
    half = fft_length // 2
    cpx = 2 * scalar_bytes
    sub = sizeof("KissFftState16" if scalar_bytes == 2 else "KissFftState32") + cpx * (half - 1)
    return sizeof("KissFftrState") + sub + cpx * (half * 3 // 2)


RECIPES = {
    "CONV_2D": conv,
    "DEPTHWISE_CONV_2D": depthwise_conv,
    "FULLY_CONNECTED": fully_connected,
    "TRANSPOSE_CONV": transpose_conv,
    "ADD": _binary("OpDataAdd"),
    "SUB": _binary("OpDataSub"),
    "MUL": _binary("OpDataMul"),
    "DIV": _binary("OpDataDiv"),
    "SQUARED_DIFFERENCE": _binary("SquaredDifferenceOpData"),
    "LEAKY_RELU": _unary("LeakyReluOpData"),
    "QUANTIZE": _unary("OpDataQuantizeReference"),
    "HARD_SWISH": _unary("HardSwishParams"),
    "AVERAGE_POOL_2D": _unary("OpDataPooling"),
    "MAX_POOL_2D": _unary("OpDataPooling"),
    "RSQRT": _unary("OpDataAbsRsqrt"),
    "ABS": _unary("OpDataAbsRsqrt"),
    "CAST": _unary(None),
    "SOFTMAX": softmax,
    "PAD": pad,
    "PADV2": pad,
    "STRIDED_SLICE": strided_slice,
    "MEAN": reduce_mean,
    "SUM": reduce_mean,
    "REDUCE_MAX": reduce_min_max,
    "REDUCE_MIN": reduce_min_max,
    "CONCATENATION": concatenation,
    "SPLIT": split,
    "SVDF": svdf,
    "RESHAPE": reshape,
    "MAXIMUM": no_prepare,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": lstm,
    "IF": if_op,
    "RELU": relu,
    "RELU6": relu6,
    "PRELU": _binary("PreluParams"),
    "ELU": _unary("EluOpData"),
    "TANH": tanh,
    "LOGISTIC": _unary("OpDataLogistic"),
    "NEG": no_prepare,
    "CUMSUM": cumsum,
    "ADD_N": add_n,
    "EMBEDDING_LOOKUP": embedding_lookup,
    "BATCH_MATMUL": batch_matmul,
    **{op: comparison for op in ("EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS",
                                 "LESS_EQUAL")},
    "WHILE": while_op,
    "CALL_ONCE": call_once,
    "VAR_HANDLE": var_handle,
    "ASSIGN_VARIABLE": assign_variable,
    "READ_VARIABLE": read_variable,
    "MINIMUM": no_prepare,
    "SignalWindow": signal_window,
    "SignalEnergy": signal_energy,
    "SignalFftAutoScale": signal_fft_auto_scale,
    "SignalFilterBank": signal_filter_bank,
    "SignalFilterBankLog": signal_filter_bank_log,
    "SignalFilterBankSquareRoot": signal_filter_bank_square_root,
    "SignalFilterBankSpectralSubtraction": signal_spectral_subtraction,
    "SignalPCAN": signal_pcan,
    "SignalRfft": signal_rfft,
}


# The builtin ops TFLM registers (micro_mutable_op_resolver.h); a model with another builtin op
# cannot be allocated by TFLM at all.
TFLM_BUILTIN_OPS = frozenset("""
ABS ADD ADD_N ARG_MAX ARG_MIN ASSIGN_VARIABLE AVERAGE_POOL_2D BATCH_MATMUL BATCH_TO_SPACE_ND
BROADCAST_ARGS BROADCAST_TO CALL_ONCE CAST CEIL CONCATENATION CONV_2D COS CUMSUM
DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE DIV DYNAMIC_UPDATE_SLICE ELU EMBEDDING_LOOKUP EQUAL
EXP EXPAND_DIMS FILL FLOOR FLOOR_DIV FLOOR_MOD FULLY_CONNECTED GATHER GATHER_ND GREATER
GREATER_EQUAL HARD_SWISH IF L2_NORMALIZATION L2_POOL_2D LEAKY_RELU LESS LESS_EQUAL LOG
LOGICAL_AND LOGICAL_NOT LOGICAL_OR LOGISTIC LOG_SOFTMAX MAXIMUM MAX_POOL_2D MEAN MINIMUM
MIRROR_PAD MUL NEG NOT_EQUAL PACK PAD PADV2 PRELU QUANTIZE READ_VARIABLE REDUCE_ALL REDUCE_MAX
REDUCE_MIN RELU RELU6 RESHAPE RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR REVERSE_V2 ROUND RSQRT
SELECT_V2 SHAPE SIN SLICE SOFTMAX SPACE_TO_BATCH_ND SPACE_TO_DEPTH SPLIT SPLIT_V SQRT SQUARE
SQUARED_DIFFERENCE SQUEEZE STRIDED_SLICE SUB SUM SVDF TANH TRANSPOSE TRANSPOSE_CONV
UNIDIRECTIONAL_SEQUENCE_LSTM UNPACK VAR_HANDLE WHILE ZEROS_LIKE""".split())


def missing_in_tflm(model):
    """Sorted builtin op names of ``model`` that TFLM has no kernel for (custom ops are
    assumed registered)."""
    return sorted({op.op_name for sg in model.subgraphs for op in sg.operators
                   if not op.is_custom and op.op_name not in TFLM_BUILTIN_OPS})


def generic(n):
    """Kernels not described above: no op data, a temporary for every input and output."""
    return [], n.temp_in(*range(len(n.op.inputs))) + n.temp_out(*range(len(n.op.outputs)))


def recipe(op, tensors):
    """(init allocations, prepare events) of one operator."""
    n = NodeView(op, tensors)
    return RECIPES.get(op.op_name, generic)(n)
