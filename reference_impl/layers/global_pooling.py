"""Global pooling layers (keras.io/2/api/layers/pooling_layers): GlobalAveragePooling1D/2D and
GlobalMaxPooling1D/2D reduce every spatial axis to its mean or maximum, giving
(batch, channels), or (batch, 1, ..., channels) with ``keepdims=True``.
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl.engine.base_layer import Layer
from reference_impl.layers._utils import normalize_data_format


class GlobalPooling(Layer):
    rank = None
    reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.keepdims = keepdims

    def _spatial_axes(self) -> tuple:
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def call(self, inputs):
        return type(self).reduce(ad.as_tensor(inputs), self._spatial_axes(), self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f"expected ndim={self.rank + 2}, found ndim={len(input_shape)}. "
                             f"Full shape received: {input_shape}")
        spatial = self._spatial_axes()
        return tuple(1 if i in spatial else size for i, size in enumerate(input_shape)
                     if self.keepdims or i not in spatial)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling1D(GlobalPooling):
    rank, reduce = 1, ad.reduce_mean
    supports_masking = True  # masked steps are left out of the mean; the output has no mask

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(data_format, **kwargs)

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        x = ad.as_tensor(inputs)
        axis = self._spatial_axes()[0]
        weights = np.asarray(ad._data(mask), x.dtype)
        weights = weights[:, :, None] if axis == 1 else weights[:, None, :]
        total = ad.reduce_sum(x * weights, axis=axis, keepdims=self.keepdims)
        count = np.sum(weights, axis=axis, keepdims=self.keepdims)
        return total / count

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(GlobalPooling):
    rank, reduce = 1, ad.reduce_max

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(data_format, **kwargs)


class GlobalAveragePooling2D(GlobalPooling):
    rank, reduce = 2, ad.reduce_mean


class GlobalMaxPooling2D(GlobalPooling):
    rank, reduce = 2, ad.reduce_max


GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
