"""``Input``: the symbolic entry point of a functional model (``InputLayer`` holds it).

Keras 2 names input layers ``input_1``, ``input_2``... (counting from 1, unlike other layers);
a Sequential model whose first layer declares its input shape names it ``<layer>_input``.
"""

from __future__ import annotations

from reference_impl import backend as K
from reference_impl.engine.base_layer import Layer, unique_name
from reference_impl.engine.keras_tensor import KerasTensor, Node


class InputLayer(Layer):
    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None,
                 batch_input_shape=None, sparse=False, **kwargs):
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("An InputLayer needs input_shape or batch_input_shape.")
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_input_shape = (batch_size, *tuple(input_shape))
        super().__init__(name=name or unique_name("input", zero_based=False),
                         dtype=dtype or K.floatx(), batch_input_shape=batch_input_shape,
                         **kwargs)
        self.built = True
        tensor = KerasTensor(self._batch_input_shape, dtype=self.dtype, name=self.name,
                             layer=self, node_index=0, tensor_index=0)
        self._inbound_nodes.append(Node(self, [], [tensor], {}, "single"))

    def get_config(self) -> dict:
        return {"batch_input_shape": self._batch_input_shape, "dtype": self.dtype,
                "sparse": False, "ragged": False, "name": self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None,
          batch_shape=None):
    """A symbolic tensor of ``(batch_size, *shape)``; the batch dimension is None by default."""
    if tensor is not None:
        return tensor
    if shape is None and batch_shape is None:
        raise ValueError("Please provide to Input either a `shape` or a `batch_shape` argument. "
                         "Note that `shape` does not include the batch dimension.")
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       batch_input_shape=batch_shape)
    return layer._inbound_nodes[0].outputs[0]
