"""Models shipped inside the package, so ``tinyrt demo`` and the README's examples run after a
plain install. ``examples/make_models.py`` in the source tree builds them (seeded)."""
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent
# a tiny DS-CNN keyword spotter, int8 with per-channel weights (random weights)
KWS_TINY = str(DIRECTORY / "kws_tiny_int8.tflite")

__all__ = ["KWS_TINY", "DIRECTORY"]
