"""The memory report: what the arena holds, in bytes, and what TFLM's arena would be."""
from dataclasses import dataclass, field


@dataclass
class MemoryReport:
    """What the arena holds, in bytes (like TFLM's RecordingMicroAllocator).

    ``head`` and ``tail`` are tinyrt's own arena. TFLM needs more for the same model: its tail
    also holds its runtime structs, per-node and per-tensor structs and op data, and while it
    prepares it needs temporary memory. ``tflm_arena_bytes`` gives the smallest ``arena_size``
    TFLM's MicroInterpreter allocates the model in, for a 64-bit host build (the tflite-micro
    wheel) and a 32-bit Cortex-M build; ``tflm`` has the details (tinyrt.memory.tflm_arena).
    """
    arena_size: int
    head: int
    tail: int
    planned_tensors: int          # sum of planned tensor sizes (before reuse)
    scratch: int                  # sum of scratch buffer sizes (before reuse)
    persistent_buffers: int       # kernel persistent buffers in the tail
    variable_tensors: int         # variable (state) tensors in the tail
    buffers: list = field(default_factory=list)   # the TensorPlan entries
    planner: str = "greedy"
    steps: int = 0                # op steps of the timeline the buffers live on
    model: object = field(default=None, repr=False, compare=False)
    _tflm: object = field(default=None, repr=False, compare=False)

    @property
    def used(self):
        return self.head + self.tail

    @property
    def tflm(self):
        """TflmArena of the model (computed on first use; None without a model)."""
        if self._tflm is None and self.model is not None:
            from .tflm_arena import tflm_arena
            self._tflm = tflm_arena(self.model)
        return self._tflm

    @property
    def tflm_arena_bytes(self):
        """{"host64": N, "cortex_m": M}: the smallest arena_size TFLM allocates the model in."""
        return self.tflm.as_dict() if self.tflm is not None else None

    def lines(self):
        out = [
            f"arena size        {self.arena_size:>10} bytes",
            f"used (head+tail)  {self.used:>10} bytes",
            f"head              {self.head:>10} bytes  (planned tensors and scratch, reused)",
            f"tail              {self.tail:>10} bytes  (persistent)",
            f"  variable tensors {self.variable_tensors:>9} bytes",
            f"  kernel buffers   {self.persistent_buffers:>9} bytes",
            f"planned tensors   {self.planned_tensors:>10} bytes before reuse",
            f"scratch buffers   {self.scratch:>10} bytes before reuse",
        ]
        return out

    def tflm_lines(self):
        """Lines saying what TFLM's arena would be (computes it on first use)."""
        t = self.tflm
        if t is None:
            return []
        out = ["", "TFLM's MicroInterpreter needs a larger arena: its tail also holds its own",
               "structs and op data, and its prepare needs temporary memory."]
        if t.missing_ops:
            out.append(f"note: TFLM has no kernel for {', '.join(t.missing_ops)}; it cannot "
                       "run this model (figures assume kernels like its others)")
        out += [
            f"TFLM arena_size, Cortex-M    {t.cortex_m:>10} bytes  (32-bit MCU builds: size "
            "the tensor_arena with this)",
            f"TFLM arena_size, 64-bit host {t.host64:>10} bytes  (the tflite-micro Python "
            "wheel's interpreter)",
            f"  TFLM head {t.head} bytes; tail {t.tail_cortex_m} bytes on Cortex-M, "
            f"{t.tail_host64} on the 64-bit host",
            f"tinyrt's own arena           {self.used:>10} bytes  (arena_size for "
            "tinyrt.Interpreter with this planner)",
        ]
        return out

    def as_dict(self):
        """The report as plain data (what ``tinyrt plan --json`` prints)."""
        t = self.tflm
        d = {"planner": self.planner, "arena_size": self.arena_size, "head_bytes": self.head,
             "tail_bytes": self.tail, "used_bytes": self.used,
             "variable_tensor_bytes": self.variable_tensors,
             "kernel_buffer_bytes": self.persistent_buffers,
             "planned_tensor_bytes": self.planned_tensors, "scratch_bytes": self.scratch,
             "tflm_arena_bytes": self.tflm_arena_bytes}
        if t is not None:
            d["tflm"] = {"head_bytes": t.head,
                         "tail_bytes": {"host64": t.tail_host64, "cortex_m": t.tail_cortex_m},
                         "tail_parts": {"host64": t.tail_parts_host64,
                                        "cortex_m": t.tail_parts_cortex_m},
                         "missing_ops": t.missing_ops}
        d["buffers"] = [{"kind": p.kind, "index": p.index, "name": p.name, "subgraph": p.subgraph,
                         "size": p.size, "offset": p.offset, "first_use": p.first_use,
                         "last_use": p.last_use} for p in self.buffers]
        return d
