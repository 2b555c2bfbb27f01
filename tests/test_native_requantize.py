"""The compiled core's vector requantization equals its scalar one, the reference kernels'
arithmetic, bit for bit: every left and right shift, sums and multipliers at the ends of their
ranges, compared on the whole int32 result, which the layer tests' int8 clamps mostly hide.
tests/native/requantize_check.c is built with each level's flags this machine runs (the portable
level uses SSE2 on x86-64)."""
import platform
import subprocess
from pathlib import Path

import pytest

from tinyrt import native
from tinyrt.native import build_config
from test_sanitized_core import _compiler

CHECK = Path(__file__).resolve().parent / "native" / "requantize_check.c"


@pytest.mark.parametrize("level", [lv for lv in ("portable", "avx2", "avx512", "neon")
                                   if lv in native.available()])
def test_vector_requantization_equals_scalar(level, tmp_path):
    cc = _compiler()
    if cc is None:
        pytest.skip("no C compiler")
    flags = [f for f in build_config.flags(level, platform.machine())
             if not f.startswith("-DTINYRT_MODULE")]
    program = tmp_path / "requantize_check"
    built = subprocess.run([cc, *flags, f"-I{build_config.CSRC}", str(CHECK), "-o", str(program)],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr[-3000:]
    done = subprocess.run([str(program)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lanes = int(done.stdout.split()[1])
    if platform.machine() in ("x86_64", "AMD64"):
        assert lanes > 1          # every x86-64 level has a vector path
    assert "mismatches 0" in done.stdout
