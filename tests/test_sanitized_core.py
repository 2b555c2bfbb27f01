"""The compiled core's kernel tests again, against a build of the same C sources with
AddressSanitizer and UndefinedBehaviorSanitizer: an out-of-bounds access, a signed overflow or a
bad shift anywhere in the kernels or the executor fails this test with the sanitizer's report.

The sanitized modules are built into a copy of the package (every level this machine runs) and
the kernel tests run there in a child process, with the ASan runtime preloaded into Python."""
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tinyrt import native
from tinyrt.native import build_config

ROOT = Path(__file__).resolve().parent.parent
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer", "-g", "-O1"]


def _compiler():
    for name in (os.environ.get("CC"), "gcc", "cc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _runtime(cc):
    out = subprocess.run([cc, "-print-file-name=libasan.so"], capture_output=True, text=True)
    path = out.stdout.strip()
    return path if os.path.isabs(path) and os.path.exists(path) else None


def kernel_tests(root):
    """The tests of the C kernels: test_native.py and every tests/kernels/test_*core*.py and
    test_*native*.py."""
    kernels = root / "tests" / "kernels"
    tests = [root / "tests" / "test_native.py"]
    tests += sorted(set(kernels.glob("test_*core*.py")) | set(kernels.glob("test_*native*.py")))
    return [str(t.relative_to(root)) for t in tests if t.exists()]


@pytest.mark.skipif(platform.system() != "Linux", reason="sanitizer runtimes: Linux only here")
def test_kernel_tests_pass_under_asan_and_ubsan(tmp_path):
    cc = _compiler()
    if cc is None or not native.available():
        pytest.skip("no C compiler, or no compiled core to compare")
    runtime = _runtime(cc)
    if runtime is None:
        pytest.skip("the compiler has no AddressSanitizer runtime")
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("*.so", "__pycache__", "*.pyc")
    shutil.copytree(ROOT / "tinyrt", copy / "tinyrt", ignore=ignore)
    shutil.copytree(ROOT / "tests", copy / "tests", ignore=ignore)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    include = sysconfig.get_paths()["include"]
    csrc = copy / "tinyrt" / "native" / "csrc"
    sources = [str(csrc / p.relative_to(build_config.CSRC)) for p in build_config.sources()]
    machine = platform.machine()
    for level in native.available():
        target = copy / "tinyrt" / "native" / f"_core_{level}{suffix}"
        done = subprocess.run([cc, "-shared", "-fPIC", f"-I{include}",
                               *build_config.flags(level, machine), *SANITIZE, *sources,
                               "-o", str(target)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
    env = dict(os.environ, LD_PRELOAD=runtime, PYTHONPATH=str(copy),
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:exitcode=86",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87")
    env.pop("TINYRT_ISA", None)
    env.pop("TINYRT_NATIVE", None)
    tests = kernel_tests(copy)
    done = subprocess.run([sys.executable, "-c",
                           "import sys, tinyrt.native as n; "
                           "assert n.__file__.startswith(sys.argv[1]), n.__file__; "
                           "import pytest; sys.exit(pytest.main(['-q', '-x', '-p', "
                           "'no:cacheprovider'] + sys.argv[2:]))", str(copy), *tests],
                          cwd=copy, env=env, capture_output=True, text=True, timeout=1800)
    report = (done.stdout[-4000:] + done.stderr[-6000:])
    assert done.returncode == 0, report
    assert "passed" in done.stdout and "Sanitizer" not in done.stderr, report
