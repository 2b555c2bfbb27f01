"""The firmware variants of the int8 convolution kernels (csrc/mcu) against tflite-micro, on
every code generation target whose tools are installed, and their folded requantization
(csrc/fixedpoint.h) against TFLM's two-step one."""
import shutil
import subprocess

import numpy as np
import pytest

import tinyrt
import tinyrt.codegen as cg
from tinyrt.builder import ModelBuilder
from tinyrt.kernels.common import output_size
from tinyrt.kernels.conv import fold_requantization, folded_requantization
from tinyrt.native.build_config import CSRC
from oracle import random_inputs, shared_model, tflm_interpreter

# conv with padding and in_c 1 (KWS), stride-2 depthwise and a channel that does not fold
# (person_detect), a FULLY_CONNECTED over a long window (micro_speech)
MODELS = ["mlperf_tiny_kws_int8.tflite", "person_detect.tflite", "micro_speech_quantized.tflite"]


TARGETS = ["host", "cortex-m4", "cortex-m55"]


def run_against_tflm(tmp_path, model, target, rng):
    """The generated firmware's outputs for random inputs equal tflite-micro's."""
    missing = cg.TARGETS[target].missing_tools()
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    src = cg.generate(model, tmp_path / "project", target)
    cg.build(tmp_path / "project", target)
    oracle = tflm_interpreter(model)
    ref = tinyrt.Interpreter(model_path=str(model))
    ref.allocate_tensors()
    xs = random_inputs(ref.get_input_details(), rng)
    for i, x in enumerate(xs):
        oracle.set_input(x, i)
    oracle.invoke()
    want = [oracle.get_output(i) for i in range(len(src.outputs))]
    data, _, _ = cg.run(tmp_path / "project", xs, target)
    for got, expected in zip(cg.split_outputs(data, src), want):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", MODELS)
def test_models_match_tflm(tmp_path, target, name):
    run_against_tflm(tmp_path, shared_model(name), target, np.random.default_rng(7))


def layer_chain(rng, layers):
    """A model of ``layers`` int8 convolutions and depthwise convolutions in a chain, each
    output a model output (so that no later layer hides a wrong value): random windows,
    strides, dilations, paddings, channel counts (odd ones, ones not a multiple of 4),
    per-channel scales over a wide range (some requantizations with a left shift or a right
    shift of 0 or 1, which do not fold), some narrower activations."""
    b = ModelBuilder()
    h, w, c = int(rng.integers(5, 12)), int(rng.integers(5, 12)), int(rng.choice([1, 3, 4, 8]))
    sx = float(rng.uniform(0.01, 0.1))
    x = b.add_input("x", (1, h, w, c), np.int8, scale=sx, zero_point=int(rng.integers(-128, 128)))
    for i in range(layers):
        depthwise = i % 2 == 1
        kh, kw = (3, 3) if rng.random() < 0.5 else \
            (int(rng.integers(1, 5)), int(rng.integers(1, 4)))
        stride = int(rng.integers(1, 3))
        dilation = 2 if rng.random() < 0.2 and min(h, w) > 6 else 1
        padding = "SAME" if rng.random() < 0.6 else "VALID"
        if padding == "VALID" and (h < (kh - 1) * dilation + 1 or w < (kw - 1) * dilation + 1):
            padding = "SAME"
        out_c = c if depthwise else int(rng.choice([2, 5, 8, 12, 16]))
        oh = output_size(padding, h, kh, stride, dilation)
        ow = output_size(padding, w, kw, stride, dilation)
        ws = np.exp(rng.uniform(np.log(1e-3), np.log(0.05), out_c))
        if rng.random() < 0.3:
            # a few channels whose multiplier is near or above one
            ws[rng.random(out_c) < 0.3] *= 50
        sy = float(rng.uniform(0.02, 0.2))
        shape = (1, kh, kw, out_c) if depthwise else (out_c, kh, kw, c)
        wt = b.add_constant(f"w{i}", rng.integers(-128, 128, shape).astype(np.int8), scale=ws,
                            zero_point=[0] * out_c, quantized_dimension=3 if depthwise else 0)
        bias = b.add_constant(f"b{i}", rng.integers(-20000, 20000, out_c).astype(np.int32),
                              scale=ws * sx, zero_point=[0] * out_c)
        y = b.add_tensor(f"y{i}", (1, oh, ow, out_c), np.int8, scale=sy,
                         zero_point=int(rng.integers(-128, 100)))
        act = str(rng.choice(["NONE", "NONE", "NONE", "RELU", "RELU6"]))
        options = dict(padding=padding, stride_h=stride, stride_w=stride,
                       dilation_hfactor=dilation, dilation_wfactor=dilation,
                       fused_activation_function=act)
        if depthwise:
            options["depth_multiplier"] = 1
        b.add_operator("DEPTHWISE_CONV_2D" if depthwise else "CONV_2D", [x, wt, bias], [y],
                       **options)
        b.mark_output(y)
        x, h, w, c, sx = y, oh, ow, out_c, sy
    return b.build()


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("seed", range(3))
def test_layer_chains_match_tflm(tmp_path, target, seed):
    pytest.importorskip("tflite_micro")
    rng = np.random.default_rng(500 + seed)
    model = tmp_path / "chain.tflite"
    model.write_bytes(layer_chain(rng, 8))
    run_against_tflm(tmp_path, model, target, rng)


