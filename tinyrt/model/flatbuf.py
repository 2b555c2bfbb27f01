"""A bounds-checked reader of FlatBuffers tables.

The generated FlatBuffers Python code trusts its input: a bad offset ends in ``struct.error``,
``IndexError`` or a silent garbage read. tinyrt reads untrusted files, so every offset and length
is checked here before use and a violation is a :class:`ModelError` naming the file offset.

Tables are decoded from a small schema description (see ``schema.py``): each table is a list of
fields in slot order, each field ``name:type`` where type is a scalar code (``i8``, ``u32``,
``f32``, ... with an optional ``=default``), ``str``, ``[scalar]`` (a vector of scalars, returned as
a zero-copy numpy view), ``[str]``, ``Table`` or ``[Table]`` (nested tables, by schema name), or
``union`` (an offset whose table type is decided by a sibling ``*_type`` field).
"""
import struct

import numpy as np

from ..errors import ModelError

SCALARS = {
    "bool": ("<B", 1, np.uint8), "i8": ("<b", 1, np.int8), "u8": ("<B", 1, np.uint8),
    "i16": ("<h", 2, np.int16), "u16": ("<H", 2, np.uint16), "i32": ("<i", 4, np.int32),
    "u32": ("<I", 4, np.uint32), "i64": ("<q", 8, np.int64), "u64": ("<Q", 8, np.uint64),
    "f32": ("<f", 4, np.float32), "f64": ("<d", 8, np.float64),
}


def parse_fields(spec):
    """'a:i32 b:f32=1.0 _ c:[Tensor]' -> [(name, kind, elem, default)] indexed by slot."""
    fields = []
    for item in spec.split():
        if item == "_":
            fields.append(None)  # deprecated slot
            continue
        name, ty = item.split(":", 1)
        default = None
        if "=" in ty:
            ty, d = ty.split("=", 1)
            default = d
        if ty.startswith("["):
            elem = ty[1:-1]
            kind = "vector_scalar" if elem in SCALARS else ("vector_str" if elem == "str" else "vector_table")
        elif ty in SCALARS:
            elem, kind = ty, "scalar"
            if default is None:
                default = False if ty == "bool" else 0
            elif ty == "bool":
                default = default == "True"
            elif ty.startswith("f"):
                default = float(default)
            else:
                default = int(default)
        elif ty == "str":
            elem, kind = None, "str"
        elif ty == "union":
            elem, kind = None, "union"
        else:
            elem, kind = ty, "table"
        fields.append((name, kind, elem, default))
    return fields


class FlatBuffer:
    """Checked access to a FlatBuffers byte buffer (bytes, bytearray, memoryview or mmap)."""

    def __init__(self, data):
        self.data = data
        self.view = memoryview(data).cast("B") if not isinstance(data, memoryview) else data.cast("B")
        self.size = len(self.view)

    def check(self, pos, n, what):
        if pos < 0 or n < 0 or pos + n > self.size:
            raise ModelError(f"{what} at file offset {pos} (+{n} bytes) lies outside the "
                             f"{self.size}-byte file")

    def scalar(self, fmt, size, pos, what):
        self.check(pos, size, what)
        return struct.unpack_from(fmt, self.view, pos)[0]

    def uoffset(self, pos, what):
        return pos + self.scalar("<I", 4, pos, what)

    def root(self):
        if self.size < 8:
            raise ModelError(f"file is {self.size} bytes: too short to be a .tflite flatbuffer")
        return self.table(self.uoffset(0, "root table offset"), "model")


class Table:
    __slots__ = ("fb", "pos", "vt", "vt_len", "what")

    def __init__(self, fb, pos, what):
        self.fb, self.pos, self.what = fb, pos, what
        soff = fb.scalar("<i", 4, pos, f"{what} table")
        self.vt = pos - soff
        self.vt_len = fb.scalar("<H", 2, self.vt, f"{what} vtable")
        if self.vt_len < 4 or self.vt_len % 2:
            raise ModelError(f"{what} vtable at file offset {self.vt} has bad length {self.vt_len}")
        fb.check(self.vt, self.vt_len, f"{what} vtable")

    def field_pos(self, slot):
        """Absolute position of a field, or 0 when absent."""
        entry = 4 + 2 * slot
        if entry >= self.vt_len:
            return 0
        off = self.fb.scalar("<H", 2, self.vt + entry, f"{self.what} vtable")
        return self.pos + off if off else 0

    def vector(self, p, elem_size, name):
        what = f"{self.what}.{name}"
        start = self.fb.uoffset(p, what)
        n = self.fb.scalar("<I", 4, start, f"{what} length")
        self.fb.check(start + 4, n * elem_size, f"{what} ({n} elements)")
        return start + 4, n


FlatBuffer.table = lambda self, pos, what: Table(self, pos, what)


def decode(fb, table, schema, type_name, unions=None):
    """Decode ``table`` as schema[type_name] into a dict (nested tables become dicts)."""
    out = {}
    fields = schema[type_name]
    for slot, f in enumerate(fields):
        if f is None:
            continue
        name, kind, elem, default = f
        p = table.field_pos(slot)
        what = f"{type_name}.{name}"
        if kind == "scalar":
            fmt, size, _ = SCALARS[elem]
            v = fb.scalar(fmt, size, p, what) if p else default
            out[name] = bool(v) if elem == "bool" else v
        elif not p:
            out[name] = None
        elif kind == "str":
            start = fb.uoffset(p, what)
            n = fb.scalar("<I", 4, start, f"{what} length")
            fb.check(start + 4, n, what)
            out[name] = bytes(fb.view[start + 4:start + 4 + n]).decode("utf-8", "replace")
        elif kind == "vector_scalar":
            _, size, dtype = SCALARS[elem]
            start, n = table.vector(p, size, name)
            out[name] = np.frombuffer(fb.data, dtype=np.dtype(dtype).newbyteorder("<"),
                                      count=n, offset=start)
            out[name + "__pos"] = start
        elif kind == "vector_str":
            start, n = table.vector(p, 4, name)
            items = []
            for i in range(n):
                s = fb.uoffset(start + 4 * i, what)
                ln = fb.scalar("<I", 4, s, f"{what}[{i}] length")
                fb.check(s + 4, ln, f"{what}[{i}]")
                items.append(bytes(fb.view[s + 4:s + 4 + ln]).decode("utf-8", "replace"))
            out[name] = items
        elif kind == "table":
            out[name] = decode(fb, Table(fb, fb.uoffset(p, what), what), schema, elem, unions)
        elif kind == "vector_table":
            start, n = table.vector(p, 4, name)
            out[name] = [decode(fb, Table(fb, fb.uoffset(start + 4 * i, what), f"{what}[{i}]"),
                                schema, elem, unions) for i in range(n)]
        elif kind == "union":
            out[name] = Table(fb, fb.uoffset(p, what), what)  # decoded by the caller
    return out
