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

from .c_layout import CORTEX_M, HOST64, align_to
from .planner import GreedyMemoryPlanner
from .tflm_kernels import kiss_fftr_bytes, missing_in_tflm, recipe
from .tflm_lifetimes import TflmLifetimes
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
        self.used = {}      # tail bytes (alignment included) by what they hold

    def persistent(self, size, align, what="other"):
        at = (self.tail - size) // align * align
        if at < self.head:
            raise _OutOfMemory("tail")
        self.used[what] = self.used.get(what, 0) + self.tail - at
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
    resource_names: dict = field(default_factory=dict)   # (subgraph, handle tensor) -> name
    plan: list = field(default_factory=list)      # TflmBuffer per planned buffer
    offsets: list = field(default_factory=list)   # their offsets in TFLM's greedy plan


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


def _quant_channels(t):
    """Channels of a tensor's quantization as TFLM copies it, or None when unquantized."""
    q = t.quantization
    return None if q is None else len(q.scale)


def _describe(model, build):
    subgraphs, requests, bound = [], [], set()
    for sg in model.subgraphs:
        nodes = []
        for op in sg.operators:
            init, prepare = recipe(op, sg.tensors)
            nodes.append(_Node(init, prepare, BUILTIN_PARAMS.get(op.op_name)))
            requests += [(sg.index, op.index, ev[1] if len(ev) == 2
                          else sizeof(ev[1], build.abi, build.structs) * ev[2])
                         for ev in prepare if ev[0] == "scratch"]
            bound |= {(sg.index, ev[1]) for ev in prepare if ev[0] == "bound"}
        subgraphs.append((len(sg.tensors), nodes))
    lifetimes = TflmLifetimes(model, requests, bound)
    planner = GreedyMemoryPlanner()
    offline = model.offline_plan or {}
    for b in lifetimes.buffers:
        off = None
        sg_off = offline.get(b.subgraph)
        if b.kind == "tensor" and sg_off is not None and sg_off[b.index] >= 0:
            off = int(sg_off[b.index])
        planner.add_buffer(align_to(b.size, ALIGNMENT), b.first, b.last, off)
    planner.plan()
    variables = []
    for sg in model.subgraphs:
        sg_off = offline.get(sg.index)
        for t in sg.tensors:
            if t.is_variable and (sg_off is None or sg_off[t.index] < 0):
                variables.append(t.nbytes)
    main = model.main
    io = [_quant_channels(main.tensors[i]) for i in list(main.inputs) + list(main.outputs)]
    names = {(sg.index, op.outputs[0]): (op.options.get("container"),
                                         op.options.get("shared_name"))
             for sg in model.subgraphs for op in sg.operators
             if op.op_name == "VAR_HANDLE" and op.outputs}
    shared = {name for _, name in names.values()}
    return _Model(subgraphs, variables, io, len(main.inputs), len(main.outputs),
                  {(sg.index, t.index): t for sg in model.subgraphs for t in sg.tensors},
                  head=planner.head_size, n_planned=len(lifetimes.buffers),
                  n_scratch=len(requests), resource_variables=len(shared),
                  resource_names=names, plan=lifetimes.buffers,
                  offsets=[b.offset for b in planner.buffers])




