"""benchmarks/cpuid_avx2.c: a process run under it sees an AVX2 CPU (the AVX2 benchmark runs
LiteRT so). Needs an x86-64 Linux CPU with AVX-512 and CPUID faulting, and a C compiler."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def benchmark_script():
    spec = importlib.util.spec_from_file_location("compare", ROOT / "benchmarks" / "compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cpuid_mask_hides_avx512(tmp_path):
    # the benchmark's own build of it: None without AVX-512, CPUID faulting or a C compiler
    lib = benchmark_script().avx2_cpu_preload(tmp_path)
    if lib is None:
        pytest.skip("needs a CPU with AVX-512 and CPUID faulting, and a C compiler")
    # numpy reads CPUID once at import: its table of the features it found
    probe = "\n".join([
        "import os",
        "try:",
        "    from numpy._core._multiarray_umath import __cpu_features__ as f",
        "except ImportError:",
        "    from numpy.core._multiarray_umath import __cpu_features__ as f",
        "print(os.environ.get('TINYRT_CPUID_MASK'), f['AVX2'], f['AVX512F'], f['AVX512VNNI'])"])
    plain = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.split()
    masked = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, env=dict(os.environ, LD_PRELOAD=str(lib))).stdout.split()
    # without the mask numpy finds the CPU's AVX-512 (VNNI depends on the CPU); with it, none
    assert plain[:3] == ["None", "True", "True"]
    assert masked == ["on", "True", "False", "False"]
