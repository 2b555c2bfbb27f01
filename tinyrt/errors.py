"""Exception types raised by tinyrt.

Every failure a user can cause is a :class:`TinyrtError`; the message names the op, node index,
tensor name or file offset involved and, where there is one, the fix.
"""


class TinyrtError(Exception):
    """Base class of every error tinyrt raises on purpose."""


class ModelError(TinyrtError, ValueError):
    """The .tflite file is malformed, inconsistent, or asks for more than allowed."""


class UnsupportedOpError(TinyrtError, RuntimeError):
    """A node's op has no kernel in the op resolver (a RuntimeError at allocation, as LiteRT)."""


class OpError(TinyrtError, RuntimeError):
    """A kernel rejected its node during prepare (unsupported dtype, bad shapes, ...) or failed
    during invoke; LiteRT raises RuntimeError for both."""

    def __init__(self, op_name, node_index, message, subgraph_index=0):
        self.op_name = op_name
        self.node_index = node_index
        self.subgraph_index = subgraph_index
        where = f"{op_name} (node {node_index}" + (
            f", subgraph {subgraph_index})" if subgraph_index else ")")
        super().__init__(f"{where}: {message}")


class ArenaTooSmallError(TinyrtError, MemoryError):
    """The arena cannot hold the plan; ``needed`` says how many bytes it must have."""

    def __init__(self, arena_size, needed, what="this model"):
        self.arena_size = arena_size
        self.needed = needed
        super().__init__(
            f"arena is {arena_size} bytes; {what} needs {needed} "
            f"(pass arena_size>={needed}, or arena_size=None for exactly what is needed)")


class InputError(TinyrtError, ValueError):
    """A value given to set_tensor / set_input does not fit the tensor."""


class StateError(TinyrtError, RuntimeError):
    """An interpreter method was called at the wrong time (e.g. invoke before allocate_tensors)."""


class UnallocatedError(StateError, ValueError):
    """A tensor was read or written before allocate_tensors(): LiteRT raises ValueError for
    this (and RuntimeError for an invoke), so this is both."""


class ArgumentError(TinyrtError, ValueError):
    """An argument has a value the interpreter cannot take (num_threads=0, an unknown
    op resolver type, an index out of range, ...)."""


class ArgumentTypeError(TinyrtError, TypeError):
    """An argument has the wrong type (a tensor index that is not an int, ...)."""


class IndexOutOfRangeError(InputError, IndexError):
    """An input, output, tensor or subgraph index beyond the model's: an IndexError, as
    tflite_micro raises, and a ValueError, as LiteRT raises."""
