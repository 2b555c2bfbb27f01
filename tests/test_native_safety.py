"""Where the compiled core comes from: only the package's own directory, as installed. Nothing
is compiled, cached or loaded from a directory another user could write (the run-time build and
cache this replaced could be made to load a planted library, or crash on a corrupted one).
Undefined behaviour in the kernels is checked by tests/test_sanitized_core.py; sums that leave
int32 and softmax's edges are among the layers tests/test_native.py runs under it."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinyrt import native

ROOT = Path(__file__).resolve().parent.parent

RUN = """
import json, sys
import numpy as np
import tinyrt
from tinyrt import native
from tinyrt.builder import ModelBuilder
b = ModelBuilder()
x = b.add_input("x", (1, 4, 4, 3), np.int8, scale=0.5, zero_point=1)
w = b.add_constant("w", np.arange(-27, 27, dtype=np.int8).reshape(2, 3, 3, 3),
                   scale=0.02, zero_point=0)
y = b.add_tensor("y", (1, 4, 4, 2), np.int8, scale=0.25, zero_point=-3)
b.add_operator("CONV_2D", [x, w], [y], padding=0, stride_h=1, stride_w=1)
b.mark_output(y)
it = tinyrt.Interpreter(model_content=b.build())
it.allocate_tensors()
it.set_input(np.arange(48, dtype=np.int8).reshape(1, 4, 4, 3), 0)
it.invoke()
files = sorted(m.__file__ for name, m in sys.modules.items()
               if name.startswith("tinyrt.native._core_"))
print(json.dumps({"sum": int(it.get_output(0).sum()), "core_files": files,
                  "ran_in_c": it.kernels[0].native is not None}))
"""


def _child(env):
    done = subprocess.run([sys.executable, "-c", RUN], env=dict(os.environ, **env),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    import json
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not native.available(), reason="no compiled core here")
def test_core_loads_only_from_the_package_and_writes_nothing(tmp_path):
    """A library planted where the old run-time cache lived never runs; the core's modules are
    the package's own; a run leaves no files in the user's home."""
    cache = tmp_path / "shared-cache"
    cache.mkdir(mode=0o777)
    marker = tmp_path / "planted-code-ran"
    source = tmp_path / "plant.c"
    source.write_text('#include <stdio.h>\n__attribute__((constructor)) static void plant(void)'
                      f' {{ FILE *f = fopen("{marker}", "w"); if (f) fclose(f); }}\n')
    for level in ("portable", "avx2", "avx512"):
        subprocess.run(["cc", "-shared", "-fPIC", "-o", str(cache / f"_core_{level}.so"),
                        str(source)], check=True)
    home = tmp_path / "home"
    home.mkdir()
    got = _child({"TINYRT_CACHE_DIR": str(cache), "HOME": str(home)})
    expected = _child({"TINYRT_NATIVE": "0"})
    assert not marker.exists(), "a planted library was loaded"
    assert got["ran_in_c"] and not expected["ran_in_c"]
    assert got["sum"] == expected["sum"]
    package = Path(native.__file__).resolve().parent
    assert got["core_files"] and all(Path(f).resolve().parent == package
                                     for f in got["core_files"])
    assert not any(home.rglob("*")), "the run wrote into the user's home"
