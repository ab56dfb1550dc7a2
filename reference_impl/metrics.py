"""Metric functions (Keras 2): ``metric(y_true, y_pred)`` gives one value per sample; the
training loop averages them over all samples seen (weighted by sample weights if asked)."""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl.losses import (  # noqa: F401  (Keras 2 exposes these as metrics too)
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    categorical_crossentropy,
    cosine_proximity,
    hinge,
    kullback_leibler_divergence,
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


def _np(x):
    return np.asarray(ad._data(x))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred = _np(y_pred)
    predicted = (y_pred > threshold).astype(y_pred.dtype)
    return ad.Tensor(np.mean(_np(y_true) == predicted, axis=-1).astype("float32"))


def categorical_accuracy(y_true, y_pred):
    hits = np.argmax(_np(y_true), axis=-1) == np.argmax(_np(y_pred), axis=-1)
    return ad.Tensor(hits.astype("float32"))


def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _np(y_true), _np(y_pred)
    if y_true.ndim == y_pred.ndim:
        y_true = y_true.squeeze(-1)
    return ad.Tensor((y_true.astype("int64") == np.argmax(y_pred, axis=-1)).astype("float32"))


def _in_top_k(targets, predictions, k):
    """As tf.math.in_top_k: classes tied with the k-th score all count as in the top k."""
    target_scores = np.take_along_axis(predictions, targets[..., None], axis=-1)
    return (np.sum(predictions > target_scores, axis=-1) < k).astype("float32")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return ad.Tensor(_in_top_k(np.argmax(_np(y_true), axis=-1), _np(y_pred), k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = _np(y_true), _np(y_pred)
    if y_true.ndim == y_pred.ndim:
        y_true = y_true.squeeze(-1)
    return ad.Tensor(_in_top_k(y_true.astype("int64"), y_pred, k))


_BY_NAME = {name: fn for name, fn in dict(globals()).items()
            if callable(fn) and not name.startswith("_") and name not in ("get",)}
_BY_NAME.update(acc=None, accuracy=None)  # resolved from the loss by the training loop


def get(identifier):
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME and _BY_NAME[identifier]:
        return _BY_NAME[identifier]
    raise ValueError(f"Unknown metric function: {identifier!r}")


def accuracy_for(loss_fn, output_shape) -> callable:
    """Which accuracy 'accuracy' means for an output: binary, sparse or categorical, as
    Keras 2 decides from the loss and the output size."""
    name = getattr(loss_fn, "__name__", "")
    if name == "sparse_categorical_crossentropy":
        return sparse_categorical_accuracy
    if name == "binary_crossentropy" or (output_shape and output_shape[-1] == 1):
        return binary_accuracy
    return categorical_accuracy
