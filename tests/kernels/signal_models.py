"""Model helpers for the Signal-library kernel tests: the audio preprocessor's own op
configurations, and one-custom-op models built from (name, shape, dtype) specs."""
from flatbuffers import flexbuffers

from oracle import shared_model
from tinyrt.builder import ModelBuilder
from tinyrt.model.flexbuffers import read_map
from tinyrt.model.reader import load_model


def preprocessor_ops(name="audio_preprocessor_int8.tflite"):
    """{op name: (custom options dict, [input TensorDef...], [output TensorDef...])} of a shared
    audio preprocessor (the int8 and float ones share their front half)."""
    model = load_model(str(shared_model(name)))
    sg = model.subgraphs[0]
    ops = {}
    for op in sg.operators:
        if op.is_custom:
            ops[op.op_name] = (read_map(op.custom_options),
                               [sg.tensors[i] for i in op.inputs],
                               [sg.tensors[i] for i in op.outputs])
    return ops


def build(op, inputs, outputs, options=None):
    """One-op model. ``inputs``: (name, shape, dtype) for a model input or (name, array) for a
    constant; ``outputs``: (name, shape, dtype); ``options``: the flexbuffer map, if any."""
    b = ModelBuilder()
    ins = [b.add_constant(s[0], s[1]) if len(s) == 2 else b.add_input(*s) for s in inputs]
    outs = [b.add_tensor(*s) for s in outputs]
    b.add_operator(op, ins, outs, custom_options=None if options is None
                   else bytes(flexbuffers.Dumps(options)))
    for t in outs:
        b.mark_output(t)
    return b.build()
