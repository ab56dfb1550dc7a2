"""Weight initializers (Keras 2, keras.io/2.x/api/layers/initializers): callables
``(shape, dtype=None) -> ndarray``, looked up by class name or Keras 2 alias with ``get``.

Fans (``compute_fans``): a matrix of shape (fan_in, fan_out); a kernel of shape
(*receptive_field, in_channels, out_channels) has fan_in = in_channels * prod(receptive_field)
and fan_out = out_channels * prod(receptive_field). VarianceScaling draws with variance
``scale / n``, n = fan_in, fan_out or (fan_in + fan_out) / 2; the Glorot, He and LeCun
initializers are its presets.

Random initializers with a ``seed`` give the same values at every call; without one they draw
from NumPy's global generator, so ``np.random.seed(...)`` makes a model reproducible.
"""

from __future__ import annotations

import math

import numpy as np

from reference_impl import backend as K


def _rng(seed):
    return np.random if seed is None else np.random.default_rng(seed)


def compute_fans(shape) -> tuple[float, float]:
    """fan_in and fan_out as Keras documents them (kernels: receptive field x channels)."""
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class Initializer:
    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=dtype or K.floatx())


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=dtype or K.floatx())


class Constant(Initializer):
    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=dtype or K.floatx())

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        values = _rng(self.seed).normal(self.mean, self.stddev, size=shape)
        return values.astype(dtype or K.floatx())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        values = _rng(self.seed).uniform(self.minval, self.maxval, size=shape)
        return values.astype(dtype or K.floatx())

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(rng, mean, stddev, shape):
    """Normal samples redrawn until within two standard deviations of the mean."""
    values = rng.normal(0.0, 1.0, size=shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.normal(0.0, 1.0, size=int(outside.sum()))
        outside = np.abs(values) > 2
    return mean + stddev * values


class TruncatedNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        values = _truncated_normal(_rng(self.seed), self.mean, self.stddev, shape)
        return values.astype(dtype or K.floatx())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Samples scaled to variance ``scale / n``, n the fan_in, fan_out or their average."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0:
            raise ValueError(f"`scale` must be positive. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = _rng(self.seed)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, size=shape)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), size=shape)
        else:  # truncated at 2 stddev; .8796 is the stddev of a standard normal so truncated
            values = _truncated_normal(rng, 0.0, math.sqrt(variance) / 0.87962566103423978,
                                       shape)
        return values.astype(dtype or K.floatx())

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class Orthogonal(Initializer):
    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        flat = _rng(self.seed).normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))  # make the decomposition unique
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype or K.floatx())

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices.")
        return (self.gain * np.eye(*shape)).astype(dtype or K.floatx())

    def get_config(self):
        return {"gain": self.gain}


class _FanScaled(VarianceScaling):
    """A VarianceScaling preset: only the seed is an argument."""

    preset: tuple = ()

    def __init__(self, seed=None):
        super().__init__(*self.preset, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_FanScaled):
    """Uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio)."""

    preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FanScaled):
    """Truncated normal, stddev = sqrt(2 / (fan_in + fan_out))."""

    preset = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FanScaled):
    """Uniform in [-limit, limit], limit = sqrt(6 / fan_in) (He et al.)."""

    preset = (2.0, "fan_in", "uniform")


class HeNormal(_FanScaled):
    """Truncated normal, stddev = sqrt(2 / fan_in)."""

    preset = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FanScaled):
    """Uniform in [-limit, limit], limit = sqrt(3 / fan_in) (LeCun)."""

    preset = (1.0, "fan_in", "uniform")


class LecunNormal(_FanScaled):
    """Truncated normal, stddev = sqrt(1 / fan_in)."""

    preset = (1.0, "fan_in", "truncated_normal")


# Keras 2 lowercase aliases of the classes
zeros, ones, constant, orthogonal, identity = Zeros, Ones, Constant, Orthogonal, Identity
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
normal, uniform = RandomNormal, RandomUniform
variance_scaling = VarianceScaling
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal, lecun_uniform, lecun_normal = HeUniform, HeNormal, LecunUniform, LecunNormal

_BY_NAME = {name: obj for name, obj in dict(globals()).items()
            if not name.startswith("_") and isinstance(obj, type) and issubclass(obj, Initializer)
            and obj is not Initializer}


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, dict):  # {"class_name": ..., "config": ...}
        return _BY_NAME[identifier["class_name"]](**identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown initializer: {identifier!r}")
        return _BY_NAME[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(initializer) -> dict:
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
