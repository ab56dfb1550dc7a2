"""Pooling layers (keras.io/2/api/layers/pooling_layers): MaxPooling1D/2D, AveragePooling1D/2D.

Each window of ``pool_size`` is reduced to its maximum or mean; ``strides`` default to
``pool_size``. With padding='same' the output has ceil(size / stride) positions and the mean
counts only the cells inside the input (as TensorFlow).
"""

from __future__ import annotations

from reference_impl import autodiff as ad
from reference_impl.engine.base_layer import Layer
from reference_impl.layers._utils import (
    from_channels_last,
    normalize_data_format,
    to_channels_last,
)
from reference_impl.ops.conv import avg_pool, conv_output_length, max_pool, normalize_tuple


class Pooling(Layer):
    """A window reduction (``pool``) over ``rank`` spatial axes."""

    rank = None
    pool = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else normalize_tuple(
            strides, self.rank, "strides")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs):
        inputs = ad.as_tensor(inputs)
        if inputs.ndim != self.rank + 2:  # tf-keras 2's InputSpec(ndim=rank + 2) message
            self.compute_output_shape(inputs.shape)
        x = to_channels_last(inputs, self.data_format)
        y = type(self).pool(x, self.pool_size, self.strides, self.padding)
        return from_channels_last(y, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f"expected ndim={self.rank + 2}, found ndim={len(input_shape)}. "
                             f"Full shape received: {input_shape}")
        channels_last = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if channels_last else input_shape[2:]
        out = tuple(conv_output_length(size, p, self.padding, s)
                    for size, p, s in zip(spatial, self.pool_size, self.strides, strict=True))
        if channels_last:
            return (input_shape[0], *out, input_shape[-1])
        return (input_shape[0], input_shape[1], *out)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(Pooling):
    rank, pool = 1, max_pool

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(Pooling):
    rank, pool = 1, avg_pool

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(Pooling):
    rank, pool = 2, max_pool

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(Pooling):
    rank, pool = 2, avg_pool

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
