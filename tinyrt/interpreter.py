"""The interpreter: allocate once (kernels, prepare, plan, arena), then invoke a flat list of calls.

The public API follows ``ai_edge_litert.interpreter.Interpreter`` (so switching is a change of
import) and also offers the ``tflite_micro`` runtime's ``set_input`` / ``get_output``.
"""
import enum
import sys
import threading

import numpy as np

from .errors import (ArgumentError, ArgumentTypeError, IndexOutOfRangeError, InputError,
                     ModelError, OpError, StateError, TinyrtError, UnallocatedError,
                     UnsupportedOpError)
from .kernels.base import Kernel, PrepareContext
from .kernels.control_flow import AbortInvoke
from .memory.allocation import allocate
from .memory.arena import ALIGNMENT
from .memory.arena_plan import compute_then_copy
from .memory.compact import CompactMemoryPlanner
from .memory.lifetimes import TensorPlan
from .memory.planner import GreedyMemoryPlanner, LinearMemoryPlanner, MemoryPlanner
from .memory.report import MemoryReport
from . import native as native_kernels
from .model import DEFAULT_MAX_BYTES, load_model
from .resource_variables import ResourceVariables
from .resize import resize_batch
from .sub_batches import SubBatches
from .workspace import Workspace

_PLANNERS = {"greedy": GreedyMemoryPlanner, "linear": LinearMemoryPlanner,
             "compact": CompactMemoryPlanner}


class OpResolverType(enum.Enum):
    """LiteRT's choice of kernel set. tinyrt has one set (TFLM's reference arithmetic), so
    every value runs the same kernels; the enum exists so LiteRT code runs unchanged."""
    AUTO = 0
    BUILTIN = 1
    BUILTIN_REF = 2
    BUILTIN_WITHOUT_DEFAULT_DELEGATES = 3


class UnresolvedKernel(Kernel):
    """Stands in for an op missing from the resolver when only the plan is wanted: it asks
    for no memory of its own and refuses to run."""

    def eval(self, inputs, outputs):
        raise UnsupportedOpError(f"{self.node.op_name} (node {self.node_index}) has no kernel; "
                                 "this interpreter was built with plan_unresolved=True to "
                                 "plan memory only")


def _check_litert_options(num_threads, op_resolver_type, delegates):
    """LiteRT's checks of its options, with its exception types."""
    if num_threads is not None:
        if not isinstance(num_threads, (int, np.integer)) or isinstance(num_threads, bool):
            raise ArgumentError("type of num_threads should be int")
        if num_threads < 1:
            raise ArgumentError("num_threads should >= 1")
    if not isinstance(op_resolver_type, OpResolverType):
        raise ArgumentError(f"Unrecognized passed in op resolver type: {op_resolver_type!r}")
    if delegates:
        # LiteRT hands delegates the graph; tinyrt runs every node itself and has none to
        # hand it to, so accepting one would silently drop what it was meant to do.
        raise ArgumentError(f"tinyrt runs no delegates; got experimental_delegates="
                            f"{delegates!r} (pass None or [])")


def _missing_kernel_message(node, subgraph_index):
    """Why a node has no kernel, with the fix that works: resolver.add(name) only helps when
    tinyrt has the kernel; otherwise the user must supply one."""
    from .kernels import REGISTRY
    name = node.op_name or "<unnamed custom op>"
    where = f"node {node.index}" + (f", subgraph {subgraph_index}" if subgraph_index else "")
    if node.op_name in REGISTRY:
        return (f"{name} ({where}) is not in the op resolver; add it with "
                f"resolver.add({node.op_name!r})")
    return (f"tinyrt has no kernel for {name} ({where}); register your own with "
            f"resolver.add({node.op_name!r}, YourKernel) (a tinyrt.Kernel subclass), or size "
            "the arena without it using plan_unresolved=True (`tinyrt plan`)")


def run_alone(program):
    """A step function running one prepared C node (its tensors bound already)."""
    def step(ins, outs):
        if program.run():
            raise RuntimeError(f"C kernel {program.nodes[0].kernel} failed")
    return step


