"""Symbolic tensors and the nodes that connect layers in a functional graph.

A ``KerasTensor`` is a shape and a dtype with a history: the layer and node that produced
it. Each call of a layer on symbolic inputs adds one ``Node`` to that layer, numbered 0, 1,
2... in call order (Keras 2 documents this for shared layers: ``get_output_at(i)``).
"""

from __future__ import annotations


class KerasTensor:
    def __init__(self, shape, dtype="float32", name=None, layer=None, node_index=0,
                 tensor_index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name
        self._keras_history = (layer, node_index, tensor_index)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def node(self):
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self):
        return f"<KerasTensor shape={self.shape} dtype={self.dtype} name={self.name}>"


class Node:
    """One call of ``layer``: which tensors went in and which came out."""

    def __init__(self, layer, inputs: list, outputs: list, call_kwargs: dict, input_structure):
        self.layer = layer
        self.inputs = inputs
        self.outputs = outputs
        self.call_kwargs = call_kwargs
        self.input_structure = input_structure  # "single" or "list", to rebuild the call

    @property
    def parent_nodes(self) -> list:
        return [t.node for t in self.inputs if t._keras_history[0] is not None]

    def unpack_inputs(self, values: list):
        return values[0] if self.input_structure == "single" else list(values)

    @property
    def input_shapes(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if self.input_structure == "single" else shapes

    @property
    def output_shapes(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes
