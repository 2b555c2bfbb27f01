"""TFLM_DECODE (compressed constant tensors) against tflite-micro: lookup-table decoding for every
index width and output type, per tensor and per channel along either axis, pruning masks with
per-channel zero points, Huffman-coded int8/int16; outputs compared bit for bit."""
import numpy as np
import pytest

import tinyrt
from kernels.single_op import both_fail
from oracle import run_both, tflm_interpreter
from tinyrt.builder import ModelBuilder

LUT, HUFFMAN, PRUNE = 0, 1, 2
TYPES = [np.int8, np.int16, np.int32, np.int64, np.float32, np.bool_]


def header(kind, b5=0, b6=0, version=1):
    h = np.zeros(16, np.uint8)
    h[0], h[1], h[4], h[5], h[6] = kind, 1, version, b5, b6
    return h


def pack(indices, width):
    """Indices as a bit string, most significant bit first, zero padded to a byte."""
    indices = np.asarray(indices, np.int64).reshape(-1)
    bits = (indices[:, None] >> np.arange(width - 1, -1, -1)) & 1
    return np.packbits(bits.astype(np.uint8).reshape(-1))


def random_values(rng, dtype, n):
    if dtype == np.bool_:
        return rng.integers(0, 2, n).astype(np.uint8)    # bytes of a bool table
    if dtype == np.float32:
        return rng.standard_normal(n).astype(np.float32)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, n, endpoint=True, dtype=dtype)


def decode_model(items, consumer=False):
    """One TFLM_DECODE node; ``items``: (encoded bytes, ancillary bytes, output shape, dtype,
    quantization dict or None) per output. With ``consumer``, the first output also feeds an
    ADD with a model input (so the decoded tensor is used as a weight would be)."""
    b = ModelBuilder()
    ins, outs = [], []
    for k, (enc, aux, shape, dtype, q) in enumerate(items):
        ins.append(b.add_constant(f"encoded{k}", np.asarray(enc, np.uint8)))
        ins.append(b.add_constant(f"ancillary{k}", np.asarray(aux, np.uint8)))
        outs.append(b.add_tensor(f"decoded{k}", shape, dtype, **(q or {})))
    b.add_operator("TFLM_DECODE", ins, outs)
    for o in outs:
        b.mark_output(o)
    if consumer:
        shape, dtype, q = items[0][2], items[0][3], items[0][4]
        x = b.add_input("x", shape, dtype, **(q or {}))
        y = b.add_tensor("sum", shape, dtype, **(q or {}))
        b.add_operator("ADD", [x, outs[0]], [y])
        b.mark_output(y)
    return b.build()


def check_decoded(data, feed=None, invokes=2):
    """Invoke tinyrt and tflite-micro in turn (with ``feed`` as the input, if any): outputs
    equal byte for byte every time. Returns tinyrt's last outputs."""
    results = run_both(data, [[] if feed is None else [feed] for _ in range(invokes)])
    for ours, theirs in results:
        for i, (g, w) in enumerate(zip(ours, theirs)):
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_array_equal(g.view(np.uint8), w.view(np.uint8),
                                          err_msg=f"output {i}")
    return results[-1][0]


def lut_item(rng, dtype, width, shape, axis=None, stride=None):
    """A LUT-compressed tensor: (item for decode_model, expected values). ``axis``: None for
    one table, else the channel axis (0 or the last); ``stride`` defaults to 2**width."""
    count = int(np.prod(shape))
    channels = 1 if axis is None else shape[axis]
    stride = 2 ** width if stride is None else stride
    index = rng.integers(0, min(2 ** width, stride), count)
    tables = random_values(rng, dtype, channels * stride)
    element = np.arange(count)
    if axis is None:
        channel = np.zeros(count, np.int64)
    elif axis == 0:
        channel = element // (count // channels)
    else:
        channel = element % channels
    q = None
    if axis is not None:
        q = {"scale": [0.5] * channels, "zero_point": [0] * channels,
             "quantized_dimension": axis}
    aux = np.concatenate([header(LUT, width, stride), tables.view(np.uint8)])
    want = tables[channel * stride + index]
    return (pack(index, width), aux, shape, dtype, q), want


