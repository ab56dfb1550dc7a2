"""``Layer``: the base of every layer and model.

A layer subclass writes ``build(input_shape)`` (weights via ``add_weight``), ``call(inputs)``
(the forward pass with autodiff ops), ``compute_output_shape(input_shape)`` and
``get_config()``. ``__call__`` does the rest: building once, eager calls on arrays, symbolic
calls on ``KerasTensor``s (adding a node, as Keras 2 documents for shared layers), activity
regularization, and the node accessors ``get_output_at(i)`` & co.
"""

from __future__ import annotations

import inspect
import re
from collections import defaultdict

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import backend as K
from reference_impl.engine.keras_tensor import KerasTensor, Node

_name_counts: defaultdict[str, int] = defaultdict(int)
LAYER_CLASSES: dict[str, type] = {}  # class name -> class, for from_config / model_from_json


def reset_name_counters() -> None:
    _name_counts.clear()


def unique_name(base: str) -> str:
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def to_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


class Layer:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        LAYER_CLASSES[cls.__name__] = cls

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None,
                 batch_input_shape=None, input_dim=None, batch_size=None,
                 activity_regularizer=None, weights=None, **kwargs):
        if kwargs:
            raise TypeError(f"Keyword argument not understood: {', '.join(sorted(kwargs))}")
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.dtype = dtype or K.floatx()
        self._trainable = trainable
        self.built = False
        self._weights: list[ad.Variable] = []
        self._regularized: list[tuple] = []  # (variable, regularizer)
        self._activity_losses: list = []
        self._inbound_nodes: list[Node] = []
        self._initial_weights = weights
        from reference_impl import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size, *tuple(input_shape))
        self._batch_input_shape = None if batch_input_shape is None else tuple(batch_input_shape)

    # -- to be written by subclasses ----------------------------------------------------
    def build(self, input_shape) -> None:
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    # -- weights ------------------------------------------------------------------------
    def add_weight(self, name, shape, initializer="glorot_uniform", regularizer=None,
                   trainable=True, dtype=None, constraint=None):
        from reference_impl import initializers, regularizers

        value = initializers.get(initializer)(tuple(shape), dtype=dtype or self.dtype)
        variable = ad.Variable(value, name=f"{self.name}/{name}", trainable=trainable,
                               dtype=dtype or self.dtype)
        self._weights.append(variable)
        regularizer = regularizers.get(regularizer)
        if regularizer is not None:
            self._regularized.append((variable, regularizer))
        return variable

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value

    def _sublayers(self) -> list:
        return []

    def _own_weights(self) -> list:
        return list(self._weights)

    @property
    def weights(self) -> list:
        return self.trainable_weights + self.non_trainable_weights

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        own = [w for w in self._own_weights() if w.trainable]
        return own + [w for layer in self._sublayers() for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        own = self._own_weights() if not self.trainable else [
            w for w in self._own_weights() if not w.trainable]
        nested = [w for layer in self._sublayers()
                  for w in (layer.non_trainable_weights if self.trainable else layer.weights)]
        return own + nested

    def get_weights(self) -> list:
        return [np.array(w.data) for w in self.weights]

    def set_weights(self, weights) -> None:
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f"Layer {self.name!r} expects {len(params)} weight arrays, but the given list "
                f"has {len(weights)}")
        for variable, value in zip(params, weights, strict=True):
            value = np.asarray(value)
            if value.shape != variable.shape:
                raise ValueError(
                    f"Layer {self.name!r} weight shape {variable.shape} is not compatible "
                    f"with provided weight shape {value.shape}")
        for variable, value in zip(params, weights, strict=True):
            variable.assign(value)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name}, but the "
                             f"layer isn't built. You can build it manually via "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(w.data.size for w in self.weights))

    @property
    def losses(self) -> list:
        """Regularization penalties (weights: now; activity: of the last call)."""
        own = [regularizer(variable) for variable, regularizer in self._regularized]
        nested = [loss for layer in self._sublayers() for loss in layer.losses]
        return own + self._activity_losses + nested

    # -- calling ------------------------------------------------------------------------
    def __call__(self, inputs, **kwargs):
        flat = to_list(inputs)
        if any(isinstance(x, KerasTensor) for x in flat):
            return self._call_symbolic(inputs, flat, kwargs)
        return self._call_eager(inputs, kwargs)

    def _maybe_build(self, input_shape) -> None:
        if not self.built:
            self.build(input_shape)
            self.built = True
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None

    def _call_eager(self, inputs, kwargs):
        inputs = _to_tensors(inputs)
        self._maybe_build(_shapes_of(inputs))
        outputs = self.call(inputs, **self._supported(kwargs))
        if self.activity_regularizer is not None:
            batch = max(to_list(outputs)[0].shape[0], 1)
            self._activity_losses = [self.activity_regularizer(o) / batch
                                     for o in to_list(outputs)]
        return outputs

    def _call_symbolic(self, inputs, flat, kwargs):
        structure = "list" if isinstance(inputs, (list, tuple)) else "single"
        input_shape = flat[0].shape if structure == "single" else [x.shape for x in flat]
        self._maybe_build(input_shape)
        output_shape = self.compute_output_shape(input_shape)
        multiple = isinstance(output_shape, list)
        node_index = len(self._inbound_nodes)
        outputs = [
            KerasTensor(shape, dtype=self._output_dtype(flat), name=f"{self.name}/out:{i}",
                        layer=self, node_index=node_index, tensor_index=i)
            for i, shape in enumerate(output_shape if multiple else [output_shape])
        ]
        self._inbound_nodes.append(Node(self, flat, outputs, kwargs, structure))
        return outputs if multiple else outputs[0]

    def _output_dtype(self, inputs) -> str:
        return self.dtype

    def _supported(self, kwargs: dict) -> dict:
        """Only the keyword arguments this layer's ``call`` accepts (e.g. ``training``)."""
        parameters = inspect.signature(self.call).parameters
        if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            return kwargs
        return {k: v for k, v in kwargs.items() if k in parameters}

    # -- nodes --------------------------------------------------------------------------
    def _node(self, index: int, what: str) -> Node:
        if not self._inbound_nodes:
            raise RuntimeError(f"The layer {self.name} has never been called and thus has no "
                               f"defined {what}.")
        if not 0 <= index < len(self._inbound_nodes):
            raise ValueError(f"Asked to get {what} at node {index}, but the layer has only "
                             f"{len(self._inbound_nodes)} inbound nodes.")
        return self._inbound_nodes[index]

    def get_input_at(self, node_index: int):
        node = self._node(node_index, "input")
        return node.unpack_inputs(node.inputs)

    def get_output_at(self, node_index: int):
        outputs = self._node(node_index, "output").outputs
        return outputs[0] if len(outputs) == 1 else outputs

    def get_input_shape_at(self, node_index: int):
        return self._node(node_index, "input shape").input_shapes

    def get_output_shape_at(self, node_index: int):
        return self._node(node_index, "output shape").output_shapes

    def _single_node_attribute(self, what: str, getter):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name!r} has never been called and thus has "
                                 f"no defined {what}.")
        values = [getter(i) for i in range(len(self._inbound_nodes))]
        if what.endswith("shape") and all(v == values[0] for v in values):
            return values[0]
        if len(values) > 1:
            method = {"input": "get_input_at", "output": "get_output_at",
                      "input shape": "get_input_shape_at",
                      "output shape": "get_output_shape_at"}[what]
            raise AttributeError(
                f"The layer {self.name!r} has multiple inbound nodes with different {what}s; "
                f"hence the notion of \"{what}\" is ill-defined for the layer. Use "
                f"`{method}(node_index)` instead.")
        return values[0]

    @property
    def input(self):
        return self._single_node_attribute("input", self.get_input_at)

    @property
    def output(self):
        return self._single_node_attribute("output", self.get_output_at)

    @property
    def input_shape(self):
        if not self._inbound_nodes and self._batch_input_shape is not None:
            return self._batch_input_shape
        return self._single_node_attribute("input shape", self.get_input_shape_at)

    @property
    def output_shape(self):
        return self._single_node_attribute("output shape", self.get_output_shape_at)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _to_tensors(inputs):
    if isinstance(inputs, (list, tuple)):
        return [_to_tensor(x) for x in inputs]
    return _to_tensor(inputs)


def _to_tensor(x):
    if isinstance(x, ad.Tensor):
        return x
    data = np.asarray(x)
    if data.dtype.kind == "f" and data.dtype != np.dtype(K.floatx()):
        data = data.astype(K.floatx())  # float inputs follow floatx, as in Keras
    return ad.Tensor(data)


def _shapes_of(inputs):
    if isinstance(inputs, (list, tuple)):
        return [(None, *x.shape[1:]) for x in inputs]
    return (None, *inputs.shape[1:])
