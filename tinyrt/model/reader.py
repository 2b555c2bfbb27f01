"""Reading a .tflite file into plain Python objects whose constant data are views of the file.

Nothing is copied: a constant tensor's ``data`` is a read-only numpy view of the file's bytes.
Every index, offset and length is checked here, so everything downstream may trust the model.
"""
import math
import os
import stat
from dataclasses import dataclass, field

import numpy as np

from ..errors import ModelError
from ..quant import unpack_int4
from . import schema
from .flatbuf import FlatBuffer, decode, parse_fields

_TABLES = {name: parse_fields(spec) for name, spec in schema.TABLES.items()}
_OPTION_FIELDS = {}

# Default cap on the bytes a model may make tinyrt allocate (tensor data it declares).
DEFAULT_MAX_BYTES = 1 << 30


@dataclass
class Quantization:
    scale: np.ndarray          # float32, one per tensor or one per channel
    zero_point: np.ndarray     # int64, same length as scale
    quantized_dimension: int = 0

    @property
    def per_channel(self):
        return len(self.scale) > 1


@dataclass
class TensorDef:
    index: int
    name: str
    type_name: str
    dtype: object              # numpy dtype, or None for types without an array form
    shape: tuple
    buffer: int
    data: object = None        # read-only numpy view of the constant data, or None
    is_variable: bool = False
    quantization: object = None
    shape_signature: tuple = None
    # Bits per element of a packed type (4 for INT4), else None. A packed tensor is a constant
    # whose ``data`` is the flat uint8 view of its packed bytes and whose ``dtype`` is None, so
    # only kernels that ask for ``packed_bits`` take it; ``element_dtype`` is int8.
    packed_bits: int = None

    @property
    def element_dtype(self):
        """The dtype of the tensor's values: ``dtype``, or int8 for packed integers."""
        return np.dtype(np.int8) if self.packed_bits else self.dtype

    @property
    def nbytes(self):
        # A packed tensor counts one byte per element, as TFLM's allocator reports it.
        if self.element_dtype is None:
            return 0
        return int(np.prod(self.shape, dtype=np.int64)) * self.element_dtype.itemsize

    @property
    def is_constant(self):
        return self.data is not None

    def unpacked(self):
        """A packed constant's values as a new int8 array of the tensor's shape."""
        if self.packed_bits != 4:
            raise ValueError(f"tensor {self.name!r} is not packed int4")
        return unpack_int4(self.data, math.prod(self.shape)).reshape(self.shape)


@dataclass
class OperatorDef:
    index: int
    op_name: str               # builtin name ("CONV_2D") or custom code ("SignalWindow")
    builtin_code: int
    version: int
    inputs: tuple
    outputs: tuple
    intermediates: tuple = ()
    options: dict = field(default_factory=dict)
    options_type: str = None
    custom_options: bytes = None

    @property
    def is_custom(self):
        return self.builtin_code == schema.CUSTOM_CODE


@dataclass
class SubgraphDef:
    index: int
    name: str
    tensors: list
    inputs: tuple
    outputs: tuple
    operators: list


@dataclass
class SignatureDef:
    key: str
    subgraph_index: int
    inputs: dict               # signature name -> tensor index
    outputs: dict


@dataclass
class Model:
    data: object               # the file's bytes, which every constant view points into
    version: int
    description: str
    subgraphs: list
    metadata: dict             # name -> memoryview of the metadata buffer
    signatures: list
    offline_plan: object = None  # {subgraph index: np.ndarray of offsets, -1 = plan online}

    @property
    def main(self):
        return self.subgraphs[0]


def load_model(source, max_bytes=DEFAULT_MAX_BYTES):
    """Read a model from a path, bytes, bytearray or memoryview (a Model already read is
    returned as it is)."""
    if isinstance(source, Model):
        return source
    if isinstance(source, (str, os.PathLike)):
        data = read_model_file(source, max_bytes)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source) if not isinstance(source, bytes) else source
    else:
        raise ModelError(f"a model is a path or bytes, not {type(source).__name__}")
    try:
        return _Reader(data, max_bytes).read()
    except RecursionError:
        raise ModelError("model nests tables too deeply") from None


