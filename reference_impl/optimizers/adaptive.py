"""Per-coordinate adaptive steps: RMSprop, Adagrad, Adadelta."""

import numpy as np

from reference_impl.optimizers.base import Optimizer


class RMSprop(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def update(self, variable, grad):
        lr = self.current_learning_rate()
        velocity = self.slot(variable, "velocity")
        velocity[...] = self.rho * velocity + (1 - self.rho) * grad * grad
        denominator = velocity
        if self.centered:
            average = self.slot(variable, "average_gradient")
            average[...] = self.rho * average + (1 - self.rho) * grad
            denominator = velocity - average * average
        increment = lr * grad / np.sqrt(denominator + self.epsilon)
        if self.momentum:
            moment = self.slot(variable, "momentum")
            moment[...] = self.momentum * moment + increment
            return variable.data - moment
        return variable.data - increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def update(self, variable, grad):
        accumulator = self.slot(variable, "accumulator", self.initial_accumulator_value)
        accumulator += grad * grad
        return variable.data - self.current_learning_rate() * grad / np.sqrt(
            accumulator + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon,
                "initial_accumulator_value": self.initial_accumulator_value}


class Adadelta(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def update(self, variable, grad):
        grad_average = self.slot(variable, "accumulated_grad")
        delta_average = self.slot(variable, "accumulated_delta")
        grad_average[...] = self.rho * grad_average + (1 - self.rho) * grad * grad
        delta = (np.sqrt(delta_average + self.epsilon) / np.sqrt(grad_average + self.epsilon)
                 * grad)
        delta_average[...] = self.rho * delta_average + (1 - self.rho) * delta * delta
        return variable.data - self.current_learning_rate() * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
