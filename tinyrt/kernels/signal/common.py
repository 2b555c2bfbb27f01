"""What the integer Signal kernels share: TFLM's positional option reading, its bit-length helper,
and the tensor checks each kernel's prepare makes."""
import numpy as np

from ...model.flexbuffers import read_map
from ...quant import count_leading_zeros32


def sorted_options(kernel, custom_options):
    """The op's flexbuffer options as (key, value) pairs in the map's key order (keys sorted
    by their bytes): TFLM reads Signal options by position in that order, not by name."""
    m = read_map(custom_options, f"{kernel.op_name} options")
    return [(k, m[k]) for k in sorted(m, key=lambda k: k.encode())]


def positional_int_options(kernel, custom_options, count):
    """The first ``count`` option values in key order (sorted_options), as Python ints taken
    from each value's raw integer bits."""
    values = [v for _, v in sorted_options(kernel, custom_options)]
    if len(values) < count:
        kernel.fail(f"needs {count} option(s) in its flexbuffer map, got {len(values)}")
    values = values[:count]
    if not all(isinstance(v, (int, bool)) for v in values):
        kernel.fail(f"options must be integers, got {values}")
    return [int(v) for v in values]


def most_significant_bit32(x):
    """TFLM's MostSignificantBit32 on uint32 values: the bit length, except that 0 gives 32
    (the GCC build counts leading zeros, and clz's 32 for 0 turns into 32)."""
    x = np.asarray(x, np.int64) & 0xFFFFFFFF
    return np.where(x == 0, 32, 32 - count_leading_zeros32(x))


def check_tensor(kernel, tensor, dtype, rank, what):
    """Fail unless ``tensor`` exists, has ``dtype`` and (unless ``rank`` is None) ``rank``."""
    if tensor is None:
        kernel.fail(f"{what} is missing")
    if tensor.dtype != np.dtype(dtype):
        kernel.fail(f"{what} must be {np.dtype(dtype).name}, got {tensor.dtype}")
    if rank is not None and len(tensor.shape) != rank:
        kernel.fail(f"{what} must have rank {rank}, got shape {tuple(tensor.shape)}")


def check_io_count(kernel, ctx, n_in, n_out):
    if len(ctx.inputs) != n_in or len(ctx.outputs) != n_out:
        kernel.fail(f"takes {n_in} input(s) and {n_out} output(s), got "
                    f"{len(ctx.inputs)} and {len(ctx.outputs)}")


def point_native(kernel, **arrays):
    """Point the kernel's C op data fields at arena buffers that exist only after allocation
    (persistent state, scratch), from its bind(). No-op when the node runs on numpy."""
    if kernel.native is None:
        return
    for field, a in arrays.items():
        setattr(kernel.native.opdata, field, a.ctypes.data)
