"""Dropout: in training, zero each unit with probability ``rate`` and scale the rest by
``1 / (1 - rate)`` (inverted dropout), so that inference is the identity."""

import numpy as np

from reference_impl.engine.base_layer import Layer


class Dropout(Layer):
    supports_masking = True  # the input mask passes on (tf-keras 2)

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:  # tf-keras 2: tf.nn.dropout refuses it (no unit would be kept)
            raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), "
                             f"got {self.rate:g}")
        shape = inputs.shape if self.noise_shape is None else tuple(
            size if size is not None else inputs.shape[i]
            for i, size in enumerate(self.noise_shape))
        keep = self._rng.random(shape) >= self.rate
        return inputs * (keep / (1.0 - self.rate)).astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}