def _allocate(m, arena_size, build):
    """Replay TFLM's allocations on an arena of ``arena_size`` bytes; raises _OutOfMemory."""
    S = lambda name: sizeof(name, build.abi, build.structs)     # noqa: E731
    A = lambda name: alignof(name, build.abi, build.structs)    # noqa: E731
    arena = _Allocator(1 << 20, arena_size)   # new[] and malloc give 16-byte aligned memory

    def struct(name, what, count=1):          # a persistent array of C structs
        arena.persistent(S(name) * count, A(name), what)

    # the allocator objects live in the tail: RecordingMicroAllocator::Create (the wheel), or
    # MicroAllocator::Create(arena, size, kGreedy) (a device build)
    if build.recording:
        for name in ("RecordingSingleArenaBufferAllocator", "GreedyMemoryPlanner",
                     "RecordingMicroAllocator"):
            struct(name, "runtime")
    else:
        for name in ("SingleArenaBufferAllocator", "GreedyMemoryPlanner", "MicroAllocator"):
            struct(name, "runtime")
    if m.resource_variables:                  # MicroResourceVariables::Create
        arena.persistent(S("MicroResourceVariables"), ALIGNMENT, "runtime")
        arena.persistent(S("MicroResourceVariable") * m.resource_variables, ALIGNMENT,
                         "runtime")

    # StartModelAllocation: scratch requests at the head, then per-model structs
    struct("MicroBuiltinDataAllocator", "runtime")
    request, request_align = S("ScratchBufferRequest"), A("ScratchBufferRequest")
    arena.resize(request * MAX_SCRATCH_PER_OP, request_align)
    struct("SubgraphAllocations", "runtime", len(m.subgraphs))
    for n_tensors, _ in m.subgraphs:
        struct("TfLiteEvalTensor", "eval tensors", n_tensors)
    for _, nodes in m.subgraphs:
        struct("NodeAndRegistration", "node structs", len(nodes))
    nodes = [(sgi, node) for sgi, (_, ns) in enumerate(m.subgraphs) for node in ns]
    for _, node in nodes:                     # builtin options, parsed for every node
        if node.params:
            struct(node.params, "op options")
    for _, node in nodes:                     # init: each kernel's op data
        for item in node.init:
            if isinstance(item, str):
                n = S(item)
            elif item[0] == "kiss_fftr":
                n = kiss_fftr_bytes(item[1], item[2], S)
            else:
                n = item[1]
            arena.persistent(n, ALIGNMENT, "op data")

    # prepare, node by node: temporaries (released after each node), persistent buffers,
    # scratch requests (the request list at the head grows to hold them)
    requests = 0
    assigned = set()
    tensor_size, tensor_align = S("TfLiteTensor"), A("TfLiteTensor")
    quant_size, quant_align = S("TfLiteAffineQuantization"), A("TfLiteAffineQuantization")
    for sgi, node in nodes:
        for kind, *value in node.prepare:
            if kind == "temp":
                arena.temp_alloc(tensor_size, tensor_align)
                channels = _quant_channels(m.tensors[(sgi, value[0])])
                if channels is not None:      # its quantization: struct and zero points
                    arena.temp_alloc(quant_size, quant_align)
                    arena.temp_alloc(4 + 4 * channels, 4)
            elif kind == "persistent":
                n = S(value[0]) if isinstance(value[0], str) else value[0]
                arena.persistent(n, ALIGNMENT, "kernel buffers")
            elif kind == "scratch":
                requests += 1
            elif kind == "resource":
                name = m.resource_names.get((sgi, value[0]))
                if name not in assigned:
                    assigned.add(name)
                    arena.persistent(value[1], ALIGNMENT, "resource variables")
        arena.reset_temp()
        arena.resize(request * (requests + MAX_SCRATCH_PER_OP), request_align)

    # FinishModelAllocation: scratch handles, then CommitStaticMemoryPlan: the allocation info
    # (temporary), the variable tensors, and all memory left for the planner's work arrays
    if requests:
        struct("ScratchBufferHandle", "scratch handles", requests)
    n_tensors = sum(n for n, _ in m.subgraphs)
    arena.temp_alloc(S("size_t") * len(m.subgraphs), A("size_t"))
    arena.temp_alloc(S("AllocationInfo") * (n_tensors + requests), A("AllocationInfo"))
    for nbytes in m.variables:
        arena.persistent(nbytes, ALIGNMENT, "variable tensors")
    planner_bytes = arena.available(ALIGNMENT)
    if planner_bytes < 0 or planner_bytes // PLANNER_BYTES_PER_BUFFER < m.n_planned:
        raise _OutOfMemory("planner")
    arena.reset_temp()
    arena.resize(m.head, ALIGNMENT)           # the head, reserved for the planned tensors

    # AllocateTensors' last step: the interpreter's input and output TfLiteTensors
    ins, outs = m.io_tensors[:m.n_inputs], m.io_tensors[m.n_inputs:]
    for group in (ins, outs):
        arena.persistent(S("pointer") * len(group), ALIGNMENT, "io tensors")
        for channels in group:
            arena.persistent(tensor_size, tensor_align, "io tensors")
            if channels is not None:
                arena.persistent(quant_size, quant_align, "io tensors")
                arena.persistent(4 + 4 * channels, 4, "io tensors")
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
    """TFLM's arena for a model, per build: the smallest ``arena_size`` that allocates, and
    the head and tail (bytes by what they hold) once allocated. ``missing_ops``: builtin ops
    TFLM has no kernel for; when there are any, TFLM cannot allocate the model at all and
    the figures are those it would need if it had kernels like its others."""
    host64: int
    cortex_m: int
    head: int
    tail_host64: int
    tail_cortex_m: int
    tail_parts_host64: dict
    tail_parts_cortex_m: dict
    missing_ops: list
    plan: list            # TflmBuffer per planned buffer (TFLM's lifetimes)
    offsets: list         # each one's offset in TFLM's greedy plan (64-bit host)
    head_cortex_m: int = None   # differs from ``head`` only by pointer-sized scratch buffers

    def as_dict(self):
        return {"host64": self.host64, "cortex_m": self.cortex_m}


def tflm_arena(model):
    """TflmArena for a tinyrt ``Model`` (tinyrt.model.load_model)."""
    host_m, cm_m = _describe(model, HOST64_WHEEL), _describe(model, CORTEX_M_BUILD)
    host = _smallest(host_m, HOST64_WHEEL)
    cm = _smallest(cm_m, CORTEX_M_BUILD)
    done = [_allocate(m, align_to(size * 2, ALIGNMENT), build) for m, size, build in
            ((host_m, host, HOST64_WHEEL), (cm_m, cm, CORTEX_M_BUILD))]
    return TflmArena(host, cm, host_m.head, done[0].end - done[0].tail,
                     done[1].end - done[1].tail, done[0].used, done[1].used,
                     missing_in_tflm(model), host_m.plan, host_m.offsets, cm_m.head)


def tflm_arena_bytes(model):
    """{"host64": N, "cortex_m": M}: the smallest arena_size TFLM allocates ``model`` in."""
    return tflm_arena(model).as_dict()
