"""Masking (keras.io/2/api/layers/core_layers/masking): marks the time steps of a
(batch, timesteps, features) input whose features all equal ``mask_value`` as padding.

The output is the input with those steps set to 0, and it carries the mask
``any(inputs != mask_value, axis=-1)``, which the layers downstream honour (RNNs skip the
masked steps, GlobalAveragePooling1D leaves them out of the mean, losses ignore them).
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl.engine.base_layer import Layer


class Masking(Layer):
    supports_masking = True
    _makes_masks = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return np.any(np.asarray(ad._data(inputs)) != self.mask_value, axis=-1)

    def call(self, inputs):
        x = ad.as_tensor(inputs)
        keep = np.any(x.data != self.mask_value, axis=-1, keepdims=True)
        return x * keep.astype(x.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
