"""The parts of the TensorFlow Lite flatbuffer schema (schema.fbs) that tinyrt reads.

Each table is a space-separated list of ``name:type`` fields in slot order (``_`` marks a
deprecated slot); the notation is explained in ``flatbuf.py``.
"""
import numpy as np

# TensorType code -> (name, numpy dtype or None when tinyrt has no array type for it).
TENSOR_TYPES = {
    0: ("FLOAT32", np.float32), 1: ("FLOAT16", np.float16), 2: ("INT32", np.int32),
    3: ("UINT8", np.uint8), 4: ("INT64", np.int64), 5: ("STRING", None), 6: ("BOOL", np.bool_),
    7: ("INT16", np.int16), 8: ("COMPLEX64", np.complex64), 9: ("INT8", np.int8),
    10: ("FLOAT64", np.float64), 11: ("COMPLEX128", np.complex128), 12: ("UINT64", np.uint64),
    13: ("RESOURCE", np.int32), 14: ("VARIANT", None), 15: ("UINT32", np.uint32),
    16: ("UINT16", np.uint16), 17: ("INT4", None), 18: ("BFLOAT16", None), 19: ("INT2", None),
    20: ("UINT4", None), 21: ("FLOAT8_E4M3FN", None), 22: ("FLOAT8_E5M2", None),
}
TYPE_CODE = {name: code for code, (name, _) in TENSOR_TYPES.items()}
# Packed integer types tinyrt reads: code -> bits per element. Such a tensor is constant data
# stored densely (two int4 values per byte, low nibble first) that kernels widen to int8.
PACKED_BITS = {TYPE_CODE["INT4"]: 4}
# A resource tensor holds an int32 id (TFLM's resource variables); it is not the dtype's type.
DTYPE_CODE = {np.dtype(dt): code for code, (name, dt) in TENSOR_TYPES.items()
              if dt is not None and name != "RESOURCE"}

# BuiltinOperator code -> name (the code is the index).
BUILTIN_OPS = (
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION",
    "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR",
    "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL",
    "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER",
    "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
    "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
    "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU",
    "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL",
    "LESS_EQUAL", "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE",
    "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN",
    "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND",
    "LOGICAL_NOT", "UNPACK", "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE",
    "FILL", "FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
    "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS",
    "WHERE", "RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG",
    "ROUND", "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5",
    "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL",
    "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D", "CONV_3D",
    "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT",
    "HASHTABLE_SIZE", "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE",
    "ASSIGN_VARIABLE", "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM",
    "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD",
    "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN",
    "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT", "STABLEHLO_LOGISTIC", "STABLEHLO_ADD",
    "STABLEHLO_DIVIDE", "STABLEHLO_MULTIPLY", "STABLEHLO_MAXIMUM", "STABLEHLO_RESHAPE",
    "STABLEHLO_CLAMP", "STABLEHLO_CONCATENATE", "STABLEHLO_BROADCAST_IN_DIM",
    "STABLEHLO_CONVOLUTION", "STABLEHLO_SLICE", "STABLEHLO_CUSTOM_CALL", "STABLEHLO_REDUCE",
    "STABLEHLO_ABS", "STABLEHLO_AND", "STABLEHLO_COSINE", "STABLEHLO_EXPONENTIAL",
    "STABLEHLO_FLOOR", "STABLEHLO_LOG", "STABLEHLO_MINIMUM", "STABLEHLO_NEGATE", "STABLEHLO_OR",
    "STABLEHLO_POWER", "STABLEHLO_REMAINDER", "STABLEHLO_RSQRT", "STABLEHLO_SELECT",
    "STABLEHLO_SUBTRACT", "STABLEHLO_TANH", "STABLEHLO_SCATTER", "STABLEHLO_COMPARE",
    "STABLEHLO_CONVERT", "STABLEHLO_DYNAMIC_SLICE", "STABLEHLO_DYNAMIC_UPDATE_SLICE",
    "STABLEHLO_PAD", "STABLEHLO_IOTA", "STABLEHLO_DOT_GENERAL", "STABLEHLO_REDUCE_WINDOW",
    "STABLEHLO_SORT", "STABLEHLO_WHILE", "STABLEHLO_GATHER", "STABLEHLO_TRANSPOSE", "DILATE",
    "STABLEHLO_RNG_BIT_GENERATOR", "REDUCE_WINDOW", "STABLEHLO_COMPOSITE", "STABLEHLO_SHIFT_LEFT",
    "STABLEHLO_CBRT", "STABLEHLO_CASE",
)
BUILTIN_CODE = {name: code for code, name in enumerate(BUILTIN_OPS)}
CUSTOM_CODE = BUILTIN_CODE["CUSTOM"]

ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH",
               5: "SIGN_BIT", 6: "SIGMOID"}
