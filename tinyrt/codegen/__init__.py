"""Code generation: a model as a self-contained C99 project for a host or a Cortex-M part
(``tinyrt codegen``). The kernels are the compiled core's own sources; the model becomes
constants, initialised op data structs, one static arena and a function calling the kernels
in order. No interpreter, no flatbuffer parser, no heap."""
from . import measure
from .emit import CodegenError, ModelSource
from .project import BuildError, build, generate, prepare, run, split_outputs
from .targets import TARGETS

__all__ = ["BuildError", "CodegenError", "ModelSource", "TARGETS", "build", "generate",
           "prepare", "run", "split_outputs"]
