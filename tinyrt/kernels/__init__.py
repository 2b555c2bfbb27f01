"""Kernels: one module per op or op family. Importing this package registers them all."""
from .base import REGISTRY, Kernel, PrepareContext, register  # noqa: F401
