"""The arena: one fixed byte buffer. Planned tensors and scratch at the head (low addresses),
persistent data at the tail (high addresses, growing down), 16-byte alignment as TFLM."""
import numpy as np

from ..errors import ArenaTooSmallError

ALIGNMENT = 16


def align_up(n, alignment=ALIGNMENT):
    return (int(n) + alignment - 1) // alignment * alignment


class SharedArena:
    """One arena for several interpreters (TFLM's multi-tenancy).

    Every interpreter's planned tensors start at offset 0, so the head is as large as the
    largest plan and is shared: run the interpreters one at a time, setting inputs before each
    invoke and reading outputs right after it. Persistent data (tails) stack from the end and are
    never shared, so each interpreter keeps its state.
    """

    def __init__(self, size_or_buffer):
        if isinstance(size_or_buffer, (int, np.integer)):
            size_or_buffer = bytearray(int(size_or_buffer))
        mv = memoryview(size_or_buffer)
        if mv.readonly:
            raise TypeError("a shared arena needs a writable buffer")
        self.buffer = mv.cast("B")
        self.size = len(self.buffer)
        self.tail_top = self.size // ALIGNMENT * ALIGNMENT   # lowest byte used by any tail
        self.head_max = 0                                     # largest head placed so far
        self.tenants = 0

    @property
    def used(self):
        return self.head_max + (self.size - self.tail_top)


class Arena:
    def __init__(self, buffer, head_size, tail_sizes, top=None):
        """``tail_sizes``: byte sizes of the persistent allocations, in order; they are placed
        downwards from ``top`` (default: the end of the buffer)."""
        self.buffer = buffer
        self.size = len(buffer)
        self.head_size = align_up(head_size)
        self.tail_offsets = []
        start = self.size // ALIGNMENT * ALIGNMENT if top is None else top
        top = start
        for n in tail_sizes:
            top -= align_up(n)
            self.tail_offsets.append(top)
        self.tail_size = start - top
        self.tail_start = top
        self.bytes = np.frombuffer(buffer, dtype=np.uint8)

    @staticmethod
    def needed(head_size, tail_sizes):
        return align_up(head_size) + sum(align_up(n) for n in tail_sizes)

    @classmethod
    def create(cls, arena, arena_size, head_size, tail_sizes):
        """Make the arena: ``arena`` is a caller's writable buffer or None; ``arena_size`` None
        means exactly what the plan needs."""
        needed = cls.needed(head_size, tail_sizes)
        if isinstance(arena, SharedArena):
            tail = needed - align_up(head_size)
            head = max(align_up(head_size), arena.head_max)
            total = head + (arena.size - arena.tail_top) + tail
            if total > arena.size:
                raise ArenaTooSmallError(arena.size, total,
                                         f"this model beside {arena.tenants} other interpreter(s)")
            made = cls(arena.buffer, head_size, tail_sizes, top=arena.tail_top)
            arena.tail_top = made.tail_start
            arena.head_max = head
            arena.tenants += 1
            return made
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
