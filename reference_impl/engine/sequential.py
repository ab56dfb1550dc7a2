"""``Sequential``: a linear stack of layers, built as a functional graph.

Only the first layer needs an input shape (``input_shape``, ``input_dim`` or
``batch_input_shape``); later layers infer theirs. Without one, the model is built on its
first call, from the data.
"""

from __future__ import annotations

from reference_impl.engine.base_layer import Layer
from reference_impl.engine.functional import Model, deserialize_layer
from reference_impl.engine.input_layer import Input, InputLayer


class Sequential(Model):
    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack: list[Layer] = []
        self._input_layer_shape = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list:
        return list(self._stack)

    def _sublayers(self) -> list:
        return self._stack

    def _summary_layers(self) -> list:
        return self._stack

    def add(self, layer) -> None:
        if isinstance(layer, InputLayer):
            self._input_layer_shape = layer._batch_input_shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. "
                            f"Found: {layer!r}")
        if layer.name in {existing.name for existing in self._stack}:
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name {layer.name!r} is already the name of a layer in "
                             f"this model.")
        self._stack.append(layer)
        if self.outputs:
            self._init_graph(self.inputs[0], layer(self.outputs[0]))
        elif len(self._stack) == 1:
            shape = self._input_layer_shape or _declared_input_shape(layer)
            if shape is not None:
                self.build(shape)

    def pop(self) -> None:
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        self._stack.pop()
        shape = self.inputs[0].shape if self.inputs else None
        self.inputs, self.outputs, self._layers = [], [], []
        if self._stack:
            self.build(shape)

    def build(self, input_shape=None) -> None:
        if input_shape is None:
            return
        x = Input(batch_shape=tuple(input_shape))
        inputs = x
        for layer in self._stack:
            x = layer(x)
        self._init_graph(inputs, x)

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
        return {"name": self.name,
                "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                           for layer in self._stack]}

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
    if isinstance(layer, Model) and layer.inputs:
        return layer.inputs[0].shape
    return None
