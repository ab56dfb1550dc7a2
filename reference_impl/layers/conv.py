"""Convolution layers (keras.io/2/api/layers/convolution_layers): Conv1D and Conv2D.

``output = activation(conv(inputs, kernel) + bias)``, the kernel of shape
(*kernel_size, input_channels, filters). Padding 'valid', 'same' (and 'causal' for Conv1D);
``data_format='channels_first'`` is computed channels_last between two transposes.
"""

from __future__ import annotations

from reference_impl import activations, constraints, initializers, regularizers
from reference_impl import autodiff as ad
from reference_impl.engine.base_layer import Layer
from reference_impl.layers._utils import (
    from_channels_last,
    normalize_data_format,
    serialize,
    to_channels_last,
)
from reference_impl.ops.conv import conv, conv_output_length, normalize_tuple


class Conv(Layer):
    """The N-d convolution behind Conv1D and Conv2D (``rank`` spatial axes)."""

    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        rank = self.rank
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.padding = str(padding).lower()
        allowed = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        if self.padding not in allowed:
            raise ValueError(f"padding must be one of {allowed}, got {padding!r}")
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("strides > 1 not supported in conjunction with dilation_rate > 1")
        if groups != 1:
            raise NotImplementedError("grouped convolutions (groups != 1) are not implemented")
        self.groups = 1
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError("The channel dimension of the inputs to a convolution should be "
                             f"defined. Found None in input_shape={input_shape}")
        self.kernel = self.add_weight("kernel", (*self.kernel_size, channels, self.filters),
                                      self.kernel_initializer, self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                        self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        x = to_channels_last(ad.as_tensor(inputs), self.data_format)
        y = conv(x, self.kernel, self.strides, self.padding, self.dilation_rate)
        if self.use_bias:
            y = y + self.bias
        return from_channels_last(self.activation(y), self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f"expected ndim={self.rank + 2}, found ndim={len(input_shape)}. "
                             f"Full shape received: {input_shape}")
        channels_last = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if channels_last else input_shape[2:]
        out = tuple(conv_output_length(size, k, self.padding, s, d) for size, k, s, d in zip(
            spatial, self.kernel_size, self.strides, self.dilation_rate, strict=True))
        if any(size is not None and size <= 0 for size in out):
            raise ValueError(f"One of the dimensions in the output is <= 0 due to downsampling "
                             f"in {self.name}. Consider increasing the input size. Received "
                             f"input shape {input_shape} which would produce output shape "
                             f"with a zero or negative value in a dimension.")
        batch = input_shape[0]
        return (batch, *out, self.filters) if channels_last else (batch, self.filters, *out)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(self.kernel_initializer, initializers),
            "bias_initializer": serialize(self.bias_initializer, initializers),
            "kernel_regularizer": serialize(self.kernel_regularizer, regularizers),
            "bias_regularizer": serialize(self.bias_regularizer, regularizers),
            "activity_regularizer": serialize(self.activity_regularizer, regularizers),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Conv1D(Conv):
    """Temporal convolution over (batch, steps, channels)."""

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         **kwargs)


class Conv2D(Conv):
    """Spatial convolution over (batch, rows, cols, channels)."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         **kwargs)


Convolution1D = Conv1D
Convolution2D = Conv2D