class Graph:
    """One subgraph at run time: its kernels, its tensors' arrays and its flat list of steps.

    A step is ``(fn, a, b)``, called ``fn(a, b)``: a node's numpy eval with its input and output
    arrays (returns None), or one call of the compiled core's executor over a run of
    consecutive C nodes, with the address and length of their node array (returns 0, or 1 + the
    position of a node that failed).
    """

    def __init__(self, subgraph):
        self.subgraph = subgraph
        self.index = subgraph.index
        self.kernels = []
        self.contexts = []
        self.arrays = None
        self.steps = []
        self.step_kernels = []     # per step: the kernels it runs
        self.step_programs = []    # per step: its native.core.Program, or None (numpy eval)

    def bind(self, overlapping=()):
        """Build the steps. ``overlapping``: positions of nodes whose output the plan lets
        overlap an input they read (planner="compact"): they compute into private arrays that
        are copied into the arena after them (memory.arena_plan.compute_then_copy)."""
        arrays = self.arrays
        self.steps, self.step_kernels, self.step_programs = [], [], []
        run = []
        from .native.core import Program

        def add(step, kernels, program=None):
            self.steps.append(step)
            self.step_kernels.append(kernels)
            self.step_programs.append(program)

        def close_run():
            if run:
                program = Program(run[0].native.core, [k.native for k in run])
                add((program.core.run, program.address, program.count), list(run), program)
                run.clear()

        for pos, k in enumerate(self.kernels):
            ins = [arrays[i] if i >= 0 else None for i in k.node.inputs]
            outs = [arrays[i] if i >= 0 else None for i in k.node.outputs]
            if pos in overlapping:
                close_run()
                private = [None if o is None else np.empty_like(o) for o in outs]
                fn = k.eval
                if k.native is not None:
                    k.native.bind(ins, private)
                    fn = run_alone(Program(k.native.core, [k.native]))
                add((compute_then_copy(fn, private), ins, outs), [k])
                continue
            if k.native is not None:
                k.native.bind(ins, outs)
                run.append(k)
                continue
            close_run()
            add((k.eval, ins, outs), [k])
        close_run()
        self.inputs = [arrays[i] for i in self.subgraph.inputs]
        self.outputs = [arrays[i] for i in self.subgraph.outputs]

    def failed_kernel(self, step, code):
        """The kernel that failed in ``step`` (code: what the step returned)."""
        return self.step_kernels[step][code - 1]

    def invoke(self):
        for i, (fn, a, b) in enumerate(self.steps):
            code = fn(a, b)
            if code:
                k = self.failed_kernel(i, code)
                raise OpError(k.node.op_name, k.node_index, "C kernel failed", k.subgraph_index)


