"""The documented output-shape formulas of Keras 2 layers, as small plain functions.

Shapes include the batch dimension (``None`` for symbolic shapes) and are channels_last.
Sources:
- convolutions: keras.io/2.x/api/layers/convolution_layers (Conv1D, Conv2D: "new_steps" /
  "new_rows, new_cols ... might have changed due to padding or strides"), computed as Keras 2's
  ``conv_utils.conv_output_length``: the kernel is dilated to ``(k - 1) * d + 1``, 'valid' keeps
  the positions where it fits, 'same' keeps every position, then one position in ``stride``;
- pooling: keras.io/2.x/api/layers/pooling_layers (MaxPooling1D/2D, AveragePooling1D/2D):
  ``floor((input - pool_size) / strides) + 1`` for 'valid', ``floor((input - 1) / strides) + 1``
  for 'same', and ``strides=None`` means ``strides = pool_size``;
- global pooling, Flatten, Embedding, SimpleRNN/LSTM/GRU: their "Output shape" sections.
"""

from __future__ import annotations

import math

# How many state tensors each recurrent layer returns after its output with return_state=True.
RNN_STATE_COUNT = {"SimpleRNN": 1, "GRU": 1, "LSTM": 2}


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def dilated_kernel_size(kernel_size: int, dilation_rate: int = 1) -> int:
    return (kernel_size - 1) * dilation_rate + 1


def conv_output_length(length, kernel_size, padding, stride=1, dilation_rate=1):
    """One spatial dimension of a convolution output (``None`` stays ``None``)."""
    if length is None:
        return None
    if padding == "same":
        return _ceil_div(length, stride)
    if padding == "valid":
        return _ceil_div(length - dilated_kernel_size(kernel_size, dilation_rate) + 1, stride)
    raise ValueError(f"padding {padding!r} is not one of 'valid', 'same'")


def pool_output_length(length, pool_size, padding, stride=None):
    """One spatial dimension of a pooling output; ``stride=None`` means ``pool_size``."""
    if length is None:
        return None
    stride = pool_size if stride is None else stride
    if padding == "valid":
        return math.floor((length - pool_size) / stride) + 1
    if padding == "same":
        return math.floor((length - 1) / stride) + 1
    raise ValueError(f"padding {padding!r} is not one of 'valid', 'same'")


def conv_output_shape(input_shape, filters, kernel_size, padding, strides, dilation_rate):
    """Conv1D/Conv2D (channels_last): (batch, *spatial, channels) -> (batch, *new, filters).

    kernel_size, strides and dilation_rate are tuples with one entry per spatial dimension.
    """
    batch, *spatial, _ = input_shape
    new = [
        conv_output_length(n, k, padding, s, d)
        for n, k, s, d in zip(spatial, kernel_size, strides, dilation_rate, strict=True)
    ]
    return (batch, *new, filters)


def pool_output_shape(input_shape, pool_size, padding, strides=None):
    """MaxPooling/AveragePooling 1D/2D (channels_last); pool_size/strides are tuples or None."""
    batch, *spatial, channels = input_shape
    strides = (None,) * len(pool_size) if strides is None else strides
    new = [
        pool_output_length(n, p, padding, s)
        for n, p, s in zip(spatial, pool_size, strides, strict=True)
    ]
    return (batch, *new, channels)


def global_pool_output_shape(input_shape):
    """GlobalAverage/GlobalMaxPooling 1D/2D: (batch, ..., channels) -> (batch, channels)."""
    return (input_shape[0], input_shape[-1])


def flatten_output_shape(input_shape):
    """Flatten: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...)."""
    return (input_shape[0], math.prod(input_shape[1:]))


def embedding_output_shape(input_shape, output_dim):
    """Embedding: (batch, input_length) -> (batch, input_length, output_dim)."""
    return (*input_shape, output_dim)


def rnn_output_shapes(input_shape, units, return_sequences=False, return_state=False,
                      layer="LSTM"):
    """SimpleRNN/LSTM/GRU on (batch, timesteps, features).

    The output is (batch, timesteps, units) with return_sequences, else (batch, units); with
    return_state the result is a list: the output, then RNN_STATE_COUNT[layer] states of shape
    (batch, units).
    """
    batch, timesteps, _ = input_shape
    output = (batch, timesteps, units) if return_sequences else (batch, units)
    if not return_state:
        return output
    return [output] + [(batch, units)] * RNN_STATE_COUNT[layer]
