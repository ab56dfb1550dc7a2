"""Adam and its variants Adamax (infinity norm) and Nadam (Nesterov momentum)."""

import math

import numpy as np

from reference_impl.optimizers.base import Optimizer, blocks


class Adam(Optimizer):
    """m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g ** 2  (amsgrad: v = max over steps)
    w -= lr * sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (sqrt(v) + epsilon)"""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def update(self, variable, grad):
        step = self.iterations + 1
        # a Python float: a NumPy float64 scalar would promote the float32 arrays to float64
        lr = (self.current_learning_rate() * math.sqrt(1 - self.beta_2 ** step)
              / (1 - self.beta_1 ** step))
        arrays = [variable.data, np.ascontiguousarray(grad), self.slot(variable, "m"),
                  self.slot(variable, "v")]
        if self.amsgrad:
            arrays.append(self.slot(variable, "vhat"))
        for block in blocks(*arrays):
            self._update_block(lr, *block)

    def _update_block(self, lr, w, grad, m, v, v_max=None):
        scratch = grad - m  # one scratch array, reused by every step below
        scratch *= 1 - self.beta_1
        m += scratch  # m += (g - m) * (1 - b1)
        np.multiply(grad, grad, out=scratch)
        scratch -= v
        scratch *= 1 - self.beta_2
        v += scratch  # v += (g * g - v) * (1 - b2)
        if v_max is not None:  # amsgrad
            np.maximum(v_max, v, out=v_max)
            v = v_max
        step = m * lr
        np.sqrt(v, out=scratch)
        scratch += self.epsilon
        step /= scratch
        w -= step  # w -= lr * m / (sqrt(v) + epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class Adamax(Optimizer):
    """m = b1 * m + (1 - b1) * g;  u = max(b2 * u, |g|)
    w -= lr / (1 - b1 ** t) * m / (u + epsilon)"""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def update(self, variable, grad):
        step = self.iterations + 1
        m, u = self.slot(variable, "m"), self.slot(variable, "v")
        m += (grad - m) * (1 - self.beta_1)
        np.maximum(self.beta_2 * u, np.abs(grad), out=u)
        lr = self.current_learning_rate() / (1 - self.beta_1 ** step)
        variable.data -= lr * m / (u + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat 2015) and the momentum schedule
    u_t = b1 * (1 - 0.5 * 0.96 ** t):
        m_hat = u_{t+1} * m / (1 - u_1...u_{t+1}) + (1 - u_t) * g / (1 - u_1...u_t)
        w -= lr * m_hat / (sqrt(v / (1 - b2 ** t)) + epsilon)

    The schedule is tf-keras 2.21's ``optimizers.Nadam`` (the conformance golden); Keras 2.2 and
    tf-keras's ``optimizers.legacy.Nadam`` decay it slower, 0.96 ** (0.004 * t)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._u_product = 1.0

    def _prepare_step(self):
        step = self.iterations + 1
        self._u_t = self.beta_1 * (1 - 0.5 * 0.96 ** step)
        self._u_next = self.beta_1 * (1 - 0.5 * 0.96 ** (step + 1))
        self._u_product *= self._u_t

    def update(self, variable, grad):
        step = self.iterations + 1
        m, v = self.slot(variable, "m"), self.slot(variable, "v")
        m += (grad - m) * (1 - self.beta_1)
        v += (grad * grad - v) * (1 - self.beta_2)
        m_hat = (self._u_next * m / (1 - self._u_product * self._u_next)
                 + (1 - self._u_t) * grad / (1 - self._u_product))
        v_hat = v / (1 - self.beta_2 ** step)
        variable.data -= self.current_learning_rate() * m_hat / (np.sqrt(v_hat) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
