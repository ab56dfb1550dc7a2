"""The Keras 2 backend API (``keras.backend``, ``K``) over the NumPy autodiff.

Every function takes tensors, arrays or numbers and returns a ``Tensor`` whose gradient
flows back to its inputs, so custom losses and metrics written with ``K`` train.
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl.autodiff import Tensor, Variable, gradients, stop_gradient  # noqa: F401

_FLOATX = "float32"
_EPSILON = 1e-7


def backend() -> str:
    return "numpy"


def floatx() -> str:
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    _FLOATX = str(value)


def epsilon() -> float:
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    return "channels_last"


# -- variables and values ---------------------------------------------------------------
def variable(value, dtype=None, name=None) -> Variable:
    return Variable(np.asarray(value), name=name or "variable", dtype=dtype or floatx())


def constant(value, dtype=None, shape=None) -> Tensor:
    data = np.asarray(value, dtype=dtype or floatx())
    return Tensor(np.broadcast_to(data, shape).copy() if shape is not None else data)


def get_value(x) -> np.ndarray:
    return np.array(_np(x))


def batch_get_value(xs) -> list:
    return [get_value(x) for x in xs]


def set_value(x: Variable, value) -> None:
    x.assign(value)


def batch_set_value(pairs) -> None:
    for x, value in pairs:
        x.assign(value)


def eval(x) -> np.ndarray:  # noqa: A001  (the Keras backend name)
    return get_value(x)


def zeros(shape, dtype=None, name=None) -> Variable:
    return variable(np.zeros(shape), dtype, name)


def ones(shape, dtype=None, name=None) -> Variable:
    return variable(np.ones(shape), dtype, name)


def int_shape(x) -> tuple:
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def ndim(x) -> int:
    return len(int_shape(x))


def dtype(x) -> str:
    return str(np.asarray(_np(x)).dtype)


def _np(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


# -- math -------------------------------------------------------------------------------
mean = ad.reduce_mean
sum = ad.reduce_sum  # noqa: A001
max = ad.reduce_max  # noqa: A001
min = ad.reduce_min  # noqa: A001
square, sqrt, exp, log, abs = ad.square, ad.sqrt, ad.exp, ad.log, ad.abs  # noqa: A001
maximum, minimum, tanh, sigmoid = ad.maximum, ad.minimum, ad.tanh, ad.sigmoid
reshape, transpose, concatenate = ad.reshape, ad.transpose, ad.concatenate
stack, expand_dims, reverse, cast = ad.stack, ad.expand_dims, ad.reverse, ad.cast
pow = ad.power  # noqa: A001


def clip(x, min_value, max_value):
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return ad.clip(x, min_value, max_value)


def dot(x, y):
    """numpy.dot semantics: contract the last axis of x with the second-to-last of y."""
    x, y = ad.as_tensor(x), ad.as_tensor(y)
    if y.ndim <= 2:
        return ad.matmul(x, y)
    axes = (y.ndim - 2, *range(y.ndim - 2), y.ndim - 1)
    flat_y = ad.reshape(ad.transpose(y, axes), (y.shape[-2], -1))
    flat_x = ad.reshape(x, (-1, x.shape[-1]))
    return ad.reshape(ad.matmul(flat_x, flat_y), (*x.shape[:-1], *y.shape[:-2], y.shape[-1]))


def batch_dot(x, y, axes=None):
    """Dot product over the last axis of x and axis 1 of y, per sample (rank 2 and 3)."""
    x, y = ad.as_tensor(x), ad.as_tensor(y)
    if x.ndim == 2 and y.ndim == 2:
        return ad.reduce_sum(x * y, axis=1, keepdims=True)
    return ad.matmul(x, y)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    out = ad.relu(x) if alpha == 0 and threshold == 0 else ad.where(
        ad._data(x) > threshold, x, alpha * (ad.as_tensor(x) - threshold))
    return out if max_value is None else ad.minimum(out, max_value)


def softmax(x, axis=-1):
    return ad.softmax(x, axis)


def softplus(x):
    return ad.softplus(x)


def softsign(x):
    return x / (1.0 + ad.abs(x))


def elu(x, alpha=1.0):
    x = ad.as_tensor(x)
    return ad.where(x.data > 0, x, alpha * (ad.exp(ad.minimum(x, 0.0)) - 1.0))


def hard_sigmoid(x):
    return ad.clip(0.2 * ad.as_tensor(x) + 0.5, 0.0, 1.0)


def sign(x):
    return Tensor(np.sign(_np(x)))


def argmax(x, axis=-1):
    return Tensor(np.argmax(_np(x), axis=axis))


def argmin(x, axis=-1):
    return Tensor(np.argmin(_np(x), axis=axis))


def equal(x, y):
    return Tensor(np.equal(_np(x), _np(y)))


def not_equal(x, y):
    return Tensor(np.not_equal(_np(x), _np(y)))


def greater(x, y):
    return Tensor(np.greater(_np(x), _np(y)))


def less(x, y):
    return Tensor(np.less(_np(x), _np(y)))


def round(x):  # noqa: A001
    return Tensor(np.round(_np(x)))


def flatten(x):
    return ad.reshape(x, (-1,))


def batch_flatten(x):
    x = ad.as_tensor(x)
    return ad.reshape(x, (x.shape[0], -1))


def l2_normalize(x, axis=None):
    x = ad.as_tensor(x)
    norm = ad.sqrt(ad.maximum(ad.reduce_sum(ad.square(x), axis=axis, keepdims=True), 1e-12))
    return x / norm


def one_hot(indices, num_classes):
    return Tensor(np.eye(num_classes, dtype=floatx())[np.asarray(_np(indices), dtype=int)])


def in_train_phase(x, alt, training=None):
    return x if training else alt


# -- random -----------------------------------------------------------------------------
def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    rng = np.random.default_rng(seed)
    return Tensor(rng.uniform(minval, maxval, size=shape).astype(dtype or floatx()))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    rng = np.random.default_rng(seed)
    return Tensor(rng.normal(mean, stddev, size=shape).astype(dtype or floatx()))


# -- graph functions --------------------------------------------------------------------
def function(inputs, outputs, updates=None, name=None):
    """``K.function(inputs, outputs)``: a callable from input arrays to output arrays."""
    from reference_impl.engine.functional import backend_function

    return backend_function(inputs, outputs)


def clear_session() -> None:
    from reference_impl.engine import base_layer

    base_layer.reset_name_counters()
