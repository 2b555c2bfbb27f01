"""benchmarks/cpuid_avx2.c: a process run under it sees an AVX2 CPU (the AVX2 benchmark runs
LiteRT so). Needs an x86-64 Linux CPU with AVX-512 and CPUID faulting, and a C compiler."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "benchmarks" / "cpuid_avx2.c"


def cpu_flags():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def test_cpuid_mask_hides_avx512(tmp_path):
    flags = cpu_flags()
    if not {"avx512f", "cpuid_fault"} <= flags or shutil.which("cc") is None:
        pytest.skip("needs a CPU with AVX-512 and CPUID faulting, and cc")
    lib = tmp_path / "libcpuid_avx2.so"
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(lib), str(SOURCE)], check=True)
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
    assert plain == ["None", "True", "True", plain[3]]
    assert masked == ["on", "True", "False", "False"]
