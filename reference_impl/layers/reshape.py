"""Reshape: gives each sample ``target_shape``; one dimension may be -1, inferred from the
others (keras.io/2/api/layers/reshaping_layers/reshape)."""

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
        shape, sample = list(self.target_shape), input_shape[1:]
        if None in sample:
            return (input_shape[0], *(None if d == -1 else d for d in shape))
        known, size = math.prod(d for d in shape if d != -1), math.prod(sample)
        if shape.count(-1) > 1 or (-1 in shape and (known == 0 or size % known)) or (
                -1 not in shape and known != size):
            raise ValueError(f"total size of new array must be unchanged, input_shape = "
                             f"{list(sample)}, output_shape = {list(self.target_shape)}")
        if -1 in shape:
            shape[shape.index(-1)] = size // known
        return (input_shape[0], *shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
