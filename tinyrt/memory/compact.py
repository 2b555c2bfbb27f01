"""The compact plan: a smaller head than TFLM's greedy plan, with the same outputs.

Two things lower the peak:
- overlap: an operator's output may share bytes with the input it reads for the last time,
  as far as the order its reference kernel writes in allows (tinyrt.memory.streaming: views
  and same-size elementwise ops in place, windowed ops like depthwise convolution nearly so);
- placement: several orders of placing the buffers are tried (TFLM's largest-first among them)
  with first fit at the lowest offset, and the plan with the smallest head is kept. TFLM's own
  greedy plan is one of the candidates, so the compact head is never larger.
Offline-planned buffers keep their offsets.
"""
from .arena import ALIGNMENT, align_up
from .planner import GreedyMemoryPlanner, MemoryPlanner


class CompactMemoryPlanner(MemoryPlanner):
    """A planner that also takes ``add_overlap(output, input, gap)``: buffer ``output`` may
    overlap buffer ``input`` when it starts at least ``gap`` bytes before it."""

    def __init__(self):
        super().__init__()
        self.overlaps = {}    # (output id, input id) -> gap

    def add_overlap(self, output, inp, gap):
        # offsets stay multiples of the arena alignment, so the gap is rounded up to one
        self.overlaps[(output, inp)] = align_up(int(gap))

    def _compatible(self, a, off_a, b, off_b):
        """May buffer a at off_a and buffer b at off_b coexist (lifetimes overlapping)?"""
        sa, sb = self.buffers[a].size, self.buffers[b].size
        if off_a + sa <= off_b or off_b + sb <= off_a:
            return True
        gap = self.overlaps.get((a, b))
        if gap is not None and off_b - off_a >= gap:
            return True
        gap = self.overlaps.get((b, a))
        return gap is not None and off_a - off_b >= gap

    def _place(self, order, fixed, limit=None):
        """First fit of each buffer in ``order``. With a ``limit`` (a head to stay under), a
        buffer also may go at the top, and one that overlaps an operand prefers the offset
        the overlap allows; returns None when some buffer does not fit under the limit."""
        offsets = dict(fixed)
        alive = self._alive
        for b in order:
            if b in offsets:
                continue
            size = self.buffers[b].size
            others = [o for o in alive[b] if o in offsets]
            cands, partners = {0}, set()
            for o in others:
                cands.add(offsets[o] + self.buffers[o].size)
                if (b, o) in self.overlaps:
                    partners.add(offsets[o] - self.overlaps[(b, o)])
                if (o, b) in self.overlaps:
                    partners.add(offsets[o] + self.overlaps[(o, b)])
            if limit is not None:
                cands.add(limit - size)
            else:
                cands |= partners
                partners = set()
            for group in (partners, cands):
                fits = [c for c in sorted(group) if c >= 0 and (limit is None or c + size <= limit)
                        and all(self._compatible(b, c, o, offsets[o]) for o in others)]
                if fits:
                    offsets[b] = fits[0]
                    break
            else:
                return None
        return [offsets[i] for i in range(len(self.buffers))]

    def _head(self, offsets):
        return max((o + b.size for o, b in zip(offsets, self.buffers)), default=0)

    def plan(self):
        bufs = self.buffers
        n = len(bufs)
        self._alive = [[j for j in range(n) if j != i and bufs[j].overlaps(bufs[i].first_use,
                                                                          bufs[i].last_use)]
                       for i in range(n)]
        fixed = {i: b.offline_offset for i, b in enumerate(bufs) if b.offline_offset is not None}
        greedy = GreedyMemoryPlanner()
        greedy.buffers = [type(b)(b.size, b.first_use, b.last_use, b.offline_offset)
                          for b in bufs]
        best = greedy.plan()
        rev = list(range(n))[::-1]
        orders = [
            sorted(rev, key=lambda i: -bufs[i].size),                       # TFLM's order
            sorted(range(n), key=lambda i: (bufs[i].first_use, -bufs[i].size)),
            sorted(range(n), key=lambda i: (-bufs[i].size * (bufs[i].last_use
                                                             - bufs[i].first_use + 1))),
            sorted(range(n), key=lambda i: (-(bufs[i].last_use - bufs[i].first_use),
                                            -bufs[i].size)),
            # latest first: an operator's output is placed before the input it overlaps,
            # which then goes the allowed gap above it
            sorted(range(n), key=lambda i: (-bufs[i].first_use, -bufs[i].last_use,
                                            -bufs[i].size)),
            sorted(range(n), key=lambda i: (-bufs[i].last_use, -bufs[i].first_use,
                                            -bufs[i].size)),
            sorted(rev, key=lambda i: (-bufs[i].size, -bufs[i].first_use)),
        ]
        for order in orders:
            offsets = self._place(order, fixed)
            if self._head(offsets) < self._head(best):
                best = offsets
        # then, in order of creation (an operator's output before the input it overlaps),
        # aim under a head limit: bisect on the limit
        created = sorted(range(n), key=lambda i: (bufs[i].first_use, -bufs[i].last_use,
                                                  -bufs[i].size))
        lo = max((b.size for b in bufs), default=0) - 1
        hi = self._head(best)
        while hi - lo > ALIGNMENT:
            mid = align_up((lo + hi) // 2)
            offsets = self._place(created, fixed, limit=mid) if mid < hi else None
            if offsets is not None and self._head(offsets) < self._head(best):
                best, hi = offsets, self._head(offsets)
            else:
                lo = mid
        for b, off in zip(bufs, best):
            b.offset = off
        return best
