"""Which nodes TFLM itself would refuse, although tinyrt runs them.

tinyrt goes beyond TFLM in two places a model can reach by accident: GELU (TFLM has no kernel)
and hybrid layers (float activations with int8 weights, as dynamic-range quantization writes
them; TFLM has no hybrid kernels). ``info --ops`` flags such nodes so a model is not taken to a
device that cannot run it.
"""
import numpy as np

from .kernels import REGISTRY

# ops whose hybrid form (float32 input, int8 weights) LiteRT runs and TFLM does not
HYBRID_OPS = {"FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "BATCH_MATMUL", "SVDF",
              "UNIDIRECTIONAL_SEQUENCE_LSTM"}
NOT_IN_TFLM = {"GELU": "TFLM has no GELU kernel"}


def _tensor(tensors, i):
    return tensors[i] if 0 <= i < len(tensors) else None


def is_hybrid(node, tensors):
    """Float32 activations with integer constant weights."""
    if node.op_name not in HYBRID_OPS or not node.inputs:
        return False
    x = _tensor(tensors, node.inputs[0])
    if x is None or x.dtype != np.float32:
        return False
    return any(t is not None and t.is_constant and t.element_dtype in (np.int8, np.uint8)
               for t in (_tensor(tensors, i) for i in node.inputs[1:]))


def tflm_refusal(node, tensors):
    """Why TFLM would not run this node (a short phrase), or None when it would (as far as
    tinyrt knows: tinyrt's kernels carry TFLM's own checks)."""
    if node.op_name in NOT_IN_TFLM:
        return NOT_IN_TFLM[node.op_name]
    if is_hybrid(node, tensors):
        return "hybrid (float activations, int8 weights): TFLM has no hybrid kernels"
    if node.op_name not in REGISTRY:
        return "neither tinyrt nor TFLM has a kernel for it"
    return None


__all__ = ["tflm_refusal", "is_hybrid", "HYBRID_OPS"]
