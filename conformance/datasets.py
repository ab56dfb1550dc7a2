"""Small deterministic synthetic tasks that a few epochs of training can learn.

The spec sources train on random labels (``np.random.randint``), which no model can learn, so a
test of "training works" needs data with structure. These tasks are Gaussian blobs: each class
has a centre drawn uniformly in [0, 1)^dim and its samples scatter around it. With the default
spread the classes are separated by many standard deviations along the line between any two
centres, so a small MLP reaches high accuracy in a few epochs whatever its random initialisation.

Everything is seeded NumPy (``np.random.default_rng(seed)``): the same call gives the same
arrays on every machine and for every implementation under test.
"""

from __future__ import annotations

import numpy as np


def blobs(n: int, dim: int, classes: int, *, seed: int = 0, spread: float = 0.15,
          scale: float = 1.0):
    """``n`` samples of ``dim`` float32 features in ``classes`` balanced classes.

    Returns ``(x, labels)``: x has shape (n, dim), labels are int64 of shape (n,), each class
    appearing ``n // classes`` or ``n // classes + 1`` times, in shuffled order. Centres are
    uniform in [0, scale)^dim; a larger scale makes the classes easier (and faster) to learn.
    """
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.0, scale, size=(classes, dim))
    labels = rng.permutation(np.arange(n) % classes).astype(np.int64)
    x = centres[labels] + rng.normal(0.0, spread, size=(n, dim))
    return x.astype(np.float32), labels


def binary_task(n: int, dim: int, *, seed: int = 0):
    """Two classes as in the spec's binary examples: x (n, dim) float32, y (n, 1) int64 0/1."""
    x, labels = blobs(n, dim, 2, seed=seed)
    return x, labels.reshape(n, 1)


def multiclass_task(n: int, dim: int, classes: int, *, seed: int = 0, scale: float = 1.0):
    """Classes as in the spec's categorical examples: x (n, dim) float32, y (n, 1) int64 labels,
    the shape ``np.random.randint(classes, size=(n, 1))`` has in the spec sources."""
    x, labels = blobs(n, dim, classes, seed=seed, scale=scale)
    return x, labels.reshape(n, 1)


def regression_task(n: int, dim: int, outputs: int = 1, *, seed: int = 0):
    """A noiseless linear regression: x (n, dim) float32 in [0, 1), y = x @ w + b, (n, outputs)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=(n, dim)).astype(np.float32)
    w = rng.normal(0.0, 1.0, size=(dim, outputs))
    b = rng.normal(0.0, 1.0, size=(outputs,))
    return x, (x @ w + b).astype(np.float32)
