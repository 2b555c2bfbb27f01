"""SignalDelay, SignalStacker, SignalFramer and SignalOverlapAdd against tflite-micro: many invokes
on the same two interpreters (the ops keep state between invokes), then a reset and more
invokes. Every output is compared byte for byte on every invoke, including outputs the op left
unwritten while it had no valid frame."""
import numpy as np
import pytest
from flatbuffers import flexbuffers

import tinyrt
from oracle import tflm_interpreter
from tinyrt.builder import ModelBuilder

FLOAT32, INT16 = 0, 7   # .tflite TensorType codes, as OverlapAdd's option T


def model(op, options, in_shape, out_shape, dtype=np.int16, valid_flag=False):
    b = ModelBuilder()
    x = b.add_input("x", in_shape, dtype)
    outs = [b.add_tensor("y", out_shape, dtype)]
    if valid_flag:
        outs.append(b.add_tensor("valid", (), np.bool_))
    b.add_operator(op, [x], outs, custom_options=bytes(flexbuffers.Dumps(options)))
    for t in outs:
        b.mark_output(t)
    return b.build()


def int16_inputs(shape):
    return lambda rng: rng.integers(-32768, 32768, shape).astype(np.int16)


def float_inputs(shape):
    def make(rng):
        x = (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape)).astype(np.float32)
        x[rng.random(shape) < 0.1] = -0.0      # the sign of zero sums must survive too
        return x
    return make


def stream(data, make_input, seed, invokes=14, reset_at=9):
    """Invoke both runtimes ``invokes`` times on fresh random inputs, resetting both before
    invoke ``reset_at``; return how many invokes reported a valid output (ops with the flag).

    An op with an output_valid flag leaves (parts of) its output unwritten while it has no
    complete frame, and TFLM's arena starts out with arbitrary bytes: such outputs are compared
    from the first valid invoke on (stale and partly written ones after the reset included)."""
    ours = tinyrt.Interpreter(model_content=data)
    ours.allocate_tensors()
    theirs = tflm_interpreter(data)
    n_out = len(ours.get_output_details())
    rng = np.random.default_rng(seed)
    valid = 0
    for n in range(invokes):
        if n == reset_at:
            ours.reset()
            theirs.reset()
        x = make_input(rng)
        ours.set_input(x, 0)
        theirs.set_input(x, 0)
        ours.invoke()
        theirs.invoke()
        if n_out == 2:
            flag = ours.get_output(1)
            assert flag.dtype == np.bool_ and flag.shape == ()
            assert bool(flag) == bool(theirs.get_output(1)), f"invoke {n}: output_valid"
            valid += bool(flag)
            if not valid:
                continue
        a, b = ours.get_output(0), theirs.get_output(0)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes(), f"invoke {n}:\n{a}\n{b}"
    return valid


@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 2, 7), (1, 1)])
@pytest.mark.parametrize("delay", [0, 1, 3, 6, 17])
def test_delay(shape, delay):
    data = model("SignalDelay", {"delay_length": delay}, shape, shape)
    stream(data, int16_inputs(shape), seed=delay * 10 + len(shape))


# (left, right, step): stacking 1 to 8 frames, steps up to the number stacked
STACKER = [(0, 0, 1), (1, 1, 1), (2, 1, 2), (3, 0, 4), (0, 2, 3), (1, 2, 4), (4, 3, 2)]


