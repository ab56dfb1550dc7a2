"""Flatten: collapses every axis but the batch axis into one."""

import math

from reference_impl import autodiff as ad
from reference_impl.engine.base_layer import Layer


class Flatten(Layer):
    def call(self, inputs):
        return ad.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))
