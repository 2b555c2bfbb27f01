"""tinyrt's compiled core: C kernels and an executor (tinyrt/native/csrc), built when the
package is installed, once per SIMD level (see setup.py). Optional: where it was not built, or
with TINYRT_NATIVE=0, every layer runs its numpy kernel, with the same results.

Levels, best first: ``avx512`` (AVX-512 with VNNI), ``avx2``, ``neon`` (arm64), ``portable``
(plain C). The best level that is built and that the CPU runs is used; ``TINYRT_ISA=<level>``
forces one (an error if it cannot be had), as does ``Interpreter(native="<level>")``.
"""
from .core import LEVELS, Core, NativeUnavailable, available, default, info, load, resolve

__all__ = ["LEVELS", "Core", "NativeUnavailable", "available", "default", "info", "load",
           "resolve"]
