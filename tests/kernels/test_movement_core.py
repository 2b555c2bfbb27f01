"""Data movement in the compiled core against tflite-micro on random layers, at every SIMD level:
TRANSPOSE, STRIDED_SLICE, SLICE, PAD, PADV2, REVERSE_V2, DEPTH_TO_SPACE, SPACE_TO_DEPTH,
BROADCAST_TO (one strided byte copy), CONCATENATION, PACK, SPLIT, SPLIT_V, UNPACK (row copies),
GATHER, EMBEDDING_LOOKUP, and RESHAPE / SQUEEZE / EXPAND_DIMS (a flat copy), in the element
types tflite-micro moves. Each node must run in C, give the same bytes at
every level and equal tflite-micro's outputs."""
import numpy as np
import pytest

import tinyrt
from kernels.core_check import check_levels, require_core
from kernels.single_op import values
from tinyrt.builder import ModelBuilder

require_core()
F32, I8, I16, I32, I64, BOOL = np.float32, np.int8, np.int16, np.int32, np.int64, np.bool_


def quant(dtype, rng):
    """Per-tensor quantization for int8 / int16 tensors (inputs and outputs share it)."""
    if dtype == I8:
        return {"scale": 0.05, "zero_point": int(rng.integers(-20, 21))}
    if dtype == I16:
        return {"scale": 0.01, "zero_point": 0}
    return {}


def shape(rng, rank, lo=1, hi=5):
    return tuple(int(d) for d in rng.integers(lo, hi + 1, rank))


def model(op, inputs, outputs, rng, dtype, **options):
    """One ``op`` node. inputs: shapes (graph inputs of ``dtype``) or numpy arrays (constants);
    outputs: shapes. Returns (model, the graph inputs' shapes)."""
    b = ModelBuilder()
    qp = quant(dtype, rng)
    ins, fed = [], []
    for i, spec in enumerate(inputs):
        if isinstance(spec, np.ndarray):
            # a constant of the tensors' type (PADV2's value) shares their quantization
            ins.append(b.add_constant(f"c{i}", spec, **(qp if spec.dtype == dtype else {})))
        else:
            ins.append(b.add_input(f"x{i}", spec, dtype, **qp))
            fed.append(spec)
    outs = [b.add_tensor(f"y{i}", s, dtype, **qp) for i, s in enumerate(outputs)]
    b.add_operator(op, ins, outs, **options)
    for t in outs:
        b.mark_output(t)
    return b.build(), fed


def run(data, fed, rng, dtype, invokes=2):
    check_levels(data, [[values(rng, s, dtype) for s in fed] for _ in range(invokes)])


def ints(v):
    return np.array(v, np.int32)


@pytest.mark.parametrize("dtype", [F32, I8, I16])
def test_transpose(dtype):
    rng = np.random.default_rng(1)
    for rank in (1, 2, 3, 4, 4, 5, 5):
        x = shape(rng, rank, hi=4 if rank < 5 else 3)
        perm = [int(p) for p in rng.permutation(rank)]
        data, fed = model("TRANSPOSE", [x, ints(perm)], [tuple(x[p] for p in perm)], rng, dtype)
        run(data, fed, rng, dtype)


def test_transpose_wide_rows():
    """Rows long enough for whole-row copies, and the last axis moved (element copies)."""
    rng = np.random.default_rng(2)
    for perm in ([1, 0, 2], [0, 2, 1], [2, 1, 0]):
        x = (7, 5, 33)
        data, fed = model("TRANSPOSE", [x, ints(perm)], [tuple(x[p] for p in perm)], rng, F32)
        run(data, fed, rng, F32)


def slice_shape(size, b, e, s, begin_masked, end_masked, shrink):
    """Python's slicing of range(size) is TFLM's (clamped) strided slice of one axis."""
    if shrink:
        return None
    sl = slice(None if begin_masked else b, None if end_masked else e, s)
    return len(range(size)[sl])


@pytest.mark.parametrize("dtype", [F32, I8, I16, I32, BOOL])
def test_strided_slice(dtype):
    rng = np.random.default_rng(3)
    cases = 0
    while cases < 8:
        rank = int(rng.integers(1, 5))           # tflite-micro's limit is 4
        x = shape(rng, rank, hi=6)
        begin, end, strides, out = [], [], [], []
        bm = em = sm = 0
        for ax, size in enumerate(x):
            s = int(rng.choice([1, 1, 2, 3, -1, -2]))
            b, e = int(rng.integers(-size - 2, size + 2)), int(rng.integers(-size - 2, size + 2))
            if rng.random() < 0.25:
                bm |= 1 << ax
            if rng.random() < 0.25:
                em |= 1 << ax
            shrink = rng.random() < 0.15
            if shrink:
                b = int(rng.integers(-size, size))     # an index inside the axis
                s = abs(s)      # tflite-micro writes nothing for a negative one (no output)
                sm |= 1 << ax
                bm &= ~(1 << ax)
            begin.append(b), end.append(e), strides.append(s)
            n = slice_shape(size, b, e, s, bm >> ax & 1, em >> ax & 1, shrink)
            if n is not None:
                out.append(n)
        if 0 in out:
            continue                             # tflite-micro takes empty tensors as dynamic
        cases += 1
        data, fed = model("STRIDED_SLICE", [x, ints(begin), ints(end), ints(strides)],
                          [tuple(out)], rng, dtype, begin_mask=bm, end_mask=em,
                          shrink_axis_mask=sm)
        run(data, fed, rng, dtype)


