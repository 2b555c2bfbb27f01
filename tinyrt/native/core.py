"""Loading the compiled core and speaking to it: the level's extension module, ctypes mirrors of
its op data structs (built from the layouts the C code exports, checked field by field), and the
prepared nodes the interpreter hands to the C executor."""
import ctypes
import functools
import importlib
import os

import numpy as np

from ..errors import TinyrtError

LEVELS = ("avx512", "avx2", "neon", "portable")      # best first
# the targets of generated firmware (tinyrt codegen): their kernels are csrc's, built by the
# generated Makefile, some with a variant for small memories (csrc/mcu)
FIRMWARE_TARGETS = ("host", "cortex-m4", "cortex-m55")

_CTYPES = {0: ctypes.c_void_p, 1: ctypes.c_int32, 2: ctypes.c_int64, 3: ctypes.c_float}
_RANGES = {1: (-(1 << 31), (1 << 31) - 1), 2: (-(1 << 63), (1 << 63) - 1)}
_loaded = {}


class NativeUnavailable(TinyrtError):
    """The compiled core (or the level asked for) cannot be used here."""


class OutOfRange(ValueError):
    """A value does not fit its op data field: the layer stays on numpy (never wrapped)."""


class Core:
    """One built level of the core: its executor entry point, kernel ids and op data types."""

    def __init__(self, module, level, firmware=False):
        self.module = module
        self.level = level
        self.firmware = firmware    # prepares op data for generated firmware, not for the host
        # int32 lanes of the build's integer vectors (1 where its kernels go scalar), for op
        # data laid out by vector
        self.i32_lanes = module.I32_LANES
        self.run = module.run                       # run(nodes_address, count[, seconds])
        self.kernel_ids = {n: i for i, n in enumerate(module.kernels())}
        self.structs = {name: _mirror(name, size, fields)
                        for name, (size, fields) in module.layouts().items()}
        self.Node = self.structs["node"]

    def __repr__(self):
        return f"<tinyrt core {self.level}>"

    def opdata(self, kernel, **fields):
        """The op data struct of ``kernel`` with ``fields`` set: numpy arrays (their address; the
        caller keeps them alive), None (NULL), ints and floats. Raises OutOfRange when an
        integer does not fit its field."""
        struct = self.structs[kernel]()
        kinds = struct._kinds
        for name, value in fields.items():
            kind = kinds.get(name)
            if kind is None:
                raise TypeError(f"{kernel} has no field {name!r}")
            if kind == 0:
                value = None if value is None else \
                    value.ctypes.data if isinstance(value, np.ndarray) else int(value)
            elif kind in _RANGES:
                lo, hi = _RANGES[kind]
                value = int(value)
                if not lo <= value <= hi:
                    raise OutOfRange(f"{kernel}.{name} = {value} does not fit")
            else:
                value = float(value)
            setattr(struct, name, value)
        return struct


def _mirror(name, size, fields):
    """A ctypes Structure with the C struct's fields, checked against C's offsets and size."""
    cls = type(f"tinyrt_{name}", (ctypes.Structure,),
               {"_fields_": [(f, _CTYPES[kind]) for f, kind, _, _ in fields]})
    for f, kind, offset, fsize in fields:
        mine = getattr(cls, f)
        if (mine.offset, mine.size) != (offset, fsize):
            raise NativeUnavailable(f"op data {name}.{f}: C has offset {offset} size {fsize}, "
                                    f"ctypes {mine.offset} {mine.size}")
    if ctypes.sizeof(cls) != size:
        raise NativeUnavailable(f"op data {name}: C size {size}, ctypes {ctypes.sizeof(cls)}")
    cls._kinds = {f: kind for f, kind, _, _ in fields}
    return cls


def _import(level):
    try:
        return importlib.import_module(f"{__package__}._core_{level}")
    except ImportError as e:
        raise NativeUnavailable(f"the {level} core is not built ({e})") from None


def load(level):
    """The core built for ``level``; NativeUnavailable if it is not built or the CPU cannot run
    it."""
    if level not in LEVELS:
        raise NativeUnavailable(f"unknown core level {level!r}; levels are {', '.join(LEVELS)}")
    if level in _loaded:
        return _loaded[level]
    if level != "portable" and not _import("portable").cpu_supports(level):
        raise NativeUnavailable(f"this CPU cannot run the {level} core")
    core = Core(_import(level), level)
    _loaded[level] = core
    return core


def firmware(target):
    """A core that prepares op data for generated firmware of ``target`` (FIRMWARE_TARGETS):
    the host's portable build supplies the op data layouts; nodes prepared with it are emitted
    as C (tinyrt.codegen), never run on the host."""
    if target not in FIRMWARE_TARGETS:
        raise NativeUnavailable(f"unknown firmware target {target!r}; targets are "
                                f"{', '.join(FIRMWARE_TARGETS)}")
    return Core(_import("portable"), target, firmware=True)


