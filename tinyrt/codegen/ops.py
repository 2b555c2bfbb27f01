"""What code generation takes: every node must run in a C kernel of the core."""

# The ops whose kernels prepare C op data, in the types their C kernels take (int8 for most,
# float32, int16 and int32 where the kernel has them). ``tinyrt profile`` shows which nodes of
# a model run in C: a model whose nodes all do can be generated.
SUPPORTED_OPS = (
    "ADD", "AVERAGE_POOL_2D", "BATCH_MATMUL", "BROADCAST_TO", "CAST", "CONCATENATION",
    "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE", "DIV", "ELU",
    "EMBEDDING_LOOKUP", "EXPAND_DIMS", "FULLY_CONNECTED", "GATHER", "GATHER_ND", "GELU",
    "HARD_SWISH", "LEAKY_RELU (int8)", "LOGISTIC", "MAXIMUM", "MAX_POOL_2D", "MEAN", "MINIMUM",
    "MUL", "PACK", "PAD", "PADV2", "QUANTIZE", "RELU (int8)", "RELU6 (int8)", "RESHAPE",
    "REVERSE_V2", "RSQRT", "SLICE", "SOFTMAX", "SPACE_TO_DEPTH", "SPLIT", "SPLIT_V",
    "SQUARED_DIFFERENCE", "SQUEEZE", "STRIDED_SLICE", "SUB", "SUM", "SVDF", "TANH",
    "TRANSPOSE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "UNPACK", "and the Signal library's ops")


def unsupported_message(kernel):
    """The error for a node code generation cannot emit: its op, its index, and what is
    supported."""
    node = kernel.node
    return (f"{node.op_name} (node {node.index}) has no C kernel for this layer, so it cannot "
            f"be generated; code generation supports these ops (in the types their C kernels "
            f"take): {', '.join(SUPPORTED_OPS)}")