PADDINGS = {0: "SAME", 1: "VALID"}

# The core tables.
TABLES = {
    "Model": "version:u32 operator_codes:[OperatorCode] subgraphs:[SubGraph] description:str "
             "buffers:[Buffer] metadata_buffer:[i32] metadata:[Metadata] "
             "signature_defs:[SignatureDef]",
    "OperatorCode": "deprecated_builtin_code:i8 custom_code:str version:i32=1 builtin_code:i32",
    "SubGraph": "tensors:[Tensor] inputs:[i32] outputs:[i32] operators:[Operator] name:str",
    "Tensor": "shape:[i32] type:i8 buffer:u32 name:str quantization:QuantizationParameters "
              "is_variable:bool sparsity:SparsityParameters shape_signature:[i32] has_rank:bool",
    "QuantizationParameters": "min:[f32] max:[f32] scale:[f32] zero_point:[i64] details_type:u8 "
                              "details:union quantized_dimension:i32",
    "SparsityParameters": "traversal_order:[i32] block_map:[i32]",
    "Operator": "opcode_index:u32 inputs:[i32] outputs:[i32] builtin_options_type:u8 "
                "builtin_options:union custom_options:[u8] custom_options_format:i8 "
                "mutating_variable_inputs:[bool] intermediates:[i32] "
                "large_custom_options_offset:u64 large_custom_options_size:u64 "
                "builtin_options2_type:u8 builtin_options2:union",
    "Buffer": "data:[u8] offset:u64 size:u64",
    "Metadata": "name:str buffer:u32",
    "SignatureDef": "inputs:[TensorMap] outputs:[TensorMap] signature_key:str _ subgraph_index:u32",
    "TensorMap": "name:str tensor_index:u32",
}

