"""Optimizers (Keras 2, keras.io/2.x/api/optimizers): SGD, RMSprop, Adagrad, Adadelta, Adam,
Adamax, Nadam.

Each keeps per-variable slots and updates ``autodiff.Variable``s in place in
``apply_gradients(grads_and_vars)``. The Keras 2 spellings are honoured: ``lr`` for
``learning_rate`` and time-based ``decay`` (``lr / (1 + decay * iterations)``).
"""

# ruff: noqa: F401
from reference_impl.optimizers.adam import Adam, Adamax, Nadam
from reference_impl.optimizers.adaptive import Adadelta, Adagrad, RMSprop
from reference_impl.optimizers.base import Optimizer
from reference_impl.optimizers.sgd import SGD

_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
            "adam": Adam, "adamax": Adamax, "nadam": Nadam}


def get(identifier):
    """An optimizer from an instance, a name ('sgd', 'adam', ...: default arguments) or a
    config dict."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


def serialize(optimizer) -> dict:
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict, custom_objects=None):
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: {name!r}")
    return cls.from_config(config.get("config", {}))
