"""The interpreter: allocate once (kernels, prepare, plan, arena), then invoke a flat list of calls.

The public API follows ``ai_edge_litert.interpreter.Interpreter`` (so switching is a change of
import) and also offers the ``tflite_micro`` runtime's ``set_input`` / ``get_output``.
"""
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError, OpError, StateError, TinyrtError, UnsupportedOpError
from .kernels.base import PrepareContext
from .memory.arena import ALIGNMENT, Arena, align_up
from .memory.planner import GreedyMemoryPlanner, LinearMemoryPlanner, MemoryPlanner
from .model import DEFAULT_MAX_BYTES, load_model

_PLANNERS = {"greedy": GreedyMemoryPlanner, "linear": LinearMemoryPlanner}


@dataclass
class TensorPlan:
    """Where one planned tensor or scratch buffer lives in the arena head."""
    kind: str            # "tensor" or "scratch"
    index: int           # tensor index, or scratch number
    name: str
    size: int            # bytes, before alignment
    first_use: int
    last_use: int
    offset: int = None
    node: int = None     # the node that requested a scratch buffer


@dataclass
class MemoryReport:
    """What the arena holds, in bytes (like TFLM's RecordingMicroAllocator)."""
    arena_size: int
    head: int
    tail: int
    planned_tensors: int          # sum of planned tensor sizes (before reuse)
    scratch: int                  # sum of scratch buffer sizes (before reuse)
    persistent_buffers: int       # kernel persistent buffers in the tail
    variable_tensors: int         # variable (state) tensors in the tail
    buffers: list = field(default_factory=list)   # the TensorPlan entries

    @property
    def used(self):
        return self.head + self.tail

    def lines(self):
        return [
            f"arena size        {self.arena_size:>10} bytes",
            f"used (head+tail)  {self.used:>10} bytes",
            f"head              {self.head:>10} bytes  (planned tensors and scratch, reused)",
            f"tail              {self.tail:>10} bytes  (persistent)",
            f"  variable tensors {self.variable_tensors:>9} bytes",
            f"  kernel buffers   {self.persistent_buffers:>9} bytes",
            f"planned tensors   {self.planned_tensors:>10} bytes before reuse",
            f"scratch buffers   {self.scratch:>10} bytes before reuse",
        ]


