"""tinyrt: TensorFlow Lite Micro's interpreter in Python — one planned arena, bit-exact kernels."""
from . import examples
from .errors import (ArenaTooSmallError, ArgumentError, ArgumentTypeError, IndexOutOfRangeError,
                     InputError, ModelError, OpError, StateError, TinyrtError, UnallocatedError, UnsupportedOpError)
from .interpreter import Interpreter, MemoryReport, OpResolverType
from .kernels.base import Kernel, PrepareContext, register
from .memory.arena import SharedArena
from .memory.planner import GreedyMemoryPlanner, LinearMemoryPlanner, MemoryPlanner
from .model import load_model
from .profiler import Profiler
from .resolver import AllOpsResolver, OpResolver

__version__ = "0.1.0"

__all__ = ["Interpreter", "MemoryReport", "OpResolverType", "OpResolver", "AllOpsResolver", "Kernel",
           "PrepareContext", "register", "GreedyMemoryPlanner", "LinearMemoryPlanner",
           "MemoryPlanner", "SharedArena", "load_model", "Profiler", "TinyrtError", "ModelError", "UnsupportedOpError",
           "OpError", "ArenaTooSmallError", "InputError", "StateError", "UnallocatedError",
           "ArgumentError", "ArgumentTypeError", "IndexOutOfRangeError", "__version__"]
