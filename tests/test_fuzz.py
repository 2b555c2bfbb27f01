"""Mutants of real models end in success or a tinyrt exception: never another exception, a hang
or runaway memory."""
import pytest

from oracle import shared_models
from tinyrt.fuzz import fuzz

SEEDS = [p for p in shared_models() if p.stat().st_size < 100_000]


@pytest.mark.skipif(not SEEDS, reason="../shared/models absent")
def test_two_thousand_mutants():
    outcomes, findings = fuzz([p.read_bytes() for p in SEEDS], mutants=2000, seed=1234,
                              time_limit=20.0, max_model_bytes=64 << 20)
    assert sum(outcomes.values()) == 2000
    assert not findings, "\n\n".join(f"mutant {n} ({kind}):\n{why}" for n, kind, _, why in findings[:3])
    # The mutants must exercise more than the reader: some run to the end.
    assert outcomes["ok"] > 0


def test_model_claiming_too_many_bytes_is_refused_before_allocating():
    import numpy as np
    import tinyrt
    from tinyrt.builder import ModelBuilder
    b = ModelBuilder()
    x = b.add_input("x", (1 << 20, 1 << 14), np.float32)      # 64 GiB of activations
    y = b.add_tensor("y", (1 << 20, 1 << 14), np.float32)
    b.add_operator("RELU", [x], [y])
    b.mark_output(y)
    data = b.build()
    with pytest.raises(tinyrt.ModelError, match="over the limit"):
        tinyrt.Interpreter(model_content=data)
    with pytest.raises(tinyrt.ModelError, match="over the limit of 1000"):
        tinyrt.Interpreter(model_content=data, max_model_bytes=1000)


def test_empty_tensor_with_huge_dimensions_does_not_allocate_them():
    """Found by the fuzzer: an input of shape [1, 2^28, 2^30, 0] holds no bytes, but a kernel
    that sized work by its dimensions asked for gigabytes."""
    import numpy as np
    import tinyrt
    from tinyrt.builder import ModelBuilder
    b = ModelBuilder()
    x = b.add_input("x", (1, 1 << 28, 1 << 30, 0), np.int16)
    y = b.add_tensor("y", (1, 2, 22, 32), np.int16)
    consts = [b.add_constant(n, np.array(v, np.int32)) for n, v in
              (("begin", [0, 0, 0, 0]), ("end", [1, 2, 22, 32]), ("strides", [1, 1, 1, 1]))]
    b.add_operator("STRIDED_SLICE", [x] + consts, [y], begin_mask=13, end_mask=15)
    b.mark_output(y)
    with pytest.raises(tinyrt.OpError, match="should be"):
        tinyrt.Interpreter(model_content=b.build()).allocate_tensors()


def test_kernel_work_memory_is_bounded():
    """Found by the fuzzer: tensors within the byte limit whose convolution would need
    gigabytes of partial products."""
    import numpy as np
    import tinyrt
    from tinyrt.builder import ModelBuilder
    b = ModelBuilder()
    shape = b.add_constant("shape", np.array([1, 1024, 1024, 64], np.int32))
    w = b.add_constant("w", np.ones((64, 9, 9, 1), np.int8), scale=[0.1] * 64,
                       zero_point=[0] * 64)
    x = b.add_input("x", (1, 512, 512, 1), np.int8, scale=0.1, zero_point=0)
    y = b.add_tensor("y", (1, 1024, 1024, 64), np.int8, scale=0.1, zero_point=0)
    b.add_operator("TRANSPOSE_CONV", [shape, w, x], [y], padding="SAME", stride_w=2, stride_h=2)
    b.mark_output(y)
    with pytest.raises(tinyrt.OpError, match="over the limit"):
        tinyrt.Interpreter(model_content=b.build(), max_model_bytes=1 << 28).allocate_tensors()


def test_zero_point_outside_the_type_is_a_model_error():
    import numpy as np
    import tinyrt
    from tinyrt.builder import ModelBuilder
    b = ModelBuilder()
    x = b.add_input("x", (2,), np.int8, scale=0.1, zero_point=300)
    y = b.add_tensor("y", (2,), np.int8, scale=0.1, zero_point=0)
    b.add_operator("RELU", [x], [y])
    b.mark_output(y)
    with pytest.raises(tinyrt.ModelError, match="outside the INT8 range"):
        tinyrt.Interpreter(model_content=b.build())


@pytest.mark.skipif(not SEEDS, reason="../shared/models absent")
def test_fuzz_cli_takes_max_model_bytes_and_defaults_to_the_library(monkeypatch, capsys):
    """The CLI once hard-coded 64 MiB, so mutants of larger models never reached invoke."""
    import collections
    import inspect
    import tinyrt.fuzz as fz
    from tinyrt.model import DEFAULT_MAX_BYTES
    assert inspect.signature(fz.fuzz).parameters["max_model_bytes"].default == DEFAULT_MAX_BYTES
    seen = []

    def fake(seeds, mutants, seed, time_limit, max_model_bytes, log):
        seen.append(max_model_bytes)
        return collections.Counter(ok=mutants), []
    monkeypatch.setattr(fz, "fuzz", fake)
    model = str(SEEDS[0])
    assert fz.main([model, "--mutants", "1"]) == 0
    assert fz.main([model, "--mutants", "1", "--max-model-bytes", str(3 << 30)]) == 0
    assert seen == [DEFAULT_MAX_BYTES, 3 << 30]


def test_limit_message_names_max_model_bytes():
    import numpy as np
    import tinyrt
    from tinyrt.builder import ModelBuilder
    b = ModelBuilder()
    x = b.add_input("x", (1, 4096), np.float32)
    y = b.add_tensor("y", (1, 4096), np.float32)
    b.add_operator("RELU", [x], [y])
    b.mark_output(y)
    with pytest.raises(tinyrt.ModelError, match=r"raise max_model_bytes to allow it"):
        tinyrt.Interpreter(model_content=b.build(), max_model_bytes=1000)
