"""The compiled core never contracts float multiplies and adds into FMA: TFLM's float kernels
round each product and each sum, so an FMA anywhere would change bits. -ffp-contract=off is not
enough on its own (GCC 12's vectorizer still forms FMADDSUB from complex-multiply-like code at
the avx512 level), so the built libraries are checked instruction by instruction."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import tinyrt.native

FMA = re.compile(r"\bv(fn?m(add|sub)(sub|add)?\d{3}[sp][sd])\b")


@pytest.mark.parametrize("level", [lv for lv in ("avx512", "avx2")
                                   if lv in tinyrt.native.available()])
def test_no_fma_instructions(level):
    objdump = shutil.which("objdump")
    if objdump is None:
        pytest.skip("objdump not installed")
    path = Path(tinyrt.native.load(level).module.__file__)
    text = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(path)], capture_output=True,
                          text=True, check=True).stdout
    where, found = None, []
    for line in text.splitlines():
        m = re.match(r"[0-9a-f]+ <(.+)>:", line)
        if m:
            where = m.group(1)
        elif FMA.search(line):
            found.append((where, line.split()[-2] if len(line.split()) > 1 else line))
    assert not found, f"FMA instructions in the {level} core: {sorted(set(found))[:10]}"