@pytest.mark.parametrize("dtype", TYPES, ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("width", range(1, 8))
def test_lut_per_tensor_and_per_channel(dtype, width):
    rng = np.random.default_rng(width * 10 + TYPES.index(dtype))
    items, wants = [], []
    # sizes around the 16- and 32-element groups TFLM's int8 fast paths decode at once
    for shape, axis in [((37,), None), ((3, 50), None), ((4, 33), 0), ((2, 5, 7), 2),
                        ((5, 48), 0), ((16, 6), 1), ((1,), None)]:
        if dtype == np.bool_ and axis is not None:
            continue     # quantization parameters on a bool tensor mean nothing
        item, want = lut_item(rng, dtype, width, shape, axis)
        items.append(item)
        wants.append(want)
    got = check_decoded(decode_model(items))
    for g, w in zip(got, wants):      # and the spec's own reading of the format
        np.testing.assert_array_equal(g.reshape(-1).view(np.uint8),
                                      np.asarray(w).astype(g.dtype).view(np.uint8))


@pytest.mark.parametrize("stride", [3, 4, 16], ids=lambda s: f"stride{s}")
def test_lut_table_stride_other_than_the_index_range(stride):
    # indices may exceed a short table's stride: TFLM then reads on into the next table
    rng = np.random.default_rng(stride)
    shape = (4, 9)
    count = 36
    index = rng.integers(0, 8, count)
    tables = random_values(rng, np.int16, 4 * stride + 8)
    aux = np.concatenate([header(LUT, 3, stride), tables.view(np.uint8)])
    q = {"scale": [0.1] * 4, "zero_point": [0] * 4}
    got = check_decoded(decode_model([(pack(index, 3), aux, shape, np.int16, q)]))
    channel = np.arange(count) // 9
    np.testing.assert_array_equal(got[0].reshape(-1), tables[channel * stride + index])


def test_lut_upper_bits_of_the_params_byte_are_ignored():
    # newer compressors put the channel axis in bits 4-7; channels still come from quantization
    rng = np.random.default_rng(1)
    (enc, aux, shape, dtype, q), want = lut_item(rng, np.int8, 4, (3, 20), axis=0)
    aux = aux.copy()
    aux[5] |= 0xF0
    got = check_decoded(decode_model([(enc, aux, shape, dtype, q)]))
    np.testing.assert_array_equal(got[0].reshape(-1), want)


def test_lut_index_width_zero_gives_each_channel_its_first_value():
    rng = np.random.default_rng(4)
    for dtype in (np.int8, np.float32):
        (enc, aux, shape, _, q), _ = lut_item(rng, dtype, 3, (4, 20), axis=0)
        aux = aux.copy()
        aux[5] = 0
        got = check_decoded(decode_model([(enc, aux, shape, dtype, q)]))
        first = aux[16:].view(np.dtype(dtype))[::8][:4]
        np.testing.assert_array_equal(got[0], np.repeat(first[:, None], 20, axis=1))


def test_decoded_tensor_feeds_another_op():
    rng = np.random.default_rng(2)
    item, want = lut_item(rng, np.float32, 2, (2, 8))
    x = rng.standard_normal((2, 8)).astype(np.float32)
    got = check_decoded(decode_model([item], consumer=True), feed=x, invokes=3)
    np.testing.assert_array_equal(got[1], x + want.reshape(2, 8))


def prune_item(rng, dtype, shape, zero_point=None, axis=0):
    count = int(np.prod(shape))
    kept = rng.random(count) < 0.4
    values = random_values(rng, dtype, int(kept.sum()))
    q = None
    zp = np.zeros(count, np.int64)
    if zero_point is not None:
        zps = np.atleast_1d(zero_point)
        q = {"scale": [0.1] * len(zps), "zero_point": list(zps), "quantized_dimension": axis}
        if len(zps) > 1:
            element = np.arange(count)
            zp = zps[element // (count // len(zps)) if axis == 0 else element % len(zps)]
        else:
            zp = np.full(count, zps[0])
    want = zp.astype(values.dtype)
    want[kept] = values
    aux = np.concatenate([header(PRUNE), values.view(np.uint8)])
    return (np.packbits(kept.astype(np.uint8)), aux, shape, dtype, q), want


@pytest.mark.parametrize("dtype", TYPES, ids=lambda t: np.dtype(t).name)
def test_prune(dtype):
    rng = np.random.default_rng(30 + TYPES.index(dtype))
    cases = [((45,), None), ((3, 17), 0)]
    if dtype == np.int8:   # only int8 may have non-zero zero points, per tensor or channel
        cases += [((3, 17), [5]), ((4, 10), [-3, 0, 7, 127]), ((2, 3, 5), ([1, -1, 9, -128, 0], 2))]
    elif dtype != np.bool_:
        cases += [((4, 6), [0, 0, 0, 0])]
    items, wants = [], []
    for shape, zp in cases:
        zp, axis = zp if isinstance(zp, tuple) else (zp, 0)
        item, want = prune_item(rng, dtype, shape, zp, axis)
        items.append(item)
        wants.append(want)
    got = check_decoded(decode_model(items))
    for g, w in zip(got, wants):
        np.testing.assert_array_equal(g.reshape(-1).view(np.uint8),
                                      np.asarray(w).astype(g.dtype).view(np.uint8))


def prefix_code(rng, symbols, longest):
    """Code lengths of a complete prefix code: split random leaves of a binary tree."""
    lengths = [1, 1]
    while len(lengths) < symbols:
        leaf = int(rng.integers(0, len(lengths)))
        if lengths[leaf] < longest:
            lengths[leaf:leaf + 1] = [lengths[leaf] + 1] * 2
    return sorted(lengths)


def huffman_tables(lengths, symbols, first, wide, mask):
    """Canonical codes for ``lengths`` and their decode tables: a first table indexed by
    ``first`` bits, whose entries hold a symbol (and how many of the bits read at that level
    its code used) or point to a subtable indexed by further bits."""
    found, shift = (1 << 31, 27) if wide else (1 << 15, 11)
    codes, code, prev = [], 0, lengths[0]
    for n in lengths:
        code <<= n - prev
        codes.append((code, n))
        code += 1
        prev = n
    table = []

    def build(entries, width):
        """Append a table of 2**width entries for (code bits left, their number) -> symbol."""
        base = len(table)
        table.extend([0] * 2 ** width)
        deeper = {}
        for (rest, left), sym in entries:
            if left <= width:
                lo = rest << (width - left)
                table[base + lo:base + lo + 2 ** (width - left)] = \
                    [found | (left << shift) | (int(sym) & mask)] * 2 ** (width - left)
            else:
                top = rest >> (left - width)
                rest_bits = (rest & ((1 << (left - width)) - 1), left - width)
                deeper.setdefault(top, []).append((rest_bits, sym))
        for top, sub in deeper.items():
            sub_width = min(max(left for (_, left), _ in sub), 6)
            at = build(sub, sub_width)
            table[base + top] = ((sub_width - 1) << shift) | (at - (base + top))
        return base

    build(list(zip(codes, symbols)), first)
    return np.array(table, "<u4" if wide else "<u2"), codes


def huffman_item(rng, dtype, count, wide, first):
    lengths = prefix_code(rng, 20, 11)
    info = np.iinfo(dtype)
    symbols = rng.choice(np.arange(info.min, info.max + 1), len(lengths), replace=False)
    mask = 0xFFFF if dtype == np.int16 else 0xFF
    table, codes = huffman_tables(lengths, symbols, first, wide, mask)
    which = rng.integers(0, len(lengths), count)
    bits = "".join(format(codes[w][0], f"0{codes[w][1]}b") for w in which)
    bits += "0" * (-len(bits) % 32)
    stream = np.frombuffer(int(bits, 2).to_bytes(len(bits) // 8, "big"), np.uint8)
    aux = np.concatenate([header(HUFFMAN, ((first - 1) << 4) | int(wide)), table.view(np.uint8)])
    return (stream, aux, (count,), dtype, None), symbols[which]


@pytest.mark.parametrize("dtype,wide", [(np.int8, False), (np.int8, True), (np.int16, True)],
                         ids=["int8_16bit_tables", "int8_32bit_tables", "int16"])
@pytest.mark.parametrize("first", [3, 5, 8])
def test_huffman(dtype, wide, first):
    rng = np.random.default_rng(first * 3 + wide + (dtype == np.int16))
    items, wants = [], []
    for count in (1, 40, 300):
        item, want = huffman_item(rng, dtype, count, wide, first)
        items.append(item)
        wants.append(want)
    got = check_decoded(decode_model(items))
    for g, w in zip(got, wants):
        np.testing.assert_array_equal(g, w.astype(dtype))


def test_huffman_int16_needs_32_bit_tables_like_tflite_micro():
    rng = np.random.default_rng(5)
    (enc, aux, shape, _, q), _ = huffman_item(rng, np.int8, 30, False, 4)
    data = decode_model([(enc, aux, shape, np.int16, q)])
    with pytest.raises(tinyrt.TinyrtError, match="32-bit"):
        tinyrt.Interpreter(model_content=data).allocate_tensors()
    with pytest.raises(RuntimeError):
        tflm_interpreter(data)


@pytest.mark.parametrize("case", ["dcm_version", "lut_version", "type", "axis", "output_type"])
def test_bad_ancillary_data_fails_like_tflite_micro(case):
    rng = np.random.default_rng(3)
    (enc, aux, shape, dtype, q), _ = lut_item(rng, np.int8, 3, (2, 3, 4), axis=0)
    aux = aux.copy()
    if case == "dcm_version":
        aux[1] = 2
    elif case == "lut_version":
        aux[4] = 0
    elif case == "type":
        aux[0] = 127
    elif case == "axis":
        q = dict(q, scale=[0.1] * 3, zero_point=[0] * 3, quantized_dimension=1)
    else:
        dtype = np.uint8
    data = decode_model([(enc, aux, shape, dtype, q)])
    both_fail(data, [])
