"""Loss classes (Keras 2, keras.io/2.x/api/losses): ``Loss(reduction, name)`` objects called as
``loss(y_true, y_pred, sample_weight=None)``. Each wraps a loss function of
``reference_impl.losses`` (one value per sample) with its keyword arguments, as tf-keras 2's
LossFunctionWrapper does; ``__call__`` then weights the values by ``sample_weight`` and reduces
them (tf-keras 2's losses_utils.compute_weighted_loss):

- 'auto' (the default) = 'sum_over_batch_size': sum(values * weight) / number of values;
- 'sum': sum(values * weight); 'none': values * weight, one per sample.

Exported from ``reference_impl.losses``.
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import losses as fns

REDUCTIONS = ("auto", "none", "sum", "sum_over_batch_size")


class Loss:
    """The base class: subclasses give ``call(y_true, y_pred)``, the per-sample values."""

    def __init__(self, reduction="auto", name=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"Invalid Reduction Key: {reduction}. Expected keys are "
                             f"\"{REDUCTIONS}\"")
        self.reduction = reduction
        self.name = name

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = ad.as_tensor(self.call(y_true, y_pred))
        mask = getattr(values, "_keras_mask", None)  # entries to leave out (ignore_class)
        weight = np.asarray(1.0 if sample_weight is None else ad._data(sample_weight),
                            dtype=values.dtype)
        if weight.ndim and weight.ndim == values.ndim + 1 and weight.shape[-1] == 1:
            weight = weight[..., 0]  # (n, 1) weights of (n,) values
        elif weight.ndim and weight.ndim == values.ndim - 1:
            weight = weight[..., None]  # (n,) weights of (n, steps) values
        if mask is not None:
            mask = mask.astype(values.dtype)
            if self.reduction in ("auto", "sum_over_batch_size"):  # a mean of the valid ones
                mask = mask * (mask.size / max(mask.sum(), 1e-30))
            weight = weight * mask
        weighted = values * ad.Tensor(weight)
        if self.reduction == "none":
            return weighted
        total = ad.reduce_sum(weighted)
        if self.reduction == "sum":
            return total
        return total / float(max(weighted.data.size, 1))

    def get_config(self) -> dict:
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A Loss computing ``fn(y_true, y_pred, **kwargs)``; its config holds the kwargs and, as
    in tf-keras 2.13+, ``fn``: the function's registered name (``fn_name``)."""

    def __init__(self, fn, reduction="auto", name=None, fn_name=None, **kwargs):
        super().__init__(reduction=reduction, name=name)
        self.fn = fn
        self.fn_name = fn_name or getattr(fn, "__name__", None)
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs, "fn": self.fn_name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        name = config.pop("fn", None)
        if cls is LossFunctionWrapper:
            config["fn"] = fns.get(name)
        return cls(**config)


def _wrapper(class_name, fn, default_name, fn_name=None, **defaults):
    """A LossFunctionWrapper subclass taking ``defaults`` as keyword arguments; ``fn_name``
    (``default_name`` unless given) is the function's name in the config."""

    def __init__(self, reduction="auto", name=default_name, **kwargs):
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name}.__init__() got an unexpected keyword argument "
                            f"{sorted(unknown)[0]!r}")
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name,
                                     fn_name=fn_name or default_name, **{**defaults, **kwargs})

    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__,
                                                      "__module__": __name__})


def _sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None):
    """The function with tf-keras 2's ignore_class: labels equal to it give 0 and are left out
    of the mean (a mask on the values, read by ``Loss.__call__``)."""
    if ignore_class is None:
        return fns.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits)
    labels = np.asarray(ad._data(y_true))
    valid = labels != ignore_class
    values = fns.sparse_categorical_crossentropy(np.where(valid, labels, 0), y_pred,
                                                 from_logits=from_logits)
    valid = valid.reshape(values.shape)
    values = ad.where(valid, values, ad.Tensor(np.zeros(values.shape, values.dtype)))
    values._keras_mask = valid
    return values


MeanSquaredError = _wrapper("MeanSquaredError", fns.mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", fns.mean_absolute_error,
                             "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError",
                                       fns.mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError",
                                       fns.mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error")
CosineSimilarity = _wrapper("CosineSimilarity", fns.cosine_similarity, "cosine_similarity",
                            axis=-1)
Huber = _wrapper("Huber", fns.huber, "huber_loss", fn_name="huber", delta=1.0)
LogCosh = _wrapper("LogCosh", fns.logcosh, "log_cosh")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", fns.binary_crossentropy,
                              "binary_crossentropy", from_logits=False, label_smoothing=0.0,
                              axis=-1)
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", fns.categorical_crossentropy,
                                   "categorical_crossentropy", from_logits=False,
                                   label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy",
                                         _sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy", from_logits=False,
                                         ignore_class=None)
Poisson = _wrapper("Poisson", fns.poisson, "poisson")
KLDivergence = _wrapper("KLDivergence", fns.kullback_leibler_divergence, "kl_divergence")
Hinge = _wrapper("Hinge", fns.hinge, "hinge")
SquaredHinge = _wrapper("SquaredHinge", fns.squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper("CategoricalHinge", fns.categorical_hinge, "categorical_hinge")

__all__ = ["Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity",
           "Huber", "LogCosh", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "Poisson", "KLDivergence", "Hinge", "SquaredHinge",
           "CategoricalHinge"]
