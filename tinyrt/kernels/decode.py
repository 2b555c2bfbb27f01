"""TFLM_DECODE, TFLM's op for compressed constant tensors: output k is decoded from the constant
input pair (encoded data 2k, ancillary data 2k + 1).

The ancillary data starts with a 16-byte header: byte 0 the decode type, byte 1 its version (1),
bytes 4-15 the type's own parameters, then the type's tables from byte 16:

- type 0, lookup table: byte 4 version (1), byte 5 low 3 bits the index width, byte 6 the
  elements per channel table. Indices are packed most significant bit first; an element's value
  is table[channel * stride + index].
- type 2, pruning: one bit per element (most significant bit first); set bits take the next
  stored value, clear bits the zero point of the element's channel.
- type 1, Huffman (int8 and int16): a canonical code read through a tree of lookup tables
  (16-bit entries for int8 only, or 32-bit entries), from a stream of big-endian 32-bit words.

Channels come from the output's quantization, as in TFLM: one per scale, along the first axis,
or along the last when that is the quantized dimension. All inputs are constant, so every
output is decoded once in prepare and copied into the arena on each invoke (TFLM decodes every
invoke, since the arena may be reused between invokes).
"""
import numpy as np

from .base import Kernel, register

LUT, HUFFMAN, PRUNE = 0, 1, 2
HEADER = 16
LUT_TYPES = ("bool", "float32", "int8", "int16", "int32", "int64")


def _bits(data, count):
    """The first ``count`` bits of ``data``, most significant bit of each byte first."""
    return np.unpackbits(data, count=count)


