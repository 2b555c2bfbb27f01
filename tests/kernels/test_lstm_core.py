"""UNIDIRECTIONAL_SEQUENCE_LSTM (float32, int8 and int16 activations) in the compiled core against tflite-micro on random
layers, at every SIMD level: the node runs in C, the bytes agree across levels and with
tflite-micro invoke after invoke (both states carry over)."""
import numpy as np
import pytest

from kernels.core_check import check_levels, require_core
from kernels.test_lstm_int import lstm_model, random_input

require_core()

OPTIONS = [{}, {"cell_clip": 0.37}, {"activation": "NONE"}, {"activation": "RELU", "gain": 3},
           {"cell_scale": 2.0 ** -15}, {"cell_scale": 0.0003}, {"gain": 8}, {"gain": 40},
           {"weight_zero_point": 3}, {"cell_clip": 3.0, "gain": 4}]


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
@pytest.mark.parametrize("seed", range(len(OPTIONS)))
def test_random_layers(seed, dtype):
    rng = np.random.default_rng([800 + seed, np.dtype(dtype).itemsize])
    for time_major in (False, True):
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 7)), int(rng.integers(1, 20)),
                 int(rng.integers(1, 24)))
        data, in_shape = lstm_model(rng, dtype, *shape, time_major=time_major,
                                    **OPTIONS[seed])
        check_levels(data, [[random_input(rng, dtype, in_shape)] for _ in range(3)])


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
def test_wide_layer(dtype):
    rng = np.random.default_rng(7)
    data, in_shape = lstm_model(rng, dtype, 2, 8, 67, 40)
    check_levels(data, [[random_input(rng, dtype, in_shape)] for _ in range(2)])


FLOAT_OPTIONS = [{}, {"cell_clip": 0.37}, {"activation": "NONE"}, {"activation": "RELU"},
                 {"cell_clip": 3.0, "gain": 4}, {"gain": 8},
                 {"activation": "NONE", "gain": 1e38}]     # sums and products overflow


@pytest.mark.parametrize("seed", range(len(FLOAT_OPTIONS)))
def test_float_random_layers(seed):
    rng = np.random.default_rng(900 + seed)
    for time_major in (False, True):
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 7)), int(rng.integers(1, 20)),
                 int(rng.integers(1, 24)))
        data, in_shape = lstm_model(rng, np.float32, *shape, time_major=time_major,
                                    **FLOAT_OPTIONS[seed])
        check_levels(data, [[random_input(rng, np.float32, in_shape)] for _ in range(3)])
