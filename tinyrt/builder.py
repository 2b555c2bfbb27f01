"""Write .tflite models from Python.

    b = ModelBuilder()
    x = b.add_input("x", (1, 4), np.int8, scale=0.1, zero_point=0)
    w = b.add_constant("w", weights, scale=[0.02, 0.03, 0.01], zero_point=[0, 0, 0])
    y = b.add_tensor("y", (1, 3), np.int8, scale=0.2, zero_point=-3)
    b.add_operator("FULLY_CONNECTED", [x, w, -1], [y], fused_activation_function="RELU")
    b.mark_output(y)
    data = b.build()          # bytes of a valid .tflite flatbuffer

Builtin options are keyword arguments named as in schema.fbs (snake_case); enum options accept
names ("RELU", "SAME") or ints. Several subgraphs (``add_subgraph``), custom ops with raw or
flexbuffer options, metadata and signature defs are supported. The field layout comes from the
same schema description the reader uses (``tinyrt.model.schema``).
"""
import flatbuffers
import numpy as np

from .quant import pack_int4
from .errors import TinyrtError
from .model import schema
from .model.flatbuf import parse_fields

_OPTIONS_INDEX = {name: (idx, spec) for idx, (name, spec) in schema.BUILTIN_OPTIONS.items()}
_ENUMS = {
    "fused_activation_function": {v: k for k, v in schema.ACTIVATIONS.items()},
    "padding": {v: k for k, v in schema.PADDINGS.items()},
}
_PREPEND = {
    "bool": "PrependBoolSlot", "i8": "PrependInt8Slot", "u8": "PrependUint8Slot",
    "i16": "PrependInt16Slot", "u16": "PrependUint16Slot", "i32": "PrependInt32Slot",
    "u32": "PrependUint32Slot", "i64": "PrependInt64Slot", "u64": "PrependUint64Slot",
    "f32": "PrependFloat32Slot", "f64": "PrependFloat64Slot",
}
_NUMPY = {"bool": np.bool_, "i8": np.int8, "u8": np.uint8, "i16": np.int16, "u16": np.uint16,
          "i32": np.int32, "u32": np.uint32, "i64": np.int64, "u64": np.uint64,
          "f32": np.float32, "f64": np.float64}
_FIELDS = {name: parse_fields(spec) for name, spec in schema.TABLES.items()}


class BuilderError(TinyrtError):
    """The model being built is inconsistent (unknown op, bad option, bad tensor index)."""


def _write_table(fb, fields, values):
    """Serialize one table. ``values``: field name -> python value, or an already written
    offset wrapped as ("offset", n) for strings, vectors and sub-tables."""
    offsets = {}
    for f in fields:
        if f is None:
            continue
        name, kind, elem, _ = f
        v = values.get(name)
        if v is None or kind == "scalar":
            continue
        if isinstance(v, tuple) and v and v[0] == "offset":
            offsets[name] = v[1]
        elif kind == "str":
            offsets[name] = fb.CreateString(v)
        elif kind == "vector_scalar":
            offsets[name] = fb.CreateNumpyVector(np.asarray(v, _NUMPY[elem]).reshape(-1))
        elif kind == "vector_str":
            items = [fb.CreateString(s) for s in v]
            offsets[name] = _offset_vector(fb, items)
        else:
            raise BuilderError(f"field {name!r} needs a written offset")
    fb.StartObject(len(fields))
    for slot, f in enumerate(fields):
        if f is None:
            continue
        name, kind, elem, default = f
        if name in offsets:
            fb.PrependUOffsetTRelativeSlot(slot, offsets[name], 0)
        elif kind == "scalar" and values.get(name) is not None:
            v = values[name]
            v = bool(v) if elem == "bool" else (float(v) if elem.startswith("f") else int(v))
            # Always write the value (force_defaults is off, so defaults are simply omitted).
            getattr(fb, _PREPEND[elem])(slot, v, default)
    return fb.EndObject()


def _offset_vector(fb, offsets):
    fb.StartVector(4, len(offsets), 4)
    for off in reversed(offsets):
        fb.PrependUOffsetTRelative(off)
    return fb.EndVector()


def _aligned_bytes(fb, data, alignment=16):
    fb.StartVector(1, len(data), alignment)
    fb.head = fb.head - len(data)
    fb.Bytes[fb.head:fb.head + len(data)] = data
    fb.vectorNumElems = len(data)
    return fb.EndVector()


