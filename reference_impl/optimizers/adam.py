"""Adam and its variants Adamax (infinity norm) and Nadam (Nesterov momentum)."""

import numpy as np

from reference_impl.optimizers.base import Optimizer


class Adam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def update(self, variable, grad):
        step = self.iterations + 1
        lr = (self.current_learning_rate() * np.sqrt(1 - self.beta_2 ** step)
              / (1 - self.beta_1 ** step))
        m, v = self.slot(variable, "m"), self.slot(variable, "v")
        m += (grad - m) * (1 - self.beta_1)
        v += (grad * grad - v) * (1 - self.beta_2)
        if self.amsgrad:
            v_max = self.slot(variable, "vhat")
            np.maximum(v_max, v, out=v_max)
            v = v_max
        return variable.data - lr * m / (np.sqrt(v) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class Adamax(Adam):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)

    def update(self, variable, grad):
        step = self.iterations + 1
        m, u = self.slot(variable, "m"), self.slot(variable, "u")
        m += (grad - m) * (1 - self.beta_1)
        u[...] = np.maximum(self.beta_2 * u, np.abs(grad))
        lr = self.current_learning_rate() / (1 - self.beta_1 ** step)
        return variable.data - lr * m / (u + self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.pop("amsgrad")
        return config


class Nadam(Adam):
    """Adam with Nesterov momentum and the momentum schedule u_t = b1 (1 - 0.5 * 0.96^t)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self._u_product = 1.0

    def _prepare_step(self):
        step = self.iterations + 1
        self._u_t = self.beta_1 * (1 - 0.5 * 0.96 ** step)
        self._u_next = self.beta_1 * (1 - 0.5 * 0.96 ** (step + 1))
        self._u_product_t = self._u_product * self._u_t
        self._u_product = self._u_product_t

    def update(self, variable, grad):
        step = self.iterations + 1
        m, v = self.slot(variable, "m"), self.slot(variable, "v")
        m += (grad - m) * (1 - self.beta_1)
        v += (grad * grad - v) * (1 - self.beta_2)
        u_product_next = self._u_product_t * self._u_next
        m_hat = (self._u_next * m / (1 - u_product_next)
                 + (1 - self._u_t) * grad / (1 - self._u_product_t))
        v_hat = v / (1 - self.beta_2 ** step)
        return variable.data - self.current_learning_rate() * m_hat / (
            np.sqrt(v_hat) + self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.pop("amsgrad")
        return config
