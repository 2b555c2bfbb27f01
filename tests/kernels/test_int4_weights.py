"""Int8 activations with packed int4 weights (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED),
differential against tflite-micro: outputs, arena heads, refusals; and reading int4 tensors."""
import numpy as np
import pytest

import tinyrt
from oracle import tflm, tflm_allocations
from kernels.single_op import both_fail, compare, values
from tinyrt.builder import ModelBuilder
from tinyrt.kernels.common import output_size
from tinyrt.cli import main
from tinyrt.errors import ModelError
from tinyrt.model import load_model

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def int4_values(rng, shape, edge=False):
    """Random int4 weights; ``edge`` puts -8 and 7 first."""
    w = rng.integers(-8, 8, size=shape)
    flat = w.reshape(-1)
    if edge:
        flat[:2] = (-8, 7)[:flat.size]
    return w


def quant(rng, zp=True):
    return {"scale": float(rng.uniform(0.01, 0.1)),
            "zero_point": int(rng.integers(-30, 31)) if zp else 0}


def build(op, x_shape, w, w_scales, w_qdim, y_shape, in_dtype=np.int8, bias=True,
          rng=None, w_dtype="int4", **options):
    """One op: input, int4 (or int8) filter ``w``, optional bias, output."""
    rng = rng if rng is not None else np.random.default_rng(0)
    b = ModelBuilder()
    wide = np.dtype(in_dtype) == np.int16
    q_in, q_out = quant(rng, not wide), quant(rng, not wide)
    q_out["scale"] *= 4
    x = b.add_input("x", x_shape, in_dtype, **q_in)
    w_scales = np.atleast_1d(np.asarray(w_scales, np.float32))
    wt = b.add_constant("w", w, dtype=w_dtype, scale=w_scales,
                        zero_point=[0] * len(w_scales), quantized_dimension=w_qdim)
    inputs = [x, wt]
    if bias:
        channels = w.shape[w_qdim]
        bias_dtype = np.int64 if wide else np.int32
        bias_scales = np.broadcast_to(w_scales * q_in["scale"], (channels,))
        bv = rng.integers(-3000, 3001, channels).astype(bias_dtype)
        inputs.append(b.add_constant("b", bv, scale=bias_scales, zero_point=[0] * channels))
    elif op != "DEPTHWISE_CONV_2D":
        # TFLM's depthwise kernel takes a 3rd input as a bias and crashes on -1; it is left off
        inputs.append(-1)
    y = b.add_tensor("y", y_shape, in_dtype, **q_out)
    b.add_operator(op, inputs, [y], **options)
    b.mark_output(y)
    return b.build()


def batches(rng, shape, n=2):
    out = [[values(rng, shape, np.int8)] for _ in range(n)]
    flat = out[0][0].reshape(-1)
    flat[:2] = (-128, 127)[:flat.size]
    return out


def window(rng, seed, h, w_, kh, kw):
    """Random strides, dilation and padding for a kh x kw window over h x w_, falling back to
    SAME where VALID leaves no output: (options, out_h, out_w)."""
    sh, sw = (int(v) for v in rng.integers(1, 3, 2))
    dh, dw = (2, int(rng.integers(1, 4))) if seed % 3 == 0 else (1, 1)
    padding = "SAME" if seed % 2 else "VALID"
    oh, ow = output_size(padding, h, kh, sh, dh), output_size(padding, w_, kw, sw, dw)
    if oh < 1 or ow < 1:
        padding = "SAME"
        oh, ow = output_size(padding, h, kh, sh, dh), output_size(padding, w_, kw, sw, dw)
    return dict(padding=padding, stride_h=sh, stride_w=sw, dilation_hfactor=dh,
                dilation_wfactor=dw, fused_activation_function=ACTIVATIONS[seed % 4]), oh, ow


