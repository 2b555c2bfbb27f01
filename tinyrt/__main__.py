"""``python -m tinyrt``: the same as the ``tinyrt`` command."""
import sys

from .cli import main

sys.exit(main())
