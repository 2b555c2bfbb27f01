"""What a generated Cortex-M program costs: flash and RAM from the linked ELF, the stack's
high-water mark the program prints, instructions from QEMU."""
import re
import shutil
import subprocess
from pathlib import Path

from .emit import CodegenError


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise CodegenError(f"measuring sizes needs {name} (Debian: gcc-arm-none-eabi)")
    return path


def sizes(out_dir, program="model_run.elf"):
    """Bytes of the linked program: flash (code and read-only data, initialised data) with
    the model's constants (weights, op data, tables) apart, and static RAM."""
    elf = str(Path(out_dir) / program)
    text = subprocess.run([_tool("arm-none-eabi-size"), "-A", elf], capture_output=True,
                          text=True, check=True).stdout
    sections = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sections[parts[0]] = int(parts[1])
    symbols = subprocess.run([_tool("arm-none-eabi-nm"), "-S", "--size-sort", elf],
                             capture_output=True, text=True, check=True).stdout
    constants = 0
    opdata = 0
    for line in symbols.splitlines():
        parts = line.split()
        if len(parts) == 4:
            if re.match(r"tinyrt_model_(const|arena_init)\d+$", parts[3]):
                constants += int(parts[1], 16)
            elif re.match(r"tinyrt_model_node\d+$", parts[3]):
                opdata += int(parts[1], 16)
    flash = sections.get(".text", 0) + sections.get(".ARM.exidx", 0) + \
        sections.get(".data", 0)
    return {"flash_bytes": flash, "model_constants_bytes": constants,
            "op_data_bytes": opdata, "code_bytes": flash - constants - opdata,
            "data_bytes": sections.get(".data", 0), "bss_bytes": sections.get(".bss", 0),
            "stack_reserved_bytes": sections.get(".stack", 0)}


def stack_bytes(console):
    """The stack high-water mark the Cortex-M test program prints, or None."""
    m = re.search(r"stack_bytes=(\d+)", console)
    return int(m.group(1)) if m else None
