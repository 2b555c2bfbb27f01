"""Signal library kernels (being written)."""
