"""Builds tinyrt's compiled core: the C kernels and executor in tinyrt/native/csrc, once per SIMD
level the target can have (portable everywhere; avx2 and avx512 on x86-64; neon on arm64), each
as the extension module tinyrt.native._core_<level>. At run time tinyrt picks the best level the
CPU supports (TINYRT_ISA forces one). A level the compiler cannot build is skipped; without a
working C compiler the package still installs and runs its numpy kernels (a warning says so)."""
import platform
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

CSRC = Path("tinyrt/native/csrc")
SOURCES = [str(CSRC / "module.c"), str(CSRC / "executor.c")] + \
    sorted(str(p) for p in (CSRC / "kernels").glob("*.c"))
# Float kernels keep TFLM's order of float operations: no contraction to FMA, no reassociation.
# Integer sums wrap as TFLM's int32 accumulators do (-fwrapv makes that defined C).
COMMON = ["-O3", "-std=c99", "-ffp-contract=off", "-fno-math-errno", "-fwrapv",
          "-DTINYRT_TIMING"]

machine = platform.machine().lower()
LEVELS = {"portable": ["-DTINYRT_PORTABLE"]}
if machine in ("x86_64", "amd64"):
    LEVELS["avx2"] = ["-mavx2"]
    LEVELS["avx512"] = ["-mavx2", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq",
                        "-mavx512vnni", "-mprefer-vector-width=512"]
elif machine in ("aarch64", "arm64"):
    LEVELS["neon"] = []


class OptionalBuildExt(build_ext):
    """Builds each level it can; never fails the install."""

    def run(self):
        self.built, self.failed = [], []
        try:
            super().run()
        except Exception as e:  # no compiler at all
            self.failed.append(("all", str(e)))
        if self.failed:
            what = ", ".join(name for name, _ in self.failed)
            sys.stderr.write(
                f"\nWARNING: tinyrt's compiled core was not built for: {what}.\n"
                f"  ({self.failed[0][1].strip()[:300]})\n"
                "  tinyrt installs anyway; layers without a built core run on numpy kernels "
                "(same results, slower).\n\n")

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
            self.built.append(ext.name)
        except Exception as e:
            self.failed.append((ext.name.rsplit(".", 1)[-1], str(e)))


def extension(level, flags):
    name = f"_core_{level}"
    return Extension(f"tinyrt.native.{name}", sources=SOURCES,
                     depends=[str(p) for p in CSRC.rglob("*.h")],
                     extra_compile_args=COMMON + flags + [f"-DTINYRT_MODULE={name}"])


setup(ext_modules=[extension(level, flags) for level, flags in LEVELS.items()],
      cmdclass={"build_ext": OptionalBuildExt})
