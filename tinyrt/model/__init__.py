"""Reading .tflite models: checked flatbuffer access, the schema, and plain model objects."""
from .reader import (DEFAULT_MAX_BYTES, Model, OperatorDef, Quantization, SignatureDef,
                     SubgraphDef, TensorDef, load_model)

__all__ = ["DEFAULT_MAX_BYTES", "Model", "OperatorDef", "Quantization", "SignatureDef",
           "SubgraphDef", "TensorDef", "load_model"]
