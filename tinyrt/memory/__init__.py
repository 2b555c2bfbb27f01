"""Arena memory: the planners that give tensors offsets, and the arena that hands out views."""
from .arena import ALIGNMENT, Arena, align_up
from .planner import GreedyMemoryPlanner, LinearMemoryPlanner, MemoryPlanner

__all__ = ["ALIGNMENT", "Arena", "align_up", "GreedyMemoryPlanner", "LinearMemoryPlanner",
           "MemoryPlanner"]
