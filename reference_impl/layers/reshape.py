"""Reshape: gives each sample ``target_shape`` (one dimension may be -1)."""

import math

from reference_impl import autodiff as ad
from reference_impl.engine.base_layer import Layer


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, inputs):
        return ad.reshape(inputs, (inputs.shape[0], *self.target_shape))

    def compute_output_shape(self, input_shape):
        shape = list(self.target_shape)
        if -1 in shape and None not in input_shape[1:]:
            known = math.prod(d for d in shape if d != -1)
            shape[shape.index(-1)] = math.prod(input_shape[1:]) // known
        return (input_shape[0], *(None if d == -1 else d for d in shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
