"""TFLM's Signal library: the custom ops of audio front ends (tflite-micro's signal/ directory).

Each module registers its kernels under the custom op names the converter writes
("SignalWindow", "SignalRfft", ...).
"""
from . import fft, filter_bank_post, spectrum, streaming  # noqa: F401