def available():
    """The levels that are built and that this CPU runs, best first."""
    out = []
    for level in LEVELS:
        try:
            load(level)
            out.append(level)
        except NativeUnavailable:
            pass
    return out


def default():
    """The core to use when nothing is asked for: TINYRT_ISA's level if set, else the best
    available; None when TINYRT_NATIVE=0 or nothing is built."""
    if os.environ.get("TINYRT_NATIVE", "1") == "0":
        return None
    forced = os.environ.get("TINYRT_ISA")
    if forced:
        return load(forced)
    levels = available()
    return load(levels[0]) if levels else None


def reason():
    """Why default() is None."""
    if os.environ.get("TINYRT_NATIVE", "1") == "0":
        return "disabled by TINYRT_NATIVE=0"
    try:
        _import("portable")
    except NativeUnavailable as e:
        return f"{e}; reinstall with a C compiler to build it"
    return "no level of the core runs on this CPU"


def resolve(native):
    """The core for an interpreter's ``native`` option: None -> default() (or None), False ->
    None, True -> default() (NativeUnavailable when there is none), a level name -> that
    level."""
    if native is False or (isinstance(native, np.bool_) and not native):
        return None
    if isinstance(native, Core):
        return native
    if isinstance(native, str):
        return load(native)
    core = default()
    if native and core is None:
        raise NativeUnavailable(f"compiled core unavailable: {reason()}")
    return core


def info():
    """One line on the core's state, for reports."""
    try:
        core = default()
    except NativeUnavailable as e:
        return f"compiled core: unavailable ({e})"
    if core is None:
        return f"compiled core: off ({reason()})"
    return f"compiled core: {core.level} (built: {', '.join(available())})"


def prepares_native(build):
    """Decorates a kernel's function ``build(ctx, ...)`` that returns its NativeNode: the one
    place where a layer's choice between C and numpy is made. The layer stays on numpy (None)
    when there is no core, or when a value does not fit the C kernel's op data exactly
    (OutOfRange, raised by the op data's range checks or by the builder's own)."""
    @functools.wraps(build)
    def wrapped(ctx, *args, **kwargs):
        if ctx.native is None:
            return None
        try:
            return build(ctx, *args, **kwargs)
        except OutOfRange:
            return None
    return wrapped


def requantization(multiplier, shift, channels):
    """TFLM's per-channel (multiplier, shift) as the C kernels take them: int32 arrays of
    ``channels`` multipliers, left shifts and right shifts. Raises OutOfRange where C's 32-bit
    shifts would not do what TFLM's do (TFLM itself takes shifts in [-31, 30])."""
    m = np.broadcast_to(np.asarray(multiplier, np.int64), (channels,))
    shift = np.broadcast_to(np.asarray(shift, np.int64), (channels,))
    if np.any(m < 0) or np.any(m >= 1 << 31) or np.any(shift > 30) or np.any(shift < -31):
        raise OutOfRange("a requantization shift or multiplier is outside TFLM's range")
    return (np.ascontiguousarray(m, np.int32),
            np.ascontiguousarray(np.maximum(shift, 0), np.int32),
            np.ascontiguousarray(np.maximum(-shift, 0), np.int32))


class NativeNode:
    """A node's prepared C kernel: its op data, the arrays the op data points to (kept alive
    here), and which op data fields take the node's input and output tensors. The interpreter
    binds the tensors once their arena views exist, and runs consecutive native nodes in one
    executor call (see Program)."""

    def __init__(self, core, kernel, keep, inputs=("input",), outputs=("output",), **fields):
        self.core = core
        self.kernel = kernel
        self.opdata = core.opdata(kernel, **fields)
        self.keep = keep
        self.input_fields = inputs
        self.output_fields = outputs

    def bind(self, inputs, outputs):
        """Point the op data at the node's tensors (numpy arrays in the arena or the model)."""
        for fields, arrays in ((self.input_fields, inputs), (self.output_fields, outputs)):
            for field, a in zip(fields, arrays):
                if field is None:
                    continue
                if a is None or not a.flags.c_contiguous:
                    raise ValueError(f"{self.kernel}: tensor for {field} is not contiguous")
                setattr(self.opdata, field, a.ctypes.data)


class Program:
    """Consecutive native nodes as the executor's node array: ``run()`` is one C call."""

    def __init__(self, core, nodes):
        self.core = core
        self.nodes = nodes
        self.array = (core.Node * len(nodes))()
        for entry, n in zip(self.array, nodes):
            entry.kernel = core.kernel_ids[n.kernel]
            entry.op_data = ctypes.addressof(n.opdata)
        self.address = ctypes.addressof(self.array)
        self.count = len(nodes)
        self.seconds = np.zeros(len(nodes), np.float64)
        self.seconds_address = self.seconds.ctypes.data

    def run(self):
        """0, or 1 + the position of the node that failed."""
        return self.core.run(self.address, self.count)

    def run_timed(self):
        """As run(), storing each node's seconds in ``self.seconds``."""
        return self.core.run(self.address, self.count, self.seconds_address)

    def status(self, position):
        return self.array[position].status
