"""The model as C: constants, op data structs, one static arena and the invoke function.

An interpreter prepared for a firmware target (tinyrt.native.core.firmware) holds every node's
op data with host addresses in its pointer fields. Each address is traced back to the memory it
points into (the arena, a constant tensor of the model, or an array the node's prepare made)
and written as that memory's C name plus an offset:

- the arena: one static byte array of the planned size (head and tail, as on the host);
- read-only arrays (weights, multipliers, tables): ``static const`` data, in flash, each
  distinct content once;
- work arrays (fields whose header comment says "work"): one buffer every node shares, as big
  as the largest node's work;
- other writable arrays (state a kernel keeps between invokes): static arrays of their own.
"""
import numpy as np

from ..errors import TinyrtError
from . import sources
from .ops import unsupported_message

CONTROL_FLOW = ("WHILE", "IF", "CALL_ONCE")

ALIGN = 16

_CTYPE = {np.dtype(np.int8): "int8_t", np.dtype(np.uint8): "uint8_t",
          np.dtype(np.int16): "int16_t", np.dtype(np.uint16): "uint16_t",
          np.dtype(np.int32): "int32_t", np.dtype(np.uint32): "uint32_t",
          np.dtype(np.int64): "int64_t", np.dtype(np.uint64): "uint64_t",
          np.dtype(np.float32): "float", np.dtype(np.float64): "double",
          np.dtype(np.bool_): "uint8_t"}


class CodegenError(TinyrtError, ValueError):
    """The model cannot be turned into C for this target."""