@pytest.mark.parametrize("channels", [1, 3, 10])
@pytest.mark.parametrize("left,right,step", STACKER)
def test_stacker(channels, left, right, step):
    opts = {"num_channels": channels, "stacker_left_context": left,
            "stacker_right_context": right, "stacker_step": step}
    data = model("SignalStacker", opts, (channels,), (channels * (left + right + 1),),
                 valid_flag=True)
    valid = stream(data, int16_inputs((channels,)), seed=channels + 7 * step + 31 * left)
    # after each reset: right frames to fill, then every step-th frame (as TFLM counts)
    expected = sum(1 + (n - right - 1) // step for n in (9, 5) if n > right)
    assert valid == expected


# (frame_size, frame_step, prefill, input shape)
FRAMER = [
    (5, 2, False, (1, 4)),
    (5, 2, True, (1, 4)),
    (5, 2, False, (1, 6)),        # an invoke with both complete and incomplete frames
    (7, 1, False, (2, 4)),
    (4, 4, True, (8,)),
    (4, 4, False, (8,)),
    (400, 160, True, (160,)),
    (400, 160, False, (2, 160)),
    (3, 5, False, (2, 10)),       # frames shorter than the step
    (6, 2, False, (2, 3, 4)),
    (7, 1, True, (3,)),
    (9, 2, False, (2,)),
    (1, 1, False, (5,)),
]


@pytest.mark.parametrize("size,step,prefill,shape", FRAMER)
def test_framer(size, step, prefill, shape):
    out_shape = shape[:-1] + (shape[-1] // step, size)
    opts = {"frame_size": size, "frame_step": step, "prefill": prefill}
    data = model("SignalFramer", opts, shape, out_shape, valid_flag=True)
    valid = stream(data, int16_inputs(shape), seed=size * 3 + step + prefill)
    assert valid == sum(framer_valid_count(size, step, shape[-1] // step, prefill, n)
                        for n in (9, 5))


def framer_valid_count(size, step, frames, prefill, invokes):
    """Invokes whose every frame was complete, counting the samples a framer holds."""
    held, count = (size - step if prefill else 0), 0
    for _ in range(invokes):
        complete = True
        for _ in range(frames):
            held += step
            if held >= size:
                held -= step
            else:
                complete = False
        count += complete
    return count


# (frame_size, frame_step, input shape [..., frames, frame_size])
OVERLAP_ADD = [
    (5, 2, (1, 5)),
    (5, 2, (2, 5)),
    (4, 4, (3, 4)),
    (8, 3, (2, 3, 8)),
    (6, 1, (2, 2, 4, 6)),
    (3, 2, (1, 3)),
    (512, 128, (1, 512)),
]


@pytest.mark.parametrize("size,step,shape", OVERLAP_ADD)
@pytest.mark.parametrize("dtype", [np.float32, np.int16])
def test_overlap_add(size, step, shape, dtype):
    assert shape[-1] == size
    out_shape = shape[:-2] + (shape[-2] * step,)
    opts = {"T": FLOAT32 if dtype == np.float32 else INT16, "frame_step": step}
    data = model("SignalOverlapAdd", opts, shape, out_shape, dtype)
    make = float_inputs(shape) if dtype == np.float32 else int16_inputs(shape)
    stream(data, make, seed=size + step + len(shape))


def test_overlap_add_int16_saturates_like_tflite_micro():
    shape = (2, 6)
    data = model("SignalOverlapAdd", {"T": INT16, "frame_step": 2}, shape, (4,))
    # near-full-scale values of one sign: the running sums saturate at every add
    stream(data, lambda rng: rng.integers(20000, 32768, shape).astype(np.int16), seed=3)
    stream(data, lambda rng: rng.integers(-32768, -20000, shape).astype(np.int16), seed=4)


def test_op_names_are_those_tflite_micro_registers():
    from tinyrt.kernels.base import REGISTRY
    for name in ("SignalDelay", "SignalStacker", "SignalFramer", "SignalOverlapAdd"):
        assert name in REGISTRY


BAD = [
    # stacker discarding more frames than it stacks
    ("SignalStacker", {"num_channels": 2, "stacker_left_context": 0,
                       "stacker_right_context": 1, "stacker_step": 3}, (2,), (4,), np.int16, True),
    # prefill of frame_size - frame_step < 0 zeros
    ("SignalFramer", {"frame_size": 2, "frame_step": 4, "prefill": True},
     (4,), (1, 2), np.int16, True),
    # innermost dimension not a multiple of the step
    ("SignalFramer", {"frame_size": 4, "frame_step": 3, "prefill": False},
     (4,), (1, 4), np.int16, True),
    # T says int16, tensors are float32
    ("SignalOverlapAdd", {"T": INT16, "frame_step": 2}, (1, 4), (2,), np.float32, False),
    ("SignalOverlapAdd", {"T": 9, "frame_step": 2}, (1, 4), (2,), np.int8, False),
    # step longer than the frame
    ("SignalOverlapAdd", {"T": FLOAT32, "frame_step": 5}, (1, 4), (5,), np.float32, False),
    # an extra key would shift the options TFLM reads by position
    ("SignalDelay", {"delay_length": 2, "a": 1}, (4,), (4,), np.int16, False),
    ("SignalDelay", {"delay_length": -1}, (4,), (4,), np.int16, False),
    ("SignalDelay", {"delay_length": 2}, (4,), (4,), np.float32, False),
    ("SignalDelay", {"delay_length": 2}, (4,), (5,), np.int16, False),
]


@pytest.mark.parametrize("op,options,in_shape,out_shape,dtype,flag", BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_unsupported_configurations_are_rejected(op, options, in_shape, out_shape, dtype, flag):
    data = model(op, options, in_shape, out_shape, dtype, valid_flag=flag)
    with pytest.raises(tinyrt.TinyrtError):
        tinyrt.Interpreter(model_content=data).allocate_tensors()
