"""The builders of the element-wise C kernels several ops share: binary ops with broadcasting
(float32 and int32 arithmetic, int8 through the op's table of every input pair), casts, table lookups of 8- and
16-bit inputs, and float32 functions of one input. Each kernel module calls them from its
prepare with the op data it has computed (tables, activation bounds)."""
import numpy as np

from .core import OutOfRange, prepares_native, requantization
from .walk import broadcast_walk

BINARY_F32 = {"ADD": 0, "SUB": 1, "MUL": 2, "SQUARED_DIFFERENCE": 3}      # binary_f32.h
BINARY_S32 = {"ADD": 0, "MUL": 1, "DIV": 2, "MINIMUM": 3, "MAXIMUM": 4}    # binary_s32.h
UNARY_F32 = {"LOGISTIC": 0, "TANH": 1, "HARD_SWISH": 2, "RSQRT": 3,      # unary_f32.h
             "GELU": 4, "GELU_TANH": 5}


def _size(tensor):
    return int(np.prod(tensor.shape, dtype=np.int64))


@prepares_native
def native_binary(ctx, op, lo=None, hi=None, pairs=None):
    """The node of a binary op with broadcasting: float32 ``op`` (a BINARY_F32 name) or int32
    ``op`` (a BINARY_S32 name) clamped to [lo, hi], or int8 through ``pairs``
    (common.Int8PairTable)."""
    a, b, y = ctx.inputs[0], ctx.inputs[1], ctx.outputs[0]
    rank, geometry = broadcast_walk(y.shape, a.shape, b.shape)
    io = dict(inputs=("input1", "input2"), outputs=("output",))
    if pairs is not None and a.dtype == np.int8:
        return ctx.native_node("binary_s8", keep=(geometry, pairs.table), table=pairs.table,
                               geometry=geometry, rank=rank, **io)
    if a.dtype == np.int32 and b.dtype == np.int32 and y.dtype == np.int32 and op in BINARY_S32:
        return ctx.native_node("binary_s32", keep=(geometry,), geometry=geometry, rank=rank,
                               op=BINARY_S32[op], act_min=lo, act_max=hi, **io)
    if a.dtype != np.float32 or op not in BINARY_F32:
        raise OutOfRange(f"no C kernel for {a.dtype} {op}")
    return ctx.native_node("binary_f32", keep=(geometry,), geometry=geometry, rank=rank,
                           op=BINARY_F32[op], act_min=lo, act_max=hi, **io)


@prepares_native
def native_lookup(ctx, table, offset=None, in_min=None):
    """The node of an element-wise op of an 8- or 16-bit input through ``table``: entry
    ``v + offset`` is the output of value v; with offset None, entry v mod 2^bits (the
    order quantize.value_table makes). Inputs below ``in_min`` fail the op."""
    x, y = ctx.inputs[0], ctx.outputs[0]
    if x.dtype.kind not in "iu" or x.dtype.itemsize > 2 or table.dtype.itemsize not in (1, 2, 4) \
            or table.dtype != y.dtype or len(table) != 1 << (8 * x.dtype.itemsize) \
            or _size(x) != _size(y):
        raise OutOfRange("not a table lookup the C kernel takes")
    if offset is not None:
        table = np.roll(table, -offset)
    table = np.ascontiguousarray(table)
    return ctx.native_node("lookup", keep=(table,), table=table, n=_size(y),
                           in_bytes=x.dtype.itemsize, out_bytes=table.dtype.itemsize,
                           in_signed=int(x.dtype.kind == "i"),
                           in_min=-(1 << 31) if in_min is None else in_min)


@prepares_native
def native_unary_f32(ctx, op):
    """The node of the float32 function ``op`` (a UNARY_F32 name) of one input."""
    x, y = ctx.inputs[0], ctx.outputs[0]
    if x.dtype != np.float32 or y.dtype != np.float32 or _size(x) != _size(y):
        raise OutOfRange("not a float32 element-wise layer")
    return ctx.native_node("unary_f32", n=_size(y), op=UNARY_F32[op])


BINARY_S16 = {"ADD": 0, "SUB": 1, "MUL": 2}                                # binary_s16.h


@prepares_native
def native_binary_s16(ctx, op, za, zb, lo, hi, output, input1=None, input2=None, left_shift=0):
    """The binary_s16 node of an int16 ADD/SUB (``input1``/``input2``: the inputs'
    quant.Requantizer to the common scale, after ``left_shift``) or MUL; ``output``: the
    output's Requantizer (with its zero point). Zero input zero points only."""
    a, b, y = ctx.inputs[0], ctx.inputs[1], ctx.outputs[0]
    if za or zb or a.dtype != np.int16:
        raise OutOfRange("int16 inputs with zero points")
    rank, geometry = broadcast_walk(y.shape, a.shape, b.shape)
    fields = {}
    for name, q in (("input1", input1), ("input2", input2)):
        if q is not None:
            m, left, right = requantization(q.multiplier, q.shift, 1)
            if left[0]:
                raise OutOfRange("input multipliers above 1")
            fields.update({f"{name}_multiplier": m[0], f"{name}_right": right[0]})
    m, left, right = requantization(output.multiplier, output.shift, 1)
    return ctx.native_node("binary_s16", keep=(geometry,), inputs=("input1", "input2"),
                           geometry=geometry, rank=rank, op=BINARY_S16[op],
                           left_shift=left_shift, output_multiplier=m[0], output_left=left[0],
                           output_right=right[0], output_zp=int(output.offset), act_min=lo,
                           act_max=hi, **fields)


CAST_TYPES = {"int8": 0, "uint8": 1, "int16": 2, "uint16": 3, "int32": 4, "uint32": 5,   # cast.h
              "float32": 6, "bool": 1}


@prepares_native
def native_cast(ctx):
    """The cast node of a CAST between the CAST_TYPES (bool as input only)."""
    x, y = ctx.inputs[0], ctx.outputs[0]
    if x.dtype.name not in CAST_TYPES or y.dtype.name not in CAST_TYPES or y.dtype == np.bool_ \
            or _size(x) != _size(y):
        raise OutOfRange(f"no C kernel for a CAST {x.dtype} -> {y.dtype}")
    return ctx.native_node("cast", n=_size(y), in_type=CAST_TYPES[x.dtype.name],
                           out_type=CAST_TYPES[y.dtype.name])
