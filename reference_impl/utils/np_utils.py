"""NumPy helpers of ``keras.utils``."""

from __future__ import annotations

import random

import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """Class vector (integers 0..num_classes-1) to a one-hot matrix; a trailing axis of
    size 1 is dropped, as in ``to_categorical(np.random.randint(10, size=(1000, 1)))``."""
    y = np.asarray(y, dtype="int64")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.ravel()
    num_classes = int(num_classes) if num_classes is not None else int(y.max()) + 1
    return np.eye(num_classes, dtype=dtype)[y].reshape((*shape, num_classes))


def normalize(x, axis=-1, order=2):
    """A copy of ``x`` divided by its order-``order`` norm along ``axis`` (zero norms left
    alone); the shape of ``x`` is kept, also for a 1-D array."""
    norm = np.linalg.norm(x, order, axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


def set_random_seed(seed):
    """Seed Python's ``random`` and NumPy's global generator (the reference's only source of
    randomness for initializers, dropout and shuffling)."""
    if not isinstance(seed, int):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} "
                         f"(of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
