"""The C structs TFLM places in its arena, as field types (see c_layout for the notation).

Read from TFLM's headers: the runtime structs (micro_allocator.h, common.h with
TF_LITE_STATIC_MEMORY), the allocator and planner classes (their vtable pointers first), the
kernels' op data and the builtin option structs the flatbuffer parsers allocate. Only field
types and their order matter here; names are kept for reading.
"""
from .c_layout import layout

STRUCTS = {
    # --- allocators and planner (objects that live in the tail) ---
    # two vtable pointers (it implements two interfaces), head/tail/temp pointers, checksum,
    # temp buffer count
    "SingleArenaBufferAllocator": "vptr vptr ptr ptr ptr ptr ptr size i32",
    # + requested head/tail bytes, used bytes, allocation count
    "RecordingSingleArenaBufferAllocator": "@SingleArenaBufferAllocator size size size size",
    # vtable, max/used buffer counts, four work arrays, next free / first entry, offsets, flag
    "GreedyMemoryPlanner": "vptr i32 i32 ptr ptr ptr ptr i32 i32 ptr bool",
    # vtable, two buffer allocators, builtin data allocator, planner, allocating flag,
    # scratch request count, scratch head, largest head
    "MicroAllocator": "vptr ptr ptr ptr ptr bool size ptr size",
    "RecordedAllocation": "size size size",
    "RecordingMicroAllocator": "@MicroAllocator ptr @RecordedAllocation[7]",
    "MicroBuiltinDataAllocator": "vptr ptr",
    "MicroResourceVariables": "ptr i32 i32",
    "MicroResourceVariable": "ptr ptr ptr size i8",
    # --- per model / tensor / node ---
    "SubgraphAllocations": "ptr ptr",
    "TfLiteEvalTensor": "ptr ptr enum",
    "TfLiteNode": "ptr ptr ptr ptr ptr ptr i32",
    "NodeAndRegistration": "@TfLiteNode ptr",
    "TfLiteTensor": "enum ptr f32 i32 ptr ptr size enum enum bool",
    "TfLiteAffineQuantization": "ptr ptr i32",
    "ScratchBufferRequest": "size i32 i32",
    "ScratchBufferHandle": "ptr",
    "AllocationInfo": "size ptr i32 i32 i32 bool",
    "size_t": "size",
    "pointer": "ptr",
    # --- shared pieces of op data ---
    "TfLitePaddingValues": "i32 i32 i32 i32",
    "PaddingValues": "i16 i16 i16 i16",
    "QuantizationParams": "i32 f64",
    "ConvParams": "u8 @PaddingValues i16 i16 i16 i16 i32 i32 i32 i32 i32 i32 i32 f32 f32",
    # category, 11 offsets/multipliers/shifts, int32 and float bounds, int64 and int16 bounds,
    # broadcast shape
    "ArithmeticParams": "u8 i32[11] i32 i32 f32 f32 i64 i64 i16 i16 i32[5]",
    "FullyConnectedParamsTypes": "i32[5] i32 i32 f32 f32 bool bool u8",
    "GateParameters": "@FullyConnectedParamsTypes @FullyConnectedParamsTypes",
    "OpDataLSTM": "bool i32 i32 i32 i32 f32 i16 i32 enum @GateParameters[4] @ArithmeticParams[3] "
                  "i32[4]",
    # --- kernels' op data (allocated by init) ---
    "OpDataConv": "@TfLitePaddingValues i32 i32 i32 i32 i32 ptr ptr i32 i32 i32",
    "OpDataFullyConnected": "i32 i32 i32 i32 i32 i32 i32 i32 i32 ptr ptr bool",
    "OpDataAdd": "bool i32[12] f32 f32",
    "OpDataSub": "bool i32[12]",
    "OpDataMul": "i32[7] f32 f32",
    "OpDataDiv": "i32[7]",
    "LeakyReluOpData": "i32[6]",
    "OpDataReduce": "i32[11]",
    "SoftmaxParams": "f64 i32[6] f32 ptr ptr ptr ptr ptr",
    "StridedSliceParams": "i8 i32[5] i8 i32[5] i8 i32[5] u16[5] bool",
    "PadOpData": "i8 i32[5] i8 i32[5] u8 i32",
    "TransposeConvOpData": "@ConvParams i32 i32 ptr ptr",
    "OpDataQuantizeReference": "@QuantizationParams i32 i32 i32",
    "OpDataPooling": "@TfLitePaddingValues i32 i32 f32 f32",
    "OpDataSvdf": "i32[9]",
    "HardSwishParams": "i16 i16 i16 i32 i16 i32",
    "ConcatenationOpData": "i32 ptr ptr i32 i32 f32",
    "OpDataAbsRsqrt": "i32 i32 i32 i32 bool enum enum",
    "SquaredDifferenceOpData": "bool @ArithmeticParams",
    "IfOpData": "i32 i32",
    "ReluOpData": "u8 i32 i32 i32 i32 i32 i32",
    "Relu6OpData": "i32 i32",
    "PreluParams": "i32[7]",
    "EluOpData": "i8[256]",
    "TanhOpData": "i32 i32 i32 i32",
    "OpDataLogistic": "i32 i32 i32 i32",
    "CumsumOpData": "i32[9]",
    "AddNOpData": "i32[10]",
    "EmbeddingLookupOpData": "f32 size",
    "OpDataBatchMatmul": "ptr ptr ptr bool bool bool",
    "QuantizationOpDataBatchMatmul": "i32[7]",
    "ComparisonOpData": "i32 i32 i32 i32 i32 i32 i32 bool",
    "WhileOpData": "i32 i32",
    "CallOnceOpData": "i32 bool",
    "VarHandleOpData": "i32",
    "AssignVariableOpData": "i32 i32",
    # signal library kernels' parameters
    "FilterbankConfig": "i32 ptr ptr ptr ptr ptr i32 i32",
    "FilterBankParams": "@FilterbankConfig ptr",
    "SpectralSubtractionConfig": "i32 u32 u32 u32 u32 u32 u32 u32 bool",
    "SpectralSubtractionParams": "@SpectralSubtractionConfig ptr size",
    "RfftParams": "i32 i32 i32 i32 enum ptr i32 ptr",
    # kiss_fft (the signal library's FFT) state: nfft, inverse, factors[64], twiddles[1]
    "KissFftState16": "i32 i32 i32[64] i16[2]",
    "KissFftState32": "i32 i32 i32[64] i32[2]",
    "KissFftrState": "ptr ptr ptr",
    "WindowParams": "i32 i32",
    "EnergyParams": "i32 i32",
    "LogParams": "i32 i32",
    "PcanParams": "i32",
    # --- builtin options the flatbuffer parsers allocate (TfLite<Name>Params) ---
    "AddParams": "enum bool",
    "SubParams": "enum bool",
    "MulParams": "enum",
    "DivParams": "enum",
    "ConvParams2D": "enum i32 i32 enum i32 i32 enum",
    "DepthwiseConvParams": "enum i32 i32 i32 enum i32 i32",
    "FullyConnectedParams": "enum enum bool bool enum",
    "PoolParams": "enum i32 i32 i32 i32 enum @TfLitePaddingValues",
    "ReshapeParams": "i32[8] i32",
    "SoftmaxParamsBuiltin": "f32",
    "StridedSliceParamsBuiltin": "i32 i32 i32 i32 i32 bool",
    "LeakyReluParams": "f32",
    "ReducerParams": "bool",
    "TransposeConvParams": "enum i32 i32 enum enum",
    "ConcatenationParams": "i32 enum",
    "SplitParams": "i32",
    "SplitVParams": "i32",
    "CastParams": "enum enum",
    "GatherParams": "i32 i32",
    "BatchMatMulParams": "bool bool bool",
    "SVDFParams": "i32 enum bool",
    "UnidirectionalSequenceLSTMParams": "enum f32 f32 bool bool bool",
    "LSTMParams": "enum f32 f32 enum bool",
    "WhileParams": "i32 i32",
    "IfParams": "i32 i32",
    "CallOnceParams": "i32",
    "VarHandleParams": "ptr ptr",
    "SqueezeParams": "i32[8] i32",
    "PackParams": "i32 i32",
    "UnpackParams": "i32 i32",
    "ShapeParams": "enum",
    "ArgMaxParams": "enum",
    "ArgMinParams": "enum",
    "MirrorPaddingParams": "enum",
    "ResizeBilinearParams": "bool bool",
    "ResizeNearestNeighborParams": "bool bool",
    "SpaceToDepthParams": "i32",
    "DepthToSpaceParams": "i32",
    "L2NormParams": "enum",
    "CumsumParams": "bool bool",
}

