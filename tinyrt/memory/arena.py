"""The arena: one fixed byte buffer. Planned tensors and scratch at the head (low addresses),
persistent data at the tail (high addresses, growing down), 16-byte alignment as TFLM."""
import numpy as np

from ..errors import ArenaTooSmallError

ALIGNMENT = 16


def align_up(n, alignment=ALIGNMENT):
    return (int(n) + alignment - 1) // alignment * alignment


class Arena:
    def __init__(self, buffer, head_size, tail_sizes):
        """``tail_sizes``: byte sizes of the persistent allocations, in order."""
        self.buffer = buffer
        self.size = len(buffer)
        self.head_size = align_up(head_size)
        self.tail_offsets = []
        top = self.size // ALIGNMENT * ALIGNMENT
        for n in tail_sizes:
            top -= align_up(n)
            self.tail_offsets.append(top)
        self.tail_size = self.size - top if tail_sizes else 0
        self.bytes = np.frombuffer(buffer, dtype=np.uint8)

    @staticmethod
    def needed(head_size, tail_sizes):
        return align_up(head_size) + sum(align_up(n) for n in tail_sizes)

    @classmethod
    def create(cls, arena, arena_size, head_size, tail_sizes):
        """Make the arena: ``arena`` is a caller's writable buffer or None; ``arena_size`` None
        means exactly what the plan needs."""
        needed = cls.needed(head_size, tail_sizes)
        if arena is not None:
            mv = memoryview(arena)
            if mv.readonly:
                raise ArenaTooSmallError(0, needed, "a read-only arena buffer: this model")
            buf = mv.cast("B")
            if arena_size is not None:
                buf = buf[:arena_size]
        else:
            buf = bytearray(needed if arena_size is None else int(arena_size))
        if len(buf) < needed:
            raise ArenaTooSmallError(len(buf), needed)
        return cls(buf, head_size, tail_sizes)

    def view(self, offset, shape, dtype):
        dtype = np.dtype(dtype)
        count = 1
        for d in shape:
            count *= d
        return self.bytes[offset:offset + count * dtype.itemsize].view(dtype).reshape(shape)
