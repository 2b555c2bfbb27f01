"""The smallest arena TFLM's MicroInterpreter allocates a model in, for a 64-bit host build
(the tflite-micro wheel) and a 32-bit Cortex-M build.

TFLM's arena is one buffer shared by three users: the head (planned tensors and scratch
buffers), the tail (persistent data, growing down from the end) and, between them, temporary
memory that exists only while the interpreter prepares. Whether an ``arena_size`` works depends
on every allocation along the way, in order, because each one checks the space left between the
head/temporary pointer and the tail at that moment. So this module replays TFLM's allocation
sequence (MicroInterpreter::AllocateTensors and what precedes it) on an arena of a given size,
with struct sizes for the chosen ABI, and searches for the smallest size that succeeds.
docs/memory.md describes the sequence.
"""
from dataclasses import dataclass, field

import numpy as np

from .c_layout import CORTEX_M, HOST64, align_to
from .planner import GreedyMemoryPlanner
from .tflm_kernels import kiss_fftr_bytes, recipe
from .tflm_structs import BUILTIN_PARAMS, alignof, sizeof

ALIGNMENT = 16                 # MicroArenaBufferAlignment()
MAX_SCRATCH_PER_OP = 12        # kMaxScratchBuffersPerOp
PLANNER_BYTES_PER_BUFFER = 40  # GreedyMemoryPlanner::per_buffer_size(): 10 ints


class _OutOfMemory(Exception):
    pass


class _Allocator:
    """TFLM's SingleArenaBufferAllocator on addresses [base, base + size): head and temp
    pointers grow up from the start, the tail grows down from the end."""

    def __init__(self, base, size):
        self.start = base
        self.head = self.temp = base
        self.tail = base + size
        self.end = base + size

    def persistent(self, size, align):
        at = (self.tail - size) // align * align
        if at < self.head:
            raise _OutOfMemory("tail")
        self.tail = at
        return at

    def resize(self, size, align):
        at = align_to(self.start, align)
        if self.tail - at < size:
            raise _OutOfMemory("resizable")
        self.head = self.temp = at + size

    def temp_alloc(self, size, align):
        at = align_to(self.temp, align)
        if self.tail - at < size:
            raise _OutOfMemory("temp")
        self.temp = at + size
        return at

    def reset_temp(self):
        self.temp = self.head

    def available(self, align):
        return self.tail // align * align - align_to(self.temp, align)


@dataclass
class _Node:
    init: list
    prepare: list
    params: str = None


@dataclass
class _Model:
    """What TFLM's allocation depends on, read once from a model."""
    subgraphs: list                       # per subgraph: (n tensors, [_Node])
    variables: list                       # byte sizes of online-planned variable tensors
    io_tensors: list                      # main subgraph's inputs then outputs: channel counts
    n_inputs: int
    n_outputs: int
    tensors: dict = field(default_factory=dict)   # (subgraph, index) -> TensorDef
    head: int = 0                         # TFLM's planned head, bytes
    n_planned: int = 0                    # buffers given to the planner
    n_scratch: int = 0
    resource_variables: int = 0


def _quant_channels(t):
    """Channels of a tensor's quantization as TFLM copies it, or None when unquantized."""
    q = t.quantization
    return None if q is None else len(q.scale)


def _subgraph_calls(op):
    o = op.options or {}
    if op.op_name == "IF":
        return [o.get("then_subgraph_index", 0), o.get("else_subgraph_index", 0)]
    if op.op_name == "WHILE":
        return [o.get("cond_subgraph_index", 0), o.get("body_subgraph_index", 0)]
    if op.op_name == "CALL_ONCE":
        return [o.get("init_subgraph_index", 0)]
    return []


