"""Kernels: one module per op or op family. Importing this package registers them all."""
from .base import REGISTRY, Kernel, PrepareContext, register  # noqa: F401
from . import control_flow, resource_variables  # noqa: F401,E402
from . import fully_connected, reshape, softmax  # noqa: F401,E402
from . import conv, depthwise_conv, pooling  # noqa: F401,E402
from . import add_sub, elementwise, mul  # noqa: F401,E402
from . import quantize, svdf  # noqa: F401,E402
from . import relu  # noqa: F401,E402
from . import shape_ops  # noqa: F401,E402
from . import transpose_conv  # noqa: F401,E402
from . import activations  # noqa: F401,E402
from . import comparisons  # noqa: F401,E402
from . import reduce  # noqa: F401,E402
from . import logical, unary  # noqa: F401,E402
from . import movement  # noqa: F401,E402
from . import spatial  # noqa: F401,E402
from . import normalization  # noqa: F401,E402
