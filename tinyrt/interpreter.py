"""The interpreter: allocate once (kernels, prepare, plan, arena), then invoke a flat list of calls.

The public API follows ``ai_edge_litert.interpreter.Interpreter`` (so switching is a change of
import) and also offers the ``tflite_micro`` runtime's ``set_input`` / ``get_output``.
"""
import threading
from dataclasses import dataclass, field

import numpy as np

from .errors import (InputError, ModelError, OpError, StateError, TinyrtError,
                     UnsupportedOpError)
from .kernels.base import Kernel, PrepareContext
from .kernels.control_flow import AbortInvoke
from .memory.arena import ALIGNMENT, Arena, align_up
from .memory.planner import GreedyMemoryPlanner, LinearMemoryPlanner, MemoryPlanner
from . import native as native_kernels
from .model import DEFAULT_MAX_BYTES, load_model
from .resource_variables import ResourceVariables
from .workspace import Workspace

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
    subgraph: int = 0


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


class UnresolvedKernel(Kernel):
    """Stands in for an op missing from the resolver when only the plan is wanted: it asks
    for no memory of its own and refuses to run."""

    def eval(self, inputs, outputs):
        raise UnsupportedOpError(f"{self.node.op_name} (node {self.node_index}) has no kernel; "
                                 "this interpreter was built with plan_unresolved=True to "
                                 "plan memory only")


class Graph:
    """One subgraph at run time: its kernels, its tensors' arrays and its flat list of calls."""

    def __init__(self, subgraph):
        self.subgraph = subgraph
        self.index = subgraph.index
        self.kernels = []
        self.contexts = []
        self.arrays = None
        self.steps = []

    def bind(self):
        arrays = self.arrays
        self.steps = [(k.eval if k.native is None else k.native,
                       [arrays[i] if i >= 0 else None for i in k.node.inputs],
                       [arrays[i] if i >= 0 else None for i in k.node.outputs])
                      for k in self.kernels]
        self.inputs = [arrays[i] for i in self.subgraph.inputs]
        self.outputs = [arrays[i] for i in self.subgraph.outputs]

    def invoke(self):
        for fn, ins, outs in self.steps:
            fn(ins, outs)


class _Lifetimes:
    """TFLM's allocation info: which tensors are planned, and when each is alive.

    Every op is one step of a single timeline. An op's outputs start at its step and each input
    lives until the last step that reads it; subgraph inputs start when the subgraph starts,
    its outputs live until it ends. A node that calls subgraphs (IF, WHILE, CALL_ONCE) spans the
    steps of the subgraphs it calls, and their inputs and outputs live across that whole span.
    Subgraphs no node calls get their own steps after the main one.
    """

    def __init__(self, graphs):
        self.graphs = graphs
        self.first = {}
        self.last = {}
        self.step = 0
        self.visiting = set()
        self.done = set()
        self.scratch = []

    def touch(self, key, step):
        if key not in self.first or step < self.first[key]:
            self.first[key] = step
        if key not in self.last or step > self.last[key]:
            self.last[key] = step

    def walk(self, g, span_start=None):
        if g.index in self.visiting:
            return  # recursion through subgraphs: the outer walk already covers it
        self.visiting.add(g.index)
        sg = g.subgraph
        start = self.step if span_start is None else span_start
        for i in sg.inputs:
            self.touch((g.index, i), start)
        for k, ctx in zip(g.kernels, g.contexts):
            op_start = self.step
            for sgi in ctx.subgraph_calls:
                self.walk(self.graphs[sgi], op_start)
            op_end = max(self.step, op_start)
            for i in list(k.node.inputs):
                if i >= 0:
                    self.touch((g.index, i), op_start)
                    self.touch((g.index, i), op_end)
            for i in k.node.intermediates:
                t = sg.tensors[i] if 0 <= i < len(sg.tensors) else None
                if t is not None and t.nbytes:
                    # TFLM's allocation refuses them too: no kernel it has reads one
                    raise OpError(k.node.op_name, k.node_index,
                                  f"intermediate tensor {i} ({t.name!r}) has {t.nbytes} bytes; "
                                  "only empty intermediate tensors are supported", g.index)
            for i in list(k.node.outputs) + list(k.node.intermediates):
                if i >= 0:
                    self.touch((g.index, i), op_start)
                    self.touch((g.index, i), op_end)
            for size in ctx.scratch_requests:
                self.scratch.append((g.index, k, size, op_start, op_end))
            self.step = op_end + 1
        end = max(self.step - 1, start)
        for i in sg.outputs:
            self.touch((g.index, i), end)
        if span_start is not None:
            # A called subgraph may run many times (WHILE): its inputs and outputs carry values
            # between runs, so they stay alive across the calling node's whole span.
            for i in list(sg.inputs) + list(sg.outputs):
                self.touch((g.index, i), start)
                self.touch((g.index, i), end)
        self.visiting.discard(g.index)
        self.done.add(g.index)

    def plans(self):
        for g in self.graphs:
            if g.index not in self.done:
                self.walk(g)
        plans = []
        for g in self.graphs:
            for t in g.subgraph.tensors:
                if t.data is not None or t.is_variable or t.dtype is None or t.nbytes == 0:
                    continue
                key = (g.index, t.index)
                if key in self.first:
                    f, lst = self.first[key], self.last[key]
                else:  # used by no node: alive throughout, sharing nothing
                    f, lst = 0, max(self.step - 1, 0)
                plans.append(TensorPlan("tensor", t.index, t.name, t.nbytes, f, lst,
                                        subgraph=g.index))
        for n, (gi, k, size, f, lst) in enumerate(self.scratch):
            plans.append(TensorPlan("scratch", n, f"scratch {n} ({k.node.op_name}, node "
                                    f"{k.node_index})", size, f, lst, node=k.node_index,
                                    subgraph=gi))
        return plans


