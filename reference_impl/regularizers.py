"""Weight regularizers (Keras 2, keras.io/2.x/api/layers/regularizers): a regularizer is a
callable from a weight Tensor to a scalar penalty Tensor, which the layer adds to
``model.losses`` and the training loop to the loss.

    penalty = l1 * sum(|x|) + l2 * sum(x ** 2)
"""

from __future__ import annotations

from reference_impl import backend as K


class Regularizer:
    def __call__(self, x):
        return K.constant(0.0)

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        penalty = K.constant(0.0)
        if self.l1:
            penalty = penalty + self.l1 * K.sum(K.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * K.sum(K.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1 * sum(|x|); Keras 2.0 spelled the argument ``l``."""

    def __init__(self, l1=0.01, l=None):  # noqa: E741  (Keras 2.0's argument name)
        super().__init__(l1=l1 if l is None else l)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    """l2 * sum(x ** 2); Keras 2.0 spelled the argument ``l``."""

    def __init__(self, l2=0.01, l=None):  # noqa: E741
        super().__init__(l2=l2 if l is None else l)

    def get_config(self) -> dict:
        return {"l2": self.l2}


def l1_l2(l1=0.01, l2=0.01):
    """Both penalties, 0.01 each by default (L1L2() alone has 0 and 0)."""
    return L1L2(l1=l1, l2=l2)


l1, l2 = L1, L2
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": l1_l2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown regularizer: {identifier!r}")
        return _BY_NAME[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(regularizer) -> dict:
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config: dict):
    if config["class_name"] not in _BY_NAME:
        raise ValueError(f"Unknown regularizer: {config['class_name']!r}")
    return _BY_NAME[config["class_name"]](**config.get("config", {}))
