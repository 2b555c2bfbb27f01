"""Arena memory: the planners that give tensors offsets, and the arena that hands out views."""
from .arena import ALIGNMENT, Arena, SharedArena, align_up
from .planner import GreedyMemoryPlanner, LinearMemoryPlanner, MemoryPlanner

__all__ = ["ALIGNMENT", "Arena", "SharedArena", "align_up", "GreedyMemoryPlanner", "LinearMemoryPlanner",
           "MemoryPlanner"]
