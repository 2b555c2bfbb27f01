"""The kernel interface and the registry of every kernel tinyrt has.

A kernel is one class per op (like TFLM's TFLMRegistration and ONNX's onnx.reference ops). The
interpreter makes one instance per node and drives it through:

``init(options, custom_options)``
    once, with the node's builtin options (a dict) or custom options (bytes).
``prepare(ctx)``
    once, at allocation: check dtypes and shapes, compute everything that does not depend on
    input values (multipliers, shifts, clamp bounds, lookup tables, reshaped weights) and keep it
    as plain attributes; request scratch memory with ``ctx.request_scratch``.
``bind()``
    optional, once after allocation, when the arena views of scratch and persistent buffers exist.
``eval(inputs, outputs)``
    every invoke: only arithmetic. ``inputs`` / ``outputs`` are numpy arrays (views into the
    arena or into the model file; ``None`` for an absent optional input). Results are written
    into the output arrays in place (``out[...] = value`` or a ufunc's ``out=``); nothing is
    allocated in the arena. A kernel whose prepare sets ``native`` (``ctx.native_node(...)``: its
    op data for a kernel of the compiled core, see tinyrt.native) runs in C instead.
"""
from ..errors import OpError

# op name (builtin name such as "CONV_2D", or a custom op's code) -> kernel class
REGISTRY = {}


def register(*names):
    """Class decorator: make a kernel available to op resolvers under the given op names."""
    def deco(cls):
        for n in names:
            REGISTRY[n] = cls
        if cls.op_name is None:
            cls.op_name = names[0]
        return cls
    return deco


class Kernel:
    op_name = None
    # Activation dtypes the kernel supports, e.g. ("float32", "int8", "int16"): the coverage
    # table in docs/ops.md is generated from these. prepare() still checks every combination.
    dtypes = ()
    # The node's prepared C kernel (a tinyrt.native.core.NativeNode) that runs it in place of
    # eval, set in prepare by kernels that have one; None: eval runs the node.
    native = None

    def __init__(self, node, subgraph_index=0):
        self.node = node                  # the model's OperatorDef
        self.node_index = node.index
        self.subgraph_index = subgraph_index
        self.scratch = []                 # arena views for the scratch requests, filled at allocation
        self.persistent = []              # arena views for the persistent requests, likewise

    # -- lifecycle -------------------------------------------------------------------------
    def init(self, options, custom_options):
        self.options = options

    def prepare(self, ctx):
        pass

    def bind(self):
        """Called once after allocation, when ``scratch`` and ``persistent`` views exist."""

    def reset(self):
        """Forget state kept between invokes (TFLM's reset), with the variable tensors."""

    def eval(self, inputs, outputs):
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------
    def fail(self, message):
        """Raise an OpError naming this node."""
        raise OpError(self.node.op_name, self.node_index, message, self.subgraph_index)

    def __repr__(self):
        return f"<{type(self).__name__} node {self.node_index}>"


class PrepareContext:
    """What a kernel sees during prepare: the node's tensors and the arena requests it may make.

    ``inputs`` / ``outputs`` are the model's TensorDef objects (``shape``, ``dtype``,
    ``quantization``, ``data`` for constants, ``is_variable``, ``name``); an absent optional input
    is ``None``.
    """

    def __init__(self, kernel, inputs, outputs, subgraph, model=None, graphs=None,
                 resources=None, workspace_limit=1 << 30, shared_work=None, native=None):
        self.kernel = kernel
        self.native = native              # the compiled core (tinyrt.native.Core) to use, or None
        self.shared_work = shared_work    # the interpreter's workspace.Workspace, if any
        self.workspace_limit = workspace_limit
        self.resources = resources        # the interpreter's ResourceVariables
        self.inputs = inputs
        self.outputs = outputs
        self.subgraph = subgraph
        self.model = model
        self.graphs = graphs              # run-time subgraphs (arrays bound after allocation)
        self.scratch_requests = []        # byte sizes, in request order
        self.persistent_requests = []     # byte sizes of persistent buffers (arena tail)
        self.subgraph_calls = []          # subgraphs this node runs (IF, WHILE, CALL_ONCE)
        self.work_bytes = 0               # host work memory the kernel declared (workspace)

    def call_subgraph(self, index):
        """Declare that this node runs subgraph ``index``; returns its run-time Graph, whose
        ``inputs`` / ``outputs`` arrays and ``invoke()`` are usable from eval."""
        self.subgraph_calls.append(int(index))
        if self.graphs is None or not 0 <= index < len(self.graphs):
            self.fail(f"calls subgraph {index}, which the model does not have")
        return self.graphs[index]

    def request_scratch(self, nbytes):
        """Ask for a scratch buffer alive only while this node runs; returns its index in
        ``kernel.scratch`` (a uint8 array filled in at allocation)."""
        self.scratch_requests.append(int(nbytes))
        return len(self.scratch_requests) - 1

    def allocate_persistent(self, nbytes):
        """Ask for a persistent buffer in the arena tail (TFLM's AllocatePersistentBuffer);
        returns its index in ``kernel.persistent`` (a uint8 array filled in at allocation)."""
        self.persistent_requests.append(int(nbytes))
        return len(self.persistent_requests) - 1

    def workspace(self, nbytes, what):
        """Check that a host-side work array of ``nbytes`` (im2col columns, partial products)
        stays under the interpreter's limit, so a hostile model cannot ask for gigabytes."""
        if nbytes > self.workspace_limit:
            self.fail(f"{what} would take {int(nbytes)} bytes, over the limit of "
                      f"{self.workspace_limit} (raise max_model_bytes to allow it)")
        self.work_bytes = max(self.work_bytes, int(nbytes))

    def native_node(self, kernel, keep=(), inputs=("input",), outputs=("output",), **fields):
        """The node's C kernel ``kernel`` of the compiled core with its op data ``fields`` (see
        tinyrt.native.core.NativeNode). Call it from a function decorated with
        tinyrt.native.core.prepares_native, which makes the choice between C and numpy."""
        from ..native.core import NativeNode
        return NativeNode(self.native, kernel, list(keep), inputs, outputs, **fields)

    def fail(self, message):
        self.kernel.fail(message)
