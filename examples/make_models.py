"""Build the example models shipped in the package (tinyrt/examples/) (seeded, so the files are reproducible).

    python examples/make_models.py

kws_tiny_int8.tflite: a small keyword-spotting network in the shape of MLPerf Tiny's DS-CNN
(CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, FULLY_CONNECTED, SOFTMAX), int8 with per-channel
weights. Its weights are random: it shows what tinyrt does, not what a keyword model hears.
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinyrt.builder import ModelBuilder  # noqa: E402


def kws_tiny_int8(seed=0):
    rng = np.random.default_rng(seed)
    b = ModelBuilder(description="tinyrt example: tiny DS-CNN keyword spotter (random weights)")

    def weights(name, shape, out_axis):
        n = shape[out_axis]
        scales = rng.uniform(0.004, 0.012, n)
        w = b.add_constant(name, rng.integers(-127, 128, shape).astype(np.int8), scale=scales,
                           zero_point=[0] * n, quantized_dimension=out_axis)
        return w, scales

    def bias(name, in_scale, w_scales):
        n = len(w_scales)
        return b.add_constant(name, rng.integers(-2000, 2000, n).astype(np.int32),
                              scale=in_scale * w_scales, zero_point=[0] * n)

    x_scale = 0.1
    x = b.add_input("mfcc", (1, 49, 10, 1), np.int8, scale=x_scale, zero_point=-5)
    w, ws = weights("conv1/weights", (16, 5, 3, 1), 0)
    h1 = b.add_tensor("conv1", (1, 25, 5, 16), np.int8, scale=0.05, zero_point=-128)
    b.add_operator("CONV_2D", [x, w, bias("conv1/bias", x_scale, ws)], [h1], padding="SAME",
                   stride_w=2, stride_h=2, fused_activation_function="RELU")
    w, ws = weights("dw1/weights", (1, 3, 3, 16), 3)
    h2 = b.add_tensor("dw1", (1, 25, 5, 16), np.int8, scale=0.05, zero_point=-128)
    b.add_operator("DEPTHWISE_CONV_2D", [h1, w, bias("dw1/bias", 0.05, ws)], [h2],
                   padding="SAME", stride_w=1, stride_h=1, depth_multiplier=1,
                   fused_activation_function="RELU")
    w, ws = weights("pw1/weights", (32, 1, 1, 16), 0)
    h3 = b.add_tensor("pw1", (1, 25, 5, 32), np.int8, scale=0.08, zero_point=-128)
    b.add_operator("CONV_2D", [h2, w, bias("pw1/bias", 0.05, ws)], [h3], padding="VALID",
                   stride_w=1, stride_h=1, fused_activation_function="RELU")
    h4 = b.add_tensor("pool", (1, 1, 1, 32), np.int8, scale=0.08, zero_point=-128)
    b.add_operator("AVERAGE_POOL_2D", [h3], [h4], padding="VALID", stride_w=5, stride_h=25,
                   filter_width=5, filter_height=25)
    h5 = b.add_tensor("flatten", (1, 32), np.int8, scale=0.08, zero_point=-128)
    b.add_operator("RESHAPE", [h4, b.add_constant("shape", np.array([1, 32], np.int32))], [h5],
                   new_shape=[1, 32])
    w, ws = weights("fc/weights", (12, 32), 0)
    h6 = b.add_tensor("logits", (1, 12), np.int8, scale=0.2, zero_point=0)
    b.add_operator("FULLY_CONNECTED", [h5, w, bias("fc/bias", 0.08, ws)], [h6])
    y = b.add_tensor("probabilities", (1, 12), np.int8, scale=1 / 256, zero_point=-128)
    b.add_operator("SOFTMAX", [h6], [y], beta=1.0)
    b.mark_output(y)
    return b.build()


def main():
    out = Path(__file__).resolve().parent.parent / "tinyrt" / "examples" / "kws_tiny_int8.tflite"
    out.write_bytes(kws_tiny_int8())
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
