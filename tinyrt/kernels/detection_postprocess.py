"""TFLM custom op kernel (being written)."""
