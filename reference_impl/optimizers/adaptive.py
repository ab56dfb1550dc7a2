"""Per-coordinate adaptive steps: RMSprop, Adagrad, Adadelta.

Epsilon goes inside the square root in all three, as in tf-keras 2.21's ``optimizers``
(the conformance golden): g / sqrt(v + epsilon). Keras 2.2 and tf-keras's ``optimizers.legacy``
add it outside in RMSprop (without momentum) and Adagrad, g / (sqrt(v) + epsilon); the two
agree for large gradients and part ways once g ** 2 is not large against epsilon (|g| <~ 1e-3
at epsilon 1e-7): fixtures/optimizers_edge.json pins the difference.
"""

import numpy as np

from reference_impl.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """ms = rho * ms + (1 - rho) * g ** 2; with centered=True the denominator is the variance
    ms - mg ** 2 (mg the running mean of g).
    w -= lr * g / sqrt(ms + epsilon)                              (momentum = 0)
    mom = momentum * mom + lr * g / sqrt(ms + epsilon); w -= mom  (momentum > 0)"""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def update(self, variable, grad):
        mean_square = self.slot(variable, "rms")
        scratch = grad * grad  # one scratch array, reused below
        scratch *= 1 - self.rho
        mean_square *= self.rho
        mean_square += scratch  # ms = rho * ms + (1 - rho) * g ** 2
        if self.centered:
            mean = self.slot(variable, "mg")
            mean *= self.rho
            mean += (1 - self.rho) * grad
            np.multiply(mean, mean, out=scratch)
            np.subtract(mean_square, scratch, out=scratch)  # ms - mg ** 2
            scratch += self.epsilon
        else:
            np.add(mean_square, self.epsilon, out=scratch)
        np.sqrt(scratch, out=scratch)
        increment = grad * self.current_learning_rate()
        increment /= scratch  # lr * g / sqrt(denominator + epsilon)
        if not self.momentum:
            variable.data -= increment
            return
        moment = self.slot(variable, "momentum")
        moment *= self.momentum
        moment += increment
        variable.data -= moment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """accumulator += g ** 2 (from initial_accumulator_value);
    w -= lr * g / sqrt(accumulator + epsilon)"""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError("initial_accumulator_value must be non-negative: "
                             f"{initial_accumulator_value}")
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def update(self, variable, grad):
        accumulator = self.slot(variable, "accumulator", self.initial_accumulator_value)
        accumulator += grad * grad
        variable.data -= self.current_learning_rate() * grad / np.sqrt(accumulator + self.epsilon)

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """E[g2] = rho * E[g2] + (1 - rho) * g ** 2
    delta = sqrt(E[dx2] + epsilon) / sqrt(E[g2] + epsilon) * g;  w -= lr * delta
    E[dx2] = rho * E[dx2] + (1 - rho) * delta ** 2"""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def update(self, variable, grad):
        grad_average = self.slot(variable, "accum_grad")
        delta_average = self.slot(variable, "accum_var")
        grad_average[...] = self.rho * grad_average + (1 - self.rho) * grad * grad
        delta = (np.sqrt(delta_average + self.epsilon) / np.sqrt(grad_average + self.epsilon)
                 * grad)
        delta_average[...] = self.rho * delta_average + (1 - self.rho) * delta * delta
        variable.data -= self.current_learning_rate() * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
