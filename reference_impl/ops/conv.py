"""Convolution and pooling over channels_last arrays, differentiable through ``autodiff.op``.

Every op sees its padded input as windows: ``_windows`` views it, without copying, as an array
of shape (batch, *output_positions, *window, channels). A convolution is then one matmul of the
flattened windows with the flattened kernel (im2col); average pooling sums over the window
axes; max pooling takes elementwise maxima of one strided view per window offset. Gradients
flow back into the windows and ``_scatter_windows`` adds them onto the input, one window offset
at a time: a loop over the few kernel positions, vectorised over everything else.

Padding follows TensorFlow: 'valid' adds none; 'same' pads so that the output has
ceil(size / stride) positions, with the odd element after; 'causal' (Conv1D) pads on the left.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from reference_impl.autodiff import as_tensor, op

PADDINGS = ("valid", "same", "causal")


def normalize_tuple(value, rank: int, name: str) -> tuple:
    values = (value,) * rank if np.isscalar(value) else tuple(value)
    if len(values) != rank:
        raise ValueError(f"{name} must be an int or a tuple of {rank} ints, got {value!r}")
    return tuple(int(v) for v in values)


def _padding(size: int, window: int, stride: int, padding: str) -> tuple[int, int]:
    """(before, after) padding of one spatial axis; ``window`` is the dilated window."""
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return window - 1, 0
    if padding == "same":
        total = max((math.ceil(size / stride) - 1) * stride + window - size, 0)
        return total // 2, total - total // 2
    raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")


def conv_output_length(length, window: int, padding: str, stride: int, dilation: int = 1):
    """Output positions along one axis (None stays None), as Keras' conv_utils computes."""
    if length is None:
        return None
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if padding == "valid":
        return (length - (window - 1) * dilation - 1) // stride + 1
    return (length + stride - 1) // stride


def _windows(x: np.ndarray, window, strides, dilation) -> np.ndarray:
    """A read-only view of x (batch, *spatial, channels) as (batch, *out, *window, channels)."""
    n, *spatial, c = x.shape
    out = [max((s - (w - 1) * d - 1) // st + 1, 0)
           for s, w, st, d in zip(spatial, window, strides, dilation, strict=True)]
    s_batch, *s_spatial, s_channel = x.strides
    shape = (n, *out, *window, c)
    strides_ = (s_batch,
                *(s * st for s, st in zip(s_spatial, strides, strict=True)),
                *(s * d for s, d in zip(s_spatial, dilation, strict=True)),
                s_channel)
    return as_strided(x, shape, strides_, writeable=False)


def _offset_slices(out, window, strides, dilation):
    """For each window offset, the slices of the padded input read at that offset by every
    output position: (offset, index) pairs, the offsets in row-major order."""
    for offset in np.ndindex(*window):
        yield offset, (slice(None), *(slice(o * d, o * d + (n - 1) * st + 1, st) for o, d, n, st
                                      in zip(offset, dilation, out, strides, strict=True)))


def _scatter_windows(g: np.ndarray, shape: tuple, strides, dilation) -> np.ndarray:
    """The adjoint of ``_windows``: sum window gradients g into an array of ``shape``."""
    rank = len(strides)
    out, window = g.shape[1:1 + rank], g.shape[1 + rank:1 + 2 * rank]
    full = np.zeros(shape, g.dtype)
    for offset, index in _offset_slices(out, window, strides, dilation):
        full[index] += g[(slice(None),) * (1 + rank) + offset]
    return full


def _pad(x: np.ndarray, window, strides, dilation, padding, fill=0.0):
    """Pad the spatial axes; returns the padded array and the slices that undo it."""
    pads = [_padding(size, (w - 1) * d + 1, st, padding)
            for size, w, st, d in zip(x.shape[1:-1], window, strides, dilation, strict=True)]
    crop = (slice(None),
            *(slice(b, b + size) for (b, _), size in zip(pads, x.shape[1:-1], strict=True)))
    if not any(b or a for b, a in pads):
        return x, crop
    return np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill), crop