@pytest.mark.parametrize("seed", range(12))
def test_conv_2d(seed):
    tflm()
    rng = np.random.default_rng(100 + seed)
    n, h, w_, c = int(rng.integers(1, 3)), *(int(v) for v in rng.integers(3, 9, 2)), \
        int(rng.integers(1, 6))
    oc, kh, kw = int(rng.integers(1, 6)), *(int(v) for v in rng.integers(1, 4, 2))
    options, oh, ow = window(rng, seed, h, w_, kh, kw)
    per_channel = seed % 4 != 1
    scales = rng.uniform(0.01, 0.2, oc if per_channel else 1)
    data = build("CONV_2D", (n, h, w_, c), int4_values(rng, (oc, kh, kw, c), edge=True),
                 scales, 0, (n, oh, ow, oc), bias=seed % 5 != 2, rng=rng, **options)
    assert compare(data, batches(rng, (n, h, w_, c))) > 0


@pytest.mark.parametrize("seed", range(12))
def test_depthwise_conv_2d(seed):
    tflm()
    rng = np.random.default_rng(200 + seed)
    n, h, w_ = int(rng.integers(1, 3)), *(int(v) for v in rng.integers(3, 9, 2))
    c, dm = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    kh, kw = (int(v) for v in rng.integers(1, 4, 2))
    options, oh, ow = window(rng, seed, h, w_, kh, kw)
    oc = c * dm
    per_channel = seed % 4 != 1
    scales = rng.uniform(0.01, 0.2, oc if per_channel else 1)
    data = build("DEPTHWISE_CONV_2D", (n, h, w_, c),
                 int4_values(rng, (1, kh, kw, oc), edge=True), scales, 3, (n, oh, ow, oc),
                 bias=seed % 5 != 2, rng=rng, depth_multiplier=dm, **options)
    assert compare(data, batches(rng, (n, h, w_, c))) > 0


@pytest.mark.parametrize("seed", range(12))
def test_fully_connected(seed):
    tflm()
    rng = np.random.default_rng(300 + seed)
    units, depth = int(rng.integers(1, 8)) | 1, int(rng.integers(1, 12)) | 1  # odd count
    if seed % 3 == 1:
        units += 1                                        # and some even ones
    keep = seed % 2 == 1
    if keep:
        x_shape, y_shape = (2, 3, depth), (2, 3, units)
    else:
        batch = int(rng.integers(1, 4))
        x_shape, y_shape = (batch, depth), (batch, units)
    data = build("FULLY_CONNECTED", x_shape, int4_values(rng, (units, depth), edge=True),
                 rng.uniform(0.01, 0.2), 0, y_shape, bias=seed % 4 != 2, rng=rng,
                 keep_num_dims=keep, fused_activation_function=ACTIVATIONS[seed % 4])
    assert compare(data, batches(rng, x_shape)) > 0


def test_fully_connected_all_edge_weights():
    """Every weight -8 (then 7) against the input's extremes: the sign extension of both
    nibbles and the full accumulator range."""
    tflm()
    rng = np.random.default_rng(7)
    for fill in (-8, 7):
        w = np.full((3, 9), fill)
        data = build("FULLY_CONNECTED", (2, 9), w, 0.05, 0, (2, 3), rng=rng)
        x = np.array([[-128] * 9, [127] * 9], np.int8)
        assert compare(data, [[x]]) == 6


def test_int4_matches_the_same_weights_as_int8():
    """Packing changes storage only: the int4 model computes what the int8 one does."""
    rng = np.random.default_rng(11)
    w = int4_values(rng, (4, 3, 3, 2))
    scales = rng.uniform(0.01, 0.1, 4)
    x = values(np.random.default_rng(5), (1, 6, 6, 2), np.int8)
    outs = []
    for w_dtype in ("int4", np.int8):
        data = build("CONV_2D", (1, 6, 6, 2), w, scales, 0, (1, 6, 6, 4),
                     rng=np.random.default_rng(3), w_dtype=w_dtype, padding="SAME",
                     stride_h=1, stride_w=1)
        compare(data, [[x]])                          # each equals tflite-micro
        it = tinyrt.Interpreter(model_content=data)
        it.allocate_tensors()
        it.set_input(x, 0)
        it.invoke()
        outs.append(it.get_output(0))
    np.testing.assert_array_equal(outs[0], outs[1])


