"""ctypes mirrors of the parameter structs in kernels.c (same field order and types)."""
import ctypes

_p = ctypes.c_void_p
_i = ctypes.c_int32


class ConvParams(ctypes.Structure):
    _fields_ = [("input", _p), ("output", _p), ("weights", _p), ("corr", _p),
                ("mult", _p), ("left", _p), ("right", _p), ("col", _p), ("acc", _p),
                ("padded", _p)] + \
        [(name, _i) for name in (
            "batches", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c",
            "kh", "kw", "stride_h", "stride_w", "dil_h", "dil_w", "pad_top", "pad_left",
            "pad_h", "pad_w", "kp", "op", "input_zp", "output_zp", "act_min", "act_max")]


class DepthwiseParams(ctypes.Structure):
    _fields_ = [("input", _p), ("output", _p), ("weights", _p), ("bias", _p),
                ("mult", _p), ("left", _p), ("right", _p), ("planes", _p)] + \
        [(name, _i) for name in (
            "batches", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "dm",
            "kh", "kw", "stride_h", "stride_w", "dil_h", "dil_w", "pad_top", "pad_left",
            "pad_h", "plane_w", "phases",
            "input_zp", "output_zp", "act_min", "act_max")]


class SoftmaxParams(ctypes.Structure):
    _fields_ = [("input", _p), ("output", _p), ("exp_table", _p), ("sum_table", _p)] + \
        [(name, _i) for name in ("rows", "depth", "out_bits", "out_min", "out_max")]


class AvgPoolParams(ctypes.Structure):
    _fields_ = [("input", _p), ("output", _p), ("acc", _p)] + \
        [(name, _i) for name in ("batches", "in_h", "in_w", "c", "out_h", "out_w", "kh", "kw",
                                 "stride_h", "stride_w", "pad_top", "pad_left", "act_min",
                                 "act_max")]


def declare(lib):
    """Argument and result types of the library's entry points."""
    for name, params in (("tinyrt_conv_s8", ConvParams),
                         ("tinyrt_depthwise_s8", DepthwiseParams),
                         ("tinyrt_softmax_s8", SoftmaxParams),
                         ("tinyrt_avgpool_s8", AvgPoolParams)):
        fn = getattr(lib, name)
        fn.argtypes = [ctypes.POINTER(params)]
        fn.restype = ctypes.c_int
    lib.tinyrt_features.argtypes = []
    lib.tinyrt_features.restype = ctypes.c_int
