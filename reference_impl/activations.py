"""Activation functions (Keras 2, keras.io/2.x/api/layers/activations):
``keras.activations.<name>(x)`` on Tensors or arrays, and ``get(identifier)`` for the names
layers accept (``activation='relu'``; None means linear)."""

from __future__ import annotations

from reference_impl import autodiff as ad
from reference_impl import backend as K

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    return K.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def softplus(x):
    return K.softplus(x)


def softsign(x):
    return K.softsign(x)


def sigmoid(x):
    return K.sigmoid(x)


def tanh(x):
    return K.tanh(x)


def hard_sigmoid(x):
    """Keras 2: a piecewise linear sigmoid, clip(0.2 * x + 0.5, 0, 1)."""
    return K.hard_sigmoid(x)


def linear(x):
    return ad.as_tensor(x)


def softmax(x, axis=-1):
    x = ad.as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    return K.softmax(x, axis=axis)


def elu(x, alpha=1.0):
    return K.elu(x, alpha)


def selu(x):
    return _SELU_SCALE * K.elu(x, _SELU_ALPHA)


def exponential(x):
    return K.exp(x)


def swish(x):
    """x * sigmoid(x)."""
    return ad.as_tensor(x) * K.sigmoid(x)


_BY_NAME = {f.__name__: f for f in (relu, softplus, softsign, sigmoid, tanh, hard_sigmoid,
                                    linear, softmax, elu, selu, exponential, swish)}


def get(identifier):
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, dict) and identifier.get("class_name") == "function":
        # A function as Keras serializes it (keras.saving.serialize_keras_object):
        # {"module": "builtins", "class_name": "function", "config": "relu", ...}. tf-keras 2
        # refuses {"class_name": "relu", "config": {}} (it calls relu(**config)).
        identifier = identifier.get("config")
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"Unknown activation function: {identifier!r}")


def serialize(activation) -> str:
    """The name ``get`` maps back to this function (a custom function: its ``__name__``)."""
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize activation {activation!r}: it has no name")
    return name


def deserialize(name):
    return get(name)


__all__ = [*_BY_NAME, "get", "serialize", "deserialize"]
