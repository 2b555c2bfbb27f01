"""The targets generated code is built for: compiler, flags, memory, and how to run it."""
import shutil
from dataclasses import dataclass, field

# the flags the host's core is built with that decide bits: TFLM's float order (no FMA
# contraction), wrapping int32 arithmetic
EXACT_FLAGS = "-std=c99 -ffp-contract=off -fno-math-errno -fwrapv -fno-strict-aliasing"


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    cc: str
    cflags: str
    program: str                       # what make builds
    part: str = ""
    flash_origin: int = 0
    flash_kb: int = 0
    ram_origin: int = 0
    ram_kb: int = 0
    stack: int = 0
    qemu: tuple = field(default_factory=tuple)

    @property
    def embedded(self):
        return bool(self.qemu)

    def command(self, program):
        """The command that runs ``program`` (in the folder holding input.bin)."""
        if not self.embedded:
            return [str(program)]
        return ["qemu-system-arm", *self.qemu, "-nographic", "-monitor", "none",
                "-semihosting-config", "enable=on,target=native", "-kernel", str(program)]

    def missing_tools(self):
        tools = [self.cc.split()[0]] + (["qemu-system-arm"] if self.embedded else [])
        return [t for t in tools if shutil.which(t) is None]


_M_FLAGS = "-O2 -mthumb -ffunction-sections -fdata-sections"

TARGETS = {
    "host": Target(
        "host", "this computer, portable C", "cc", f"-O2 -DTINYRT_PORTABLE", "model_run"),
    "cortex-m4": Target(
        "cortex-m4", "Cortex-M4F with the DSP extension (QEMU mps2-an386)", "arm-none-eabi-gcc",
        f"{_M_FLAGS} -mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16", "model_run.elf",
        part="a Cortex-M4F part with 1 MB flash and 320 KB SRAM", flash_origin=0x00000000,
        flash_kb=1024, ram_origin=0x20000000, ram_kb=320, stack=8192,
        qemu=("-machine", "mps2-an386", "-cpu", "cortex-m4")),
    "cortex-m55": Target(
        "cortex-m55", "Cortex-M55 with Helium (QEMU mps3-an547)", "arm-none-eabi-gcc",
        f"{_M_FLAGS} -mcpu=cortex-m55 -mfloat-abi=hard", "model_run.elf",
        part="a Cortex-M55 part with 512 KB ITCM for code and 512 KB DTCM for data",
        flash_origin=0x00000000, flash_kb=512, ram_origin=0x20000000, ram_kb=512, stack=8192,
        qemu=("-machine", "mps3-an547", "-cpu", "cortex-m55")),
}