# BuiltinOptions union member index -> (table name, fields).
BUILTIN_OPTIONS = {
    1: ("Conv2DOptions", "padding:i8 stride_w:i32 stride_h:i32 fused_activation_function:i8 dilation_wfactor:i32=1 dilation_hfactor:i32=1 quantized_bias_type:i8"),
    2: ("DepthwiseConv2DOptions", "padding:i8 stride_w:i32 stride_h:i32 depth_multiplier:i32 fused_activation_function:i8 dilation_wfactor:i32=1 dilation_hfactor:i32=1"),
    3: ("ConcatEmbeddingsOptions", "num_channels:i32 num_columns_per_channel:[i32] embedding_dim_per_channel:[i32]"),
    4: ("LSHProjectionOptions", "type:i8"),
    5: ("Pool2DOptions", "padding:i8 stride_w:i32 stride_h:i32 filter_width:i32 filter_height:i32 fused_activation_function:i8"),
    6: ("SVDFOptions", "rank:i32 fused_activation_function:i8 asymmetric_quantize_inputs:bool"),
    7: ("RNNOptions", "fused_activation_function:i8 asymmetric_quantize_inputs:bool"),
    8: ("FullyConnectedOptions", "fused_activation_function:i8 weights_format:i8 keep_num_dims:bool asymmetric_quantize_inputs:bool quantized_bias_type:i8 quant_spec:[u8]"),
    9: ("SoftmaxOptions", "beta:f32"),
    10: ("ConcatenationOptions", "axis:i32 fused_activation_function:i8"),
    11: ("AddOptions", "fused_activation_function:i8 pot_scale_int16:bool=True"),
    12: ("L2NormOptions", "fused_activation_function:i8"),
    13: ("LocalResponseNormalizationOptions", "radius:i32 bias:f32 alpha:f32 beta:f32"),
    14: ("LSTMOptions", "fused_activation_function:i8 cell_clip:f32 proj_clip:f32 kernel_type:i8 asymmetric_quantize_inputs:bool"),
    15: ("ResizeBilinearOptions", "_ _ align_corners:bool half_pixel_centers:bool"),
    16: ("CallOptions", "subgraph:u32"),
    17: ("ReshapeOptions", "new_shape:[i32]"),
    18: ("SkipGramOptions", "ngram_size:i32 max_skip_size:i32 include_all_ngrams:bool"),
    19: ("SpaceToDepthOptions", "block_size:i32"),
    20: ("EmbeddingLookupSparseOptions", "combiner:i8"),
    21: ("MulOptions", "fused_activation_function:i8"),
    22: ("PadOptions", ""),
    23: ("GatherOptions", "axis:i32 batch_dims:i32"),
    24: ("BatchToSpaceNDOptions", ""),
    25: ("SpaceToBatchNDOptions", ""),
    26: ("TransposeOptions", ""),
    27: ("ReducerOptions", "keep_dims:bool"),
    28: ("SubOptions", "fused_activation_function:i8 pot_scale_int16:bool=True"),
    29: ("DivOptions", "fused_activation_function:i8"),
    30: ("SqueezeOptions", "squeeze_dims:[i32]"),
    31: ("SequenceRNNOptions", "time_major:bool fused_activation_function:i8 asymmetric_quantize_inputs:bool"),
    32: ("StridedSliceOptions", "begin_mask:i32 end_mask:i32 ellipsis_mask:i32 new_axis_mask:i32 shrink_axis_mask:i32 offset:bool"),
    33: ("ExpOptions", ""),
    34: ("TopKV2Options", ""),
    35: ("SplitOptions", "num_splits:i32"),
    36: ("LogSoftmaxOptions", ""),
    37: ("CastOptions", "in_data_type:i8 out_data_type:i8"),
    38: ("DequantizeOptions", ""),
    39: ("MaximumMinimumOptions", ""),
    40: ("ArgMaxOptions", "output_type:i8"),
    41: ("LessOptions", ""),
    42: ("NegOptions", ""),
    43: ("PadV2Options", ""),
    44: ("GreaterOptions", ""),
    45: ("GreaterEqualOptions", ""),
    46: ("LessEqualOptions", ""),
    47: ("SelectOptions", ""),
    48: ("SliceOptions", ""),
    49: ("TransposeConvOptions", "padding:i8 stride_w:i32 stride_h:i32 fused_activation_function:i8 quantized_bias_type:i8"),
    50: ("SparseToDenseOptions", "validate_indices:bool"),
    51: ("TileOptions", ""),
    52: ("ExpandDimsOptions", ""),
    53: ("EqualOptions", ""),
    54: ("NotEqualOptions", ""),
    55: ("ShapeOptions", "out_type:i8"),
    56: ("PowOptions", ""),
    57: ("ArgMinOptions", "output_type:i8"),
    58: ("FakeQuantOptions", "min:f32 max:f32 num_bits:i32 narrow_range:bool"),
    59: ("PackOptions", "values_count:i32 axis:i32"),
    60: ("LogicalOrOptions", ""),
    61: ("OneHotOptions", "axis:i32"),
    62: ("LogicalAndOptions", ""),
    63: ("LogicalNotOptions", ""),
    64: ("UnpackOptions", "num:i32 axis:i32"),
    65: ("FloorDivOptions", ""),
    66: ("SquareOptions", ""),
    67: ("ZerosLikeOptions", ""),
    68: ("FillOptions", ""),
    69: ("BidirectionalSequenceLSTMOptions", "fused_activation_function:i8 cell_clip:f32 proj_clip:f32 merge_outputs:bool time_major:bool=True asymmetric_quantize_inputs:bool"),
    70: ("BidirectionalSequenceRNNOptions", "time_major:bool fused_activation_function:i8 merge_outputs:bool asymmetric_quantize_inputs:bool"),
    71: ("UnidirectionalSequenceLSTMOptions", "fused_activation_function:i8 cell_clip:f32 proj_clip:f32 time_major:bool asymmetric_quantize_inputs:bool diagonal_recurrent_tensors:bool"),
    72: ("FloorModOptions", ""),
    73: ("RangeOptions", ""),
    74: ("ResizeNearestNeighborOptions", "align_corners:bool half_pixel_centers:bool"),
    75: ("LeakyReluOptions", "alpha:f32"),
    76: ("SquaredDifferenceOptions", ""),
    77: ("MirrorPadOptions", "mode:i8"),
    78: ("AbsOptions", ""),
    79: ("SplitVOptions", "num_splits:i32"),
    80: ("UniqueOptions", "idx_out_type:i8=2"),
    81: ("ReverseV2Options", ""),
    82: ("AddNOptions", ""),
    83: ("GatherNdOptions", ""),
    84: ("CosOptions", ""),
    85: ("WhereOptions", ""),
    86: ("RankOptions", ""),
    87: ("ReverseSequenceOptions", "seq_dim:i32 batch_dim:i32"),
    88: ("MatrixDiagOptions", ""),
    89: ("QuantizeOptions", ""),
    90: ("MatrixSetDiagOptions", ""),
    91: ("HardSwishOptions", ""),
    92: ("IfOptions", "then_subgraph_index:i32 else_subgraph_index:i32"),
    93: ("WhileOptions", "cond_subgraph_index:i32 body_subgraph_index:i32"),
    94: ("DepthToSpaceOptions", "block_size:i32"),
    95: ("NonMaxSuppressionV4Options", ""),
    96: ("NonMaxSuppressionV5Options", ""),
    97: ("ScatterNdOptions", ""),
    98: ("SelectV2Options", ""),
    99: ("DensifyOptions", ""),
    100: ("SegmentSumOptions", ""),
    101: ("BatchMatMulOptions", "adj_x:bool adj_y:bool asymmetric_quantize_inputs:bool"),
    102: ("CumsumOptions", "exclusive:bool reverse:bool"),
    103: ("CallOnceOptions", "init_subgraph_index:i32"),
    104: ("BroadcastToOptions", ""),
    105: ("Rfft2dOptions", ""),
    106: ("Conv3DOptions", "padding:i8 stride_d:i32 stride_w:i32 stride_h:i32 fused_activation_function:i8 dilation_dfactor:i32=1 dilation_wfactor:i32=1 dilation_hfactor:i32=1"),
    107: ("HashtableOptions", "table_id:i32 key_dtype:i8 value_dtype:i8"),
    108: ("HashtableFindOptions", ""),
    109: ("HashtableImportOptions", ""),
    110: ("HashtableSizeOptions", ""),
    111: ("VarHandleOptions", "container:str shared_name:str"),
    112: ("ReadVariableOptions", ""),
    113: ("AssignVariableOptions", ""),
    114: ("RandomOptions", "seed:i64 seed2:i64"),
    115: ("BucketizeOptions", "boundaries:[f32]"),
    116: ("GeluOptions", "approximate:bool"),
    117: ("DynamicUpdateSliceOptions", ""),
    118: ("UnsortedSegmentProdOptions", ""),
    119: ("UnsortedSegmentMaxOptions", ""),
    120: ("UnsortedSegmentMinOptions", ""),
    121: ("UnsortedSegmentSumOptions", ""),
    122: ("ATan2Options", ""),
    123: ("SignOptions", ""),
    124: ("BitcastOptions", ""),
    125: ("BitwiseXorOptions", ""),
    126: ("RightShiftOptions", ""),
}