def _describe(model):
    from ..interpreter import _Lifetimes   # TFLM's lifetimes, shared with the interpreter
    subgraphs, graphs = [], []
    for sg in model.subgraphs:
        nodes, kernels, contexts = [], [], []
        for op in sg.operators:
            init, prepare = recipe(op, sg.tensors)
            nodes.append(_Node(init, prepare, BUILTIN_PARAMS.get(op.op_name)))
            kernels.append(_KernelStub(op))
            contexts.append(_ContextStub([n for kind, n in prepare if kind == "scratch"],
                                         _subgraph_calls(op)))
        subgraphs.append((len(sg.tensors), nodes))
        graphs.append(_GraphStub(sg, kernels, contexts))
    plans = _Lifetimes(graphs).plans()
    planner = GreedyMemoryPlanner()
    offline = model.offline_plan or {}
    for p in plans:
        off = None
        sg_off = offline.get(p.subgraph)
        if p.kind == "tensor" and sg_off is not None and sg_off[p.index] >= 0:
            off = int(sg_off[p.index])
        planner.add_buffer(align_to(p.size, ALIGNMENT), p.first_use, p.last_use, off)
    planner.plan()
    variables = []
    for sg in model.subgraphs:
        sg_off = offline.get(sg.index)
        for t in sg.tensors:
            if t.is_variable and (sg_off is None or sg_off[t.index] < 0):
                variables.append(t.nbytes)
    main = model.main
    io = [_quant_channels(main.tensors[i]) for i in list(main.inputs) + list(main.outputs)]
    shared = {op.options.get("shared_name") for sg in model.subgraphs for op in sg.operators
              if op.op_name == "VAR_HANDLE"}
    return _Model(subgraphs, variables, io, len(main.inputs), len(main.outputs),
                  {(sg.index, t.index): t for sg in model.subgraphs for t in sg.tensors},
                  head=planner.head_size, n_planned=len(plans),
                  n_scratch=sum(1 for p in plans if p.kind == "scratch"),
                  resource_variables=len(shared))


class _KernelStub:
    def __init__(self, op):
        self.node = op
        self.node_index = op.index


class _ContextStub:
    def __init__(self, scratch, calls):
        self.scratch_requests = scratch
        self.subgraph_calls = calls


class _GraphStub:
    def __init__(self, sg, kernels, contexts):
        self.subgraph = sg
        self.index = sg.index
        self.kernels = kernels
        self.contexts = contexts


@dataclass(frozen=True)
class Build:
    """How TFLM was built and is driven: the ABI, whether the interpreter records its
    allocations (RecordingMicroAllocator, as the wheel's interpreter does) and which struct
    set applies (tflm_structs: "source", "compression", "wheel")."""
    abi: object
    recording: bool
    structs: str


HOST64_WHEEL = Build(HOST64, recording=True, structs="wheel")
CORTEX_M_BUILD = Build(CORTEX_M, recording=False, structs="source")