def read_model_file(path, max_bytes=DEFAULT_MAX_BYTES):
    """The bytes of the regular file at ``path``, at most ``max_bytes`` of them.

    Opened without blocking (a FIFO would otherwise wait for a writer forever) and checked to
    be a regular file before anything is read: a device such as /dev/zero or /dev/urandom
    never ends. The read stops one byte past the limit, so a file that grows while being
    read cannot make it take more."""
    name = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(name, flags)
    except OSError as e:
        raise ModelError(f"cannot read model file {name!r}: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ModelError(f"model file {name!r} is not a regular file "
                             f"({_file_kind(st.st_mode)})")
        if st.st_size > max_bytes:
            raise ModelError(f"model file {name!r} has {st.st_size} bytes, over the limit of "
                             f"{max_bytes} (raise max_model_bytes to allow it)")
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(max_bytes + 1 - total, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise ModelError(f"model file {name!r} grew past the limit of {max_bytes} bytes "
                             "while being read (raise max_model_bytes to allow it)")
        return b"".join(chunks)
    except OSError as e:
        raise ModelError(f"cannot read model file {name!r}: {e.strerror}") from None
    finally:
        os.close(fd)


def _file_kind(mode):
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def _option_fields(name, spec):
    fields = _OPTION_FIELDS.get(name)
    if fields is None:
        fields = _OPTION_FIELDS[name] = parse_fields(spec)
    return fields


def default_options(table_name):
    """The options dict of ``table_name`` with every field at its schema default."""
    fields = _option_fields(table_name, schema.OPTIONS_SPEC[table_name])
    return {f[0]: (f[3] if f[1] == "scalar" else None) for f in fields if f is not None}


class _Reader:
    def __init__(self, data, max_bytes):
        self.data = data
        self.fb = FlatBuffer(data)
        self.max_bytes = max_bytes

    def read(self):
        if len(self.data) >= 8 and self.data[4:8] != b"TFL3":
            raise ModelError("not a .tflite file: the flatbuffer identifier is "
                             f"{bytes(self.data[4:8])!r}, expected b'TFL3'")
        raw = decode(self.fb, self.fb.root(), _TABLES, "Model")
        self.buffers = raw["buffers"] or []
        self.opcodes = [self._opcode(i, oc) for i, oc in enumerate(raw["operator_codes"] or [])]
        if not raw["subgraphs"]:
            raise ModelError("model has no subgraphs")
        self.total_bytes = 0
        subgraphs = [self._subgraph(i, sg) for i, sg in enumerate(raw["subgraphs"])]
        metadata = {}
        for i, md in enumerate(raw["metadata"] or []):
            metadata[md["name"] or f"metadata_{i}"] = self._buffer_bytes(md["buffer"], f"metadata {md['name']!r}")
        signatures = []
        for i, sd in enumerate(raw["signature_defs"] or []):
            sgi = sd["subgraph_index"]
            if sgi >= len(subgraphs):
                raise ModelError(f"signature {i} names subgraph {sgi}; the model has {len(subgraphs)}")
            ntens = len(subgraphs[sgi].tensors)
            maps = []
            for kind in ("inputs", "outputs"):
                m = {}
                for tm in sd[kind] or []:
                    if tm["tensor_index"] >= ntens:
                        raise ModelError(f"signature {sd['signature_key']!r} {kind[:-1]} "
                                         f"{tm['name']!r} names tensor {tm['tensor_index']}; "
                                         f"subgraph {sgi} has {ntens}")
                    m[tm["name"]] = tm["tensor_index"]
                maps.append(m)
            signatures.append(SignatureDef(sd["signature_key"] or f"signature_{i}", sgi, *maps))
        model = Model(self.data, raw["version"], raw["description"], subgraphs, metadata, signatures)
        model.offline_plan = self._offline_plan(metadata, subgraphs)
        return model

    def _opcode(self, i, oc):
        code = max(oc["builtin_code"], oc["deprecated_builtin_code"])
        if not 0 <= code < len(schema.BUILTIN_OPS):
            # Unknown to this schema version: keep it so the error comes at allocation, by name.
            return (f"BUILTIN_{code}", code, oc["version"])
        name = schema.BUILTIN_OPS[code]
        if code == schema.CUSTOM_CODE:
            name = oc["custom_code"] or ""
        return (name, code, oc["version"])

    def _buffer_bytes(self, index, what):
        if not 0 <= index < len(self.buffers):
            raise ModelError(f"{what} refers to buffer {index}; the model has {len(self.buffers)}")
        b = self.buffers[index]
        if b["offset"] > 1:  # data stored after the flatbuffer (models over 2 GB)
            self.fb.check(b["offset"], b["size"], f"buffer {index} data")
            return memoryview(self.data)[b["offset"]:b["offset"] + b["size"]]
        if b["data"] is None:
            return memoryview(b"")
        start = b["data__pos"]
        return memoryview(self.data)[start:start + len(b["data"])]

    def _subgraph(self, si, sg):
        tensors = [self._tensor(si, ti, t) for ti, t in enumerate(sg["tensors"] or [])]
        n = len(tensors)

        def indices(arr, what, allow_optional):
            out = tuple(int(x) for x in (arr if arr is not None else ()))
            for x in out:
                if not (-1 if allow_optional else 0) <= x < n:
                    raise ModelError(f"subgraph {si} {what} refers to tensor {x}; "
                                     f"the subgraph has {n} tensors")
            return out

        ops = []
        for oi, op in enumerate(sg["operators"] or []):
            where = f"operator {oi} of subgraph {si}"
            if op["opcode_index"] >= len(self.opcodes):
                raise ModelError(f"{where} uses opcode {op['opcode_index']}; the model has "
                                 f"{len(self.opcodes)}")
            name, code, version = self.opcodes[op["opcode_index"]]
            options, options_type = self._options(op, name, where)
            custom = None
            if op["custom_options"] is not None:
                custom = bytes(op["custom_options"])
            elif op["large_custom_options_size"]:
                off, size = op["large_custom_options_offset"], op["large_custom_options_size"]
                self.fb.check(off, size, f"{where} custom options")
                custom = bytes(self.data[off:off + size])
            ops.append(OperatorDef(
                oi, name, code, version,
                indices(op["inputs"], f"{where} ({name}) input", True),
                indices(op["outputs"], f"{where} ({name}) output", True),
                indices(op["intermediates"], f"{where} ({name}) intermediate", True),
                options, options_type, custom))
        return SubgraphDef(si, sg["name"] or "", tensors,
                           indices(sg["inputs"], "input", False),
                           indices(sg["outputs"], "output", False), ops)

    def _options(self, op, op_name, where):
        """The node's builtin options as a dict. Absent options give the defaults of the table
        the op takes; options of another op's table are an error."""
        expected = schema.OPTIONS_OF_OP.get(op_name)
        for key, table in (("builtin_options", schema.BUILTIN_OPTIONS),
                           ("builtin_options2", schema.BUILTIN_OPTIONS2)):
            t = op[key + "_type"]
            if t == 0 or op[key] is None:
                continue
            if t not in table:
                raise ModelError(f"{where} ({op_name}) has unknown {key} type {t}")
            name, spec = table[t]
            if expected is not None and name != expected:
                raise ModelError(f"{where} ({op_name}) carries {name}; {op_name} takes {expected}")
            opts = decode(self.fb, op[key], {name: _option_fields(name, spec)}, name)
            return {k: v for k, v in opts.items() if not k.endswith("__pos")}, name
        if expected is None:
            return {}, None
        return default_options(expected), expected

    def _tensor(self, si, ti, t):
        name = t["name"] or ""   # LiteRT reports an unnamed tensor as ''
        where = f"tensor {ti} ({name!r}) of subgraph {si}"
        code = t["type"]
        if code not in schema.TENSOR_TYPES:
            raise ModelError(f"{where} has unknown type code {code}")
        type_name, dtype = schema.TENSOR_TYPES[code]
        shape = tuple(int(d) for d in (t["shape"] if t["shape"] is not None else ()))
        if any(d < 0 for d in shape):
            raise ModelError(f"{where} has a negative dimension in shape {list(shape)}; "
                             "tinyrt needs static shapes")
        sig = tuple(int(d) for d in t["shape_signature"]) if t["shape_signature"] is not None else None
        count = math.prod(shape)
        bits = schema.PACKED_BITS.get(code)
        itemsize = np.dtype(dtype).itemsize if dtype is not None else (1 if bits else 0)
        nbytes = count * itemsize
        self.total_bytes += nbytes
        if self.total_bytes > self.max_bytes:
            raise ModelError(f"{where} brings the model's tensors to {self.total_bytes} bytes, "
                             f"over the limit of {self.max_bytes} (raise max_model_bytes to allow it)")
        raw = self._buffer_bytes(t["buffer"], where)
        data = None
        if bits:
            # packed weights: kernels widen them in prepare, so they must be constants
            if not len(raw) or t["is_variable"]:
                raise ModelError(f"{where} is {type_name}, which tinyrt reads only as constant "
                                 "data (packed weights), not as an input, output or variable")
            packed = (count * bits + 7) // 8
            if len(raw) != packed:
                raise ModelError(f"{where}: buffer {t['buffer']} holds {len(raw)} bytes, but "
                                 f"shape {list(shape)} of {type_name} packs into {packed}")
            data = np.frombuffer(raw, dtype=np.uint8)
        elif len(raw):
            if dtype is None:
                data = np.frombuffer(raw, dtype=np.uint8)  # e.g. strings: kept as bytes
            elif len(raw) != nbytes:
                raise ModelError(f"{where}: buffer {t['buffer']} holds {len(raw)} bytes, but shape "
                                 f"{list(shape)} of {type_name} needs {nbytes}")
            else:
                data = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"),
                                     count=count).reshape(shape)
        quant = None
        q = t["quantization"]
        if q is not None and q["scale"] is not None and len(q["scale"]):
            scale = np.asarray(q["scale"], dtype=np.float32)
            zp = q["zero_point"]
            zp = np.zeros(len(scale), np.int64) if zp is None or not len(zp) else np.asarray(zp, np.int64)
            qd = q["quantized_dimension"]
            if not np.all(np.isfinite(scale)):
                raise ModelError(f"{where} has a quantization scale that is not finite")
            if len(zp) and (zp.min() < -(1 << 31) or zp.max() >= (1 << 31)):
                raise ModelError(f"{where} has a zero point outside int32")
            if dtype is not None and np.dtype(dtype).kind in "iu" and np.dtype(dtype).itemsize <= 2:
                info = np.iinfo(dtype)
                if len(zp) and (zp.min() < info.min or zp.max() > info.max):
                    raise ModelError(f"{where} has a zero point outside the {type_name} range")
            if len(zp) != len(scale):
                raise ModelError(f"{where} has {len(scale)} quantization scales but "
                                 f"{len(zp)} zero points")
            if len(scale) > 1:
                # TFLM tolerates a per-channel bias whose quantized dimension is that of the
                # filter (person_detect has 8 scales on dimension 3 of an [8] bias).
                fits = shape[qd] == len(scale) if 0 <= qd < len(shape) else count == len(scale)
                if qd < 0 or not fits:
                    raise ModelError(f"{where} has {len(scale)} per-channel scales for quantized "
                                     f"dimension {qd} of shape {list(shape)}")
            quant = Quantization(scale, zp, qd)
        return TensorDef(ti, name, type_name, np.dtype(dtype) if dtype is not None else None,
                         shape, t["buffer"], data, bool(t["is_variable"]), quant, sig, bits)

    def _offline_plan(self, metadata, subgraphs):
        raw = metadata.get("OfflineMemoryAllocation")
        if raw is None:
            return None
        if len(raw) % 4 or len(raw) < 12:
            raise ModelError(f"OfflineMemoryAllocation metadata is {len(raw)} bytes; expected "
                             "int32 [version, subgraphs, n, offsets...]")
        arr = np.frombuffer(raw, dtype="<i4")
        n = int(arr[2])
        if n < 0 or len(arr) != 3 + n:
            raise ModelError(f"OfflineMemoryAllocation declares {n} offsets but holds {len(arr) - 3}")
        offsets = arr[3:].astype(np.int64)
        # Offsets are listed for the tensors of all subgraphs, in order.
        plan, pos = {}, 0
        for sg in subgraphs:
            k = len(sg.tensors)
            if pos + k > n:
                break
            plan[sg.index] = offsets[pos:pos + k]
            pos += k
        return plan