@pytest.mark.parametrize("dtype", [F32, I8, I16, I32, BOOL])
def test_slice(dtype):
    rng = np.random.default_rng(4)
    for case in range(6):
        x = shape(rng, int(rng.integers(1, 5)), hi=6)
        begin = [int(rng.integers(0, d)) for d in x]
        size = [-1 if rng.random() < 0.2 else int(rng.integers(1, d - b + 1))
                for d, b in zip(x, begin)]
        out = tuple(d - b if s == -1 else s for d, b, s in zip(x, begin, size))
        data, fed = model("SLICE", [x, ints(begin), ints(size)], [out], rng, dtype)
        run(data, fed, rng, dtype)


@pytest.mark.parametrize("dtype", [F32, I8, I16, I32])
@pytest.mark.parametrize("op", ["PAD", "PADV2"])
def test_pad(op, dtype):
    rng = np.random.default_rng(5 if op == "PAD" else 6)
    for case in range(6):
        rank = int(rng.integers(1, 6))
        x = shape(rng, rank, hi=4)
        pads = rng.integers(0, 3, (rank, 2)).astype(np.int32)
        if case == 0:
            pads[...] = 0
        inputs = [x, pads]
        if op == "PADV2":
            inputs.append(values(rng, (1,), dtype, -100, 100) if dtype != F32 else
                          np.array([rng.standard_normal()], F32))
        out = tuple(int(d + a + b) for d, (a, b) in zip(x, pads))
        data, fed = model(op, inputs, [out], rng, dtype)
        run(data, fed, rng, dtype)


def test_padv2_value_from_a_tensor():
    """The pad value is a graph input (read at each invoke)."""
    rng = np.random.default_rng(7)
    data, fed = model("PADV2", [(2, 3), np.array([[1, 0], [2, 1]], np.int32), (1,)], [(3, 6)],
                      rng, F32)
    run(data, fed, rng, F32, invokes=3)


@pytest.mark.parametrize("dtype", [F32, I8, I16, I32, I64, BOOL])
def test_concatenation(dtype):
    rng = np.random.default_rng(8)
    for case in range(6):
        rank = int(rng.integers(1, 5))
        axis = int(rng.integers(-rank, rank))
        n = 10 if case == 5 else int(rng.integers(1, 5))
        base = shape(rng, rank)
        ins = []
        for _ in range(n):
            s = list(base)
            s[axis] = int(rng.integers(1, 4))
            ins.append(tuple(s))
        out = list(base)
        out[axis] = sum(s[axis] for s in ins)
        data, fed = model("CONCATENATION", ins, [tuple(out)], rng, dtype, axis=axis)
        run(data, fed, rng, dtype)


@pytest.mark.parametrize("dtype", [F32, I8, I32, I64])
def test_pack_unpack(dtype):
    rng = np.random.default_rng(9)
    for case in range(4):
        rank = int(rng.integers(1, 4))
        x = shape(rng, rank)
        n = int(rng.integers(1, 5))
        axis = int(rng.integers(0, rank + 1))
        out = x[:axis] + (n,) + x[axis:]
        data, fed = model("PACK", [x] * n, [out], rng, dtype, values_count=n, axis=axis)
        run(data, fed, rng, dtype)
        if dtype == I64:
            continue                        # tflite-micro's UNPACK has no int64
        data, fed = model("UNPACK", [out], [x] * n, rng, dtype, num=n, axis=axis)
        run(data, fed, rng, dtype)


@pytest.mark.parametrize("dtype", [F32, I8, I16, I32])
def test_split(dtype):
    rng = np.random.default_rng(10)
    for case in range(5):
        rank = int(rng.integers(1, 5))
        axis = int(rng.integers(-rank, rank))
        n = int(rng.integers(1, 5))
        x = list(shape(rng, rank))
        x[axis] = n * int(rng.integers(1, 3))
        out = list(x)
        out[axis] //= n
        data, fed = model("SPLIT", [ints([axis]), tuple(x)], [tuple(out)] * n, rng, dtype,
                          num_splits=n)
        run(data, fed, rng, dtype)
        sizes = [int(v) for v in rng.integers(1, 4, n)]
        if rng.random() < 0.5:
            sizes[int(rng.integers(0, n))] = -1
        x[axis] = sum(s for s in sizes if s >= 0) + (2 if -1 in sizes else 0)
        outs = []
        for s in sizes:
            o = list(x)
            o[axis] = 2 if s == -1 else s
            outs.append(tuple(o))
        data, fed = model("SPLIT_V", [tuple(x), ints(sizes), ints([axis])], outs, rng, dtype,
                          num_splits=n)
        run(data, fed, rng, dtype)