# BuiltinOptions2 union (StableHLO options), same shape.
BUILTIN_OPTIONS2 = {
    1: ("StablehloConcatenateOptions", "dimension:i64"),
    2: ("StablehloBroadcastInDimOptions", "broadcast_dimensions:[i64]"),
    3: ("StablehloSliceOptions", "start_indices:[i64] limit_indices:[i64] strides:[i64]"),
    4: ("StablehloConvolutionOptions", "window_strides:[i64] padding:[i64] lhs_dilation:[i64] rhs_dilation:[i64] window_reversal:[bool] input_batch_dimension:i64 input_feature_dimension:i64 input_spatial_dimensions:[i64] kernel_input_feature_dimension:i64 kernel_output_feature_dimension:i64 kernel_spatial_dimensions:[i64] output_batch_dimension:i64 output_feature_dimension:i64 output_spatial_dimensions:[i64] feature_group_count:i64 batch_group_count:i64 precision_config:[u32]"),
    5: ("StablehloCustomCallOptions", "call_target_name:str has_side_effect:bool backend_config:str api_version:i32 called_computations:[i32] custom_attributes:[u8]"),
    6: ("StablehloReduceOptions", "dimensions:[i64] body_subgraph_index:i32"),
    7: ("StablehloScatterOptions", "indices_are_sorted:bool update_window_dims:[i64] inserted_window_dims:[i64] scatter_dims_to_operand_dims:[i64] index_vector_dim:i64 unique_indices:bool update_computation_subgraph_index:i32"),
    8: ("StablehloCompareOptions", "comparison_direction:u32 compare_type:u32"),
    9: ("StablehloDynamicSliceOptions", "slice_sizes:[i64]"),
    10: ("StablehloPadOptions", "edge_padding_low:[i64] edge_padding_high:[i64] interior_padding:[i64]"),
    11: ("StablehloIotaOptions", "iota_dimension:i64"),
    12: ("StablehloDotGeneralOptions", "lhs_batching_dimensions:[i64] rhs_batching_dimensions:[i64] lhs_contracting_dimensions:[i64] rhs_contracting_dimensions:[i64] precision_config:[u32]"),
    13: ("StablehloReduceWindowOptions", "window_dimensions:[i64] window_strides:[i64] base_dilations:[i64] window_dilations:[i64] padding:[i64] body_subgraph_index:i32"),
    14: ("StablehloSortOptions", "dimension:i64 is_stable:bool comparator_subgraph_index:i32"),
    15: ("StablehloWhileOptions", "cond_subgraph_index:i32 body_subgraph_index:i32"),
    16: ("StablehloGatherOptions", "offset_dims:[i64] collapsed_slice_dims:[i64] start_index_map:[i64] index_vector_dim:i64 slice_sizes:[i64] indices_are_sorted:bool"),
    17: ("StablehloTransposeOptions", "permutation:[i64]"),
    18: ("DilateOptions", ""),
    19: ("StablehloRngBitGeneratorOptions", "algorithm:i8"),
    20: ("ReduceWindowOptions", "reduce_function:i32"),
    21: ("StableHLOCompositeOptions", "name:str decomposition_subgraph_index:i32 composite_attributes:[u8] composite_attributes_format:i8 version:i32"),
    22: ("StablehloShiftLeftOptions", ""),
    23: ("StablehloCaseOptions", "branch_subgraph_indices:[i32]"),
}


