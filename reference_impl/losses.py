"""Loss functions (Keras 2, keras.io/2.x/api/losses): ``loss(y_true, y_pred)`` gives one value
per sample, the mean (or sum) over the last axis; the training loop weights them by the sample
weights and averages over the batch.

As in tf.keras 2: probabilities are clipped to [epsilon, 1 - epsilon] before a log, and the
hinge losses turn 0/1 labels into -1/1.
"""

from __future__ import annotations

import math

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import backend as K


def _pair(y_true, y_pred):
    """Both as Tensors, the targets cast to the predictions' dtype (they carry no gradient)."""
    y_pred = ad.as_tensor(y_pred)
    y_true = ad.Tensor(np.asarray(ad._data(y_true), dtype=y_pred.dtype))
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(K.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(K.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, epsilon))."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = K.abs((y_true - y_pred) / K.maximum(K.abs(y_true), K.epsilon()))
    return 100.0 * K.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2)."""
    y_true, y_pred = _pair(y_true, y_pred)
    first = K.log(K.maximum(y_pred, K.epsilon()) + 1.0)
    second = K.log(K.maximum(y_true, K.epsilon()) + 1.0)
    return K.mean(K.square(first - second), axis=-1)


def _signed_labels(y_true):
    """Hinge losses take -1/1 labels; 0/1 labels (all of them 0 or 1) are mapped to -1/1."""
    data = y_true.data
    if np.all((data == 0) | (data == 1)):
        return ad.Tensor(2.0 * data - 1.0)
    return y_true


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _signed_labels(y_true)
    return K.mean(K.square(K.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _signed_labels(y_true)
    return K.mean(K.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(0, 1 + max over wrong classes of y_pred - y_pred at the true class)."""
    y_true, y_pred = _pair(y_true, y_pred)
    positive = K.sum(y_true * y_pred, axis=-1)
    negative = K.max((1.0 - y_true) * y_pred, axis=-1)
    return K.maximum(negative - positive + 1.0, 0.0)


def logcosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))), as x + softplus(-2x) - log(2), which cannot
    overflow."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return K.mean(x + K.softplus(-2.0 * x) - math.log(2.0), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """0.5 * x ** 2 where |x| <= delta, else delta * (|x| - 0.5 * delta), averaged."""
    y_true, y_pred = _pair(y_true, y_pred)
    error = y_pred - y_true
    small = np.abs(error.data) <= delta
    return K.mean(ad.where(small, 0.5 * K.square(error),
                           delta * K.abs(error) - 0.5 * delta * delta), axis=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(y_pred)) with y_pred scaled to sum to 1 and clipped to
    [epsilon, 1 - epsilon]; from_logits=True applies the softmax itself."""
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
    """categorical_crossentropy with integer labels, of shape (n,) or (n, 1); `axis` is the
    class axis of y_pred (tf-keras 2 moves it last; the labels have y_pred's other axes)."""
    y_pred = ad.as_tensor(y_pred)
    labels = np.asarray(ad._data(y_true))
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    labels = labels.astype(np.int64)
    logits = y_pred if from_logits else K.log(K.clip(y_pred, K.epsilon(), 1.0 - K.epsilon()))
    axis = axis % y_pred.ndim  # the class axis; labels have the other axes, in order
    one_hot = np.moveaxis(np.eye(y_pred.shape[axis], dtype=y_pred.dtype)[labels], -1, axis)
    return -K.sum(one_hot * _log_softmax(logits, axis), axis=axis)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean(-(y log p + (1 - y) log(1 - p))) with p clipped to [epsilon, 1 - epsilon] (and
    epsilon added inside the logs, as tf.keras 2 does)."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # max(x, 0) - x * z + log(1 + exp(-|x|)): no overflow for any logit
        per_element = K.relu(y_pred) - y_pred * y_true + K.log(1.0 + K.exp(-K.abs(y_pred)))
    else:
        eps = K.epsilon()
        p = K.clip(y_pred, eps, 1.0 - eps)
        per_element = -(y_true * K.log(p + eps) + (1.0 - y_true) * K.log(1.0 - p + eps))
    return K.mean(per_element, axis=axis)


def kullback_leibler_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)), both clipped to [epsilon, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = K.clip(y_true, K.epsilon(), 1.0)
    y_pred = K.clip(y_pred, K.epsilon(), 1.0)
    return K.sum(y_true * K.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon))."""
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(y_pred - y_true * K.log(y_pred + K.epsilon()), axis=-1)


def cosine_proximity(y_true, y_pred, axis=-1):
    """The negative cosine similarity of the L2-normalised vectors: -1 when they point the
    same way (Keras 2: ``-K.sum(l2_normalize(y_true) * l2_normalize(y_pred), axis=-1)``; the
    metric ``metrics.cosine_similarity`` is its positive)."""
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
kld = KLD = kl_divergence = kullback_leibler_divergence
log_cosh = logcosh

_BY_NAME = {name: fn for name, fn in dict(globals()).items()
            if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", "")
            == __name__ and name not in ("get", "serialize", "deserialize")}


def get(identifier):
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"Unknown loss function: {identifier!r}")


def serialize(loss) -> str:
    return getattr(loss, "__name__", str(loss))


def deserialize(name):
    return get(name)


# The loss classes (Loss, MeanSquaredError, ...), defined beside the functions they wrap.
from reference_impl.losses_classes import *  # noqa: E402, F403