def _empty_array(shape, dtype):
    """An array for a tensor that holds no arena bytes. A shape such as (0, 2^31-1, 2^31-1,
    2^31-1) holds nothing, but numpy cannot represent it (its other dimensions' product
    overflows); it gets a stand-in of no elements, the zero dimensions kept and the others
    set to 1. TFLM runs a model with such a tensor as long as no op reads it."""
    try:
        return np.zeros(shape, dtype)
    except ValueError:
        return np.zeros(tuple(min(int(d), 1) for d in shape), dtype)


class Interpreter:
    """Run a .tflite model under TFLM's rules: one arena, planned ahead, bit-exact kernels.

    Parameters
    ----------
    model_path, model_content : the model, as a file path or as bytes (exactly one).
    arena_size : bytes of the arena; ``None`` means exactly what the plan needs.
    op_resolver : an ``OpResolver``; ``None`` means every kernel tinyrt has.
    arena : optional writable buffer to use as the arena (``bytearray``, numpy array, ...), or a
        ``SharedArena`` that several interpreters use together (one at a time).
    planner : "greedy" (TFLM's default), "linear", or a ``MemoryPlanner`` class.
    plan_unresolved : plan the arena even when ops are missing from the resolver, assuming
        they need no scratch memory; such a model can be planned and inspected but not invoked
        (``unresolved_ops`` lists them).
    max_model_bytes : refuse models whose tensors declare more bytes than this, or whose
        kernels would need more host work memory than this.
    native : run int8 convolutions, depthwise convolutions and fully-connected layers in
        tinyrt's C kernels (compiled on first use, see ``tinyrt.native``): ``None`` when a C
        compiler is available, ``False`` never (numpy only), ``True`` required. The results
        are the same bits either way.
    """

    def __init__(self, model_path=None, model_content=None, arena_size=None, op_resolver=None,
                 arena=None, planner="greedy", max_model_bytes=DEFAULT_MAX_BYTES,
                 plan_unresolved=False, native=None, num_threads=None,
                 experimental_op_resolver_type=None, experimental_delegates=None, **_ignored):
        # num_threads / experimental_* are accepted so LiteRT code runs unchanged.
        if (model_path is None) == (model_content is None):
            raise TinyrtError("give exactly one of model_path and model_content")
        self.model = load_model(model_path if model_path is not None else model_content,
                                max_bytes=max_model_bytes)
        self.max_model_bytes = max_model_bytes
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
        self.plan_unresolved = plan_unresolved
        if native is not None and not isinstance(native, (bool, np.bool_)):
            raise TinyrtError(f"native must be None, True or False, not {native!r}")
        self.native = native
        self.unresolved_ops = []
        self._allocated = False
        self.kernels = []
        self.profiler = None
        # invoke runs in one thread at a time: the arena and the kernels' work arrays are
        # the interpreter's own, so a second invoke meanwhile would mix their values
        self._invoking = threading.Lock()

    # ---------------------------------------------------------------------------------------
    # allocation
    # ---------------------------------------------------------------------------------------
    def allocate_tensors(self):
        """Find every kernel, init and prepare it, plan the arena and bind tensor views."""
        if self._allocated:
            return
        model = self.model
        graphs = [Graph(sg) for sg in model.subgraphs]
        self._resources = ResourceVariables()
        for g in graphs:  # 1. resolve every node of every subgraph before doing any work
            for node in g.subgraph.operators:
                cls = self.op_resolver.find(node.op_name)
                if cls is None and self.plan_unresolved:
                    self.unresolved_ops.append((g.index, node.index, node.op_name))
                    cls = UnresolvedKernel
                if cls is None:
                    where = f"node {node.index}" + (f", subgraph {g.index}" if g.index else "")
                    raise UnsupportedOpError(
                        f"{node.op_name or '<unnamed custom op>'} ({where}) is not in the "
                        f"op resolver; add it with resolver.add({node.op_name!r})")
                g.kernels.append(cls(node, g.index))
        work = Workspace()    # eval-time temporaries the kernels share (host memory, not arena)
        native_lib = native_kernels.resolve(self.native)
        for g in graphs:  # 2. init and prepare
            tensors = g.subgraph.tensors
            for k in g.kernels:
                node = k.node
                ins = [tensors[i] if i >= 0 else None for i in node.inputs]
                outs = [tensors[i] if i >= 0 else None for i in node.outputs]
                ctx = PrepareContext(k, ins, outs, g.subgraph, model=model, graphs=graphs,
                                     resources=self._resources,
                                     workspace_limit=self.max_model_bytes, shared_work=work,
                                     native=native_lib)
                self._guarded(k, "init", k.init, node.options, node.custom_options)
                self._guarded(k, "prepare", k.prepare, ctx)
                for sgi in ctx.subgraph_calls:
                    if not 0 <= sgi < len(graphs):
                        k.fail(f"calls subgraph {sgi}; the model has {len(graphs)} subgraphs")
                g.contexts.append(ctx)

        self._check_call_cycles(graphs)

        # 3. lifetimes on one timeline through all subgraphs, then the plan
        plans = _Lifetimes(graphs).plans()
        planner = self._planner_cls()
        offline = model.offline_plan or {}
        for p in plans:
            off = None
            sg_offline = offline.get(p.subgraph)
            if p.kind == "tensor" and sg_offline is not None and sg_offline[p.index] >= 0:
                off = int(sg_offline[p.index])
            planner.add_buffer(align_up(p.size), p.first_use, p.last_use, off)
        for p, off in zip(plans, planner.plan()):
            p.offset = off
        head = planner.head_size

        # 4. the tail: variable tensors, then kernels' persistent buffers
        variables = [(g, t) for g in graphs for t in g.subgraph.tensors
                     if t.is_variable and t.dtype is not None]
        persistent = [n for g in graphs for ctx in g.contexts for n in ctx.persistent_requests]
        tail_sizes = [t.nbytes for _, t in variables] + persistent
        arena = Arena.create(self._arena_buffer, self.arena_size, head, tail_sizes)

        # 5. views
        for g in graphs:
            tensors = g.subgraph.tensors
            g.arrays = [t.data if t.data is not None and t.dtype is not None
                        and not t.is_variable else None for t in tensors]
        for p in plans:
            if p.kind == "tensor":
                t = model.subgraphs[p.subgraph].tensors[p.index]
                graphs[p.subgraph].arrays[p.index] = arena.view(p.offset, t.shape, t.dtype)
        for (g, t), off in zip(variables, arena.tail_offsets):
            g.arrays[t.index] = arena.view(off, t.shape, t.dtype)
        tail = iter(zip(persistent, arena.tail_offsets[len(variables):]))
        for g in graphs:
            for k, ctx in zip(g.kernels, g.contexts):
                # the request list first: zip must not pull an extra item from the iterator
                k.persistent = [arena.view(off, (n,), np.uint8)
                                for _, (n, off) in zip(ctx.persistent_requests, tail)]
        for g in graphs:  # zero-sized tensors and the like: empty arrays, no arena bytes
            for t in g.subgraph.tensors:
                if g.arrays[t.index] is None and t.dtype is not None:
                    g.arrays[t.index] = _empty_array(t.shape, t.dtype)
        scratch = iter([p for p in plans if p.kind == "scratch"])
        for g in graphs:
            for k, ctx in zip(g.kernels, g.contexts):
                k.scratch = [arena.view(p.offset, (p.size,), np.uint8)
                             for _, p in zip(ctx.scratch_requests, scratch)]
            g.bind()
        for g in graphs:
            for k in g.kernels:
                self._guarded(k, "bind", k.bind)

        self._arena = arena
        self._graphs = graphs
        self._arrays = graphs[0].arrays
        self._variables = variables
        self.kernels = graphs[0].kernels
        self._steps = graphs[0].steps
        self._plans = plans
        self._report = MemoryReport(
            arena_size=arena.size, head=align_up(head), tail=arena.tail_size,
            planned_tensors=sum(p.size for p in plans if p.kind == "tensor"),
            scratch=sum(p.size for p in plans if p.kind == "scratch"),
            persistent_buffers=sum(align_up(n) for n in persistent),
            variable_tensors=sum(align_up(t.nbytes) for _, t in variables), buffers=plans)
        self._quiet_float = any(t.dtype is not None and t.dtype.kind == "f"
                                for g in graphs for t in g.subgraph.tensors)
        self._allocated = True
        self.reset_all_variables()

    @staticmethod
    def _check_call_cycles(graphs):
        """Subgraph calls (IF, WHILE, CALL_ONCE) must not lead back to the caller: a cycle would
        recurse without end at invoke."""
        calls = {g.index: {(sgi, k.node_index) for k, ctx in zip(g.kernels, g.contexts)
                           for sgi in ctx.subgraph_calls} for g in graphs}
        state = {}

        def visit(i, path):
            state[i] = "open"
            for j, node in sorted(calls[i]):
                if state.get(j) == "open":
                    chain = " -> ".join(f"subgraph {a} (node {n})" for a, n in path + [(i, node)])
                    raise ModelError(f"subgraph calls form a cycle: {chain} -> subgraph {j}")
                if j not in state:
                    visit(j, path + [(i, node)])
            state[i] = "done"
        for g in graphs:
            if g.index not in state:
                visit(g.index, [])

    def _guarded(self, kernel, stage, fn, *args):
        try:
            return fn(*args)
        except TinyrtError:
            raise
        except Exception as e:  # a kernel's own check that surfaced as a Python error
            raise OpError(kernel.node.op_name, kernel.node_index,
                          f"{stage} failed: {type(e).__name__}: {e}", kernel.subgraph_index) from e

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
        if not self._invoking.acquire(blocking=False):
            raise StateError("invoke() is already running on this interpreter in another "
                             "thread; an interpreter runs one invoke at a time (give each "
                             "thread its own interpreter)")
        try:
            self._invoke()
        finally:
            self._invoking.release()

    def _invoke(self):
        if self.profiler is not None:
            return self._invoke_profiled()
        step = None
        try:
            if self._quiet_float:
                # inf and NaN inputs are legal and give IEEE results (documented); numpy's
                # warnings about them would only be noise
                with np.errstate(all="ignore"):
                    for step in self._steps:
                        step[0](step[1], step[2])
                return
            for step in self._steps:
                step[0](step[1], step[2])
        except AbortInvoke:
            return
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
            try:
                fn(ins, outs)
            except AbortInvoke:
                prof.end_event(h)
                return
            prof.end_event(h)

    def reset_all_variables(self):
        """Set every variable (state) tensor to its initial value: its constant data if it has
        any, else zero (the zero point for int8, as TFLM)."""
        self._require_allocated("reset_all_variables()")
        self._resources.reset()
        for g in self._graphs:
            for k in g.kernels:
                k.reset()
        for g, t in self._variables:
            a = g.arrays[t.index]
            if t.data is not None:
                a[...] = t.data
            elif t.dtype == np.int8 and t.quantization is not None:  # TFLM memsets zero point
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
                "dtype": t.element_dtype.type if t.element_dtype is not None else None,
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
        if t.packed_bits:      # packed weights have no array; give their values, as LiteRT
            return t.unpacked()
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

    def work_memory(self):
        """Host work memory (im2col columns, padded inputs, window sums) each node's kernel
        declared in prepare, as [(bytes, subgraph, node, op name)], largest first: an
        estimate, each bounded by max_model_bytes. This is host memory beside the arena, which
        a device build does not need."""
        self._require_allocated("work_memory()")
        nodes = [(ctx.work_bytes, g.index, k.node_index, k.node.op_name)
                 for g in self._graphs for k, ctx in zip(g.kernels, g.contexts)]
        return sorted((n for n in nodes if n[0]), key=lambda n: -n[0])

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
