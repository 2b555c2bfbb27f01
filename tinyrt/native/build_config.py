"""How the compiled core is built: its sources and, per SIMD level, the compiler flags. Read by
setup.py (by path, before tinyrt can be imported) and by the tests that build a sanitizer
build of the same sources. Plain Python, no imports from tinyrt."""
from pathlib import Path

CSRC = Path(__file__).resolve().parent / "csrc"

# Float kernels keep TFLM's order of float operations: no contraction to FMA, no reassociation.
# Integer sums wrap as TFLM's int32 accumulators do (-fwrapv makes that defined C).
COMMON_FLAGS = ["-O3", "-std=c99", "-ffp-contract=off", "-fno-math-errno", "-fwrapv",
                "-DTINYRT_TIMING"]


def sources():
    """The module, the executor and every kernel (csrc/kernels/*.c)."""
    return [CSRC / "module.c", CSRC / "executor.c"] + sorted((CSRC / "kernels").glob("*.c"))


def headers():
    return sorted(CSRC.rglob("*.h"))


def levels(machine):
    """{level: extra flags} for a machine name as platform.machine() gives it."""
    machine = machine.lower()
    out = {"portable": ["-DTINYRT_PORTABLE"]}
    if machine in ("x86_64", "amd64"):
        out["avx2"] = ["-mavx2"]
        out["avx512"] = ["-mavx2", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq",
                         "-mavx512vnni", "-mprefer-vector-width=512"]
    elif machine in ("aarch64", "arm64"):
        out["neon"] = []
    return out


def flags(level, machine):
    return COMMON_FLAGS + levels(machine)[level] + [f"-DTINYRT_MODULE=_core_{level}"]
