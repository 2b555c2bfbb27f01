"""Memory planners: give every planned buffer an offset in the arena head from its lifetime.

Each buffer has a size and an inclusive lifetime [first_use, last_use] in op steps; two buffers
may share bytes only when their lifetimes do not overlap.
"""
from dataclasses import dataclass


@dataclass
class PlannedBuffer:
    size: int
    first_use: int
    last_use: int
    offline_offset: int = None   # fixed offset from an offline plan, or None
    offset: int = None

    def overlaps(self, first, last):
        return self.first_use <= last and first <= self.last_use


class MemoryPlanner:
    """Collects buffers with ``add_buffer`` then assigns offsets in ``plan``."""

    def __init__(self):
        self.buffers = []

    def add_buffer(self, size, first_use, last_use, offline_offset=None):
        self.buffers.append(PlannedBuffer(int(size), int(first_use), int(last_use),
                                          None if offline_offset is None else int(offline_offset)))
        return len(self.buffers) - 1

    def plan(self):
        """Assign ``offset`` to every buffer; returns the list of offsets."""
        raise NotImplementedError

    @property
    def head_size(self):
        return max((b.offset + b.size for b in self.buffers), default=0)


class LinearMemoryPlanner(MemoryPlanner):
    """Every buffer after the previous one: no reuse (TFLM's LinearMemoryPlanner)."""

    def plan(self):
        # Offline offsets are honoured; online buffers go after everything offline.
        end = max((b.offline_offset + b.size for b in self.buffers if b.offline_offset is not None),
                  default=0)
        for b in self.buffers:
            if b.offline_offset is not None:
                b.offset = b.offline_offset
            else:
                b.offset = end
                end += b.size
        return [b.offset for b in self.buffers]


class GreedyMemoryPlanner(MemoryPlanner):
    """TFLM's GreedyMemoryPlanner: largest buffers first, each at the lowest offset where it fits
    beside the buffers alive at the same time.

    Ties in size keep the later-added buffer first: TFLM sorts the buffers in reverse order of
    adding with a stable sort by size.
    """

    def plan(self):
        placed = []  # buffers already given an offset, kept sorted by offset
        for b in self.buffers:
            if b.offline_offset is not None:
                b.offset = b.offline_offset
                placed.append(b)
        placed.sort(key=lambda b: b.offset)
        online = [b for b in reversed(self.buffers) if b.offline_offset is None]
        online.sort(key=lambda b: -b.size)  # stable
        for b in online:
            candidate = 0
            for other in placed:
                if not other.overlaps(b.first_use, b.last_use):
                    continue
                if other.offset - candidate >= b.size:
                    break  # the gap before this buffer is big enough
                candidate = max(candidate, other.offset + other.size)
            b.offset = candidate
            # insert keeping offset order (after equal offsets, as TFLM's linked list does)
            i = len(placed)
            while i > 0 and placed[i - 1].offset > candidate:
                i -= 1
            placed.insert(i, b)
        return [b.offset for b in self.buffers]
