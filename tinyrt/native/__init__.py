"""Native kernels: tinyrt's own C source (kernels.c), compiled on first use with the machine's
C compiler and loaded through ctypes. Optional: without a compiler, or with TINYRT_NATIVE=0,
every kernel runs its numpy implementation, with the same results.

The shared library is built with ``-O3 -march=native`` (so it may use the host's SIMD
instructions), or with PORTABLE_FLAGS where the compiler refuses those, and cached under ``$TINYRT_CACHE_DIR`` (default ``~/.cache/tinyrt``), keyed by
the source, the compiler, its flags and the CPU, so a changed machine or source rebuilds it.
``$CC`` picks the compiler (default: cc, then gcc, then clang).
"""
import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import TinyrtError

SOURCE = Path(__file__).with_name("kernels.c")
FLAGS = ["-O3", "-std=c99", "-march=native", "-mprefer-vector-width=512", "-shared", "-fPIC"]
# for compilers or targets without -march=native / -mprefer-vector-width (e.g. some ARM ones)
PORTABLE_FLAGS = ["-O3", "-std=c99", "-shared", "-fPIC"]

_state = {"lib": None, "tried": False, "reason": None}


class NativeUnavailable(TinyrtError):
    """native=True was asked for but the kernels could not be built or loaded."""


def _compiler():
    cc = os.environ.get("CC")
    if cc:
        return shutil.which(cc)
    for name in ("cc", "gcc", "clang"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _cpu_tag():
    """What -march=native depends on: the CPU's model and feature flags."""
    try:
        text = Path("/proc/cpuinfo").read_text()
        lines = [ln for ln in text.splitlines() if ln.startswith(("model name", "flags"))][:2]
        return "\n".join(lines)
    except OSError:
        return platform.processor() + platform.machine()


def _cache_dir():
    base = os.environ.get("TINYRT_CACHE_DIR")
    return Path(base) if base else Path.home() / ".cache" / "tinyrt"


def _build(cc, flags):
    source = SOURCE.read_bytes()
    version = subprocess.run([cc, "--version"], capture_output=True, text=True,
                             timeout=60).stdout
    key = hashlib.sha256(b"\0".join([source, version.encode(), " ".join(flags).encode(),
                                     _cpu_tag().encode()])).hexdigest()[:16]
    target = _cache_dir() / f"tinyrt_kernels_{key}.so"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    os.close(fd)
    try:
        done = subprocess.run([cc, *flags, "-o", tmp, str(SOURCE)], capture_output=True,
                              text=True, timeout=300)
        if done.returncode != 0:
            raise OSError(f"{Path(cc).name} failed: {done.stderr.strip()[:500]}")
        os.replace(tmp, target)        # atomic: concurrent builds leave one whole file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def library():
    """The loaded kernels (a ctypes.CDLL), or None when they are unavailable; ``reason()``
    then says why. Built at most once per process."""
    if _state["tried"]:
        return _state["lib"]
    _state["tried"] = True
    if os.environ.get("TINYRT_NATIVE", "1") == "0":
        _state["reason"] = "disabled by TINYRT_NATIVE=0"
        return None
    cc = _compiler()
    if cc is None:
        _state["reason"] = "no C compiler found (set CC)"
        return None
    errors = []
    for flags in (FLAGS, PORTABLE_FLAGS):
        try:
            _state["lib"] = compile_library(flags, cc)
            return _state["lib"]
        except (OSError, subprocess.SubprocessError) as e:
            errors.append(str(e))
    _state["reason"] = f"could not build the native kernels: {errors[-1]}"
    return None


def compile_library(flags, cc=None):
    """Build (or take from the cache) kernels.c with ``flags`` and load it: a ctypes.CDLL with
    its entry points declared. Raises OSError when it cannot. ``library()`` uses FLAGS; other
    flags give other builds (the tests build a portable one, without -march=native)."""
    cc = cc or _compiler()
    if cc is None:
        raise OSError("no C compiler found (set CC)")
    from . import structs
    lib = ctypes.CDLL(str(_build(cc, list(flags))))
    structs.declare(lib)
    return lib


def reason():
    """Why ``library()`` is None (None when it is loaded or not tried yet)."""
    return _state["reason"]


def info():
    """A one-line description of the native kernels' state, for ``tinyrt info`` and reports."""
    lib = library()
    if lib is None:
        return f"native kernels: off ({reason()})"
    simd = "AVX-512 VNNI" if lib.tinyrt_features() & 1 else "portable C"
    return f"native kernels: on ({simd})"


def resolve(native):
    """The library to use for an interpreter's ``native`` option: None/"auto" -> when
    available, False -> never, True -> required (NativeUnavailable if it cannot be built)."""
    if native is not None and not native:
        return None
    lib = library()
    if native and lib is None:
        raise NativeUnavailable(f"native kernels unavailable: {reason()}")
    return lib