@register("TFLM_DECODE")
class Decode(Kernel):
    dtypes = LUT_TYPES

    def prepare(self, ctx):
        outs = ctx.outputs
        if not outs or len(ctx.inputs) != 2 * len(outs):
            self.fail(f"needs two inputs per output, got {len(ctx.inputs)} inputs and "
                      f"{len(outs)} outputs")
        self.decoded = []
        for k, out in enumerate(outs):
            encoded, ancillary = ctx.inputs[2 * k], ctx.inputs[2 * k + 1]
            if encoded is None or ancillary is None or not encoded.is_constant or \
                    not ancillary.is_constant:
                self.fail(f"inputs {2 * k} and {2 * k + 1} must be constant")
            if out.dtype is None or out.dtype.name not in LUT_TYPES:
                self.fail(f"output {k} is {out.type_name}; decoding gives "
                          f"{', '.join(LUT_TYPES)}")
            data = np.ascontiguousarray(encoded.data).view(np.uint8).reshape(-1)
            aux = np.ascontiguousarray(ancillary.data).view(np.uint8).reshape(-1)
            if len(aux) < HEADER:
                self.fail(f"ancillary data {k} has {len(aux)} bytes, fewer than its header")
            if aux[1] != 1 or aux[4] != 1:
                self.fail(f"ancillary data {k} has version {aux[1]}/{aux[4]}; only 1 is known")
            count = int(np.prod(out.shape, dtype=np.int64))
            if aux[0] == LUT:
                values = self._lut(data, aux, out, count)
            elif aux[0] == PRUNE:
                values = self._prune(data, aux, out, count)
            elif aux[0] == HUFFMAN:
                values = self._huffman(ctx, data, aux, out, count)
            else:
                self.fail(f"decode type {aux[0]} is not supported")
            self.decoded.append(values.reshape(out.shape))

    def eval(self, inputs, outputs):
        for out, values in zip(outputs, self.decoded):
            out[...] = values

    # -- helpers -----------------------------------------------------------------------------
    def _axis(self, out):
        """(channels, whether they run along the last axis) from the output's quantization."""
        q = out.quantization
        if q is None:
            return 1, False
        n = len(q.scale)
        last = q.quantized_dimension == len(out.shape) - 1 and n > 1
        if not last and q.quantized_dimension != 0:
            self.fail(f"quantized dimension {q.quantized_dimension} is not supported "
                      "(only the first or, per channel, the last)")
        return n, last

    def _channel_of(self, out, count):
        """The channel of each element."""
        n, last = self._axis(out)
        if count % n:
            self.fail(f"{count} elements do not split into {n} channels")
        element = np.arange(count)
        return element % n if last else element // max(count // n, 1)

    def _table(self, aux, dtype, needed, what):
        """The first ``needed`` elements stored after the header, as ``dtype``."""
        size = np.dtype(dtype).itemsize
        if len(aux) - HEADER < needed * size:
            self.fail(f"{what} needs {needed} values but the ancillary data holds "
                      f"{(len(aux) - HEADER) // size}")
        return aux[HEADER:HEADER + needed * size].view(np.dtype(dtype).newbyteorder("<"))

    def _lut(self, data, aux, out, count):
        width, stride = int(aux[5] & 7), int(aux[6])
        if len(data) * 8 < count * width:
            self.fail(f"{count} indices of {width} bits need {-(-count * width // 8)} bytes; "
                      f"the encoded tensor has {len(data)}")
        channel = self._channel_of(out, count)
        if width:
            bits = np.zeros((count, 8), np.uint8)
            bits[:, 8 - width:] = _bits(data, count * width).reshape(count, width)
            index = np.packbits(bits, axis=1).reshape(-1).astype(np.int64)
        else:
            index = np.zeros(count, np.int64)
        flat = channel * stride + index
        table = self._table(aux, out.dtype, int(flat.max()) + 1 if count else 0,
                            "the lookup table")
        return table[flat]

    def _prune(self, data, aux, out, count):
        if len(data) * 8 < count:
            self.fail(f"{count} elements need a {-(-count // 8)}-byte mask; the encoded "
                      f"tensor has {len(data)}")
        kept = _bits(data, count).astype(bool)
        values = self._table(aux, out.dtype, int(kept.sum()), "the pruning mask")
        zero = np.zeros(count, out.dtype)
        q = out.quantization
        if q is not None:
            n, _ = self._axis(out)
            if np.any(q.zero_point != 0):
                if out.dtype != np.int8:
                    self.fail("all zero points must be zero")
                zero[:] = q.zero_point[self._channel_of(out, count)] if n > 1 \
                    else q.zero_point[0]
        zero[kept] = values
        return zero

    def _huffman(self, ctx, data, aux, out, count):
        """Every bit position is decoded as if a symbol started there (vectorised over
        positions); the symbols' actual starts are then the chain 0, next[0], next[next[0]],
        ..., found for all symbols at once by doubling the jump table."""
        wide = bool(aux[5] & 1)
        if out.dtype != np.int8 and not (wide and out.dtype == np.int16):
            self.fail("Huffman decoding gives int8, or int16 with 32-bit tables")
        entry = np.dtype("<u4" if wide else "<u2")
        tables = aux[HEADER:HEADER + (len(aux) - HEADER) // entry.itemsize * entry.itemsize]
        tables = tables.view(entry).astype(np.int64)
        if count == 0:
            return np.zeros(0, out.dtype)
        if not len(tables):
            self.fail("the Huffman decode tables are empty")
        nbits = len(data) * 8
        ctx.workspace(24 * (nbits + 1), "decoding the Huffman stream")
        jump = np.empty(nbits + 1, np.int64)
        symbol = np.empty(nbits + 1, np.int64)
        bad = np.empty(nbits + 1, bool)
        byte = np.concatenate([data, np.zeros(5, np.uint8)]).astype(np.int64)
        step = 1 << 18
        for lo in range(0, nbits + 1, step):
            hi = min(lo + step, nbits + 1)
            jump[lo:hi], symbol[lo:hi], bad[lo:hi] = _huffman_at(
                np.arange(lo, hi, dtype=np.int64), byte, nbits, tables, wide,
                (int(aux[5]) >> 4) + 1)
        where = np.zeros(count, np.int64)
        k = np.arange(count)
        j = 0
        while (1 << j) < count:
            hop = ((k >> j) & 1).astype(bool)
            where[hop] = jump[where[hop]]
            jump = jump[jump]
            j += 1
        if where[-1] >= nbits or bad[where].any():
            self.fail(f"the Huffman stream does not decode into {count} symbols")
        return symbol[where].astype(out.dtype)


def _huffman_at(start, byte, nbits, tables, wide, first):
    """For symbols starting at bit positions ``start``: where the next symbol starts, the
    table entry found (its low bits are the symbol), and whether decoding went wrong."""
    found, shift = (1 << 31, 27) if wide else (1 << 15, 11)

    def read(pos, width):
        """The ``width`` bits from each position on (bits past the stream read as zero)."""
        p = np.minimum(pos, nbits)
        at = p >> 3
        word = (byte[at] << 32) | (byte[at + 1] << 24) | (byte[at + 2] << 16) | \
            (byte[at + 3] << 8) | byte[at + 4]
        return (word >> (40 - width - (p & 7))) & ((1 << width) - 1)

    offset = read(start, first)
    pos = start + first
    used = np.full(len(start), first, np.int64)
    bad = offset >= len(tables)
    value = tables[np.where(bad, 0, offset)]
    for _ in range(64):
        pending = np.flatnonzero(((value & found) == 0) & ~bad)
        if not len(pending):
            break
        v = value[pending]
        width = ((v >> shift) & 15) + 1
        o = offset[pending] + (v & ((1 << shift) - 1)) + read(pos[pending], width)
        offset[pending] = o
        pos[pending] += width
        used[pending] = width
        bad[pending] = o >= len(tables)
        value[pending] = tables[np.where(o >= len(tables), 0, o)]
    else:
        bad |= (value & found) == 0     # a position that never reaches a symbol
    # Bits of the last table read that belong to the next symbol go back to the stream (a
    # symbol that keeps them all repeats: TFLM decodes it again from the same bit).
    residual = (value >> shift) & 15
    jump = np.minimum(pos - np.maximum(used - residual, 0), nbits)
    jump[bad] = nbits
    return jump, value, bad