# The builtin option struct each op's parser allocates (ops not listed allocate none).
BUILTIN_PARAMS = {
    "ADD": "AddParams", "SUB": "SubParams", "MUL": "MulParams", "DIV": "DivParams",
    "CONV_2D": "ConvParams2D", "DEPTHWISE_CONV_2D": "DepthwiseConvParams",
    "FULLY_CONNECTED": "FullyConnectedParams", "AVERAGE_POOL_2D": "PoolParams",
    "MAX_POOL_2D": "PoolParams", "L2_POOL_2D": "PoolParams", "RESHAPE": "ReshapeParams",
    "SOFTMAX": "SoftmaxParamsBuiltin", "STRIDED_SLICE": "StridedSliceParamsBuiltin",
    "LEAKY_RELU": "LeakyReluParams", "MEAN": "ReducerParams", "SUM": "ReducerParams",
    "REDUCE_MAX": "ReducerParams", "REDUCE_MIN": "ReducerParams", "REDUCE_ALL": "ReducerParams",
    "TRANSPOSE_CONV": "TransposeConvParams", "CONCATENATION": "ConcatenationParams",
    "SPLIT": "SplitParams", "SPLIT_V": "SplitVParams", "CAST": "CastParams",
    "GATHER": "GatherParams", "BATCH_MATMUL": "BatchMatMulParams", "SVDF": "SVDFParams",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "UnidirectionalSequenceLSTMParams",
    "WHILE": "WhileParams", "IF": "IfParams", "CALL_ONCE": "CallOnceParams",
    "VAR_HANDLE": "VarHandleParams", "SQUEEZE": "SqueezeParams", "PACK": "PackParams",
    "UNPACK": "UnpackParams", "SHAPE": "ShapeParams", "ARG_MAX": "ArgMaxParams",
    "ARG_MIN": "ArgMinParams", "MIRROR_PAD": "MirrorPaddingParams",
    "RESIZE_BILINEAR": "ResizeBilinearParams",
    "RESIZE_NEAREST_NEIGHBOR": "ResizeNearestNeighborParams",
    "SPACE_TO_DEPTH": "SpaceToDepthParams", "DEPTH_TO_SPACE": "DepthToSpaceParams",
    "L2_NORMALIZATION": "L2NormParams", "CUMSUM": "CumsumParams",
}


