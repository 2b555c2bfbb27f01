"""What code generation takes: every node must run in a C kernel of the core."""

# The builtin ops whose kernels prepare C op data, in the types the C kernels take (int8 for
# most; float32, int16 and int32 where the kernel says). A model whose nodes all run in C on
# the host (``tinyrt profile`` shows "C" on every row) can be generated.
SUPPORTED_OPS = (
    "ABS", "ADD", "AVERAGE_POOL_2D", "BATCH_MATMUL", "CAST", "CONCATENATION", "CONV_2D",
    "DEPTHWISE_CONV_2D", "DEQUANTIZE", "DIV", "ELU", "EXP", "EXPAND_DIMS", "FULLY_CONNECTED",
    "GATHER", "GATHER_ND", "GELU", "HARD_SWISH", "LEAKY_RELU", "LOG", "LOGISTIC",
    "MAXIMUM", "MAX_POOL_2D", "MEAN", "MINIMUM", "MUL", "NEG", "PACK", "PAD", "PADV2",
    "QUANTIZE", "RELU", "RELU6", "RESHAPE", "RSQRT", "SLICE", "SOFTMAX", "SPLIT", "SPLIT_V",
    "SQRT", "SQUARE", "SQUARED_DIFFERENCE", "SQUEEZE", "STRIDED_SLICE", "SUB", "SUM", "SVDF",
    "TANH", "TRANSPOSE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "UNPACK", "SIGNAL_*")


def unsupported_message(kernel):
    """The error for a node code generation cannot emit: its op, its index, and why."""
    node = kernel.node
    return (f"{node.op_name} (node {node.index}) has no C kernel for this layer, so it cannot "
            f"be generated; code generation supports these ops (in the types their C kernels "
            f"take): {', '.join(SUPPORTED_OPS)}")
