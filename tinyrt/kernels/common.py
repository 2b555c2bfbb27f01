"""Helpers shared by kernels: options decoding, padding rules, quantization parameters.

One place for each idea: a kernel that needs one of these calls it here, never re-derives it.
"""
import numpy as np

from ..model.schema import ACTIVATIONS, PADDINGS


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