# A build with USE_TFLM_COMPRESSION (as the tflite-micro wheel) adds fields: a compressed
# tensor list per subgraph, one more recorded category, and decompression scratch indices in
# the op data of the kernels that can read compressed weights.
COMPRESSION_STRUCTS = {
    **STRUCTS,
    "SubgraphAllocations": "ptr ptr ptr",
    "RecordingMicroAllocator": "@MicroAllocator ptr @RecordedAllocation[8]",
    "OpDataConv": STRUCTS["OpDataConv"] + " i32 i32",
    "OpDataFullyConnected": STRUCTS["OpDataFullyConnected"] + " i32 i32",
    "TransposeConvOpData": "@ConvParams i32 i32 i32 i32 ptr ptr",
    "ConcatenationOpData": STRUCTS["ConcatenationOpData"] + " i32[10]",
}


# The tflite-micro wheel the host figures are checked against (0.dev20261023) is newer than the
# sources read here (August 2026), and its schema's FullyConnectedOptions grew a quantization
# spec. Its tails show the parsed FULLY_CONNECTED options taking two pointer-sized fields more
# than those sources declare (32 bytes, 8-byte aligned): measured, not read. With it the recorded
# tails of hello_world (3 FC nodes), micro_speech, MLPerf KWS and VWW (one each) and
# keyword_scrambled (5) agree to the byte, and so do the smallest arenas.
WHEEL_STRUCTS = {
    **COMPRESSION_STRUCTS,
    "FullyConnectedParams": STRUCTS["FullyConnectedParams"] + " ptr ptr",
}

_TABLES = {"source": STRUCTS, "compression": COMPRESSION_STRUCTS, "wheel": WHEEL_STRUCTS}


def _table(variant):
    return _TABLES[variant or "source"]


def sizeof(name, abi, variant=None):
    """sizeof(name) for ``abi``; ``variant`` picks the struct set: "source" (default),
    "compression" (USE_TFLM_COMPRESSION) or "wheel"."""
    table = _table(variant)
    return layout(table[name], abi, table)[0]


def alignof(name, abi, variant=None):
    table = _table(variant)
    return layout(table[name], abi, table)[1]
