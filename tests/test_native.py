"""The compiled core's int8 kernels against tflite-micro and the numpy kernels, at every SIMD
level this machine runs (portable, avx2, avx512 or neon: identical bytes): random int8 CONV_2D,
DEPTHWISE_CONV_2D and FULLY_CONNECTED layers (odd depths, requantization multipliers above 1 and
tiny ones, weights and inputs at the ends of int8), the fallbacks when the core cannot be had,
and layers the C code declines."""
import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinyrt
from oracle import run_both
from kernels.core_check import check_levels
from kernels.single_op import values, window_options
from tinyrt import native
from tinyrt.builder import ModelBuilder
from tinyrt.kernels.common import output_size

LEVELS = native.available()
if not LEVELS:
    pytest.skip(f"compiled core unavailable: {native.info()}", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
ACTS = ("NONE", "RELU", "RELU6")


def requant_scales(rng, channels, sx, sy, small=False, ordinary=False):
    """Weight scales giving multipliers sx * ws / sy of three kinds per channel: above 1 (a left
    shift), ordinary, and tiny (shifts near the bottom of the range); only the first when
    ``small``, only the second when ``ordinary`` (as trained layers have them: AVX2 folds
    their requantization)."""
    kind = np.zeros(channels, int) if small else np.ones(channels, int) if ordinary else \
        rng.integers(0, 3, channels)
    real = np.where(kind == 0, rng.uniform(1.0, 6.0, channels),
                    np.where(kind == 1, rng.uniform(1e-3, 0.05, channels),
                             rng.uniform(1e-7, 1e-5, channels)))
    return real * sy / sx


def int8_weights(rng, shape, small=False):
    if small:       # sums small enough that multipliers above 1 do not saturate
        return rng.integers(-3, 4, shape).astype(np.int8)
    w = rng.integers(-128, 128, shape)
    flat = w.reshape(-1)
    flat[0], flat[-1] = -128, 127
    flat[rng.integers(0, flat.size, max(1, flat.size // 8))] = -128
    flat[rng.integers(0, flat.size, max(1, flat.size // 8))] = 127
    return w.astype(np.int8)


def random_io(rng, act, small=False):
    sx, sy = float(rng.uniform(0.005, 0.1)), float(rng.uniform(0.01, 0.5))
    zx = 0 if small else int(rng.integers(-128, 128))
    zy = -128 if act != "NONE" and rng.random() < 0.4 else int(rng.integers(-128, 128))
    return sx, sy, zx, zy


def window_model(rng, op, x_shape, channels, kh, kw, stride, dil, padding, act,
                 per_channel=True, small=False, ordinary=False):
    """An int8 CONV_2D layer of ``channels`` outputs, or a DEPTHWISE_CONV_2D one of depth
    multiplier ``channels`` (always per-channel weights); multipliers as requant_scales."""
    n, h, w, in_c = x_shape
    depthwise = op == "DEPTHWISE_CONV_2D"
    out_c = in_c * channels if depthwise else channels
    sx, sy, zx, zy = random_io(rng, act, small)
    ws = requant_scales(rng, out_c if per_channel or depthwise else 1, sx, sy, small, ordinary)
    bound = 30 if small else 40000
    out_h = output_size(padding, h, kh, stride[0], dil[0])
    out_w = output_size(padding, w, kw, stride[1], dil[1])
    b = ModelBuilder()
    x = b.add_input("x", x_shape, np.int8, scale=sx, zero_point=zx)
    w_shape = (1, kh, kw, out_c) if depthwise else (out_c, kh, kw, in_c)
    wt = b.add_constant("w", int8_weights(rng, w_shape, small), scale=ws,
                        zero_point=[0] * len(ws), quantized_dimension=3 if depthwise else 0)
    bias = b.add_constant("b", rng.integers(-bound, bound + 1, out_c).astype(np.int32),
                          scale=ws * sx, zero_point=[0] * len(ws))
    y = b.add_tensor("y", (n, out_h, out_w, out_c), np.int8, scale=sy, zero_point=zy)
    b.add_operator(op, [x, wt, bias], [y],
                   **window_options(op, padding, stride, dil, act, channels))
    b.mark_output(y)
    return b.build()


def fc_model(rng, rows, depth, units, act, keep_num_dims, w_zp=0):
    sx, sy, zx, zy = random_io(rng, act)
    ws = requant_scales(rng, 1, sx, sy)
    x_shape = (1, rows, depth) if keep_num_dims else (rows, depth)
    y_shape = (1, rows, units) if keep_num_dims else (rows, units)
    b = ModelBuilder()
    x = b.add_input("x", x_shape, np.int8, scale=sx, zero_point=zx)
    wt = b.add_constant("w", int8_weights(rng, (units, depth)), scale=ws, zero_point=w_zp)
    bias = b.add_constant("b", rng.integers(-40000, 40001, units).astype(np.int32),
                          scale=ws * sx, zero_point=0)
    y = b.add_tensor("y", y_shape, np.int8, scale=sy, zero_point=zy)
    b.add_operator("FULLY_CONNECTED", [x, wt, bias], [y], fused_activation_function=act,
                   keep_num_dims=keep_num_dims)
    b.mark_output(y)
    return b.build(), x_shape


def random_window(rng, op, in_channels, max_hw):
    """A random layer of ``op`` (CONV_2D or DEPTHWISE_CONV_2D): (input shape, model)."""
    kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    dil = (1, 1) if rng.random() < 0.6 else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    h = int(rng.integers((kh - 1) * dil[0] + 1, max_hw))
    w = int(rng.integers((kw - 1) * dil[1] + 1, max_hw))
    shape = (int(rng.integers(1, 3)), h, w, int(rng.choice(in_channels)))
    # output channels, or the depth multiplier
    channels = int(rng.choice([1, 3, 8, 15, 16, 17, 24, 33, 40])) if op == "CONV_2D" else \
        int(rng.integers(1, 4))
    padding, act = ["SAME", "VALID"][int(rng.integers(0, 2))], ACTS[int(rng.integers(0, 3))]
    return shape, window_model(rng, op, shape, channels, kh, kw, stride, dil, padding, act,
                               per_channel=rng.random() < 0.7, ordinary=rng.random() < 0.4)


def random_conv(rng):
    return random_window(rng, "CONV_2D", [1, 2, 3, 4, 5, 7, 8, 13, 16, 27, 40], 12)


def random_depthwise(rng):
    return random_window(rng, "DEPTHWISE_CONV_2D", [1, 2, 3, 4, 5, 7, 8, 13, 16, 20], 13)


def random_fc(rng):
    depth = int(rng.choice([1, 2, 3, 5, 8, 17, 64, 99, 128, 255, 300]))
    data, shape = fc_model(rng, int(rng.integers(1, 5)), depth,
                           int(rng.choice([1, 2, 7, 16, 23, 40])),
                           ACTS[int(rng.integers(0, 3))], rng.random() < 0.5)
    return shape, data


def batches_for(rng, shape, lo=None, hi=None):
    out = [[values(rng, shape, np.int8, lo, hi)] for _ in range(2)]
    if lo is None:
        out += [[np.full(shape, v, np.int8)] for v in (-128, 127)]
    return out


def check(data, shape, rng, expect_native=True, lo=None, hi=None):
    """tinyrt at every available SIMD level (with the numpy twin alongside) against
    tflite-micro (kernels.core_check.check_levels); the node runs in C exactly when
    ``expect_native``. Returns the outputs (the same at every level)."""
    outs = check_levels(data, batches_for(rng, shape, lo, hi),
                        native_nodes=[0] if expect_native else [],
                        numpy_nodes=[] if expect_native else [0], exact_nan=True)
    return [o[0] for o in outs]


# op -> (layer generator, first seed, number of seeds); 8 random layers per seed
RANDOM_LAYERS = {"conv": (random_conv, 9100, 12), "depthwise": (random_depthwise, 9200, 12),
                 "fully_connected": (random_fc, 9300, 8)}


@pytest.mark.parametrize("op,seed", [(op, s) for op, (_, _, n) in RANDOM_LAYERS.items()
                                     for s in range(n)])
def test_random_layers(op, seed):
    make, first, _ = RANDOM_LAYERS[op]
    rng = np.random.default_rng(first + seed)
    for _ in range(8):
        shape, data = make(rng)
        check(data, shape, rng)


@pytest.mark.parametrize("op", ["conv", "depthwise"])
def test_model_like_layers(op):
    """Larger layers as in small vision models (the GEMM's and phase planes' full blocks)."""
    rng = np.random.default_rng(31 if op == "conv" else 32)
    for stride in (1, 2):
        shape = (1, 24, 24, 16 if op == "conv" else 32)
        if op == "conv":
            data = window_model(rng, "CONV_2D", shape, 32, 3, 3, (stride, stride), (1, 1),
                                "SAME", "RELU6")
        else:
            data = window_model(rng, "DEPTHWISE_CONV_2D", shape, 1, 3, 3, (stride, stride),
                                (1, 1), "SAME", "RELU")
        check(data, shape, rng)


@pytest.mark.parametrize("in_c,out_c,stride,dil,ordinary", [
    (3, 8, (1, 1), (2, 1), True), (3, 12, (2, 1), (1, 1), True), (2, 16, (1, 2), (3, 1), True),
    (3, 24, (1, 1), (1, 1), False)])
def test_windows_over_chunks(in_c, out_c, stride, dil, ordinary):
    """Convolutions of more output pixels than one chunk of the GEMM, chunks ending inside an
    output row: AVX2 reads these windows in place (odd runs of kw * in_c values, dilated
    filter rows) and requantizes whole blocks of 8 channels in the GEMM where the
    requantization folds (ordinary multipliers); 12 channels leave a part block to the
    separate requantization, and multipliers above 1 all of them."""
    rng = np.random.default_rng(40 + out_c)
    shape = (1, 75, 61, in_c)
    data = window_model(rng, "CONV_2D", shape, out_c, 3, 3, stride, dil, "SAME", "RELU",
                        ordinary=ordinary)
    check(data, shape, rng)


@pytest.mark.parametrize("in_c,dm,stride,width", [(1, 8, 2, 27), (1, 16, 1, 13), (2, 8, 1, 9),
                                                    (3, 5, 2, 11)])
def test_depth_multiplier_layers(in_c, dm, stride, width):
    """Channel multipliers as vision models' first layers have them (person_detect: one input
    channel times 8): the input repeated over its output channels, whole vectors or not."""
    rng = np.random.default_rng(33 + dm + in_c)
    shape = (2, 15, width, in_c)
    data = window_model(rng, "DEPTHWISE_CONV_2D", shape, dm, 3, 3, (stride, stride), (1, 1),
                        "SAME", "RELU6")
    check(data, shape, rng)


@pytest.mark.parametrize("op", ["conv", "depthwise"])
def test_left_shifts_unsaturated(op):
    """Every multiplier above 1 (a left shift before the high multiply) with sums small enough
    that most outputs land inside int8: the shifted rounding itself is compared."""
    rng = np.random.default_rng(33 if op == "conv" else 34)
    seen = 0
    for case in range(6):
        kh, kw, stride = 1 + case % 3, 2 - case % 2, (1 + case % 2, 1 + case // 3)
        shape = (1 + case % 2, 7, 6, 3 + case)
        if op == "conv":
            data = window_model(rng, "CONV_2D", shape, 5 + 3 * case, kh, kw, stride, (1, 1),
                                "SAME", "NONE", case % 2 == 0, small=True)
        else:
            data = window_model(rng, "DEPTHWISE_CONV_2D", shape, 1 + case % 3, kh, kw, stride,
                                (1, 1), "SAME", "NONE", small=True)
        outs = check(data, shape, rng, lo=-3, hi=3)
        seen += sum(int(np.sum(np.abs(o.astype(int)) < 100)) for o in outs)
    assert seen > 100


def test_levels_cover_the_machine():
    """portable always, and on x86-64 the AVX2 / AVX-512 builds where this CPU runs them."""
    import platform
    assert "portable" in LEVELS
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if platform.machine() in ("x86_64", "AMD64") and " avx2" in flags:
        assert "avx2" in LEVELS
    if platform.machine() in ("x86_64", "AMD64") and " avx512_vnni" in flags and \
            " avx512vl" in flags:
        assert "avx512" in LEVELS


def test_op_data_layouts_checked_against_c():
    """The ctypes mirrors are built from the C layout table and agree with it field by field."""
    core = native.load(LEVELS[0])
    for name, (size, fields) in core.module.layouts().items():
        cls = core.structs[name]
        assert ctypes.sizeof(cls) == size
        for field, _, offset, fsize in fields:
            assert (getattr(cls, field).offset, getattr(cls, field).size) == (offset, fsize)
    with pytest.raises(native.core.OutOfRange):
        core.opdata("conv_s8", in_h=1 << 31)         # never wrapped into the int32 field


CHILD = """
import json, sys
import numpy as np
import tinyrt
from tinyrt import native
out = {"info": native.info()}
try:
    out["default"] = None if native.default() is None else native.default().level
except native.NativeUnavailable as e:
    out["default"] = "error: " + str(e)
if len(sys.argv) > 1:
    it = tinyrt.Interpreter(model_path=sys.argv[1])
    it.allocate_tensors()
    out["node_native"] = it.kernels[0].native is not None
    it.set_input(np.load(sys.argv[2]), 0)
    it.invoke()
    out["y"] = it.get_output(0).tolist()
    try:
        tinyrt.Interpreter(model_path=sys.argv[1], native=True).allocate_tensors()
        out["raised"] = None
    except native.NativeUnavailable as e:
        out["raised"] = [str(e), isinstance(e, tinyrt.TinyrtError)]
print(json.dumps(out))
"""


def child(env_changes, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("TINYRT_ISA", "TINYRT_NATIVE")}
    env.update(env_changes)
    done = subprocess.run([sys.executable, "-c", CHILD, *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_disabled_by_environment(tmp_path):
    rng = np.random.default_rng(9500)
    shape, data = random_conv(rng)
    (tmp_path / "m.tflite").write_bytes(data)
    x = values(rng, shape, np.int8)
    np.save(tmp_path / "x.npy", x)
    expected = run_both(data, [[x]],
                        tinyrt_interp=_allocated(data, native=False))[0]
    np.testing.assert_array_equal(expected[0][0], expected[1][0])
    got = child({"TINYRT_NATIVE": "0"}, tmp_path / "m.tflite", tmp_path / "x.npy")
    assert got["default"] is None and "TINYRT_NATIVE=0" in got["info"]
    assert got["node_native"] is False
    np.testing.assert_array_equal(np.array(got["y"], np.int8), expected[1][0])
    message, is_tinyrt_error = got["raised"]
    assert is_tinyrt_error and "unavailable" in message and "TINYRT_NATIVE=0" in message


@pytest.mark.parametrize("level", ["portable", "avx2", "avx512", "neon"])
def test_forced_level(level):
    got = child({"TINYRT_ISA": level})
    if level in LEVELS:
        assert got["default"] == level and f"compiled core: {level}" in got["info"]
    else:       # not built here, or the CPU lacks it: an error, never a silent fallback
        assert got["default"].startswith("error:") and level in got["default"]


def test_unknown_level():
    with pytest.raises(tinyrt.TinyrtError, match="native must be"):
        tinyrt.Interpreter(model_content=random_fc(np.random.default_rng(1))[1], native="sse9")
    got = child({"TINYRT_ISA": "sse9"})
    assert got["default"].startswith("error:") and "unknown core level" in got["default"]


def _allocated(data, **kw):
    it = tinyrt.Interpreter(model_content=data, **kw)
    it.allocate_tensors()
    return it


def test_native_option_must_be_a_boolean_a_level_or_none():
    data = window_model(np.random.default_rng(1), "CONV_2D", (1, 4, 4, 2), 3, 1, 1, (1, 1),
                        (1, 1), "VALID", "NONE")
    for bad in ("yes", "auto", 2.5, 0, 1):
        with pytest.raises(tinyrt.TinyrtError):
            tinyrt.Interpreter(model_content=data, native=bad)
    assert _allocated(data, native=True).kernels[0].native is not None
    assert _allocated(data, native=False).kernels[0].native is None


def test_depthwise_beyond_max_taps_runs_numpy():
    from tinyrt.kernels.depthwise_conv import MAX_NATIVE_TAPS as MAX_TAPS
    rng = np.random.default_rng(9600)
    kh, kw = 17, 16
    assert kh * kw > MAX_TAPS
    shape = (1, 18, 19, 3)
    data = window_model(rng, "DEPTHWISE_CONV_2D", shape, 1, kh, kw, (1, 1), (1, 1), "VALID",
                        "NONE")
    check(data, shape, rng, expect_native=False)


def test_fully_connected_with_weight_zero_point_runs_numpy():
    rng = np.random.default_rng(9700)
    data, shape = fc_model(rng, 3, 20, 7, "NONE", False, w_zp=5)
    check(data, shape, rng, expect_native=False)


def test_conv_constant_beyond_int32_runs_numpy():
    """bias - (zp + 128) sum w does not fit int32: the C kernel declines; the sums themselves
    stay in range for inputs >= -20, and numpy gives tflite-micro's bits."""
    rng = np.random.default_rng(9800)
    b = ModelBuilder()
    x = b.add_input("x", (1, 3, 3, 4), np.int8, scale=0.05, zero_point=127)
    w = np.zeros((2, 1, 1, 4), np.int8)
    w[:, 0, 0, :2] = -1
    wt = b.add_constant("w", w, scale=[2e-7, 3e-7], zero_point=[0, 0])
    bias = b.add_constant("b", np.array([2 ** 31 - 300, -5], np.int32), scale=[1e-8, 1.5e-8],
                          zero_point=[0, 0])
    y = b.add_tensor("y", (1, 3, 3, 2), np.int8, scale=1.0, zero_point=-10)
    b.add_operator("CONV_2D", [x, wt, bias], [y], padding="VALID", stride_h=1, stride_w=1)
    b.mark_output(y)
    data = b.build()
    outs = check(data, (1, 3, 3, 4), rng, expect_native=False, lo=-20, hi=127)
    assert any(np.any(o != -10) for o in outs)


def _single_op(op, x_shape, consts, y_shape, y_q=(0.5, 0), **options):
    b = ModelBuilder()
    x = b.add_input("x", x_shape, np.int8, scale=0.05, zero_point=-128)
    ins = [x] + [b.add_constant(f"c{i}", a, scale=s, zero_point=0)
                 for i, (a, s) in enumerate(consts)]
    y = b.add_tensor("y", y_shape, np.int8, scale=y_q[0], zero_point=y_q[1])
    b.add_operator(op, ins, [y], **options)
    b.mark_output(y)
    return b.build()


def test_sums_leaving_int32_wrap_as_tflm():
    """Accumulators that leave int32 wrap as TFLM's do, at every level (and, in
    test_sanitized_core.py, without undefined behaviour)."""
    rng = np.random.default_rng(9900)
    w = np.full((4, 4096), -128, np.int8)
    data = _single_op("FULLY_CONNECTED", (2, 4096),
                      [(w, 0.01), (np.full(4, 2 ** 31 - 1, np.int32), 0.0005)], (2, 4))
    check(data, (2, 4096), rng)
    data = _single_op("CONV_2D", (1, 3, 3, 512),
                      [(np.full((4, 3, 3, 512), 127, np.int8), 0.01)], (1, 3, 3, 4),
                      padding="SAME", stride_h=1, stride_w=1)
    check(data, (1, 3, 3, 512), rng)


def test_softmax_rows():
    rng = np.random.default_rng(9901)
    for shape in ((3, 10), (1, 1), (2, 300)):
        data = _single_op("SOFTMAX", shape, [], shape, y_q=(1 / 256, -128), beta=1.0)
        check(data, shape, rng)


def test_unit_filter_with_a_single_output_column():
    """A 1x1 filter whose stride leaves one output column: its window is cropped to unit
    strides, yet the input's pixels are not the GEMM's rows (a hostile-model finding)."""
    rng = np.random.default_rng(9902)
    for shape, stride in (((2, 13, 5, 3), (1, 5)), ((1, 13, 1, 1), (13, 1))):
        data = window_model(rng, "CONV_2D", shape, 16, 1, 1, stride, (1, 1), "VALID", "NONE")
        check(data, shape, rng)


def test_float_unit_filter_with_a_single_output_column():
    rng = np.random.default_rng(9903)
    b = ModelBuilder()
    x = b.add_input("x", (1, 5, 6, 3), np.float32)
    w = b.add_constant("w", rng.standard_normal((4, 1, 1, 3)).astype(np.float32))
    y = b.add_tensor("y", (1, 5, 1, 4), np.float32)
    b.add_operator("CONV_2D", [x, w], [y], padding="VALID", stride_h=1, stride_w=6)
    b.mark_output(y)
    data = b.build()
    xs = [[rng.standard_normal((1, 5, 6, 3)).astype(np.float32)] for _ in range(2)]
    check_levels(data, xs, exact_nan=True)