FOLDED_CHECK = r"""
#include <stdio.h>
#include "fixedpoint.h"
static uint64_t s = 88172645463325252ull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)s; }
int main(void)
{
    long bad = 0;
    for (long i = 0; i < 3000000; i++) {
        int32_t acc = (int32_t)rnd(), m = (int32_t)(rnd() & 0x7fffffff);
        if (i & 1) acc >>= rnd() % 31;
        if ((i & 15) == 9) acc = (int32_t)(rnd() % 4096) - 2048;
        if ((i & 6) == 2) m >>= rnd() % 31;
        if ((i & 7) == 7) m = 1 << (rnd() % 31);
        if ((i & 0xff) == 3) m = 0;
        if ((i & 0x3ff) == 5) acc = INT32_MIN;
        if ((i & 0x3ff) == 6) acc = INT32_MAX;
        int32_t r = 2 + rnd() % 22, zp = (int32_t)(rnd() % 256) - 128;
        /* the values folded_requantization prepares */
        int32_t ch[4] = { 0, m, (1 << (r - 2)) + zp * (1 << (r - 1)), r - 1 };
        bad += tinyrt_requantize_clamp(acc, m, 0, r, zp, -128, 127) !=
               tinyrt_requantize_folded_s8(acc, ch);
    }
    printf("%ld\n", bad);
    return 0;
}
"""


def test_folded_requantization_is_tflms(tmp_path):
    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    (tmp_path / "check.c").write_text(FOLDED_CHECK)
    subprocess.run([cc, "-O2", "-fwrapv", "-DTINYRT_PORTABLE", f"-I{CSRC}", "check.c", "-o",
                    "check"], cwd=tmp_path, check=True)
    out = subprocess.run([str(tmp_path / "check")], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_folded_requantization_values():
    nudge, shift = folded_requantization([0, 0], [2, 23], -5, -128, 127)
    assert nudge.tolist() == [1 - 5 * 2, (1 << 21) - 5 * (1 << 22)]
    assert shift.tolist() == [1, 22]
    # a left shift, a right shift of 1 or past 23, a narrower activation: not folded
    for left, right, lo in (([1], [3], -128), ([0], [1], -128), ([0], [24], -128),
                            ([0], [5], -100)):
        assert folded_requantization(left, right, 0, lo, 127) is None
    # the host's vector kernels clamp, so there a narrower activation folds too, for sums
    # whose doubled folded value fits int64: |acc m + nudge 2^32 + 2^30| + 2^31 < 2^62
    m = (1 << 31) - 1
    assert fold_requantization([0], [5], 0) is not None
    assert fold_requantization([0], [5], 0, [m], [1 << 30]) is not None
    assert fold_requantization([0], [5], 0, [m], [(1 << 31) - 1]) is None
    assert fold_requantization([0], [23], -128, [1 << 30], [(1 << 30) + (1 << 29)]) is not None
    assert fold_requantization([0], [23], -128, [m], [(1 << 30) + (1 << 28)]) is None