@pytest.mark.parametrize("dtype", [F32, I8])
def test_gather(dtype):
    rng = np.random.default_rng(11)
    for case in range(8):
        rank = int(rng.integers(1, 5))
        x = shape(rng, rank)
        axis = int(rng.integers(0, rank))
        bd = int(rng.integers(0, axis + 1)) if case % 2 else 0
        idx_shape = x[:bd] + shape(rng, int(rng.integers(0, 3)))
        idx = rng.integers(0, x[axis], idx_shape).astype(I32)     # tflite-micro: int32 only
        out = x[:axis] + idx_shape[bd:] + x[axis + 1:]
        data, fed = model("GATHER", [x, idx], [out], rng, dtype, axis=axis, batch_dims=bd)
        run(data, fed, rng, dtype)


def test_gather_index_out_of_range_fails_in_c():
    rng = np.random.default_rng(12)
    b = ModelBuilder()
    x = b.add_input("x", (4, 3), F32)
    i = b.add_input("i", (2,), I32)
    y = b.add_tensor("y", (2, 3), F32)
    b.add_operator("GATHER", [x, i], [y], axis=0)
    b.mark_output(y)
    for level in tinyrt.native.available():
        it = tinyrt.Interpreter(model_content=b.build(), native=level)
        it.allocate_tensors()
        assert it.kernels[0].native is not None
        it.set_input(values(rng, (4, 3), F32), 0)
        for bad in ([0, 4], [-1, 0]):
            it.set_input(np.array(bad, I32), 1)
            with pytest.raises(tinyrt.OpError, match="GATHER"):
                it.invoke()


@pytest.mark.parametrize("dtype", [F32, I8, I16])
def test_reshape_squeeze_expand_dims(dtype):
    rng = np.random.default_rng(13)
    data, fed = model("RESHAPE", [(2, 3, 4), ints([4, 6])], [(4, 6)], rng, dtype,
                      new_shape=[4, 6])
    run(data, fed, rng, dtype)
    data, fed = model("SQUEEZE", [(1, 3, 1, 4)], [(3, 4)], rng, dtype, squeeze_dims=[0, 2])
    run(data, fed, rng, dtype)
    data, fed = model("EXPAND_DIMS", [(3, 4), ints([1])], [(3, 1, 4)], rng, dtype)
    run(data, fed, rng, dtype)


def test_chain_runs_in_one_executor_call():
    """Consecutive movement nodes are one C step."""
    rng = np.random.default_rng(14)
    b = ModelBuilder()
    x = b.add_input("x", (2, 3, 4), F32)
    t = b.add_tensor("t", (4, 2, 3), F32)
    b.add_operator("TRANSPOSE", [x, b.add_constant("perm", ints([2, 0, 1]))], [t])
    p = b.add_tensor("p", (6, 2, 3), F32)
    b.add_operator("PAD", [t, b.add_constant("pads", ints([[1, 1], [0, 0], [0, 0]]))], [p])
    r = b.add_tensor("r", (36,), F32)
    b.add_operator("RESHAPE", [p, b.add_constant("shape", ints([36]))], [r], new_shape=[36])
    b.mark_output(r)
    data = b.build()
    check_levels(data, [[values(rng, (2, 3, 4), F32)]])
    it = tinyrt.Interpreter(model_content=data, native=tinyrt.native.available()[0])
    it.allocate_tensors()
    assert len(it._graphs[0].steps) == 1


@pytest.mark.parametrize("dtype", [F32, I8, I16, I32, I64, BOOL])
def test_reverse(dtype):
    rng = np.random.default_rng(15)
    for case in range(4):
        rank = int(rng.integers(1, 5))
        x = shape(rng, rank)
        first = int(rng.integers(0, rank))
        axes = list(range(first, int(rng.integers(first + 1, rank + 1))))
        data, fed = model("REVERSE_V2", [x, ints(axes[::-1] if case % 2 else axes)], [x], rng,
                          dtype)
        run(data, fed, rng, dtype)


