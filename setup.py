"""Builds tinyrt's compiled core: the C kernels and executor in tinyrt/native/csrc, once per SIMD
level the target can have (portable everywhere; avx2 and avx512 on x86-64; neon on arm64), each
as the extension module tinyrt.native._core_<level> (flags: tinyrt/native/build_config.py). At
run time tinyrt picks the best level the CPU supports (TINYRT_ISA forces one). A level the
compiler cannot build is skipped; without a working C compiler the package still installs and
runs its numpy kernels (a warning says so, and `tinyrt info` reports it)."""
import os
import platform
import runpy
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

config = runpy.run_path(os.path.join("tinyrt", "native", "build_config.py"))
HERE = os.path.dirname(os.path.abspath(__file__))


def relative(paths):
    return [os.path.relpath(str(p), HERE) for p in paths]


class OptionalBuildExt(build_ext):
    """Builds each level it can; never fails the install."""

    def run(self):
        self.failed = []
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
        except Exception as e:
            self.failed.append((ext.name.rsplit(".", 1)[-1], str(e)))


machine = platform.machine()
setup(ext_modules=[Extension(f"tinyrt.native._core_{level}",
                             sources=relative(config["sources"]()),
                             depends=relative(config["headers"]()),
                             extra_compile_args=config["flags"](level, machine))
                   for level in config["levels"](machine)],
      cmdclass={"build_ext": OptionalBuildExt})
