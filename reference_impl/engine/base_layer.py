"""``Layer``: the base of every layer and model.

A layer subclass writes ``build(input_shape)`` (weights via ``add_weight``), ``call(inputs)``
(the forward pass with autodiff ops), ``compute_output_shape(input_shape)`` and
``get_config()``. ``__call__`` does the rest: building once, eager calls on arrays, symbolic
calls on ``KerasTensor``s (adding a node, as Keras 2 documents for shared layers), activity
regularization, and the node accessors ``get_output_at(i)`` & co.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections import defaultdict

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import backend as K
from reference_impl.engine.keras_tensor import KerasTensor, Node

_name_counts: defaultdict[str, int] = defaultdict(int)
LAYER_CLASSES: dict[str, type] = {}  # class name -> class, for from_config / model_from_json
_pass = [0]  # the number of the current (or last) top-level forward pass
_depth = [0]  # how many layer calls are running (nested calls are part of the same pass)
_probing = [False]  # inside compute_output_shape's trial call: record no activity losses


@contextlib.contextmanager
def forward_pass(probe=False):
    """Marks a layer call: an outermost one starts a new forward pass, whose activity losses
    replace the last pass's (a shared layer called twice in one pass keeps both)."""
    if _depth[0] == 0:
        _pass[0] += 1
    _depth[0] += 1
    was_probing, _probing[0] = _probing[0], _probing[0] or probe
    try:
        yield
    finally:
        _depth[0] -= 1
        _probing[0] = was_probing


def reset_name_counters() -> None:
    _name_counts.clear()


def unique_name(base: str, zero_based: bool = True) -> str:
    """``base``, ``base_1``, ``base_2``... (or ``base_1``, ``base_2``... when not zero-based,
    as Keras 2 numbers its ``input_N`` layers)."""
    count = _name_counts[base]
    _name_counts[base] += 1
    if zero_based:
        return base if count == 0 else f"{base}_{count}"
    return f"{base}_{count + 1}"


def snake_case(name: str) -> str:
    """Keras 2's default layer name: ``Dense`` -> ``dense``, ``Conv2D`` -> ``conv2d``,
    ``SimpleRNN`` -> ``simple_rnn``, ``GlobalMaxPooling1D`` -> ``global_max_pooling1d``."""
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def to_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


