"""Activation: applies an activation function to its input."""

from reference_impl import activations
from reference_impl.engine.base_layer import Layer


class Activation(Layer):
    supports_masking = True  # the input mask passes on (tf-keras 2)

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