def _allocate(m, arena_size, build):
    """Replay TFLM's allocations on an arena of ``arena_size`` bytes; raises _OutOfMemory."""
    S = lambda name: sizeof(name, build.abi, build.structs)     # noqa: E731
    A = lambda name: alignof(name, build.abi, build.structs)    # noqa: E731
    recording = build.recording
    base = 1 << 20                                # any 16-byte aligned address
    if recording:
        # RecordingMicroAllocator::Create: the allocator object, the planner, itself
        arena = _Allocator(base, arena_size)
        arena.persistent(S("RecordingSingleArenaBufferAllocator"),
                         A("RecordingSingleArenaBufferAllocator"))
        arena.persistent(S("GreedyMemoryPlanner"), A("GreedyMemoryPlanner"))
        arena.persistent(S("RecordingMicroAllocator"), A("RecordingMicroAllocator"))
    else:
        # MicroAllocator::Create(arena, size, kGreedy) on a 16-byte aligned arena
        arena = _Allocator(base, arena_size)
        arena.persistent(S("SingleArenaBufferAllocator"), A("SingleArenaBufferAllocator"))
        arena.persistent(S("GreedyMemoryPlanner"), A("GreedyMemoryPlanner"))
        arena.persistent(S("MicroAllocator"), A("MicroAllocator"))
    if m.resource_variables:
        arena.persistent(S("MicroResourceVariables"), ALIGNMENT)
        arena.persistent(S("MicroResourceVariable") * m.resource_variables, ALIGNMENT)

    # StartModelAllocation
    arena.persistent(S("MicroBuiltinDataAllocator"), A("MicroBuiltinDataAllocator"))
    request = S("ScratchBufferRequest")
    arena.resize(request * MAX_SCRATCH_PER_OP, A("ScratchBufferRequest"))
    arena.persistent(S("SubgraphAllocations") * len(m.subgraphs), A("SubgraphAllocations"))
    for n_tensors, _ in m.subgraphs:
        arena.persistent(S("TfLiteEvalTensor") * n_tensors, A("TfLiteEvalTensor"))
    for _, nodes in m.subgraphs:
        arena.persistent(S("NodeAndRegistration") * len(nodes), A("NodeAndRegistration"))
    # builtin options, parsed for every node
    for _, nodes in m.subgraphs:
        for node in nodes:
            if node.params:
                arena.persistent(S(node.params), A(node.params))
    # init: each kernel's op data
    for _, nodes in m.subgraphs:
        for node in nodes:
            for item in node.init:
                if isinstance(item, str):
                    n = S(item)
                elif item[0] == "kiss_fftr":
                    n = kiss_fftr_bytes(item[1], item[2], S)
                else:
                    n = item[1]
                arena.persistent(n, ALIGNMENT)
    # prepare: temporaries, persistent buffers and scratch requests, node by node
    requests = 0
    tensor_size, tensor_align = S("TfLiteTensor"), A("TfLiteTensor")
    quant_size, quant_align = S("TfLiteAffineQuantization"), A("TfLiteAffineQuantization")
    for sgi, (_, nodes) in enumerate(m.subgraphs):
        for node in nodes:
            for kind, value in node.prepare:
                if kind == "temp":
                    arena.temp_alloc(tensor_size, tensor_align)
                    channels = _quant_channels(m.tensors[(sgi, value)])
                    if channels is not None:
                        arena.temp_alloc(quant_size, quant_align)
                        arena.temp_alloc(4 + 4 * channels, 4)
                elif kind == "persistent":
                    arena.persistent(value, ALIGNMENT)
                elif kind == "scratch":
                    requests += 1
            arena.reset_temp()
            arena.resize(request * (requests + MAX_SCRATCH_PER_OP), A("ScratchBufferRequest"))
    # FinishModelAllocation: scratch handles, then the plan (CommitStaticMemoryPlan)
    if requests:
        arena.persistent(S("ScratchBufferHandle") * requests, A("ScratchBufferHandle"))
    n_tensors = sum(n for n, _ in m.subgraphs)
    arena.temp_alloc(S("size_t") * len(m.subgraphs), A("size_t"))
    arena.temp_alloc(S("AllocationInfo") * (n_tensors + requests), A("AllocationInfo"))
    for nbytes in m.variables:
        arena.persistent(nbytes, ALIGNMENT)
    planner_bytes = arena.available(ALIGNMENT)
    if planner_bytes < 0 or planner_bytes // PLANNER_BYTES_PER_BUFFER < m.n_planned:
        raise _OutOfMemory("planner")
    arena.reset_temp()
    arena.resize(m.head, ALIGNMENT)         # the head, reserved for the planned tensors
    # the interpreter's input and output TfLiteTensors
    ins, outs = m.io_tensors[:m.n_inputs], m.io_tensors[m.n_inputs:]
    for group in (ins, outs):
        arena.persistent(S("pointer") * len(group), ALIGNMENT)
        for channels in group:
            arena.persistent(tensor_size, tensor_align)
            if channels is not None:
                arena.persistent(quant_size, quant_align)
                arena.persistent(4 + 4 * channels, 4)
    return arena


def _fits(m, size, build):
    try:
        _allocate(m, size, build)
        return True
    except _OutOfMemory:
        return False


def _smallest(m, build):
    lo, hi = 0, 1024               # lo fails (in 16-byte units), hi works
    while not _fits(m, hi, build):
        lo, hi = hi // 16, hi * 2
    lo16, hi16 = lo, hi // 16
    while hi16 - lo16 > 1:
        mid = (lo16 + hi16) // 2
        if _fits(m, mid * 16, build):
            hi16 = mid
        else:
            lo16 = mid
    n = hi16 * 16
    while n > hi16 * 16 - 15 and _fits(m, n - 1, build):
        n -= 1
    return n


@dataclass
class TflmArena:
    """TFLM's arena for a model: the smallest ``arena_size`` that allocates, per build, and
    what its head and tail are after allocation."""
    host64: int
    cortex_m: int
    head: int
    tail_host64: int
    tail_cortex_m: int

    def as_dict(self):
        return {"host64": self.host64, "cortex_m": self.cortex_m}


def tflm_arena(model):
    """TflmArena for a tinyrt ``Model`` (tinyrt.model.load_model)."""
    m = _describe(model)
    host = _smallest(m, HOST64_WHEEL)
    cm = _smallest(m, CORTEX_M_BUILD)
    tails = []
    for build in (HOST64_WHEEL, CORTEX_M_BUILD):
        a = _allocate(m, 1 << 30, build)
        tails.append(a.end - a.tail)
    return TflmArena(host, cm, m.head, tails[0], tails[1])


def tflm_arena_bytes(model):
    """{"host64": N, "cortex_m": M}: the smallest arena_size TFLM allocates ``model`` in."""
    return tflm_arena(model).as_dict()
