"""Weight regularizers (Keras 2): callables from a weight tensor to a scalar penalty."""

from __future__ import annotations

from reference_impl import backend as K


class Regularizer:
    def __call__(self, x):
        return 0.0


class L1L2(Regularizer):
    """penalty = l1 * sum(|x|) + l2 * sum(x ** 2)."""

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

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def l1(l=0.01):  # noqa: E743  (Keras 2's argument name)
    return L1L2(l1=l)


def l2(l=0.01):  # noqa: E743
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):  # noqa: F811
    return L1L2(l1=l1, l2=l2)


L1, L2 = l1, l2
_BY_NAME = {"l1": l1, "l2": l2, "l1_l2": l1_l2, "L1L2": L1L2}


def get(identifier):
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, dict):
        return _BY_NAME[identifier["class_name"]](**identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown regularizer: {identifier!r}")
        return _BY_NAME[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(regularizer) -> dict:
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
