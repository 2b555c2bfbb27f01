"""Work arrays shared by the kernels of one interpreter (host memory for eval-time
temporaries; the arena holds the model's tensors)."""
import numpy as np


class Workspace:
    """Work arrays shared by the kernels of one interpreter.

    Intermediate arrays that live only during one kernel's eval (GEMM operands and sums, the C
    convolution's columns) are views of one buffer per named slot, so an invoke keeps
    reusing the same memory, which stays in cache, instead of touching every kernel's own.
    A kernel must use distinct slots for arrays alive at the same time, and must not keep
    values in them across evals. A slot grows when a request is larger; kernels prepared
    before keep their views of the old buffer (correct, only less shared).

    Slots by role, so that kernels share the few large buffers: "inputs" (GEMM operands),
    "sums" (exact integer sums, float), "gemm_acc" (int64 sums), "native_columns" and
    "native_sums" (the C convolution's).
    """

    def __init__(self):
        self.buffers = {}

    @classmethod
    def of(cls, ctx):
        """The workspace of the interpreter preparing ``ctx``; a private one when it has
        none (a kernel prepared on its own)."""
        return getattr(ctx, "shared_work", None) or cls()

    def array(self, slot, shape, dtype):
        """An uninitialised array of ``shape`` and ``dtype`` in slot ``slot``."""
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if nbytes == 0:
            return np.empty(shape, dtype)
        buf = self.buffers.get(slot)
        if buf is None or buf.nbytes < nbytes:
            buf = self.buffers[slot] = np.empty(nbytes, np.uint8)
        return buf[:nbytes].view(dtype).reshape(shape)

    @staticmethod
    def arrays(workspace):
        """A function (slot, shape, dtype) -> array: ``workspace.array``, or private arrays
        when there is no workspace."""
        if workspace is None:
            return lambda slot, shape, dtype: np.empty(shape, dtype)
        return workspace.array
