"""BATCH_MATMUL: float32 (products summed in order, as TFLM), int8 and int16 (exact integer
GEMM, then TFLM's int32 / int64 requantization; int16 only with zero points of 0), with adj_x /
adj_y and broadcast batch dimensions; and hybrid (float lhs, constant int8 rhs: each lhs row
quantized on the fly, symmetrically or with a zero point, as TensorFlow Lite's reference
kernel). With the compiled core, float32 runs in its batch_matmul_f32 kernel and int8 in
batch_matmul_s8."""
import numpy as np

from .. import hybrid, quant
from ..native.core import OutOfRange, prepares_native, requantization
from .base import Kernel, register
from .common import QuantizedOutput, zero_point_of
from .gemm import F32_BLOCK, pack_f32_blocks


def batch_indices(shape, batch):
    """For each batch of an output of batch dimensions ``batch`` (flattened), the batch of an
    operand of batch dimensions ``shape`` it reads (broadcasting, numpy's rules)."""
    count = int(np.prod(shape, dtype=np.int64))
    own = np.arange(count, dtype=np.int32).reshape(shape)
    return np.ascontiguousarray(np.broadcast_to(own, batch).reshape(-1), np.int32)


@prepares_native
def native_batch_matmul_f32(ctx, a, b, batch, adj_x, adj_y):
    """The batch_matmul_f32 node of a float32 BATCH_MATMUL of operands ``a``, ``b`` (tensors;
    a constant ``b`` is packed here) and output batch dimensions ``batch``."""
    m, k = (a.shape[-1], a.shape[-2]) if adj_x else (a.shape[-2], a.shape[-1])
    n = b.shape[-2] if adj_y else b.shape[-1]
    lhs_index = batch_indices(a.shape[:-2], batch)
    rhs_index = batch_indices(b.shape[:-2], batch)
    rhs_batches = int(np.prod(b.shape[:-2], dtype=np.int64))
    packed_size = -(-n // F32_BLOCK) * F32_BLOCK * k
    ctx.workspace(4 * rhs_batches * packed_size, "packed rhs")
    if b.data is not None:
        rhs = np.asarray(b.data, np.float32).reshape(rhs_batches, *b.shape[-2:])
        packed = np.stack([pack_f32_blocks(r if adj_y else r.T) for r in rhs]) \
            if rhs_batches else np.zeros(0, np.float32)
        packed = np.ascontiguousarray(packed, np.float32)
    else:
        packed = np.zeros(rhs_batches * packed_size, np.float32)
    if packed.size != rhs_batches * packed_size:
        raise OutOfRange("unexpected packed size")
    return ctx.native_node(
        "batch_matmul_f32", keep=(packed, lhs_index, rhs_index),
        inputs=("lhs", None if b.data is not None else "rhs"), packed=packed,
        lhs_index=lhs_index, rhs_index=rhs_index, batches=len(lhs_index),
        rhs_batches=rhs_batches, m=m, k=k, n=n, adj_x=int(adj_x), adj_y=int(adj_y),
        rhs_packed=int(b.data is not None))


@prepares_native
def native_batch_matmul_s8(ctx, a, b, batch, adj_x, adj_y, lhs_zp, rhs_zp, multiplier, shift,
                           output_zp, lo, hi):
    """The batch_matmul_s8 node of an int8 BATCH_MATMUL of operand tensors ``a``, ``b``."""
    m, k = (a.shape[-1], a.shape[-2]) if adj_x else (a.shape[-2], a.shape[-1])
    n = b.shape[-2] if adj_y else b.shape[-1]
    if not (-128 <= lhs_zp <= 127 and -128 <= rhs_zp <= 127):
        raise OutOfRange("zero points outside int8")
    mult, left, right = requantization(multiplier, shift, 1)
    lhs_index = batch_indices(a.shape[:-2], batch)
    rhs_index = batch_indices(b.shape[:-2], batch)
    rhs_batches = int(np.prod(b.shape[:-2], dtype=np.int64))
    k2, np16 = k + k % 2, -(-n // F32_BLOCK) * F32_BLOCK
    ctx.workspace(2 * (rhs_batches * np16 * k2 + m * k2) + 4 * m * np16,
                  "C int8 batch matmul buffers")
    packed = np.zeros(rhs_batches * np16 * k2, np.int16)
    rows = np.zeros(m * k2, np.int16)
    acc = np.zeros(m * np16, np.int32)
    return ctx.native_node(
        "batch_matmul_s8", keep=(packed, rows, acc, lhs_index, rhs_index),
        inputs=("lhs", "rhs"), packed=packed, rows=rows, acc=acc, lhs_index=lhs_index,
        rhs_index=rhs_index, batches=len(lhs_index), rhs_batches=rhs_batches, m=m, k=k, k2=k2,
        n=n, adj_x=int(adj_x), adj_y=int(adj_y), lhs_zp=lhs_zp, rhs_zp=rhs_zp, mult=mult[0],
        left=left[0], right=right[0], output_zp=output_zp, act_min=lo, act_max=hi)


@register("BATCH_MATMUL")
class BatchMatMul(Kernel):
    dtypes = ("float32", "int8", "int16", "hybrid")

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        if len(a.shape) < 2 or len(b.shape) < 2 or max(len(a.shape), len(b.shape)) > 5:
            self.fail("inputs must have rank 2 to 5")
        self.adj_x, self.adj_y = self.options["adj_x"], self.options["adj_y"]
        sa = a.shape[:-2] + ((a.shape[-1], a.shape[-2]) if self.adj_x else a.shape[-2:])
        sb = b.shape[:-2] + ((b.shape[-1], b.shape[-2]) if self.adj_y else b.shape[-2:])
        if sa[-1] != sb[-2]:
            self.fail(f"inner dimensions differ: {list(sa)} x {list(sb)}")
        try:
            batch = np.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            self.fail("batch dimensions do not broadcast")
        want = tuple(batch) + (sa[-2], sb[-1])
        if tuple(y.shape) != want:
            self.fail(f"output shape {list(y.shape)} should be {list(want)}")
        if a.dtype == np.float32 and b.dtype == np.float32 and y.dtype == np.float32:
            self.kind = "float"
            self.native = native_batch_matmul_f32(ctx, a, b, batch, self.adj_x, self.adj_y)
            return
        if a.dtype == np.float32 and b.dtype == np.int8 and y.dtype == np.float32:
            if b.data is None or b.quantization is None or len(b.quantization.scale) != 1 or \
                    int(b.quantization.zero_point[0]) != 0 or self.adj_x:
                self.fail("hybrid BATCH_MATMUL needs a constant, symmetric per-tensor int8 rhs "
                          "and no adj_x")
            self.kind = "hybrid"
            self.asymmetric = bool(self.options.get("asymmetric_quantize_inputs"))
            rhs = b.data.astype(np.float64)
            self.rhs = np.swapaxes(rhs, -1, -2) if self.adj_y else rhs
            self.rhs_col_sums = self.rhs.sum(axis=-2, keepdims=True)    # [..., 1, N]
            self.rhs_scale = np.float32(b.quantization.scale[0])
            return
        if not (a.dtype == b.dtype == y.dtype) or a.dtype not in (np.int8, np.int16):
            self.fail(f"unsupported types {a.dtype} x {b.dtype} -> {y.dtype}")
        self._prepare_int(ctx, a, b, y, sa[-1])
        if a.dtype == np.int8:
            self.native = native_batch_matmul_s8(
                ctx, a, b, batch, self.adj_x, self.adj_y, self.za, self.zb, self.multiplier,
                self.shift, zero_point_of(y), self.output.lo, self.output.hi)

    def _prepare_int(self, ctx, a, b, y, depth):
        if any(t.quantization is None for t in (a, b, y)):
            self.fail("quantized BATCH_MATMUL needs quantization parameters")
        self.kind = "int"
        self.za = int(a.quantization.zero_point[0])
        self.zb = int(b.quantization.zero_point[0])
        wide = a.dtype == np.int16
        if wide and (self.za or self.zb or int(y.quantization.zero_point[0])):
            self.fail("int16 BATCH_MATMUL needs zero points of 0")
        # The float32 scales multiplied and divided in double, as tflite-micro's build does (a
        # float32 product would move the multiplier's low bits, and some outputs by one)
        product = float(np.float32(a.quantization.scale[0])) * \
            float(np.float32(b.quantization.scale[0]))
        if not product >= 0:
            self.fail("the input scales' product must not be negative")
        out_scale = float(y.quantization.scale[0])
        real = product / out_scale if out_scale != 0 else float("inf")
        if not np.isfinite(real):
            self.fail("the scales give no usable output multiplier")
        m, s = quant.quantize_multiplier(real)
        self.multiplier, self.shift = m, s
        # Largest |product| of two operands after their zero points are taken off.
        lo, hi = quant.dtype_range(a.dtype)
        top = max(abs(lo - self.za), abs(hi - self.za)) * max(abs(lo - self.zb), abs(hi - self.zb))
        # Sums of integer products are exact in float64 below 2^53 whatever BLAS's order.
        self.acc_dtype = np.float64 if depth * top < (1 << 53) else np.int64
        # int8 goes through the int32 requantization (its int32 sums wrap in C on absurdly
        # deep products: the output stage emulates that given the bound), int16 the int64 one
        self.output = QuantizedOutput(np.array([m]), np.array([s]), y, "NONE", y.shape,
                                      acc_bound=depth * top)
        # a constant operand is converted (and transposed) once
        self.lhs = None if a.data is None else self._int_operand(a.data, self.adj_x, self.za)
        self.rhs = None if b.data is None else self._int_operand(b.data, self.adj_y, self.zb)
        ctx.workspace((int(np.prod(a.shape)) + int(np.prod(b.shape)) + 2 * int(np.prod(y.shape)))
                      * 8, "operands and accumulators")

    def _int_operand(self, x, adj, zero_point):
        v = x.astype(self.acc_dtype)
        if zero_point:
            v -= zero_point
        return np.swapaxes(v, -1, -2) if adj else v

    def _operands(self, a, b):
        if self.adj_x:
            a = np.swapaxes(a, -1, -2)
        if self.adj_y:
            b = np.swapaxes(b, -1, -2)
        return a, b

    def _eval_hybrid(self, x, out):
        rows = x.reshape(-1, x.shape[-1])
        if self.asymmetric:
            q, scale, zp = hybrid.quantize_rows_asymmetric(rows)
        else:
            (q, scale), zp = hybrid.quantize_rows_symmetric(rows), None
        lead = x.shape[:-1]
        acc = np.matmul(q.reshape(x.shape).astype(np.float64), self.rhs)    # exact integers
        if zp is not None:
            acc -= zp.reshape(lead)[..., None] * self.rhs_col_sums
        factor = scale.reshape(lead)[..., None] * self.rhs_scale
        out[...] = acc.astype(np.float32) * factor

    def eval(self, inputs, outputs):
        a, b = self._operands(inputs[0], inputs[1])
        if self.kind == "hybrid":
            self._eval_hybrid(inputs[0], outputs[0])
            return
        if self.kind == "float":
            prods = a[..., :, :, None] * b[..., None, :, :]           # [..., M, K, N]
            total = np.add.accumulate(prods, axis=-2, dtype=np.float32)[..., -1, :]
            # TFLM's sum starts at +0.0: a sum of -0.0 products only is +0.0
            np.add(total, np.float32(0), out=outputs[0])
            return
        lhs = self.lhs if self.lhs is not None else \
            self._int_operand(inputs[0], self.adj_x, self.za)
        rhs = self.rhs if self.rhs is not None else \
            self._int_operand(inputs[1], self.adj_y, self.zb)
        self.output.store(np.matmul(lhs, rhs).astype(np.int64), outputs[0])