def _align(n):
    return -(-n // ALIGN) * ALIGN


def c_values(a):
    """A flat numpy array as the C type of its elements and its initializer's text."""
    a = np.ascontiguousarray(a).reshape(-1)
    if a.dtype not in _CTYPE or a.dtype.kind == "f":
        # floats go as their bits: exact for every value, NaN payloads included
        a = a.view({1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])
    ctype = _CTYPE[a.dtype]
    if a.dtype.kind == "b":
        a = a.astype(np.uint8)
    suffix = {"int64_t": "LL", "uint64_t": "ULL", "uint32_t": "u"}.get(ctype, "")
    if ctype == "int32_t":
        # -2^31 is not a literal in C: write it as an expression
        items = [str(v) if v != -(1 << 31) else "(-2147483647 - 1)" for v in a.tolist()]
    elif ctype == "int64_t":
        items = [f"{v}LL" if v != -(1 << 63) else "(-9223372036854775807LL - 1)"
                 for v in a.tolist()]
    else:
        items = [f"{v}{suffix}" for v in a.tolist()]
    lines = [", ".join(items[i:i + 16]) for i in range(0, len(items), 16)]
    return ctype, "\n    " + ",\n    ".join(lines) if lines else "0"


class _Region:
    """A host array an op data pointer can point into: a constant tensor of the model or an
    array a node's prepare made."""

    def __init__(self, array):
        self.array = array
        self.start = array.ctypes.data
        self.nbytes = array.nbytes


class ModelSource:
    """The C text of one prepared model (see the module's docstring)."""

    def __init__(self, interpreter, prefix="tinyrt_model"):
        it = interpreter
        self.interpreter = it
        self.prefix = prefix
        graphs = it._graphs
        if len(graphs) > 1:
            callers = sorted({k.node.op_name for k in graphs[0].kernels
                              if k.node.op_name in CONTROL_FLOW})
            raise CodegenError(f"the model has {len(graphs)} subgraphs (called by "
                               f"{', '.join(callers) or 'nothing'}); code generation takes "
                               "models of one subgraph")
        graph = graphs[0]
        self.nodes = []      # (kernel, NativeNode) in invoke order
        for step, program in enumerate(graph.step_programs):
            if program is None:      # a numpy eval: no C kernel for this layer
                raise CodegenError(unsupported_message(graph.step_kernels[step][0]))
            self.nodes.extend(zip(graph.step_kernels[step], program.nodes))
        self.arena = it._arena.bytes
        self.arena_start = self.arena.ctypes.data
        self.kernels = sorted({n.kernel for _, n in self.nodes})
        self.fields = sources.pointer_fields()
        self.const_regions = [_Region(a) for a, t in
                              zip(graph.arrays, graph.subgraph.tensors)
                              if isinstance(a, np.ndarray) and a.nbytes and
                              not self._in_arena(a.ctypes.data, a.nbytes)]
        self.inputs = [self._tensor(graph, i, "input") for i in graph.subgraph.inputs]
        self.outputs = [self._tensor(graph, i, "output") for i in graph.subgraph.outputs]
        self._build()

    # -----------------------------------------------------------------------------------------
    def _in_arena(self, address, nbytes=0):
        return self.arena_start <= address and address + nbytes <= \
            self.arena_start + self.arena.nbytes

    def _tensor(self, graph, index, role):
        a = graph.arrays[index]
        t = graph.subgraph.tensors[index]
        if not isinstance(a, np.ndarray) or not self._in_arena(a.ctypes.data, a.nbytes):
            raise CodegenError(f"the model's {role} tensor {t.name!r} is not in the arena")
        return {"name": t.name, "offset": a.ctypes.data - self.arena_start,
                "bytes": a.nbytes, "dtype": a.dtype, "shape": tuple(a.shape)}

    def _build(self):
        self.const_data = {}      # (ctype, bytes) -> symbol
        self.declarations = []    # C text of arrays
        self.opdata = []          # (kernel, symbol, [(field, text)])
        self.scratch_bytes = 0
        self.state_bytes = 0
        self.keep_symbols = {}    # id of an own writable array -> symbol
        self.zero_states = []     # those of them that start as zeros (.bss, cleared by init)
        for pos, (kernel, node) in enumerate(self.nodes):
            info = self.fields[node.kernel]
            keeps = list(_arrays(node.keep))
            work_layout, work_end = {}, 0
            values = []
            for field, _ in node.opdata._fields_:
                raw = getattr(node.opdata, field)
                if field not in info:
                    values.append((field, _scalar_text(raw)))
                    continue
                ctype, is_work = info[field]
                if not raw:
                    values.append((field, "NULL"))
                    continue
                if self._in_arena(raw):
                    values.append((field, f"(void *)({self.prefix}_arena + "
                                          f"{raw - self.arena_start})"))
                    continue
                array, offset = self._find(raw, keeps, kernel, field)
                if is_work:
                    key = id(array)
                    if key not in work_layout:
                        work_layout[key] = work_end
                        work_end += _align(array.nbytes)
                    values.append((field, f"(void *)({self.prefix}_work + "
                                          f"{work_layout[key] + offset})"))
                elif "const" in ctype:
                    symbol = self._const(array)
                    values.append((field, f"(void *)((const uint8_t *){symbol} + {offset})"))
                else:
                    symbol = self._state(array, pos, field)
                    values.append((field, f"(void *)((uint8_t *){symbol} + {offset})"))
            self.scratch_bytes = max(self.scratch_bytes, work_end)
            self.opdata.append((node.kernel, f"node{pos}", values, kernel))

    def _find(self, address, keeps, kernel, field):
        best = None
        candidates = [_Region(a) for a in keeps] + self.const_regions
        for r in candidates:
            if r.start <= address < r.start + max(r.nbytes, 1):
                if best is None or r.nbytes < best.nbytes:
                    best = r
        if best is None:
            raise CodegenError(f"{kernel.node.op_name} (node {kernel.node_index}): op data "
                               f"field {field} points to memory codegen does not know")
        return best.array, address - best.start

    def _const(self, array):
        ctype, text = c_values(array)
        key = (ctype, text)
        if key not in self.const_data:
            symbol = f"{self.prefix}_const{len(self.const_data)}"
            self.const_data[key] = symbol
            self.declarations.append(
                f"static const {ctype} {symbol}[] TINYRT_ALIGNED = {{{text}\n}};")
        return self.const_data[key]

    def _state(self, array, pos, field):
        key = id(array)
        if key not in self.keep_symbols:
            symbol = f"{self.prefix}_node{pos}_{field}"
            self.keep_symbols[key] = symbol
            self.state_bytes += _align(array.nbytes)
            if np.any(np.asarray(array).view(np.uint8)):
                ctype, text = c_values(array)
                self.declarations.append(
                    f"static {ctype} {symbol}[] TINYRT_ALIGNED = {{{text}\n}};")
            else:
                self.zero_states.append(symbol)
                self.declarations.append(
                    f"static uint8_t {symbol}[{max(array.nbytes, 1)}] TINYRT_ALIGNED;")
        return self.keep_symbols[key]

    # -----------------------------------------------------------------------------------------
    def arena_init(self):
        """The arena's bytes that are not zero after allocation (variable tensors reset to
        their zero points): (offset, bytes) runs, copied in by init."""
        nz = np.flatnonzero(self.arena)
        runs = []
        if nz.size:
            breaks = np.flatnonzero(np.diff(nz) > 16)
            starts = np.concatenate([[nz[0]], nz[breaks + 1]])
            ends = np.concatenate([nz[breaks], [nz[-1]]]) + 1
            runs = [(int(s), bytes(self.arena[s:e])) for s, e in zip(starts, ends)]
        return runs

    def header(self):
        p, P = self.prefix, self.prefix.upper()
        lines = [
            f"/* {p}: the model as C, generated by tinyrt codegen. */",
            f"#ifndef {P}_H", f"#define {P}_H", "#include <stddef.h>", "",
            f"#define {P}_INPUTS {len(self.inputs)}",
            f"#define {P}_OUTPUTS {len(self.outputs)}",
            f"#define {P}_ARENA_BYTES {self.arena.nbytes}",
            f"#define {P}_WORK_BYTES {self.scratch_bytes}",
            f"#define {P}_STATE_BYTES {self.state_bytes}",
            "",
            "/* Sets the arena's initial values (variable tensors). Returns 0. */",
            f"int {p}_init(void);",
            "/* Runs every node once: 0, or 1 + the index of the node that failed. Inputs must be",
            " * written before each invoke: later tensors reuse their memory. */",
            f"int {p}_invoke(void);",
            "/* The i-th input and output tensors' memory and sizes in bytes (NULL, 0 outside). */",
            f"void *{p}_input(int i);", f"size_t {p}_input_bytes(int i);",
            f"void *{p}_output(int i);", f"size_t {p}_output_bytes(int i);",
            "", "#endif", ""]
        return "\n".join(lines)

    def source(self):
        p = self.prefix
        headers = {sources.kernel_files()[k].relative_to(sources.CSRC).with_suffix(".h")
                   for k in self.kernels}
        includes = sorted(f'#include "{h}"' for h in headers)
        out = [f"/* {p}: the model as C, generated by tinyrt codegen. No heap, no parser: the",
               " * constants, the op data of every node and one static arena. */",
               "#include <math.h>", "#include <string.h>", f'#include "{p}.h"'] + includes + [
               "", "#if defined(__GNUC__)",
               "#define TINYRT_ALIGNED __attribute__((aligned(16)))", "#else",
               "#define TINYRT_ALIGNED", "#endif", "",
               f"static uint8_t {p}_arena[{max(self.arena.nbytes, 1)}] TINYRT_ALIGNED;"] + (
               [f"static uint8_t {p}_work[{self.scratch_bytes}] TINYRT_ALIGNED;"]
               if self.scratch_bytes else []) + [""]
        out += self.declarations
        out.append("")
        for kernel, symbol, values, k in self.opdata:
            out.append(f"/* node {k.node_index}: {k.node.op_name} */")
            body = ",\n".join(f"    .{f} = {v}" for f, v in values)
            out.append(f"static const tinyrt_{kernel}_opdata {p}_{symbol} = {{\n{body}\n}};")
        out.append("")
        runs = self.arena_init()
        for i, (off, data) in enumerate(runs):
            _, text = c_values(np.frombuffer(data, np.uint8))
            out.append(f"static const uint8_t {p}_arena_init{i}[] = {{{text}\n}};")
        out += ["", f"int {p}_init(void)", "{"]
        for s in self.zero_states:
            out.append(f"    memset({s}, 0, sizeof {s});")
        for i, (off, data) in enumerate(runs):
            out.append(f"    memcpy({p}_arena + {off}, {p}_arena_init{i}, {len(data)});")
        out += ["    return 0;", "}", "", f"int {p}_invoke(void)", "{"]
        for kernel, symbol, values, k in self.opdata:
            out.append(f"    if (tinyrt_{kernel}(&{p}_{symbol}) != TINYRT_OK)")
            out.append(f"        return {k.node_index + 1};")
        out += ["    return 0;", "}", ""]
        for role, items in (("input", self.inputs), ("output", self.outputs)):
            offs = ", ".join(str(t["offset"]) for t in items) or "0"
            sizes = ", ".join(str(t["bytes"]) for t in items) or "0"
            out += [f"static const size_t {p}_{role}_offsets[] = {{{offs}}};",
                    f"static const size_t {p}_{role}_sizes[] = {{{sizes}}};",
                    f"void *{p}_{role}(int i)", "{",
                    f"    return i >= 0 && i < {len(items)} ? "
                    f"(void *)({p}_arena + {p}_{role}_offsets[i]) : NULL;", "}",
                    f"size_t {p}_{role}_bytes(int i)", "{",
                    f"    return i >= 0 && i < {len(items)} ? {p}_{role}_sizes[i] : 0;", "}", ""]
        return "\n".join(out)


def _arrays(keep):
    """The numpy arrays among a node's kept objects (nested lists and tuples included)."""
    for a in keep:
        if isinstance(a, np.ndarray):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from _arrays(a)


def _scalar_text(value):
    """An integer or float op data field as a C constant (floats exact, as hexadecimal)."""
    if isinstance(value, float):
        v = np.float32(value)
        if np.isnan(v):
            return "NAN"
        if np.isinf(v):
            return "INFINITY" if v > 0 else "-INFINITY"
        return float(v).hex() + "f"
    value = int(value)
    if value == -(1 << 31):
        return "(-2147483647 - 1)"
    if value == -(1 << 63):
        return "(-9223372036854775807LL - 1)"
    return f"{value}LL" if abs(value) >= 1 << 31 else str(value)