# The options table each builtin op takes: by name (CONV_2D -> Conv2DOptions), with these
# exceptions where schema.fbs shares one table among several ops.
_OPTIONS_EXCEPTIONS = {
    "AVERAGE_POOL_2D": "Pool2DOptions", "MAX_POOL_2D": "Pool2DOptions",
    "L2_POOL_2D": "Pool2DOptions", "MEAN": "ReducerOptions", "SUM": "ReducerOptions",
    "REDUCE_PROD": "ReducerOptions", "REDUCE_MAX": "ReducerOptions",
    "REDUCE_MIN": "ReducerOptions", "REDUCE_ANY": "ReducerOptions",
    "REDUCE_ALL": "ReducerOptions", "MAXIMUM": "MaximumMinimumOptions",
    "MINIMUM": "MaximumMinimumOptions", "L2_NORMALIZATION": "L2NormOptions",
    "UNIDIRECTIONAL_SEQUENCE_RNN": "SequenceRNNOptions", "LSTM": "LSTMOptions",
}


def _options_by_op():
    by_key = {name.lower()[:-len("options")]: name for name, _ in BUILTIN_OPTIONS.values()}
    out = {}
    for op in BUILTIN_OPS:
        name = _OPTIONS_EXCEPTIONS.get(op) or by_key.get(op.replace("_", "").lower())
        if name is not None:
            out[op] = name
    return out


OPTIONS_OF_OP = _options_by_op()
OPTIONS_SPEC = {name: spec for name, spec in BUILTIN_OPTIONS.values()}
