"""The resource variables of one interpreter (TFLM's MicroResourceVariables)."""


class ResourceVariables:
    """id -> (dtype, shape, arena view). Ids come from (container, shared_name) pairs."""

    def __init__(self):
        self.ids = {}        # (container, shared_name) -> id
        self.specs = {}      # id -> (dtype, shape, owning kernel, persistent buffer index)
        self.arrays = {}     # id -> arena view, filled when kernels are bound

    def id_for(self, container, shared_name):
        return self.ids.setdefault((container or "", shared_name or ""), len(self.ids))

    def reset(self):
        """TFLM's ResetAll: every variable's bytes to zero."""
        for a in self.arrays.values():
            a[...] = 0
