"""Weight constraints (Keras 2, keras.io/2.x/api/layers/constraints): a constraint maps a weight
to its projection, which the optimizer assigns to the weight after each update.

    MaxNorm:    w * clip(norm, 0, max_value) / (epsilon + norm)
    MinMaxNorm: w * (rate * clip(norm, min, max) + (1 - rate) * norm) / (epsilon + norm)
    UnitNorm:   w / (epsilon + norm)
    NonNeg:     w * (w >= 0)

norm is the L2 norm over ``axis`` (kept), epsilon the backend's fuzz factor (1e-7).
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import backend as K


def _norm(w, axis):
    axis = tuple(axis) if isinstance(axis, list | tuple) else axis
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class Constraint:
    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = ad._data(w)
        norms = _norm(w, self.axis)
        return ad.Tensor(w * (np.clip(norms, 0, self.max_value) / (K.epsilon() + norms)))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = ad._data(w)
        norms = _norm(w, self.axis)
        desired = (self.rate * np.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return ad.Tensor(w * (desired / (K.epsilon() + norms)))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = ad._data(w)
        return ad.Tensor(w / (K.epsilon() + _norm(w, self.axis)))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class NonNeg(Constraint):
    def __call__(self, w):
        w = ad._data(w)
        return ad.Tensor(w * (w >= 0).astype(w.dtype))


max_norm, min_max_norm, unit_norm, non_neg = MaxNorm, MinMaxNorm, UnitNorm, NonNeg
_BY_NAME = {"MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "UnitNorm": UnitNorm,
            "NonNeg": NonNeg, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
            "unit_norm": UnitNorm, "non_neg": NonNeg}


def get(identifier):
    """None, a constraint, a name ('max_norm', 'MaxNorm', ...), a {class_name, config} dict
    or any callable."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown constraint: {identifier!r}")
        return _BY_NAME[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")


def serialize(constraint):
    if constraint is None:
        return None
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


def deserialize(config: dict):
    if config.get("class_name") not in _BY_NAME:
        raise ValueError(f"Unknown constraint: {config.get('class_name')!r}")
    return _BY_NAME[config["class_name"]].from_config(config.get("config", {}))
