"""``Input``: the symbolic entry point of a functional model (``InputLayer`` holds it)."""

from __future__ import annotations

from reference_impl import backend as K
from reference_impl.engine.base_layer import Layer
from reference_impl.engine.keras_tensor import KerasTensor, Node


class InputLayer(Layer):
    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None,
                 batch_input_shape=None, **kwargs):
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("An InputLayer needs input_shape or batch_input_shape.")
            batch_input_shape = (batch_size, *tuple(input_shape))
        super().__init__(name=name, dtype=dtype or K.floatx(),
                         batch_input_shape=batch_input_shape, **kwargs)
        self.built = True
        tensor = KerasTensor(self._batch_input_shape, dtype=self.dtype, name=self.name,
                             layer=self, node_index=0, tensor_index=0)
        self._inbound_nodes.append(Node(self, [], [tensor], {}, "single"))

    def get_config(self) -> dict:
        return {"batch_input_shape": self._batch_input_shape, "dtype": self.dtype,
                "name": self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None, tensor=None):
    """A symbolic tensor of ``(batch_size, *shape)``; the batch dimension is None by default."""
    if tensor is not None:
        return tensor
    if shape is None and batch_shape is None:
        raise ValueError("Please provide to Input either a `shape` or a `batch_shape` argument.")
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       batch_input_shape=batch_shape)
    return layer._inbound_nodes[0].outputs[0]
