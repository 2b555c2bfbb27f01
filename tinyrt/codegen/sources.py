"""Which of the compiled core's C files a generated project needs, and what the kernels'
headers say about their op data fields.

The kernels are the files in tinyrt/native/csrc, the same the host's core is built from. A
kernel with a variant for small memories (csrc/mcu/<file>.c) uses it in firmware: the op data
is the same struct, read as that file's comment says (tinyrt/kernels prepares it so for
firmware targets)."""
import functools
import re
from pathlib import Path

CSRC = Path(__file__).resolve().parent.parent / "native" / "csrc"

_FIELDS_DEFINE = re.compile(r"#define\s+TINYRT_FIELDS_(\w+)\(F\)((?:.*\\\n)*.*)")
_PTR_FIELD = re.compile(r"F\(PTR,\s*([^,()]+?),\s*(\w+)\)\s*(/\*.*?\*/)?", re.S)
_INCLUDE = re.compile(r'#include\s+"([^"]+)"')


@functools.lru_cache(maxsize=None)
def pointer_fields():
    """{kernel: {field: (ctype, is_work)}} for every pointer field in the kernels' headers.
    A field is work memory when its comment starts with "work": nothing in it outlives one
    call, so generated firmware lets every node's work share one buffer."""
    out = {}
    for header in sorted((CSRC / "kernels").glob("*.h")):
        text = header.read_text()
        macros = {m.group(1): m.group(2) for m in _FIELDS_DEFINE.finditer(text)}
        for name, body in macros.items():
            # the part fields of concat and split, declared through a helper macro
            body = re.sub(r"TINYRT_PART_FIELDS\(F,\s*([^)]+)\)", lambda m: " ".join(
                f"F(PTR, {m.group(1)}, part{i})" for i in range(10)), body)
            fields = {}
            for m in _PTR_FIELD.finditer(body):
                comment = (m.group(3) or "").strip("/* \n\\")
                fields[m.group(2)] = (m.group(1).strip(), comment.startswith("work"))
            out[name] = fields
    return out


@functools.lru_cache(maxsize=None)
def kernel_files():
    """{kernel: the .c file under csrc/kernels defining tinyrt_<kernel>}."""
    out = {}
    for src in sorted((CSRC / "kernels").glob("*.c")):
        for name in re.findall(r"^int tinyrt_(\w+)\(const tinyrt_\w+_opdata", src.read_text(),
                               re.M):
            out[name] = src
    return out


def firmware_source(kernel):
    """The C file generated firmware compiles for ``kernel``: its small-memory variant
    (csrc/mcu) where there is one, else the host's."""
    src = kernel_files()[kernel]
    mcu = CSRC / "mcu" / src.name
    return mcu if mcu.exists() else src


def closure(files):
    """``files`` and every csrc header they include, as paths relative to csrc."""
    seen, todo = set(), [Path(f) for f in files]
    while todo:
        f = todo.pop()
        rel = f.relative_to(CSRC)
        if rel in seen:
            continue
        seen.add(rel)
        for inc in _INCLUDE.findall(f.read_text()):
            path = (f.parent / inc).resolve()
            if path.is_file() and CSRC in path.parents:
                todo.append(path)
    return sorted(seen)
