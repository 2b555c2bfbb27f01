"""Arena memory: lifetimes, the planners that give tensors offsets, the arena that hands out
views, allocation (all of these for a prepared model), the report, and what TFLM's own arena
for a model would be."""
from .allocation import Allocation, allocate
from .arena import ALIGNMENT, Arena, SharedArena, align_up
from .compact import CompactMemoryPlanner
from .planner import GreedyMemoryPlanner, LinearMemoryPlanner, MemoryPlanner
from .report import MemoryReport
from .tflm_arena import TflmArena, tflm_arena, tflm_arena_bytes

__all__ = ["Allocation", "allocate", "ALIGNMENT", "Arena", "SharedArena", "align_up",
           "GreedyMemoryPlanner", "LinearMemoryPlanner", "CompactMemoryPlanner", "MemoryPlanner",
           "MemoryReport",
           "TflmArena", "tflm_arena", "tflm_arena_bytes"]
