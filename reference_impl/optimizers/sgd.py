"""SGD with optional momentum and Nesterov momentum (Keras 2 defaults: lr=0.01, momentum=0)."""

from reference_impl.optimizers.base import Optimizer


class SGD(Optimizer):
    """velocity = momentum * velocity - lr * g
    w += velocity                       (momentum)
    w += momentum * velocity - lr * g   (nesterov)
    w -= lr * g                         (momentum = 0)"""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be between [0, 1]. Received: momentum={momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def update(self, variable, grad):
        lr = self.current_learning_rate()
        if not self.momentum:
            return variable.data - lr * grad
        velocity = self.slot(variable, "momentum")
        velocity[...] = self.momentum * velocity - lr * grad
        if self.nesterov:
            return variable.data + self.momentum * velocity - lr * grad
        return variable.data + velocity

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