class Interpreter:
    """Run a .tflite model under TFLM's rules: one arena, planned ahead, bit-exact kernels.

    Parameters
    ----------
    model_path, model_content : the model, as a file path or as bytes (exactly one).
    arena_size : bytes of the arena; ``None`` means exactly what the plan needs.
    op_resolver : an ``OpResolver``; ``None`` means every kernel tinyrt has.
    arena : optional writable buffer to use as the arena (``bytearray``, numpy array, ...), or a
        ``SharedArena`` that several interpreters use together (one at a time).
    planner : "greedy" (TFLM's default), "linear", "compact" (a smaller head, the same
        outputs: see tinyrt.memory.compact), or a ``MemoryPlanner`` class.
    plan_unresolved : plan the arena even when ops are missing from the resolver, assuming
        they need no scratch memory; such a model can be planned and inspected but not invoked
        (``unresolved_ops`` lists them).
    max_model_bytes : refuse models whose tensors declare more bytes than this, or whose
        kernels would need more host work memory than this.
    native : run the layers the compiled core has kernels for in C (see ``tinyrt.native``):
        ``None`` when the core is built, ``False`` never (numpy only), ``True`` required, or a
        SIMD level ("avx512", "avx2", "neon", "portable"). The results are the same bits
        either way.
    experimental_preserve_all_tensors : plan every tensor for the whole invoke (no memory
        reuse), so every intermediate can be read after invoke, as LiteRT's option and
        tflite-micro's kPreserveAllTensors do.
    num_threads, experimental_op_resolver_type, experimental_delegates, and LiteRT's other
        ``experimental_*`` options are checked as LiteRT checks them and otherwise change
        nothing: tinyrt runs one thread, one kernel set, no delegates.
    """

    def __init__(self, model_path=None, model_content=None, arena_size=None, op_resolver=None,
                 arena=None, planner="greedy", max_model_bytes=DEFAULT_MAX_BYTES,
                 plan_unresolved=False, native=None, num_threads=None,
                 experimental_op_resolver_type=OpResolverType.AUTO,
                 experimental_delegates=None, experimental_preserve_all_tensors=False,
                 experimental_disable_delegate_clustering=False,
                 experimental_default_delegate_latest_features=False,
                 experimental_compress_quantization_zero_points=False,
                 experimental_disable_delegate_node_fusion=False,
                 experimental_force_delegate_node_profiling=False):
        if model_path is not None and model_content is not None:
            raise ArgumentError("give exactly one of model_path and model_content, not both")
        if model_path is None and model_content is None:
            raise ArgumentError("give exactly one of model_path and model_content")
        _check_litert_options(num_threads, experimental_op_resolver_type,
                              experimental_delegates)
        self.preserve_all_tensors = bool(experimental_preserve_all_tensors)
        self.model = load_model(model_path if model_path is not None else model_content,
                                max_bytes=max_model_bytes)
        self._loaded_model = self.model      # before any resize_tensor_input
        self._input_sizes = {}
        self._batch_axes = {}                # of the tensors carrying a resized batch
        self._sub_batches = None
        self.max_model_bytes = max_model_bytes
        if op_resolver is None:
            from .resolver import AllOpsResolver
            op_resolver = AllOpsResolver()
        self.op_resolver = op_resolver
        if arena_size is not None and (not isinstance(arena_size, (int, np.integer))
                                       or arena_size < 0):
            raise ArgumentError(f"arena_size must be a non-negative int or None, not {arena_size!r}")
        self.arena_size = arena_size
        self._arena_buffer = arena
        if isinstance(planner, str):
            if planner not in _PLANNERS:
                raise ArgumentError(f"unknown planner {planner!r}; use one of {sorted(_PLANNERS)}")
            planner = _PLANNERS[planner]
        if not (isinstance(planner, type) and issubclass(planner, MemoryPlanner)):
            raise ArgumentError("planner must be 'greedy', 'linear', 'compact' or a MemoryPlanner "
                                "subclass")
        self._planner_cls = planner
        self._planner_name = next((n for n, c in _PLANNERS.items() if c is planner),
                                  planner.__name__)
        self.plan_unresolved = plan_unresolved
        if native is not None and not isinstance(native, (bool, np.bool_, native_kernels.Core)) \
                and native not in native_kernels.LEVELS:
            raise ArgumentError(f"native must be None, True, False or one of "
                              f"{', '.join(native_kernels.LEVELS)}, not {native!r}")
        self.native = native
        self.unresolved_ops = []
        self.firmware_target = None
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
                    raise UnsupportedOpError(_missing_kernel_message(node, g.index))
                g.kernels.append(cls(node, g.index))
        work = Workspace()    # eval-time temporaries the kernels share (host memory, not arena)
        native_lib = native_kernels.resolve(self.native)
        self.firmware_target = native_lib.level if native_lib is not None and \
            native_lib.firmware else None
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

        # 3. lifetimes, the plan, the tail and every view (memory/allocation.py)
        alloc = allocate(graphs, model, self._planner_cls, self._planner_name,
                         self._arena_buffer, self.arena_size, self.preserve_all_tensors)
        for g in graphs:
            # generated firmware's kernels write their outputs in the order the compact plan
            # assumes (memory/streaming.py), so they need no private outputs
            g.bind(set() if self.firmware_target else
                   {n for gi, n in alloc.overlapping if gi == g.index})
        for g in graphs:
            for k in g.kernels:
                self._guarded(k, "bind", k.bind)

        self._arena = alloc.arena
        self._graphs = graphs
        self._arrays = graphs[0].arrays
        self._variables = alloc.variables
        self.kernels = graphs[0].kernels
        self._steps = graphs[0].steps
        self._plans = alloc.plans
        self._report = alloc.report
        # numpy evals on float tensors run under np.errstate (see invoke); C steps need not
        self._quiet_float = any(k.native is None for g in graphs for k in g.kernels) and any(
            t.dtype is not None and t.dtype.kind == "f" for g in graphs
            for t in g.subgraph.tensors)
        # the arrays of the model's inputs, by input position (set_input's fast path)
        main = model.main
        self._input_slots = {i: self._arrays[t] for i, t in enumerate(main.inputs)
                             if main.tensors[t].data is None and
                             isinstance(self._arrays[t], np.ndarray)}
        self._allocated = True
        self.reset_all_variables()
        # a batch too large for the caches runs in sub-batches (see sub_batches.py)
        self._sub_batches = SubBatches.plan(self, self._batch_axes) if self._batch_axes \
            else None

    def _sibling(self, model):
        """A new interpreter of ``model`` (a part or resized copy of this one's) with this
        one's options, allocated."""
        other = Interpreter(model_content=model, op_resolver=self.op_resolver,
                            planner=self._planner_cls, max_model_bytes=self.max_model_bytes,
                            native=self.native)
        other.allocate_tensors()
        return other

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

    def _require_allocated(self, what, error=StateError):
        if not self._allocated:
            raise error(f"{what} needs allocate_tensors() first")

    # ---------------------------------------------------------------------------------------
    # running
    # ---------------------------------------------------------------------------------------
    def invoke(self):
        """Run every node once. Inputs must be set before each invoke: as in TFLM, the arena
        reuses input memory for later tensors."""
        self._require_allocated("invoke()")
        if self.firmware_target is not None:
            raise StateError(f"this interpreter prepared its nodes for {self.firmware_target} "
                             "firmware (tinyrt codegen); it does not invoke on the host")
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
        if self._sub_batches is not None:
            return self._sub_batches.run()
        if self._quiet_float:
            # inf and NaN inputs are legal and give IEEE results (documented); numpy's
            # warnings about them would only be noise
            with np.errstate(all="ignore"):
                self._run_steps()
        else:
            self._run_steps()

    def _run_steps(self):
        for i, (fn, a, b) in enumerate(self._steps):
            try:
                code = fn(a, b)
            except AbortInvoke:
                return
            except TinyrtError:
                raise
            except Exception as e:
                k = self._graphs[0].step_kernels[i][0]
                raise OpError(k.node.op_name, k.node_index,
                              f"eval failed: {type(e).__name__}: {e}", k.subgraph_index) from e
            if code:
                self._c_failed(i, code)

    def _c_failed(self, step, code):
        k = self._graphs[0].failed_kernel(step, code)
        raise OpError(k.node.op_name, k.node_index, "C kernel failed", k.subgraph_index)

    def _invoke_profiled(self):
        """invoke(), recording each node's time: numpy evals timed here, C nodes by the
        executor itself, so the time outside kernels (the interpreter's overhead: dispatch,
        the calls into C) is measured apart, as TFLM's profiler does. The profiler's own
        bookkeeping is left out of both."""
        prof = self.profiler
        clock = prof.clock
        g = self._graphs[0]
        invoke_seconds = kernel_seconds = 0.0
        for i, ((fn, a, b), kernels) in enumerate(zip(self._steps, g.step_kernels)):
            program = g.step_programs[i]
            if program is not None:
                t = clock()
                code = program.run_timed()
                invoke_seconds += clock() - t
                for k, sec in zip(kernels, program.seconds):
                    prof.record(k, float(sec))
                    kernel_seconds += float(sec)
                if code:
                    self._c_failed(i, code)
                continue
            h = prof.begin_event(kernels[0])
            try:
                fn(a, b)
            except AbortInvoke:
                sec = prof.end_event(h)
                invoke_seconds += sec
                kernel_seconds += sec
                break
            sec = prof.end_event(h)
            invoke_seconds += sec
            kernel_seconds += sec
        prof.record_invoke(invoke_seconds, kernel_seconds)

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

    def reset(self):
        """tflite_micro's name for reset_all_variables(); returns 0 as tflite_micro does."""
        self.reset_all_variables()
        return 0

    # ---------------------------------------------------------------------------------------
    # tensor access (LiteRT style)
    # ---------------------------------------------------------------------------------------
    def _subgraph(self, subgraph_index):
        if not isinstance(subgraph_index, (int, np.integer)) or isinstance(subgraph_index, bool):
            raise ArgumentTypeError(f"subgraph index must be an int, not {subgraph_index!r}")
        n = len(self.model.subgraphs)
        if not 0 <= subgraph_index < n:
            raise IndexOutOfRangeError(f"subgraph index {subgraph_index} is out of range: "
                                       f"the model has {n} subgraphs")
        return self.model.subgraphs[int(subgraph_index)]

    def _tensor_def(self, index, subgraph_index=0):
        tensors = self._subgraph(subgraph_index).tensors
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise ArgumentTypeError(f"tensor index must be an int, not {index!r}")
        if not 0 <= index < len(tensors):
            where = f"subgraph {subgraph_index}" if subgraph_index else "the model"
            raise IndexOutOfRangeError(f"tensor index {index} is out of range: {where} has "
                                       f"{len(tensors)} tensors")
        return tensors[int(index)]

    def num_subgraphs(self):
        return len(self.model.subgraphs)

    def _details(self, t):
        q = t.quantization
        if q is None:
            quant = (0.0, 0)
            qp = {"scales": np.zeros(0, np.float32), "zero_points": np.zeros(0, np.int32),
                  "quantized_dimension": 0, "block_size": 0}
        else:
            quant = (float(q.scale[0]), int(q.zero_point[0])) if len(q.scale) == 1 else (0.0, 0)
            qp = {"scales": np.array(q.scale, np.float32),
                  "zero_points": np.array(q.zero_point, np.int32),
                  "quantized_dimension": q.quantized_dimension,
                  "block_size": 0}  # blockwise quantization: no TFLM kernel takes it
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

    def get_tensor_details(self, subgraph_index=0):
        return [self._details(t) for t in self._subgraph(subgraph_index).tensors]

    def _get_op_details(self, op_index):
        """LiteRT's (private, widely used) description of one node of the main subgraph."""
        ops = self.model.main.operators
        if not isinstance(op_index, (int, np.integer)) or not 0 <= op_index < len(ops):
            raise ArgumentError(f"op index {op_index!r} is out of range: the model has "
                                f"{len(ops)} nodes")
        op = ops[int(op_index)]
        tensors = self.model.main.tensors

        def types(indices):
            return [tensors[i].element_dtype.type for i in indices
                    if i >= 0 and tensors[i].element_dtype is not None]
        return {"index": op.index, "op_name": op.op_name,
                "inputs": np.array(op.inputs, np.int32), "outputs": np.array(op.outputs, np.int32),
                "operand_types": types(op.inputs), "result_types": types(op.outputs)}

    def _get_ops_details(self):
        return [self._get_op_details(i) for i in range(len(self.model.main.operators))]

    def resize_tensor_input(self, input_index, tensor_size, strict=False):
        """Give an input a new batch size (the first dimension); call allocate_tensors() next.

        A batch of N runs the N samples in one invoke (in cache-sized sub-batches where its
        activations outgrow the caches: tinyrt/sub_batches.py), each sample's outputs
        bit-exactly those of invoking it alone. Only the batch dimension resizes
        (TFLM's kernels take fixed shapes; see docs/api.md); with ``strict=True`` only an
        input whose shape signature marks the batch -1.
        """
        from .resize import requested_shape
        t = self._tensor_def(input_index)
        if t.index not in self.model.main.inputs:
            raise ArgumentError(f"tensor {t.index} ({t.name!r}) is not an input of the model")
        shape = requested_shape(tensor_size, f"cannot resize input {t.index} to {tensor_size!r}")
        sizes = {**self._input_sizes, t.index: shape}
        model, self._batch_axes = resize_batch(self._loaded_model, sizes, strict)
        self._input_sizes = sizes
        if model is not self.model:
            self.model = model
            self._allocated = False
            self.unresolved_ops = []

    def set_tensor(self, tensor_index, value):
        """Copy ``value`` into a tensor; shape and dtype must match exactly."""
        self._require_allocated("set_tensor()", UnallocatedError)
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

    def get_tensor(self, tensor_index, subgraph_index=0):
        """A copy of a tensor's current value."""
        self._require_allocated("get_tensor()", UnallocatedError)
        t = self._tensor_def(tensor_index, subgraph_index)
        if t.packed_bits:      # packed weights have no array; give their values, as LiteRT
            return t.unpacked()
        return np.array(self._graphs[int(subgraph_index)].arrays[t.index])

    def tensor(self, tensor_index):
        """LiteRT style: a function returning a live view of the tensor's arena memory."""
        self._require_allocated("tensor()", UnallocatedError)
        t = self._tensor_def(tensor_index)
        arr = self._arrays[t.index]
        return lambda: arr

    # ---------------------------------------------------------------------------------------
    # tensor access (tflite_micro style)
    # ---------------------------------------------------------------------------------------
    @staticmethod
    def _io_index(i, ios, kind):
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool) or i < 0:
            raise ArgumentError(f"{kind} index must be a non-negative integer, not {i!r}")
        if i >= len(ios):
            raise IndexOutOfRangeError(f"{kind} index {i} is out of range: the model has "
                                       f"{len(ios)} {kind}s")
        return int(i)

    def set_input(self, data, index):
        # the common case first (set every invoke): an array of the input's own dtype and shape
        slot = self._input_slots.get(index) if self._allocated else None
        if slot is not None and type(data) is np.ndarray and data.dtype == slot.dtype and \
                data.shape == slot.shape:
            np.copyto(slot, data)
            return
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
            raise ArgumentError("the model has no signature defs")
        if signature_key is None:
            if len(sigs) > 1:
                raise ArgumentError("the model has several signatures; name one of "
                                    f"{[s.key for s in sigs]}")
            sig = sigs[0]
        else:
            match = [s for s in sigs if s.key == signature_key]
            if not match:
                raise ArgumentError(f"no signature {signature_key!r}; the model has "
                                    f"{[s.key for s in sigs]}")
            sig = match[0]
        if sig.subgraph_index != 0:
            raise ArgumentError(f"signature {sig.key!r} runs subgraph {sig.subgraph_index}; "
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
        """The arena's use in the lines TFLM's RecordingMicroAllocator prints, to stderr as
        tflite_micro prints them (memory_report().lines() has tinyrt's fuller table)."""
        from .micro import allocation_lines
        print("\n".join(allocation_lines(self.memory_report())), file=sys.stderr)


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
        missing = set(self._sig.inputs) - set(inputs)
        extra = set(inputs) - set(self._sig.inputs)
        if missing or extra:
            raise InputError(f"signature {self._sig.key!r} takes inputs "
                             f"{sorted(self._sig.inputs)}; got {sorted(inputs)}")
        inputs = {name: np.asarray(value) for name, value in inputs.items()}
        for name, value in inputs.items():   # as LiteRT: each input takes the given shape
            index = self._sig.inputs[name]
            if value.shape != tuple(it.model.main.tensors[index].shape):
                it.resize_tensor_input(index, value.shape)
        if not it._allocated:
            it.allocate_tensors()
        for name, value in inputs.items():
            it.set_tensor(self._sig.inputs[name], value)
        it.invoke()
        return {n: it.get_tensor(i) for n, i in self._sig.outputs.items()}


__all__ = ["Interpreter", "MemoryReport", "OpResolverType", "SignatureRunner", "TensorPlan",
           "ALIGNMENT"]