class Layer:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the built-in layers only: a user's Layer subclass is found through custom_objects,
        # as in Keras 2 ("Unknown layer: 'Linear'" otherwise)
        if cls.__module__.startswith("reference_impl."):
            LAYER_CLASSES[cls.__name__] = cls

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None,
                 batch_input_shape=None, input_dim=None, batch_size=None,
                 activity_regularizer=None, weights=None, **kwargs):
        if kwargs:
            raise TypeError(f"Keyword argument not understood: {', '.join(sorted(kwargs))}")
        from reference_impl import regularizers

        self.name = name or unique_name(snake_case(type(self).__name__))
        self.dtype = dtype or K.floatx()
        self._trainable = trainable
        self.built = False
        self._weights: list[ad.Variable] = []
        self._regularized: list[tuple] = []  # (variable, regularizer)
        self._activity_losses: list = []  # of the last forward pass this layer ran in
        self._activity_pass = -1
        self._inbound_nodes: list[Node] = []
        self._initial_weights = weights
        self.activity_regularizer = regularizers.get(activity_regularizer)
        # Only the first layer of a model uses these: they give the model its input.
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
        """By default, found by running ``call`` on zeros (as tf-keras does): twice, with
        each unknown dimension set to 2 and then 3, so that output dimensions that follow an
        unknown one come out unknown."""
        (first, several), (second, _) = (self._trial_call(input_shape, n) for n in (2, 3))
        shapes = [tuple(a if a == b else None for a, b in zip(s2, s3, strict=True))
                  for s2, s3 in zip(first, second, strict=True)]
        return shapes if several else shapes[0]

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**_known_arguments(cls, config))

    # -- masks (keras.io/2.x guides: masking and padding) -------------------------------
    supports_masking = False  # a layer that keeps its input's time axis passes the mask on

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs: the input mask where the layer supports masking, else
        None (tf-keras 2 drops the mask silently at a layer that does not)."""
        return mask if self.supports_masking else None

    # -- weights ------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, initializer="glorot_uniform", regularizer=None,
                   trainable=True, dtype=None, constraint=None):
        from reference_impl import constraints, initializers, regularizers

        dtype = dtype or self.dtype
        value = initializers.get(initializer)(tuple(shape), dtype=dtype)
        variable = ad.Variable(value, name=f"{self.name}/{name}:0", trainable=trainable,
                               dtype=dtype)
        variable.constraint = constraints.get(constraint)  # the optimizer applies it
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

    def __setattr__(self, name, value):
        # remember which attributes may hold layers: a custom layer made of layers owns them
        if isinstance(value, (Layer, list, tuple)) and not name.startswith("__"):
            self.__dict__.setdefault("_layer_attributes", {})[name] = None
        object.__setattr__(self, name, value)

    def _sublayers(self) -> list:
        """Layers held in attributes (a custom layer made of layers), in assignment order."""
        found = []
        for name in self.__dict__.get("_layer_attributes", ()):
            value = self.__dict__.get(name)
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, Layer) and item is not self and item not in found:
                    found.append(item)
        return found

    def _own_weights(self) -> list:
        return list(self._weights)

    @property
    def weights(self) -> list:
        return self.trainable_weights + self.non_trainable_weights

    @property
    def variables(self) -> list:
        return self.weights

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        own = [w for w in self._own_weights() if w.trainable]
        return own + [w for layer in self._sublayers() for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        if not self.trainable:  # a frozen layer's weights are all non-trainable
            return self._own_weights() + [w for layer in self._sublayers()
                                          for w in layer.weights]
        own = [w for w in self._own_weights() if not w.trainable]
        return own + [w for layer in self._sublayers() for w in layer.non_trainable_weights]

    def get_weights(self) -> list:
        return [np.array(w.data) for w in self.weights]

    def set_weights(self, weights) -> None:
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f"You called `set_weights(weights)` on layer {self.name!r} with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights.")
        for variable, value in zip(params, weights, strict=True):
            value = np.asarray(value)
            if value.shape != variable.shape:
                raise ValueError(
                    f"Layer {self.name!r} weight shape {variable.shape} is not compatible "
                    f"with provided weight shape {value.shape}.")
        for variable, value in zip(params, weights, strict=True):
            variable.assign(value)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name}, but the "
                             f"layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(w.data.size for w in self.weights))

    @property
    def losses(self) -> list:
        """Regularization penalties: of the weights (now), and of the outputs of the last
        forward pass (activity regularizers), this layer's and its sublayers'."""
        own = [regularizer(variable) for variable, regularizer in self._regularized]
        nested = [loss for layer in self._sublayers() for loss in layer.losses]
        return self._activity_losses + own + nested

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
        if _depth[0] == 0:  # (forward_pass, inlined: this runs for every layer call)
            _pass[0] += 1
        _depth[0] += 1
        mask = kwargs.get("mask")
        if mask is None:  # masks ride on the tensors, from the layer that made them
            masks = [getattr(x, "_keras_mask", None) for x in to_list(inputs)]
            if any(m is not None for m in masks):
                mask = masks[0] if not isinstance(inputs, (list, tuple)) else masks
                kwargs = {**kwargs, "mask": mask}
        try:
            outputs = self.call(inputs, **self._supported(kwargs))
        finally:
            _depth[0] -= 1
        if mask is not None or self._makes_masks:
            _attach_masks(outputs, self.compute_mask(inputs, mask))
        if self.activity_regularizer is not None and not _probing[0]:
            if self._activity_pass != _pass[0]:  # the first call in this forward pass
                self._activity_losses, self._activity_pass = [], _pass[0]
            batch = max(to_list(outputs)[0].shape[0], 1)
            self._activity_losses += [self.activity_regularizer(o) / batch
                                      for o in to_list(outputs)]
        return outputs

    def _call_symbolic(self, inputs, flat, kwargs):
        structure = "list" if isinstance(inputs, (list, tuple)) else "single"
        input_shape = flat[0].shape if structure == "single" else [x.shape for x in flat]
        self._maybe_build(input_shape)
        self._input_dtypes = [x.dtype for x in flat]  # for compute_output_shape's probe
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

    def _trial_call(self, input_shape, unknown_size: int) -> tuple[list, bool]:
        """Output shapes of ``call`` on zeros (unknown dimensions set to ``unknown_size``),
        and whether it returned a list."""
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        dtypes = getattr(self, "_input_dtypes", None) or [self.dtype] * len(shapes)
        tensors = [ad.Tensor(np.zeros([unknown_size if d is None else d for d in shape], dtype))
                   for shape, dtype in zip(shapes, dtypes, strict=True)]
        self._maybe_build(input_shape)
        with ad.no_grad(), forward_pass(probe=True):
            outputs = self.call(tensors if isinstance(input_shape, list) else tensors[0])
        return [tuple(o.shape) for o in to_list(outputs)], isinstance(outputs, (list, tuple))

    # a layer that creates a mask from its inputs alone (Embedding(mask_zero=True), Masking)
    _makes_masks = False

    def _output_dtype(self, inputs) -> str:
        return self.dtype

    def _supported(self, kwargs: dict) -> dict:
        """Only the keyword arguments this layer's ``call`` accepts (e.g. ``training``)."""
        accepted = _call_parameters(type(self))
        if accepted is None or not kwargs:
            return kwargs
        return {k: v for k, v in kwargs.items() if k in accepted}

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
        return outputs[0] if len(outputs) == 1 else list(outputs)

    def get_input_shape_at(self, node_index: int):
        return self._node(node_index, "input shape").input_shapes

    def get_output_shape_at(self, node_index: int):
        return self._node(node_index, "output shape").output_shapes

    def _single_node_attribute(self, what: str, getter):
        """``input``, ``output`` and their shapes: defined while the layer has one node (or,
        for shapes, while all its nodes agree), as Keras 2 documents for shared layers."""
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
        return self._single_node_attribute("input shape", self.get_input_shape_at)

    @property
    def output_shape(self):
        return self._single_node_attribute("output shape", self.get_output_shape_at)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _attach_masks(outputs, masks) -> None:
    """Keras 2's ``output._keras_mask``: each output tensor carries its mask."""
    outputs = to_list(outputs)
    masks = to_list(masks) if isinstance(masks, (list, tuple)) else [masks] * len(outputs)
    for output, mask in zip(outputs, masks, strict=False):
        if isinstance(output, ad.Tensor):
            output._keras_mask = None if mask is None else np.asarray(ad._data(mask), bool)


_CALL_PARAMETERS: dict[type, frozenset | None] = {}


def _call_parameters(cls) -> frozenset | None:
    """The keyword names ``cls.call`` accepts, or None when it takes ``**kwargs`` (cached:
    inspecting a signature on every call would cost more than a small Dense layer)."""
    if cls not in _CALL_PARAMETERS:
        parameters = inspect.signature(cls.call).parameters.values()
        _CALL_PARAMETERS[cls] = (None if any(p.kind is p.VAR_KEYWORD for p in parameters)
                                 else frozenset(p.name for p in parameters))
    return _CALL_PARAMETERS[cls]


def _known_arguments(cls, config: dict) -> dict:
    """The entries of ``config`` that ``cls(...)`` accepts: configs written by tf-keras carry
    extras (``ragged``, ``build_config``...) that this implementation has no use for."""
    accepted = set()
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        parameters = inspect.signature(klass.__init__).parameters.values()
        accepted |= {p.name for p in parameters if p.kind is not p.VAR_KEYWORD}
        if not any(p.kind is p.VAR_KEYWORD for p in parameters) or klass is Layer:
            return {k: v for k, v in config.items() if k in accepted}
    return dict(config)


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
