"""Resource variables: VAR_HANDLE, ASSIGN_VARIABLE, READ_VARIABLE.

As in TFLM's MicroResourceVariables: VAR_HANDLE maps (container, shared_name) to an int32 id that
it writes into its resource tensor; the first ASSIGN_VARIABLE to a resource fixes its size and
its bytes come from the arena tail; READ_VARIABLE copies them out.
"""
import numpy as np

from .base import Kernel, register



def _resources(ctx):
    return ctx.resources


def _resource_ids(ctx, kernel):
    """The resource id a READ/ASSIGN node refers to, found from the VAR_HANDLE producing its
    resource tensor (TFLM reads the id at run time; the plan needs it at prepare)."""
    handle = kernel.node.inputs[0]
    for op in ctx.subgraph.operators:
        if handle in op.outputs and op.op_name == "VAR_HANDLE":
            return ctx.resources.id_for(op.options.get("container"),
                                          op.options.get("shared_name"))
    kernel.fail("its resource input does not come from a VAR_HANDLE in the same subgraph")


@register("VAR_HANDLE")
class VarHandle(Kernel):
    dtypes = ("any",)
    def prepare(self, ctx):
        self.resources = _resources(ctx)
        self.id = self.resources.id_for(self.options.get("container"),
                                        self.options.get("shared_name"))

    def eval(self, inputs, outputs):
        outputs[0].reshape(-1)[0] = self.id


@register("ASSIGN_VARIABLE")
class AssignVariable(Kernel):
    dtypes = ("any",)
    def prepare(self, ctx):
        self.resources = _resources(ctx)
        self.id = _resource_ids(ctx, self)
        value = ctx.inputs[1]
        spec = self.resources.specs.get(self.id)
        if spec is None:
            idx = ctx.allocate_persistent(value.nbytes)
            self.resources.specs[self.id] = (value.dtype, value.shape, self, idx)
        elif spec[0] != value.dtype or int(np.prod(spec[1])) != int(np.prod(value.shape)):
            self.fail(f"assigns {value.dtype} {list(value.shape)} to a variable of "
                      f"{spec[0]} {list(spec[1])}")

    def bind(self):
        dtype, shape, owner, idx = self.resources.specs[self.id]
        if owner is self:
            self.resources.arrays[self.id] = owner.persistent[idx].view(dtype).reshape(shape)

    def eval(self, inputs, outputs):
        np.copyto(self.resources.arrays[self.id], inputs[1].reshape(
            self.resources.arrays[self.id].shape))


@register("READ_VARIABLE")
class ReadVariable(Kernel):
    dtypes = ("any",)
    def prepare(self, ctx):
        self.resources = _resources(ctx)
        self.id = _resource_ids(ctx, self)

    def eval(self, inputs, outputs):
        src = self.resources.arrays.get(self.id)
        if src is None:
            self.fail("reads a resource variable that no ASSIGN_VARIABLE ever sizes")
        np.copyto(outputs[0], src.reshape(outputs[0].shape))
