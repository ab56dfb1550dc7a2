"""Flatten: collapses every axis but the batch axis into one (keras.io/2/api/layers/
reshaping_layers/flatten). With ``data_format='channels_first'`` the channels axis is moved
last first, so that the order of the values is the one a channels-last input would give."""

import math

from reference_impl import autodiff as ad
from reference_impl import backend as K
from reference_impl.engine.base_layer import Layer


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or K.image_data_format()

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ad.transpose(inputs, (0, *range(2, inputs.ndim), 1))
        return ad.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
