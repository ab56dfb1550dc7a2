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
        step = grad * -self.current_learning_rate()  # -lr * g
        if not self.momentum:
            variable.data += step
            return
        velocity = self.slot(variable, "momentum")
        velocity *= self.momentum
        velocity += step  # velocity = momentum * velocity - lr * g
        if self.nesterov:
            step += self.momentum * velocity
            variable.data += step  # w += momentum * velocity - lr * g
        else:
            variable.data += velocity

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
