"""Op resolvers: the set of kernels an interpreter may use.

Like TFLM's MicroMutableOpResolver, an ``OpResolver`` starts empty and holds only the kernels the
user registers, so a deployment states exactly which ops it needs. ``AllOpsResolver`` holds every
kernel tinyrt has.
"""
from .errors import TinyrtError
from .kernels import REGISTRY
from .kernels.base import Kernel
from .model.schema import BUILTIN_CODE, BUILTIN_OPS


class OpResolver:
    def __init__(self, ops=()):
        self._kernels = {}
        for op in ops:
            self.add(op)

    def add(self, op, kernel=None):
        """Register an op by builtin name ("CONV_2D"), builtin code (3) or custom name.

        With ``kernel`` (a Kernel subclass), registers that class under the name: this is how
        custom ops are added. Returns self so calls chain.
        """
        if isinstance(op, int):
            if not 0 <= op < len(BUILTIN_OPS):
                raise TinyrtError(f"no builtin op has code {op}")
            op = BUILTIN_OPS[op]
        if kernel is None:
            kernel = REGISTRY.get(op)
            if kernel is None:
                raise TinyrtError(f"tinyrt has no kernel for {op!r}; pass kernel=<Kernel subclass> "
                                  "to register your own")
        elif not (isinstance(kernel, type) and issubclass(kernel, Kernel)):
            raise TinyrtError(f"kernel for {op!r} must be a tinyrt.Kernel subclass")
        self._kernels[op] = kernel
        return self

    def find(self, op_name):
        return self._kernels.get(op_name)

    @property
    def ops(self):
        return sorted(self._kernels)

    def __contains__(self, op_name):
        return op_name in self._kernels

    def __len__(self):
        return len(self._kernels)


class AllOpsResolver(OpResolver):
    """Every kernel tinyrt has."""

    def __init__(self):
        super().__init__(sorted(REGISTRY))


def builtin_name(op):
    return op if isinstance(op, str) else BUILTIN_OPS[op]


__all__ = ["OpResolver", "AllOpsResolver", "BUILTIN_CODE"]