@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"])
def test_arena_head_equals_tflm(op, tmp_path):
    """The unpacking scratch buffer (one byte per weight) is planned as TFLM plans it: with a
    filter larger than the activations, the head is set by it."""
    tflm()
    rng = np.random.default_rng(13)
    if op == "CONV_2D":
        data = build(op, (1, 4, 4, 8), int4_values(rng, (16, 3, 3, 8)),
                     rng.uniform(0.01, 0.1, 16), 0, (1, 4, 4, 16), rng=rng, padding="SAME",
                     stride_h=1, stride_w=1)
    elif op == "DEPTHWISE_CONV_2D":
        data = build(op, (1, 3, 3, 30), int4_values(rng, (1, 3, 3, 90)),
                     rng.uniform(0.01, 0.1, 90), 3, (1, 3, 3, 90), rng=rng, padding="SAME",
                     stride_h=1, stride_w=1, depth_multiplier=3)
    else:
        data = build(op, (1, 61), int4_values(rng, (33, 61)), 0.05, 0, (1, 33), rng=rng)
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    it = tinyrt.Interpreter(model_path=str(path))
    it.allocate_tensors()
    rep = it.memory_report()
    count = int(np.prod(it.get_tensor_details()[1]["shape"]))
    assert rep.scratch == count
    assert rep.head == tflm_allocations(path)["head"]
    assert rep.head >= count


@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"])
def test_int16_input_with_int4_weights_is_refused(op):
    tflm()
    rng = np.random.default_rng(17)
    if op == "FULLY_CONNECTED":
        data = build(op, (1, 5), int4_values(rng, (3, 5)), 0.05, 0, (1, 3), np.int16, rng=rng)
        shape = (1, 5)
    else:
        dw = op == "DEPTHWISE_CONV_2D"
        w_shape = (1, 2, 2, 3) if dw else (3, 2, 2, 3)
        extra = {"depth_multiplier": 1} if dw else {}
        data = build(op, (1, 4, 4, 3), int4_values(rng, w_shape), [0.05] * 3, 3 if dw else 0,
                     (1, 4, 4, 3), np.int16, rng=rng, padding="SAME", stride_h=1,
                     stride_w=1, **extra)
        shape = (1, 4, 4, 3)
    both_fail(data, [values(rng, shape, np.int16)])
    with pytest.raises(tinyrt.OpError, match="int4 weights need int8 input"):
        tinyrt.Interpreter(model_content=data).allocate_tensors()


def test_float_input_with_int4_weights_is_refused():
    tflm()
    rng = np.random.default_rng(19)
    b = ModelBuilder()
    x = b.add_input("x", (1, 5), np.float32)
    w = b.add_constant("w", int4_values(rng, (3, 5)), dtype="int4", scale=0.05, zero_point=0)
    y = b.add_tensor("y", (1, 3), np.float32)
    b.add_operator("FULLY_CONNECTED", [x, w, -1], [y])
    b.mark_output(y)
    both_fail(b.build(), [values(rng, (1, 5), np.float32)])


def test_per_channel_fully_connected_is_refused():
    """TFLM takes per-channel quantization for int8 FULLY_CONNECTED weights, not for int4."""
    tflm()
    rng = np.random.default_rng(23)
    data = build("FULLY_CONNECTED", (2, 5), int4_values(rng, (3, 5)), [0.05, 0.02, 0.03], 0,
                 (2, 3), rng=rng)
    both_fail(data, [values(rng, (2, 5), np.int8)])


# -- reading ---------------------------------------------------------------------------------
def int4_model(w):
    b = ModelBuilder()
    x = b.add_input("x", (1, w.shape[1]), np.int8, scale=0.1, zero_point=0)
    wt = b.add_constant("w4", w, dtype="int4", scale=0.05, zero_point=0)
    y = b.add_tensor("y", (1, w.shape[0]), np.int8, scale=0.2, zero_point=0)
    b.add_operator("FULLY_CONNECTED", [x, wt, -1], [y])
    b.mark_output(y)
    return b.build()


