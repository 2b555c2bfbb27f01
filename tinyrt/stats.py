"""Static figures of a model: parameter counts and multiply-accumulates per node."""
import math


def node_macs(op, tensors):
    """Multiply-accumulate count of one node (0 for ops that do no MACs worth counting)."""
    def shape(k, outputs=False):
        idx = (op.outputs if outputs else op.inputs)
        if k >= len(idx) or idx[k] < 0:
            return None
        return tensors[idx[k]].shape

    out = shape(0, outputs=True)
    n_out = math.prod(out) if out is not None else 0
    name = op.op_name
    if name == "CONV_2D":
        w = shape(1)  # [out_c, kh, kw, in_c]
        return n_out * w[1] * w[2] * w[3] if w and len(w) == 4 else 0
    if name == "DEPTHWISE_CONV_2D":
        w = shape(1)  # [1, kh, kw, out_c]
        return n_out * w[1] * w[2] if w and len(w) == 4 else 0
    if name == "TRANSPOSE_CONV":
        w, x = shape(1), shape(2)  # weights [out_c, kh, kw, in_c], input NHWC
        return math.prod(x) * w[0] * w[1] * w[2] if w and x and len(w) == 4 else 0
    if name in ("FULLY_CONNECTED",):
        w = shape(1)
        return n_out * w[-1] if w else 0
    if name == "BATCH_MATMUL":
        x = shape(0)
        return n_out * x[-1] if x else 0
    if name == "SVDF":
        w_f, w_t = shape(1), shape(2)  # feature [units*rank, in], time [units*rank, memory]
        batch = shape(0)[0] if shape(0) else 1
        if w_f and w_t:
            return batch * (w_f[0] * w_f[1] + w_t[0] * w_t[1])
        return 0
    if name in ("ADD", "SUB", "MUL", "SQUARED_DIFFERENCE"):
        return n_out
    if name in ("AVERAGE_POOL_2D", "MEAN", "L2_POOL_2D"):
        x = shape(0)
        return math.prod(x) if x else 0
    return 0


def model_stats(subgraph):
    """{'parameters', 'parameter_bytes', 'macs', 'per_node': [macs...]} of a subgraph."""
    per_node = [node_macs(op, subgraph.tensors) for op in subgraph.operators]
    consts = [t for t in subgraph.tensors if t.data is not None and not t.is_variable]
    return {
        "parameters": sum(math.prod(t.shape) for t in consts),
        "parameter_bytes": sum(t.data.nbytes for t in consts),
        "macs": sum(per_node),
        "per_node": per_node,
    }