class SubgraphBuilder:
    def __init__(self, model, index, name=""):
        self.model = model
        self.index = index
        self.name = name
        self.tensors = []
        self.inputs = []
        self.outputs = []
        self.operators = []

    def add_tensor(self, name, shape, dtype, scale=None, zero_point=None,
                   quantized_dimension=0, data=None, is_variable=False, type_name=None):
        """Add a tensor; returns its index. ``scale``/``zero_point`` may be lists (per-channel
        along ``quantized_dimension``). ``data`` makes it a constant. ``type_name`` overrides
        the dtype's type ("RESOURCE", ...). ``dtype="int4"`` (or type_name "INT4") stores
        ``data`` (values in [-8, 7]) packed two per byte, low nibble first."""
        if isinstance(dtype, str) and dtype.upper() == "INT4":
            type_name = "INT4"
        code = schema.TYPE_CODE[type_name] if type_name else schema.DTYPE_CODE.get(np.dtype(dtype))
        if code is None:
            raise BuilderError(f"no .tflite type for {dtype}")
        buffer = 0
        if data is not None and code in schema.PACKED_BITS:
            arr = np.asarray(data)
            if arr.size != int(np.prod(shape, dtype=np.int64)):
                raise BuilderError(f"{name}: {arr.size} values for shape {list(shape)}")
            if arr.size and (arr.dtype.kind not in "iu" or arr.min() < -8 or arr.max() > 7):
                raise BuilderError(f"{name}: int4 values must be integers in [-8, 7]")
            buffer = self.model._add_buffer(pack_int4(arr).tobytes())
        elif data is not None:
            arr = np.ascontiguousarray(np.asarray(data, dtype=np.dtype(dtype)).reshape(shape))
            buffer = self.model._add_buffer(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
        quant = None
        if scale is not None:
            s = np.atleast_1d(np.asarray(scale, np.float32))
            z = np.atleast_1d(np.asarray(0 if zero_point is None else zero_point, np.int64))
            if len(z) == 1 and len(s) > 1:
                z = np.repeat(z, len(s))
            quant = (s, z, int(quantized_dimension))
        self.tensors.append({"name": name, "shape": [int(d) for d in shape], "type": code,
                             "buffer": buffer, "quant": quant, "is_variable": is_variable})
        return len(self.tensors) - 1

    def add_input(self, name, shape, dtype, **kw):
        t = self.add_tensor(name, shape, dtype, **kw)
        self.inputs.append(t)
        return t

    def add_constant(self, name, data, dtype=None, **kw):
        """A constant tensor of ``data``; ``dtype="int4"`` packs int values in [-8, 7]."""
        if isinstance(dtype, str) and dtype.upper() == "INT4":
            arr = np.asarray(data)
            return self.add_tensor(name, arr.shape, "int4", data=arr, **kw)
        arr = np.asarray(data, dtype=dtype)
        return self.add_tensor(name, arr.shape, arr.dtype, data=arr, **kw)

    def add_variable(self, name, shape, dtype, **kw):
        return self.add_tensor(name, shape, dtype, is_variable=True, **kw)

    def mark_input(self, t):
        self.inputs.append(t)

    def mark_output(self, t):
        self.outputs.append(t)

    def add_operator(self, op, inputs, outputs, custom_options=None, intermediates=None,
                     version=1, **options):
        """Add a node. ``op`` is a builtin name ("CONV_2D") or, with ``custom_options`` (bytes)
        or when unknown as a builtin, a custom op's name."""
        n = len(self.tensors)
        for t in list(inputs) + list(outputs) + list(intermediates or ()):
            if not -1 <= t < n:
                raise BuilderError(f"{op}: tensor index {t} out of range (have {n})")
        opcode = self.model._opcode(op, custom=op not in schema.BUILTIN_CODE, version=version)
        table = schema.OPTIONS_OF_OP.get(op)
        if options and table is None:
            raise BuilderError(f"{op} takes no builtin options; got {sorted(options)}")
        if table is not None:
            known = {f[0] for f in parse_fields(_OPTIONS_INDEX[table][1]) if f}
            unknown = set(options) - known
            if unknown:
                raise BuilderError(f"{op} ({table}) has no option(s) {sorted(unknown)}; "
                                   f"known: {sorted(known)}")
            for k, v in list(options.items()):
                if isinstance(v, str) and k in _ENUMS:
                    options[k] = _ENUMS[k][v.upper()]
        self.operators.append({"opcode": opcode, "inputs": list(inputs),
                               "outputs": list(outputs), "intermediates": intermediates,
                               "table": table, "options": options,
                               "custom": custom_options})
        return len(self.operators) - 1

    def _write(self, fb):
        tensors = []
        for t in self.tensors:
            vals = {"shape": t["shape"], "type": t["type"], "buffer": t["buffer"],
                    "name": t["name"], "is_variable": t["is_variable"] or None}
            if t["quant"] is not None:
                s, z, qd = t["quant"]
                q = _write_table(fb, _FIELDS["QuantizationParameters"],
                                 {"scale": s, "zero_point": z, "quantized_dimension": qd})
                vals["quantization"] = ("offset", q)
            tensors.append(_write_table(fb, _FIELDS["Tensor"], vals))
        ops = []
        for o in self.operators:
            vals = {"opcode_index": o["opcode"], "inputs": o["inputs"], "outputs": o["outputs"],
                    "intermediates": o["intermediates"]}
            if o["table"] is not None:
                idx, spec = _OPTIONS_INDEX[o["table"]]
                opts = _write_table(fb, parse_fields(spec), o["options"])
                vals["builtin_options_type"] = idx
                vals["builtin_options"] = ("offset", opts)
            if o["custom"] is not None:
                vals["custom_options"] = ("offset", fb.CreateByteVector(bytes(o["custom"])))
            ops.append(_write_table(fb, _FIELDS["Operator"], vals))
        return _write_table(fb, _FIELDS["SubGraph"], {
            "tensors": ("offset", _offset_vector(fb, tensors)),
            "inputs": self.inputs, "outputs": self.outputs,
            "operators": ("offset", _offset_vector(fb, ops)), "name": self.name or None})


class ModelBuilder:
    def __init__(self, description="built with tinyrt"):
        self.description = description
        self.buffers = [b""]            # buffer 0: the empty buffer of non-constant tensors
        self.opcodes = []               # (builtin code, custom name, version)
        self.subgraphs = [SubgraphBuilder(self, 0, "main")]
        self.metadata = []              # (name, buffer index)
        self.signatures = []

    @property
    def main(self):
        return self.subgraphs[0]

    def add_subgraph(self, name=""):
        self.subgraphs.append(SubgraphBuilder(self, len(self.subgraphs), name))
        return self.subgraphs[-1]

    # the main subgraph's methods, for one-subgraph models
    def add_tensor(self, *a, **kw):
        return self.main.add_tensor(*a, **kw)

    def add_input(self, *a, **kw):
        return self.main.add_input(*a, **kw)

    def add_constant(self, *a, **kw):
        return self.main.add_constant(*a, **kw)

    def add_variable(self, *a, **kw):
        return self.main.add_variable(*a, **kw)

    def add_operator(self, *a, **kw):
        return self.main.add_operator(*a, **kw)

    def mark_output(self, t):
        self.main.mark_output(t)

    def add_metadata(self, name, data):
        self.metadata.append((name, self._add_buffer(bytes(data))))

    def add_offline_plan(self, offsets, subgraph_count=1):
        """TFLM's OfflineMemoryAllocation metadata: one offset per tensor (-1 = plan online)."""
        arr = np.array([0, subgraph_count, len(offsets)] + list(offsets), "<i4")
        self.add_metadata("OfflineMemoryAllocation", arr.tobytes())

    def add_signature(self, key, inputs, outputs, subgraph=0):
        """``inputs`` / ``outputs``: {signature name: tensor index}."""
        self.signatures.append((key, dict(inputs), dict(outputs), subgraph))

    def _add_buffer(self, data):
        self.buffers.append(bytes(data))
        return len(self.buffers) - 1

    def _opcode(self, op, custom, version):
        if custom:
            key = (schema.CUSTOM_CODE, op, version)
        else:
            key = (schema.BUILTIN_CODE[op], None, version)
        if key not in self.opcodes:
            self.opcodes.append(key)
        return self.opcodes.index(key)

    def build(self):
        fb = flatbuffers.Builder(1024)
        buffers = []
        for data in self.buffers:
            vals = {}
            if data:
                vals["data"] = ("offset", _aligned_bytes(fb, data))
            buffers.append(_write_table(fb, _FIELDS["Buffer"], vals))
        subgraphs = [sg._write(fb) for sg in self.subgraphs]
        opcodes = [_write_table(fb, _FIELDS["OperatorCode"], {
            "deprecated_builtin_code": min(code, 127), "custom_code": name,
            "version": version, "builtin_code": code}) for code, name, version in self.opcodes]
        metadata = [_write_table(fb, _FIELDS["Metadata"], {"name": n, "buffer": b})
                    for n, b in self.metadata]
        sigs = []
        for key, ins, outs, sgi in self.signatures:
            maps = [_offset_vector(fb, [_write_table(fb, _FIELDS["TensorMap"],
                                                     {"name": n, "tensor_index": t})
                                        for n, t in m.items()]) for m in (ins, outs)]
            sigs.append(_write_table(fb, _FIELDS["SignatureDef"], {
                "inputs": ("offset", maps[0]), "outputs": ("offset", maps[1]),
                "signature_key": key, "subgraph_index": sgi}))
        root = _write_table(fb, _FIELDS["Model"], {
            "version": 3,
            "operator_codes": ("offset", _offset_vector(fb, opcodes)),
            "subgraphs": ("offset", _offset_vector(fb, subgraphs)),
            "description": self.description,
            "buffers": ("offset", _offset_vector(fb, buffers)),
            "metadata": ("offset", _offset_vector(fb, metadata)) if metadata else None,
            "signature_defs": ("offset", _offset_vector(fb, sigs)) if sigs else None,
        })
        fb.Finish(root, file_identifier=b"TFL3")
        return bytes(fb.Output())
