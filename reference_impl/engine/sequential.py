"""``Sequential``: a linear stack of layers, built as a functional graph.

Only the first layer needs an input shape (``input_shape``, ``input_dim`` or
``batch_input_shape``, or an ``Input``/``InputLayer`` added first); later layers infer
theirs. Without one, the model is built on its first call, from the data. ``layers`` lists
the added layers, not the input layer, as in Keras 2.
"""

from __future__ import annotations

from reference_impl.engine.base_layer import Layer
from reference_impl.engine.functional import Model, deserialize_layer
from reference_impl.engine.input_layer import InputLayer
from reference_impl.engine.keras_tensor import KerasTensor


class Sequential(Model):
    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack: list[Layer] = []
        self._chain: list[KerasTensor] = []  # the input, then each layer's output
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list:
        return list(self._stack)

    def _sublayers(self) -> list:
        return self._stack

    def _is_stack(self) -> bool:
        return True

    def add(self, layer) -> None:
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]  # Sequential([Input(...), ...]) is accepted too
        if isinstance(layer, InputLayer):
            if self._stack or self._chain:
                raise ValueError("An InputLayer can only be the first layer of a Sequential "
                                 "model.")
            self._chain = [layer._inbound_nodes[0].outputs[0]]
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. "
                            f"Found: {layer!r}")
        if layer.name in {existing.name for existing in self._stack}:
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name {layer.name!r} is already the name of a layer in "
                             f"this model. Update the `name` argument to pass a unique name.")
        self._stack.append(layer)
        if not self._chain and len(self._stack) == 1:
            shape = _declared_input_shape(layer)
            if shape is not None:
                self._start_chain(shape, layer)
        if self._chain:
            self._chain.append(layer(self._chain[-1]))
            self._init_graph(self._chain[0], self._chain[-1])

    def _start_chain(self, batch_shape, first_layer) -> None:
        dtype = first_layer.inputs[0].dtype if isinstance(first_layer, Model) and (
            first_layer.inputs) else None
        self._chain = [InputLayer(batch_input_shape=tuple(batch_shape), dtype=dtype,
                                  name=f"{first_layer.name}_input")._inbound_nodes[0].outputs[0]]

    def pop(self) -> None:
        """Removes the last layer; the rest of the graph is kept as it was."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        self._stack.pop()
        if not self.outputs:
            return
        self._chain.pop()
        if self._stack:
            self._init_graph(self._chain[0], self._chain[-1])
        else:
            self.inputs, self.outputs, self._layers, self._nodes = [], [], [], []
            self._chain = self._chain[:1]  # the input stays: the next layer added uses it
            self._graph = self.built = False
            self._nested_inputs = self._nested_outputs = None
            self.input_names, self.output_names = [], []

    def build(self, input_shape=None) -> None:
        if input_shape is None or self.outputs or not self._stack:
            return
        self._start_chain(input_shape, self._stack[0])
        for layer in self._stack:
            self._chain.append(layer(self._chain[-1]))
        self._init_graph(self._chain[0], self._chain[-1])

    def call(self, inputs, training=None):
        if not self.outputs:
            data = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
            self.build((None, *data.shape[1:]))
        return super().call(inputs, training=training)

    def compute_output_shape(self, input_shape):
        if not self.outputs:
            self.build(input_shape)
        return super().compute_output_shape(input_shape)

    def get_config(self) -> dict:
        layers = [{"class_name": type(layer).__name__, "config": layer.get_config()}
                  for layer in self._stack]
        if self._chain and _declared_input_shape(self._stack[0]) is None:
            input_layer = self._chain[0]._keras_history[0]  # keep the shape the model has
            layers.insert(0, {"class_name": "InputLayer", "config": input_layer.get_config()})
        return {"name": self.name, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        specs = config["layers"] if isinstance(config, dict) else config
        model = cls(name=config.get("name") if isinstance(config, dict) else None)
        for spec in specs:
            model.add(deserialize_layer(spec, custom_objects))
        return model


def _declared_input_shape(layer):
    if getattr(layer, "_batch_input_shape", None) is not None:
        return layer._batch_input_shape
    if isinstance(layer, Model) and layer.inputs and len(layer.inputs) == 1:
        return layer.inputs[0].shape
    return None
