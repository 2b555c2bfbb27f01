"""Kernels: one module per op or op family. Importing this package registers them all."""
from .base import REGISTRY, Kernel, PrepareContext, register  # noqa: F401
from . import (activations, activations_extra, add_sub, batch_matmul, binary_math,  # noqa: F401
               circular_buffer, comparisons, control_flow, conv, decode, depthwise_conv,
               detection_postprocess, elementwise,
               fully_connected, gelu, logical, lstm, movement, mul, normalization, pooling,
               quantize, reduce, relu, reshape, resource_variables, shape_ops, softmax, spatial,
               svdf, transpose_conv, unary)
from . import signal  # noqa: F401,E402