@pytest.mark.parametrize("dtype", [F32, I8])
def test_depth_to_space_and_back(dtype):
    rng = np.random.default_rng(16)
    for bs in (1, 2, 3):
        n, h, w, c = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4)), \
            int(rng.integers(1, 4))
        data, fed = model("DEPTH_TO_SPACE", [(n, h, w, c * bs * bs)], [(n, h * bs, w * bs, c)],
                          rng, dtype, block_size=bs)
        run(data, fed, rng, dtype)
        data, fed = model("SPACE_TO_DEPTH", [(n, h * bs, w * bs, c)], [(n, h, w, c * bs * bs)],
                          rng, dtype, block_size=bs)
        run(data, fed, rng, dtype)


@pytest.mark.parametrize("dtype", [F32, I8, I32])
def test_broadcast_to(dtype):
    rng = np.random.default_rng(17)
    for case in range(5):
        out = shape(rng, int(rng.integers(1, 5)))
        x = tuple(1 if rng.random() < 0.5 else d for d in out)[int(rng.integers(0, len(out))):]
        data, fed = model("BROADCAST_TO", [x or (1,), ints(out)], [out], rng, dtype)
        run(data, fed, rng, dtype)


@pytest.mark.parametrize("dtype", [F32, I8])
def test_embedding_lookup(dtype):
    rng = np.random.default_rng(18)
    for case in range(3):
        table = values(rng, (int(rng.integers(1, 9)),) + shape(rng, int(rng.integers(1, 3))),
                       dtype)
        n = int(rng.integers(1, 6))
        qp = quant(dtype, rng)
        b = ModelBuilder()
        ids = b.add_input("ids", (n,), I32)
        t = b.add_constant("table", table, **qp)
        y = b.add_tensor("y", (n,) + table.shape[1:], dtype, **qp)
        b.add_operator("EMBEDDING_LOOKUP", [ids, t], [y])
        b.mark_output(y)
        check_levels(b.build(), [[rng.integers(0, table.shape[0], n).astype(I32)]
                                 for _ in range(2)])


def test_layers_past_the_c_kernels_stay_on_numpy():
    """CONCATENATION of more than TFLM's 10 inputs (tflite-micro refuses it) runs on numpy,
    and gives the plain result."""
    rng = np.random.default_rng(19)
    data, fed = model("CONCATENATION", [(2, 1)] * 11, [(2, 11)], rng, F32, axis=1)
    xs = [values(rng, s, F32) for s in fed]
    for level in tinyrt.native.available():
        it = tinyrt.Interpreter(model_content=data, native=level)
        it.allocate_tensors()
        assert it.kernels[0].native is None
        for i, x in enumerate(xs):
            it.set_input(x, i)
        it.invoke()
        np.testing.assert_array_equal(it.get_output(0), np.concatenate(xs, axis=1))


def test_wide_and_one_value_tensors():
    """4096 channels, and tensors of one value."""
    rng = np.random.default_rng(20)
    data, fed = model("TRANSPOSE", [(2, 4096), ints([1, 0])], [(4096, 2)], rng, I8)
    run(data, fed, rng, I8, invokes=1)
    data, fed = model("PAD", [(1, 1), ints([[0, 0], [2, 3]])], [(1, 6)], rng, I8)
    run(data, fed, rng, I8, invokes=1)
    data, fed = model("CONCATENATION", [(1, 4096), (1, 1)], [(1, 4097)], rng, I16, axis=1)
    run(data, fed, rng, I16, invokes=1)


@pytest.mark.parametrize("dtype", [F32, I8])
def test_gather_nd(dtype):
    rng = np.random.default_rng(21)
    for case in range(6):
        x = shape(rng, int(rng.integers(1, 5)))
        depth = int(rng.integers(1, len(x) + 1))
        rows = shape(rng, int(rng.integers(1, 3)), hi=3)
        idx = np.stack([rng.integers(0, d, rows) for d in x[:depth]], axis=-1).astype(I32)
        data, fed = model("GATHER_ND", [x, idx], [rows + x[depth:]], rng, dtype)
        run(data, fed, rng, dtype)
    # indices past their axis whose flat positions are inside the input: TFLM takes them
    data, fed = model("GATHER_ND", [(3, 4, 2), ints([[0, 5], [2, -1], [1, 3]])], [(3, 2)], rng,
                      dtype)
    run(data, fed, rng, dtype)


def test_gather_nd_outside_the_input_fails_in_c():
    b = ModelBuilder()
    x = b.add_input("x", (3, 4), F32)
    i = b.add_input("i", (1, 2), I32)
    y = b.add_tensor("y", (1,), F32)
    b.add_operator("GATHER_ND", [x, i], [y])
    b.mark_output(y)
    for level in tinyrt.native.available():
        it = tinyrt.Interpreter(model_content=b.build(), native=level)
        it.allocate_tensors()
        assert it.kernels[0].native is not None
        for bad in ([2, 4], [0, -1], [3, 0]):
            it.set_input(np.array([bad], I32), 1)
            with pytest.raises(tinyrt.OpError, match="GATHER_ND"):
                it.invoke()
