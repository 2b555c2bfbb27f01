"""The tflite_micro runtime's interface, on tinyrt.

    from tinyrt.micro import Interpreter, InterpreterConfig
    # was: from tflite_micro.python.tflite_micro.runtime import Interpreter, InterpreterConfig

    it = Interpreter.from_file("model.tflite", arena_size=64_000,
                               intrepreter_config=InterpreterConfig.kPreserveAllTensors)
    it.set_input(x, 0)          # allocated in the constructor, as TFLM
    it.invoke()                 # returns 0
    y = it.get_output(0)
    t = it.GetTensor(5, 0)      # {'dtype', 'shape', 'tensor_data'}

The argument names (``intrepreter_config`` included, as tflite_micro spells it), return values
and exception types are tflite_micro's; out-of-range indices raise IndexError where tflite_micro
does (and where it would crash, for ``GetTensor``).
"""
import enum
import os
import sys

import numpy as np

from .errors import ArgumentError, IndexOutOfRangeError, StateError
from .interpreter import Interpreter as _Interpreter


class InterpreterConfig(enum.Enum):
    """tflite_micro's two modes: record allocations (the default), or keep every tensor's value
    after invoke (each planned tensor gets its own memory) so ``GetTensor`` can read it."""
    kAllocationRecording = 0
    kPreserveAllTensors = 1


def allocation_lines(report):
    """A MemoryReport in the lines TFLM's RecordingMicroAllocator prints. tinyrt's tail holds
    only variable tensors and kernels' persistent buffers: TFLM's also holds its own
    structures (eval tensors, node structs, quantization data), so its tail is larger."""
    tag = "[RecordingMicroAllocator]"
    return [f"{tag} Arena allocation total {report.used} bytes",
            f"{tag} Arena allocation head {report.head} bytes",
            f"{tag} Arena allocation tail {report.tail} bytes",
            f"{tag} 'Persistent buffer data' used {report.persistent_buffers} bytes with "
            f"alignment overhead",
            f"{tag} 'Variable tensor data' used {report.variable_tensors} bytes with "
            f"alignment overhead"]


class Interpreter:
    """tflite_micro's ``runtime.Interpreter``: construct (which allocates), set inputs, invoke,
    read outputs. ``custom_op_registerers`` names TFLM registerer functions; tinyrt has every
    TFLM custom op built in, so the names are checked (a list of strings) and need nothing
    more. ``arena_size=None`` is TFLM's guess, ten times the model's size."""

    def __init__(self, model_data, custom_op_registerers, arena_size,
                 intrepreter_config=InterpreterConfig.kAllocationRecording,
                 alt_decompression_memory_size=0):
        if model_data is None:
            raise ArgumentError("Model must not be None")
        if not isinstance(custom_op_registerers, list) or not all(
                isinstance(s, str) for s in custom_op_registerers):
            raise ArgumentError("Custom ops registerers must be a list of strings")
        if not isinstance(intrepreter_config, InterpreterConfig):
            raise ArgumentError(f"intrepreter_config must be an InterpreterConfig, not "
                                f"{intrepreter_config!r}")
        data = bytes(model_data)
        if arena_size is None:
            arena_size = len(data) * 10
        self.config = intrepreter_config
        self._it = _Interpreter(
            model_content=data, arena_size=arena_size,
            experimental_preserve_all_tensors=intrepreter_config is
            InterpreterConfig.kPreserveAllTensors)
        self._it.allocate_tensors()

    @classmethod
    def from_file(cls, model_path, custom_op_registerers=None, arena_size=None,
                  intrepreter_config=InterpreterConfig.kAllocationRecording,
                  alt_decompression_memory_size=0):
        if model_path is None or not os.path.isfile(model_path):
            raise ArgumentError("Invalid model file path")
        with open(model_path, "rb") as f:
            data = f.read()
        return cls(data, custom_op_registerers or [], arena_size, intrepreter_config,
                   alt_decompression_memory_size)

    @classmethod
    def from_bytes(cls, model_data, custom_op_registerers=None, arena_size=None,
                   intrepreter_config=InterpreterConfig.kAllocationRecording,
                   alt_decompression_memory_size=0):
        return cls(model_data, custom_op_registerers or [], arena_size, intrepreter_config,
                   alt_decompression_memory_size)

    @property
    def interpreter(self):
        """The tinyrt interpreter underneath (memory_report(), profiler, ...)."""
        return self._it

    # -- running ------------------------------------------------------------------------------
    def invoke(self):
        self._it.invoke()
        return 0

    def reset(self):
        self._it.reset_all_variables()
        return 0

    def print_allocations(self):
        """TFLM's allocation summary, to stderr as TFLM prints it."""
        print("\n".join(allocation_lines(self._it.memory_report())), file=sys.stderr)

    # -- tensors ------------------------------------------------------------------------------
    @staticmethod
    def _index(index, count, kind):
        if index is None or not isinstance(index, (int, np.integer)) or index < 0:
            raise ArgumentError("Index must be a non-negative integer")
        if index >= count:
            raise IndexOutOfRangeError(f"{kind} index {index} out of range (length is "
                                       f"{count})")
        return int(index)

    def set_input(self, input_data, index):
        if input_data is None:
            raise ArgumentError("Input data must not be None")
        sg = self._it.model.main
        i = self._index(index, len(sg.inputs), "Input")
        self._it.set_tensor(sg.inputs[i], np.asarray(input_data))

    def get_output(self, index):
        sg = self._it.model.main
        return self._it.get_tensor(sg.outputs[self._index(index, len(sg.outputs), "Output")])

    @staticmethod
    def _details(d):
        q = d["quantization_parameters"]
        return {"dtype": d["dtype"], "shape": d["shape"],
                "quantization_parameters": {"scales": q["scales"], "zero_points": q["zero_points"],
                                            "quantized_dimension": q["quantized_dimension"]}}

    def get_input_details(self, index):
        sg = self._it.model.main
        i = self._index(index, len(sg.inputs), "Input")
        return self._details(self._it.get_input_details()[i])

    def get_output_details(self, index):
        sg = self._it.model.main
        i = self._index(index, len(sg.outputs), "Output")
        return self._details(self._it.get_output_details()[i])

    def GetTensor(self, tensor_index, subgraph_index):  # noqa: N802 - tflite_micro's name
        """{'dtype', 'shape', 'tensor_data'} of any tensor, with kPreserveAllTensors (without
        it, TFLM refuses: values of planned tensors are overwritten during invoke)."""
        if self.config is not InterpreterConfig.kPreserveAllTensors:
            raise StateError("GetTensor() needs intrepreter_config="
                             "InterpreterConfig.kPreserveAllTensors")
        n_sub = self._it.num_subgraphs()
        sg = self._index(subgraph_index, n_sub, "Subgraph")
        n = len(self._it.model.subgraphs[sg].tensors)
        t = self._index(tensor_index, n, "Tensor")
        data = self._it.get_tensor(t, sg)
        return {"dtype": data.dtype.type, "shape": np.array(data.shape, np.int32),
                "tensor_data": data}


__all__ = ["Interpreter", "InterpreterConfig", "IndexOutOfRangeError", "allocation_lines"]
