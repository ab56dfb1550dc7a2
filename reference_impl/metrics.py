"""Metric functions (Keras 2, keras.io/2.x/api/metrics): ``metric(y_true, y_pred)`` gives one
value per sample; the training loop averages them over every sample of an epoch (weighted by
the sample weights for ``weighted_metrics``). Any loss function can serve as a metric.

Accuracies have no gradient: they are computed on the arrays and returned as constant Tensors.
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import backend as K
from reference_impl.losses import (  # noqa: F401  (Keras 2 exposes these as metrics too)
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    hinge,
    kl_divergence,
    kld,
    kullback_leibler_divergence,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)


def _np(x) -> np.ndarray:
    return np.asarray(ad._data(x))


def _labels(y_true, y_pred) -> np.ndarray:
    """Integer class labels, with the trailing axis of size 1 of (n, 1) labels dropped."""
    y_true = _np(y_true)
    if y_true.ndim == _np(y_pred).ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_true.astype("int64")


def _constant(values) -> ad.Tensor:
    return ad.Tensor(np.asarray(values, dtype=K.floatx()))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of y_true == (y_pred > threshold)."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    return _constant(np.mean(y_true == (y_pred > threshold), axis=-1))


def categorical_accuracy(y_true, y_pred):
    """1 where the largest prediction is at the one-hot target's class (first on ties)."""
    return _constant(np.argmax(_np(y_true), axis=-1) == np.argmax(_np(y_pred), axis=-1))


def sparse_categorical_accuracy(y_true, y_pred):
    """categorical_accuracy with integer labels, of shape (n,) or (n, 1)."""
    return _constant(_labels(y_true, y_pred) == np.argmax(_np(y_pred), axis=-1))


def _in_top_k(labels, predictions, k) -> np.ndarray:
    """As tf.math.in_top_k: classes tied with the k-th score all count as in the top k."""
    target_scores = np.take_along_axis(predictions, labels[..., None], axis=-1)
    return np.sum(predictions > target_scores, axis=-1) < k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the target class is among the ``k`` largest predictions."""
    return _constant(_in_top_k(np.argmax(_np(y_true), axis=-1), _np(y_pred), k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    return _constant(_in_top_k(_labels(y_true, y_pred), _np(y_pred), k))


def accuracy(y_true, y_pred):
    """Plain equality of predictions and targets (the function ``metrics.get('accuracy')``
    gives; in ``compile`` the string 'accuracy' picks one of the accuracies above)."""
    return _constant(_np(y_true) == _np(y_pred))


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine of the angle between the vectors (1 when they point the same way); the loss
    of that name is its negative."""
    return K.sum(K.l2_normalize(ad.as_tensor(y_true), axis)
                 * K.l2_normalize(ad.as_tensor(y_pred), axis), axis=axis)


cosine_proximity = cosine_similarity
acc = accuracy

_BY_NAME = {name: fn for name, fn in dict(globals()).items()
            if callable(fn) and not name.startswith("_") and not isinstance(fn, type)
            and name not in ("get", "serialize", "deserialize", "resolve_accuracy")}


def get(identifier):
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"Unknown metric function: {identifier!r}")


def serialize(metric) -> str:
    return getattr(metric, "__name__", str(metric))


def deserialize(name):
    return get(name)


def resolve_accuracy(name: str, y_true_shape, y_pred_shape):
    """What compile's 'accuracy'/'acc' ('crossentropy'/'ce') means for one output, decided as
    the tf.keras 2 compile docstring says, from the shapes of the targets and the output:
    binary for one output unit, sparse for integer labels (one axis fewer, or a trailing axis
    of 1 against several units), categorical otherwise."""
    binary = y_pred_shape[-1] == 1
    sparse = len(y_true_shape) < len(y_pred_shape) or (
        y_true_shape[-1] == 1 and y_pred_shape[-1] != 1)
    if name in ("accuracy", "acc"):
        return (binary_accuracy if binary else sparse_categorical_accuracy if sparse
                else categorical_accuracy)
    return (binary_crossentropy if binary else sparse_categorical_crossentropy if sparse
            else categorical_crossentropy)