def test_reader_round_trip():
    w = np.array([[-8, 7, 1], [0, -1, 5], [3, -4, 2]])      # 9 values: last byte half used
    data = int4_model(w)
    t = load_model(data).main.tensors[1]
    assert t.type_name == "INT4" and t.packed_bits == 4
    assert t.shape == (3, 3) and t.dtype is None and t.element_dtype == np.int8
    assert t.nbytes == 9                                  # TFLM's figure: a byte per value
    assert t.data.dtype == np.uint8 and t.data.shape == (5,)
    assert not t.data.flags.owndata                       # a view of the file's bytes
    assert t.data[0] == 0x78 and t.data[4] == 0x02        # low nibble first: (-8, 7), (2, -)
    np.testing.assert_array_equal(t.unpacked(), w)
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    d = it.get_tensor_details()[1]
    assert d["dtype"] == np.int8 and tuple(d["shape"]) == (3, 3)
    np.testing.assert_array_equal(it.get_tensor(1), w)
    with pytest.raises(tinyrt.InputError, match="constant"):
        it.set_tensor(1, w.astype(np.int8))


def test_reader_refuses_a_non_constant_int4_tensor():
    b = ModelBuilder()
    x = b.add_input("activations4", (1, 4), "int4")
    y = b.add_tensor("y", (1, 4), np.int8, scale=0.1, zero_point=0)
    b.add_operator("RELU", [x], [y])
    b.mark_output(y)
    with pytest.raises(ModelError, match="activations4.*INT4.*constant"):
        load_model(b.build())


def test_reader_refuses_a_wrong_int4_buffer_size():
    b = ModelBuilder()
    x = b.add_input("x", (1, 4), np.int8, scale=0.1, zero_point=0)
    # four int4 values stored unpacked, one per byte: 4 bytes where 2 are expected
    w = b.add_tensor("w4", (1, 4), np.int8, data=np.array([[1, 2, 3, 4]]), type_name="INT8")
    b.main.tensors[w]["type"] = 17
    y = b.add_tensor("y", (1, 1), np.int8, scale=0.1, zero_point=0)
    b.add_operator("FULLY_CONNECTED", [x, w, -1], [y])
    b.mark_output(y)
    with pytest.raises(ModelError, match="w4.*4 bytes.*packs into 2"):
        load_model(b.build())


def test_builder_refuses_out_of_range_int4_values():
    with pytest.raises(tinyrt.TinyrtError, match=r"\[-8, 7\]"):
        ModelBuilder().add_constant("w", np.array([8, 0]), dtype="int4")


def test_unaware_ops_refuse_int4_inputs():
    """Ops without int4 support see no int8 array in an int4 tensor, so they refuse it (TFLM's
    ADD reads the packed bytes as if they were int8 values, past the end of the buffer)."""
    b = ModelBuilder()
    x = b.add_input("x", (1, 4), np.int8, scale=0.1, zero_point=0)
    c = b.add_constant("c4", np.array([[1, -2, 3, -4]]), dtype="int4", scale=0.1, zero_point=0)
    y = b.add_tensor("y", (1, 4), np.int8, scale=0.2, zero_point=0)
    b.add_operator("ADD", [x, c], [y])
    b.mark_output(y)
    with pytest.raises(tinyrt.TinyrtError):
        it = tinyrt.Interpreter(model_content=b.build())
        it.allocate_tensors()
        it.set_input(np.zeros((1, 4), np.int8), 0)
        it.invoke()


def test_cli_info_and_plan(tmp_path, capsys):
    path = tmp_path / "m.tflite"
    path.write_bytes(int4_model(np.arange(-4, 5).reshape(3, 3)))
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "parameters 9 (5 bytes)" in out and "FULLY_CONNECTED x1" in out
    assert main(["plan", str(path)]) == 0
    assert "scratch" in capsys.readouterr().out