class Interpreter:
    """Run a .tflite model under TFLM's rules: one arena, planned ahead, bit-exact kernels.

    Parameters
    ----------
    model_path, model_content : the model, as a file path or as bytes (exactly one).
    arena_size : bytes of the arena; ``None`` means exactly what the plan needs.
    op_resolver : an ``OpResolver``; ``None`` means every kernel tinyrt has.
    arena : optional writable buffer to use as the arena (``bytearray``, numpy array, ...).
    planner : "greedy" (TFLM's default), "linear", or a ``MemoryPlanner`` class.
    max_model_bytes : refuse models whose tensors declare more bytes than this.
    """

    def __init__(self, model_path=None, model_content=None, arena_size=None, op_resolver=None,
                 arena=None, planner="greedy", max_model_bytes=DEFAULT_MAX_BYTES,
                 num_threads=None, experimental_op_resolver_type=None,
                 experimental_delegates=None, **_ignored):
        # num_threads / experimental_* are accepted so LiteRT code runs unchanged.
        if (model_path is None) == (model_content is None):
            raise TinyrtError("give exactly one of model_path and model_content")
        self.model = load_model(model_path if model_path is not None else model_content,
                                max_bytes=max_model_bytes)
        if op_resolver is None:
            from .resolver import AllOpsResolver
            op_resolver = AllOpsResolver()
        self.op_resolver = op_resolver
        if arena_size is not None and (not isinstance(arena_size, (int, np.integer))
                                       or arena_size < 0):
            raise TinyrtError(f"arena_size must be a non-negative int or None, not {arena_size!r}")
        self.arena_size = arena_size
        self._arena_buffer = arena
        if isinstance(planner, str):
            if planner not in _PLANNERS:
                raise TinyrtError(f"unknown planner {planner!r}; use one of {sorted(_PLANNERS)}")
            planner = _PLANNERS[planner]
        if not (isinstance(planner, type) and issubclass(planner, MemoryPlanner)):
            raise TinyrtError("planner must be 'greedy', 'linear' or a MemoryPlanner subclass")
        self._planner_cls = planner
        self._allocated = False
        self.kernels = []
        self.profiler = None

    # ---------------------------------------------------------------------------------------
    # allocation
    # ---------------------------------------------------------------------------------------
    def allocate_tensors(self):
        """Find every kernel, init and prepare it, plan the arena and bind tensor views."""
        if self._allocated:
            return
        sg = self.model.main
        tensors = sg.tensors
        kernels, contexts = [], []
        for node in sg.operators:  # 1. resolve every node before doing any work
            cls = self.op_resolver.find(node.op_name)
            if cls is None:
                raise UnsupportedOpError(
                    f"{node.op_name or '<unnamed custom op>'} (node {node.index}) is not in the "
                    f"op resolver; add it with resolver.add({node.op_name!r})")
            kernels.append(cls(node, sg.index))
        for k in kernels:  # 2. init and prepare
            node = k.node
            ins = [tensors[i] if i >= 0 else None for i in node.inputs]
            outs = [tensors[i] if i >= 0 else None for i in node.outputs]
            ctx = PrepareContext(k, ins, outs, sg)
            self._guarded(k, "init", k.init, node.options, node.custom_options)
            self._guarded(k, "prepare", k.prepare, ctx)
            contexts.append(ctx)

        # 3. lifetimes, planning
        plans = self._lifetimes(sg, contexts)
        planner = self._planner_cls()
        offline = (self.model.offline_plan or {}).get(sg.index)
        for p in plans:
            off = None
            if p.kind == "tensor" and offline is not None and offline[p.index] >= 0:
                off = int(offline[p.index])
            planner.add_buffer(align_up(p.size), p.first_use, p.last_use, off)
        for p, off in zip(plans, planner.plan()):
            p.offset = off
        head = planner.head_size

        # 4. the tail: variable tensors, then kernels' persistent buffers
        variables = [t for t in tensors if t.is_variable and t.dtype is not None]
        persistent = [n for ctx in contexts for n in ctx.persistent_requests]
        tail_sizes = [t.nbytes for t in variables] + persistent
        arena = Arena.create(self._arena_buffer, self.arena_size, head, tail_sizes)

        # 5. views
        arrays = [None] * len(tensors)
        for t in tensors:
            if t.data is not None and t.dtype is not None and not t.is_variable:
                arrays[t.index] = t.data
        for p in plans:
            if p.kind == "tensor":
                t = tensors[p.index]
                arrays[p.index] = arena.view(p.offset, t.shape, t.dtype)
        for t, off in zip(variables, arena.tail_offsets):
            arrays[t.index] = arena.view(off, t.shape, t.dtype)
        for t in tensors:  # zero-sized tensors and the like: empty arrays, no arena bytes
            if arrays[t.index] is None and t.dtype is not None:
                arrays[t.index] = np.zeros(t.shape, t.dtype)
        scratch_plans = [p for p in plans if p.kind == "scratch"]
        si = 0
        for k, ctx in zip(kernels, contexts):
            k.scratch = []
            for _ in ctx.scratch_requests:
                p = scratch_plans[si]
                si += 1
                k.scratch.append(arena.view(p.offset, (p.size,), np.uint8))

        self._arena = arena
        self._arrays = arrays
        self._tensors = tensors
        self._variables = variables
        self.kernels = kernels
        self._plans = plans
        self._report = MemoryReport(
            arena_size=arena.size, head=align_up(head), tail=arena.tail_size,
            planned_tensors=sum(p.size for p in plans if p.kind == "tensor"),
            scratch=sum(p.size for p in plans if p.kind == "scratch"),
            persistent_buffers=sum(align_up(n) for n in persistent),
            variable_tensors=sum(align_up(t.nbytes) for t in variables), buffers=plans)
        self._steps = [(k.eval, [arrays[i] if i >= 0 else None for i in k.node.inputs],
                        [arrays[i] if i >= 0 else None for i in k.node.outputs])
                       for k in kernels]
        self._allocated = True
        self.reset_all_variables()

    def _guarded(self, kernel, stage, fn, *args):
        try:
            return fn(*args)
        except TinyrtError:
            raise
        except Exception as e:  # a kernel's own check that surfaced as a Python error
            raise OpError(kernel.node.op_name, kernel.node_index,
                          f"{stage} failed: {type(e).__name__}: {e}", kernel.subgraph_index) from e

    @staticmethod
    def _lifetimes(sg, contexts):
        """TFLM's allocation info: which tensors are planned, and when each is alive."""
        n_ops = len(sg.operators)
        last_step = max(n_ops - 1, 0)
        first = {}
        last = {}
        for i in sg.inputs:
            first[i] = 0
            last[i] = max(last.get(i, 0), 0)
        for step, op in enumerate(sg.operators):
            for i in op.inputs:
                if i >= 0:
                    last[i] = max(last.get(i, step), step)
                    first.setdefault(i, step)
            for i in list(op.outputs) + list(op.intermediates):
                if i >= 0:
                    first.setdefault(i, step)
                    last[i] = max(last.get(i, step), step)
        for i in sg.outputs:
            first.setdefault(i, 0)
            last[i] = last_step
        plans = []
        for t in sg.tensors:
            if t.data is not None or t.is_variable or t.dtype is None or t.nbytes == 0:
                continue
            f = first.get(t.index)
            if f is None:  # used by no node: keep it alive throughout, shares nothing
                f, lst = 0, last_step
            else:
                lst = last[t.index]
            plans.append(TensorPlan("tensor", t.index, t.name, t.nbytes, f, lst))
        n = 0
        for step, ctx in enumerate(contexts):
            for size in ctx.scratch_requests:
                plans.append(TensorPlan("scratch", n, f"scratch {n} ({ctx.kernel.node.op_name})",
                                        size, step, step, node=step))
                n += 1
        return plans

    def _require_allocated(self, what):
        if not self._allocated:
            raise StateError(f"{what} needs allocate_tensors() first")

    # ---------------------------------------------------------------------------------------
    # running
    # ---------------------------------------------------------------------------------------
    def invoke(self):
        """Run every node once. Inputs must be set before each invoke: as in TFLM, the arena
        reuses input memory for later tensors."""
        self._require_allocated("invoke()")
        if self.profiler is not None:
            return self._invoke_profiled()
        step = None
        try:
            for step in self._steps:
                step[0](step[1], step[2])
        except TinyrtError:
            raise
        except Exception as e:
            k = self.kernels[self._steps.index(step)]
            raise OpError(k.node.op_name, k.node_index, f"eval failed: {type(e).__name__}: {e}",
                          k.subgraph_index) from e

    def _invoke_profiled(self):
        prof = self.profiler
        for k, (fn, ins, outs) in zip(self.kernels, self._steps):
            h = prof.begin_event(k)
            fn(ins, outs)
            prof.end_event(h)

    def reset_all_variables(self):
        """Set every variable (state) tensor to its initial value: its constant data if it has
        any, else zero (the zero point for int8, as TFLM)."""
        self._require_allocated("reset_all_variables()")
        for t in self._variables:
            a = self._arrays[t.index]
            if t.data is not None:
                a[...] = t.data
            elif t.dtype == np.int8 and t.quantization is not None:
                a[...] = t.quantization.zero_point[0]
            else:
                a[...] = 0

    reset = reset_all_variables  # tflite_micro's name

    # ---------------------------------------------------------------------------------------
    # tensor access (LiteRT style)
    # ---------------------------------------------------------------------------------------
    def _tensor_def(self, index):
        tensors = self.model.main.tensors
        if not isinstance(index, (int, np.integer)) or not 0 <= index < len(tensors):
            raise InputError(f"tensor index {index!r} is out of range: the model has "
                             f"{len(tensors)} tensors")
        return tensors[int(index)]

    def _details(self, t):
        q = t.quantization
        if q is None:
            quant = (0.0, 0)
            qp = {"scales": np.zeros(0, np.float32), "zero_points": np.zeros(0, np.int32),
                  "quantized_dimension": 0}
        else:
            quant = (float(q.scale[0]), int(q.zero_point[0])) if len(q.scale) == 1 else (0.0, 0)
            qp = {"scales": np.array(q.scale, np.float32),
                  "zero_points": np.array(q.zero_point, np.int32),
                  "quantized_dimension": q.quantized_dimension}
        sig = t.shape_signature if t.shape_signature is not None else t.shape
        return {"name": t.name, "index": t.index, "shape": np.array(t.shape, np.int32),
                "shape_signature": np.array(sig, np.int32),
                "dtype": t.dtype.type if t.dtype is not None else None,
                "quantization": quant, "quantization_parameters": qp,
                "sparsity_parameters": {}}

    def get_input_details(self, index=None):
        """LiteRT style: a list of dicts. tflite_micro style: ``get_input_details(i)``, one dict."""
        sg = self.model.main
        if index is not None:
            return self._details(sg.tensors[sg.inputs[self._io_index(index, sg.inputs, "input")]])
        return [self._details(sg.tensors[i]) for i in sg.inputs]

    def get_output_details(self, index=None):
        sg = self.model.main
        if index is not None:
            return self._details(sg.tensors[sg.outputs[self._io_index(index, sg.outputs, "output")]])
        return [self._details(sg.tensors[i]) for i in sg.outputs]

    def get_tensor_details(self):
        return [self._details(t) for t in self.model.main.tensors]

    def set_tensor(self, tensor_index, value):
        """Copy ``value`` into a tensor; shape and dtype must match exactly."""
        self._require_allocated("set_tensor()")
        t = self._tensor_def(tensor_index)
        arr = self._arrays[t.index]
        if t.data is not None and not t.is_variable:
            raise InputError(f"tensor {t.index} ({t.name!r}) is a constant of the model and "
                             "cannot be set")
        value = np.asarray(value)
        if value.dtype != t.dtype:
            raise InputError(f"cannot set tensor {t.index} ({t.name!r}): got {value.dtype} "
                             f"data, expected {t.dtype}")
        if value.shape != tuple(t.shape):
            raise InputError(f"cannot set tensor {t.index} ({t.name!r}): got shape "
                             f"{list(value.shape)}, expected {list(t.shape)}")
        arr[...] = value

    def get_tensor(self, tensor_index):
        """A copy of a tensor's current value."""
        self._require_allocated("get_tensor()")
        t = self._tensor_def(tensor_index)
        return np.array(self._arrays[t.index])

    def tensor(self, tensor_index):
        """LiteRT style: a function returning a live view of the tensor's arena memory."""
        self._require_allocated("tensor()")
        t = self._tensor_def(tensor_index)
        arr = self._arrays[t.index]
        return lambda: arr

    # ---------------------------------------------------------------------------------------
    # tensor access (tflite_micro style)
    # ---------------------------------------------------------------------------------------
    @staticmethod
    def _io_index(i, ios, kind):
        if not isinstance(i, (int, np.integer)) or not 0 <= i < len(ios):
            raise InputError(f"{kind} index {i!r} is out of range: the model has {len(ios)} "
                             f"{kind}s")
        return int(i)

    def set_input(self, data, index):
        sg = self.model.main
        self.set_tensor(sg.inputs[self._io_index(index, sg.inputs, "input")], data)

    def get_output(self, index):
        sg = self.model.main
        return self.get_tensor(sg.outputs[self._io_index(index, sg.outputs, "output")])

    # ---------------------------------------------------------------------------------------
    # signatures
    # ---------------------------------------------------------------------------------------
    def get_signature_list(self):
        return {s.key: {"inputs": list(s.inputs), "outputs": list(s.outputs)}
                for s in self.model.signatures}

    def get_signature_runner(self, signature_key=None):
        sigs = self.model.signatures
        if not sigs:
            raise TinyrtError("the model has no signature defs")
        if signature_key is None:
            if len(sigs) > 1:
                raise TinyrtError("the model has several signatures; name one of "
                                  f"{[s.key for s in sigs]}")
            sig = sigs[0]
        else:
            match = [s for s in sigs if s.key == signature_key]
            if not match:
                raise TinyrtError(f"no signature {signature_key!r}; the model has "
                                  f"{[s.key for s in sigs]}")
            sig = match[0]
        if sig.subgraph_index != 0:
            raise TinyrtError(f"signature {sig.key!r} runs subgraph {sig.subgraph_index}; "
                              "only signatures of the main subgraph can be run")
        return SignatureRunner(self, sig)

    # ---------------------------------------------------------------------------------------
    # memory
    # ---------------------------------------------------------------------------------------
    def memory_report(self):
        self._require_allocated("memory_report()")
        return self._report

    @property
    def arena_used_bytes(self):
        return self.memory_report().used

    def print_allocations(self):
        print("\n".join(self.memory_report().lines()))


class SignatureRunner:
    """LiteRT's signature runner: call with keyword inputs, get a dict of outputs."""

    def __init__(self, interpreter, sig):
        self._it = interpreter
        self._sig = sig

    def get_input_details(self):
        return {n: self._it._details(self._it.model.main.tensors[i])
                for n, i in self._sig.inputs.items()}

    def get_output_details(self):
        return {n: self._it._details(self._it.model.main.tensors[i])
                for n, i in self._sig.outputs.items()}

    def __call__(self, **inputs):
        it = self._it
        if not it._allocated:
            it.allocate_tensors()
        missing = set(self._sig.inputs) - set(inputs)
        extra = set(inputs) - set(self._sig.inputs)
        if missing or extra:
            raise InputError(f"signature {self._sig.key!r} takes inputs "
                             f"{sorted(self._sig.inputs)}; got {sorted(inputs)}")
        for name, value in inputs.items():
            it.set_tensor(self._sig.inputs[name], value)
        it.invoke()
        return {n: it.get_tensor(i) for n, i in self._sig.outputs.items()}


__all__ = ["Interpreter", "MemoryReport", "SignatureRunner", "TensorPlan", "ALIGNMENT"]