# -- convolution --------------------------------------------------------------------------
def conv(x, kernel, strides=1, padding="valid", dilation_rate=1):
    """N-d convolution (cross-correlation, as Keras): x (batch, *spatial, in_channels),
    kernel (*window, in_channels, filters) -> (batch, *out, filters)."""
    x, kernel = as_tensor(x), as_tensor(kernel)
    rank = kernel.ndim - 2
    if x.ndim != rank + 2:
        raise ValueError(f"a {rank}D convolution needs an input of rank {rank + 2}, "
                         f"got shape {x.shape}")
    if x.shape[-1] != kernel.shape[-2]:
        raise ValueError(f"input has {x.shape[-1]} channels but the kernel expects "
                         f"{kernel.shape[-2]}")
    strides = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    window = kernel.shape[:rank]
    padded, crop = _pad(x.data, window, strides, dilation, padding)
    windows = _windows(padded, window, strides, dilation)
    flat_kernel = kernel.data.reshape(-1, kernel.shape[-1])
    columns = windows.reshape(-1, flat_kernel.shape[0])  # im2col: the one copy
    out = (columns @ flat_kernel).reshape(*windows.shape[:1 + rank], kernel.shape[-1])

    def backward(g):
        g = g.reshape(-1, g.shape[-1])
        g_kernel = (columns.T @ g).reshape(kernel.shape) if kernel.requires_grad else None
        if not x.requires_grad:  # the input data of a first layer: no input gradient to pay
            return None, g_kernel
        # the input gradient, one kernel offset at a time: the windows' gradient at that
        # offset is g @ kernel[offset].T, added where that offset read the padded input
        # (a col2im that never holds all the windows' gradients at once)
        full = np.zeros(padded.shape, g.dtype)
        for offset, index in _offset_slices(out.shape[1:1 + rank], window, strides, dilation):
            full[index] += (g @ kernel.data[offset].T).reshape(full[index].shape)
        return full[crop], g_kernel

    return op(out, (x, kernel), backward)


# -- pooling ------------------------------------------------------------------------------
def _pool_setup(x, pool_size, strides, padding):
    if padding not in ("valid", "same"):
        raise ValueError(f"pooling padding must be 'valid' or 'same', got {padding!r}")
    rank = x.ndim - 2
    pool_size = normalize_tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else normalize_tuple(strides, rank, "strides")
    return rank, pool_size, strides, (1,) * rank


def _lowest(dtype):
    return -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


def max_pool(x, pool_size, strides=None, padding="valid"):
    """Maximum over each window; the gradient goes to the first maximum of the window."""
    x = as_tensor(x)
    rank, pool_size, strides, ones = _pool_setup(x, pool_size, strides, padding)
    padded, crop = _pad(x.data, pool_size, strides, ones, padding, _lowest(x.dtype))
    out_shape = _windows(padded, pool_size, strides, ones).shape[1:1 + rank]
    # one strided view per window offset: a few elementwise maxima, no window copies
    indices = [index for _, index in _offset_slices(out_shape, pool_size, strides, ones)]
    out = padded[indices[0]].copy()
    for index in indices[1:]:
        np.maximum(out, padded[index], out=out)

    def backward(g):
        full = np.zeros_like(padded)
        taken = np.zeros(out.shape, bool)  # windows whose maximum has had its gradient
        first = np.empty(out.shape, bool)
        for index in indices:  # (boolean temporaries reused)
            np.equal(padded[index], out, out=first)
            np.greater(first, taken, out=first)  # a maximum, and the window's first one
            full[index] += np.where(first, g, 0)
            taken |= first
        return (full[crop],)

    return op(out, (x,), backward)


def avg_pool(x, pool_size, strides=None, padding="valid"):
    """Mean over each window; with 'same' padding the padded cells are not counted (as TF)."""
    x = as_tensor(x)
    rank, pool_size, strides, ones = _pool_setup(x, pool_size, strides, padding)
    window_axes = tuple(range(1 + rank, 1 + 2 * rank))
    padded, crop = _pad(x.data, pool_size, strides, ones, padding)
    windows = _windows(padded, pool_size, strides, ones)
    inside = _pad(np.ones((1, *x.shape[1:-1], 1), x.dtype), pool_size, strides, ones, padding)[0]
    counts = _windows(inside, pool_size, strides, ones).sum(axis=window_axes)
    out = windows.sum(axis=window_axes) / counts

    def backward(g):
        share = np.expand_dims(g / counts, window_axes)
        g_windows = np.broadcast_to(share, windows.shape)
        return (_scatter_windows(g_windows, padded.shape, strides, ones)[crop],)

    return op(out, (x,), backward)

