"""The optimizer base (Keras 2): learning rate (``lr`` is its Keras 2.0 name), time-based
``decay``, gradient clipping, the ``iterations`` count and per-variable slots."""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad

BLOCK = 1 << 15  # elements; 128 KiB of float32 per array: a block of each stays in the cache


def blocks(*arrays):
    """Aligned slices of same-shaped arrays, as flat views. An elementwise update with a dozen
    passes, done block by block, reads each array from the cache on all but its first pass
    rather than from memory on each (Adam on a 784x500 kernel: about 2x faster). Every element
    is computed alone, so the numbers are the same. Arrays not all C-contiguous come whole."""
    if not all(a.flags.c_contiguous for a in arrays):
        yield arrays
        return
    flat = [a.reshape(-1) for a in arrays]
    for start in range(0, flat[0].size, BLOCK):
        yield [f[start:start + BLOCK] for f in flat]


class Optimizer:
    """Subclasses write ``update(variable, grad)``, which updates one variable's array (and its
    slots) in place; the learning rate of the step is ``current_learning_rate()``:

        lr_t = lr / (1 + decay * iterations)
    """

    def __init__(self, learning_rate=0.01, decay=0.0, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, lr=None, **kwargs):
        kwargs.pop("jit_compile", None)
        if kwargs:
            raise TypeError(f"Unexpected keyword argument(s) for {type(self).__name__}: "
                            f"{sorted(kwargs)}")
        if decay < 0:
            raise ValueError(f"decay cannot be less than 0. Received: decay={decay}.")
        self.learning_rate = float(learning_rate if lr is None else lr)
        self.decay = float(decay)
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError("At most one of `clipnorm` and `global_clipnorm` can be set. "
                             f"Received: clipnorm={clipnorm}, global_clipnorm={global_clipnorm}.")
        self.clipnorm, self.clipvalue = clipnorm, clipvalue
        self.global_clipnorm = global_clipnorm
        self.name = name or type(self).__name__
        self.iterations = 0
        self._slots: dict[int, dict[str, np.ndarray]] = {}

    @property
    def lr(self) -> float:
        return self.learning_rate

    @lr.setter
    def lr(self, value) -> None:
        self.learning_rate = float(value)

    def current_learning_rate(self) -> float:
        return self.learning_rate / (1.0 + self.decay * self.iterations)

    def slot(self, variable, name: str, initial=0.0) -> np.ndarray:
        """Per-variable state (a moment, an accumulator), created on first use."""
        slots = self._slots.setdefault(id(variable), {})
        if name not in slots:
            slots[name] = np.full_like(variable.data, initial)
        return slots[name]

    def apply_gradients(self, grads_and_vars, name=None, **kwargs) -> int:
        """Update each variable in place from its gradient (pairs whose gradient is None are
        skipped), then count one iteration. Gradients are clipped first: by value, then each
        by its own norm, then all together by their global norm (global_clipnorm)."""
        pairs = [(self._clip(np.asarray(ad._data(g)).astype(v.data.dtype, copy=False)), v)
                 for g, v in grads_and_vars if g is not None]
        if self.global_clipnorm is not None:
            pairs = self._clip_global(pairs)
        self._prepare_step()
        for grad, variable in pairs:
            self.update(variable, grad)
            if getattr(variable, "constraint", None) is not None:  # Keras 2: after the update
                variable.data[...] = ad._data(variable.constraint(variable))
        self.iterations += 1
        return self.iterations

    def minimize(self, loss, var_list, **kwargs) -> None:
        """One step on ``loss`` (a scalar Tensor, or a function returning one)."""
        loss = loss() if callable(loss) else loss
        self.apply_gradients(zip(ad.gradients(loss, list(var_list)), var_list, strict=True))

    def _clip(self, grad):
        if self.clipvalue is not None:
            grad = np.clip(grad, -self.clipvalue, self.clipvalue)
        if self.clipnorm is not None:
            norm = np.sqrt(np.sum(grad * grad))
            if norm > self.clipnorm:
                grad = grad * (self.clipnorm / norm)
        return grad

    def _clip_global(self, pairs):
        """tf.clip_by_global_norm: scale every gradient by global_clipnorm / global norm when
        the norm of all of them together exceeds global_clipnorm."""
        norm = np.sqrt(sum(np.sum(g * g) for g, _ in pairs))
        if norm <= self.global_clipnorm:
            return pairs
        return [(g * (self.global_clipnorm / norm), v) for g, v in pairs]

    def _prepare_step(self) -> None:
        """Per-step state shared by all variables (e.g. Nadam's momentum product)."""

    def update(self, variable, grad) -> None:
        """Update ``variable.data`` in place. In-place operators (``+=``, ``out=``) keep the
        step from allocating a temporary array per operator: for large weights those
        allocations (fresh pages from the system) cost more than the arithmetic."""
        raise NotImplementedError

    def get_config(self) -> dict:
        config = {"name": self.name, "learning_rate": self.learning_rate, "decay": self.decay}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        if self.global_clipnorm is not None:
            config["global_clipnorm"] = self.global_clipnorm
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
