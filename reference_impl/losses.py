"""Loss functions (Keras 2): ``loss(y_true, y_pred)`` gives one value per sample, the mean
(or sum) over the last axis; the training loop weights and averages them over the batch.

Probabilities are clipped to [epsilon, 1 - epsilon] before a log, as tf.keras does.
"""

from __future__ import annotations

import math

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import backend as K


def _pair(y_true, y_pred):
    y_pred = ad.as_tensor(y_pred)
    y_true = ad.as_tensor(np.asarray(ad._data(y_true), dtype=y_pred.dtype))
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(K.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(K.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    diff = K.abs((y_true - y_pred) / K.clip(K.abs(y_true), K.epsilon(), None))
    return 100.0 * K.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    first = K.log(K.clip(y_pred, K.epsilon(), None) + 1.0)
    second = K.log(K.clip(y_true, K.epsilon(), None) + 1.0)
    return K.mean(K.square(first - second), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(K.square(K.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(K.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def categorical_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    positive = K.sum(y_true * y_pred, axis=-1)
    negative = K.max((1.0 - y_true) * y_pred, axis=-1)
    return K.maximum(negative - positive + 1.0, 0.0)


def logcosh(y_true, y_pred):
    """log(cosh(x)) = x + softplus(-2x) - log(2), which does not overflow."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return K.mean(x + K.softplus(-2.0 * x) - math.log(2.0), axis=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    if from_logits:
        return -K.sum(y_true * _log_softmax(y_pred, axis), axis=axis)
    y_pred = y_pred / K.sum(y_pred, axis=axis, keepdims=True)
    y_pred = K.clip(y_pred, K.epsilon(), 1.0 - K.epsilon())
    return -K.sum(y_true * K.log(y_pred), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    y_pred = ad.as_tensor(y_pred)
    labels = np.asarray(ad._data(y_true)).astype(np.int64)
    if labels.ndim == y_pred.ndim:
        labels = labels.squeeze(-1)
    logits = y_pred if from_logits else K.log(K.clip(y_pred, K.epsilon(), 1.0 - K.epsilon()))
    one_hot = np.eye(y_pred.shape[-1], dtype=y_pred.dtype)[labels]
    return -K.sum(one_hot * _log_softmax(logits, -1), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # max(x, 0) - x * z + log(1 + exp(-|x|))
        per_element = K.relu(y_pred) - y_pred * y_true + K.log(1.0 + K.exp(-K.abs(y_pred)))
    else:
        eps = K.epsilon()
        p = K.clip(y_pred, eps, 1.0 - eps)
        per_element = -(y_true * K.log(p + eps) + (1.0 - y_true) * K.log(1.0 - p + eps))
    return K.mean(per_element, axis=axis)


def kullback_leibler_divergence(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = K.clip(y_true, K.epsilon(), 1.0)
    y_pred = K.clip(y_pred, K.epsilon(), 1.0)
    return K.sum(y_true * K.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(y_pred - y_true * K.log(y_pred + K.epsilon()), axis=-1)


def cosine_proximity(y_true, y_pred, axis=-1):
    """The negative cosine similarity: -1 for vectors pointing the same way."""
    y_true, y_pred = _pair(y_true, y_pred)
    return -K.sum(K.l2_normalize(y_true, axis) * K.l2_normalize(y_pred, axis), axis=axis)


cosine_similarity = cosine_proximity


def _log_softmax(x, axis):
    x = ad.as_tensor(x)
    shifted = x - ad.stop_gradient(np.max(x.data, axis=axis, keepdims=True))
    return shifted - K.log(K.sum(K.exp(shifted), axis=axis, keepdims=True))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
log_cosh = logcosh

_BY_NAME = {name: fn for name, fn in dict(globals()).items()
            if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", "")
            == __name__ and name != "get"}


def get(identifier):
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"Unknown loss function: {identifier!r}")


def serialize(loss) -> str:
    return getattr(loss, "__name__", str(loss))
