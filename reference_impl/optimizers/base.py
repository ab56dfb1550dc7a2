"""The optimizer base: learning-rate schedule (``decay``), iteration count, slots."""

from __future__ import annotations

import numpy as np


class Optimizer:
    def __init__(self, learning_rate=0.01, decay=0.0, name=None, lr=None, **kwargs):
        unknown = set(kwargs) - {"clipnorm", "clipvalue", "epsilon_decay"}
        if unknown:
            raise TypeError(f"Unexpected keyword argument(s) for {type(self).__name__}: "
                            f"{sorted(unknown)}")
        self.learning_rate = float(lr if lr is not None else learning_rate)
        self.decay = float(decay)
        self.clipnorm = kwargs.get("clipnorm")
        self.clipvalue = kwargs.get("clipvalue")
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
        slots = self._slots.setdefault(id(variable), {})
        if name not in slots:
            slots[name] = np.full_like(variable.data, initial)
        return slots[name]

    def apply_gradients(self, grads_and_vars) -> None:
        pairs = [(np.asarray(getattr(g, "data", g)), v) for g, v in grads_and_vars
                 if g is not None]
        self._prepare_step()
        for grad, variable in pairs:
            grad = self._clip(grad.astype(variable.data.dtype))
            variable.data[...] = self.update(variable, grad)
        self.iterations += 1

    def _clip(self, grad):
        if self.clipvalue is not None:
            grad = np.clip(grad, -self.clipvalue, self.clipvalue)
        if self.clipnorm is not None:
            norm = np.sqrt(np.sum(grad * grad))
            if norm > self.clipnorm:
                grad = grad * (self.clipnorm / norm)
        return grad

    def _prepare_step(self) -> None:
        """Per-step state shared by all variables (e.g. Nadam's momentum product)."""

    def update(self, variable, grad) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "decay": self.decay}
