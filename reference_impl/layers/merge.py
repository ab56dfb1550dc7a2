"""Merge layers (keras.io/2/api/layers/merging_layers): Add, Subtract, Multiply, Average,
Maximum, Minimum combine a list of tensors element-wise (shapes broadcast as NumPy's, over the
non-batch axes); Concatenate joins them along ``axis``; Dot takes per-sample dot products along
``axes``. Each has a functional form: ``add([a, b])`` is ``Add()([a, b])``.
"""

from __future__ import annotations

import functools

from reference_impl import autodiff as ad
from reference_impl.engine.base_layer import Layer


def _shape_list(input_shape, layer) -> list[tuple]:
    if not isinstance(input_shape, list) or not all(isinstance(s, tuple) for s in input_shape):
        raise ValueError(f"A merge layer ({type(layer).__name__}) should be called on a list of "
                         f"inputs. Received: input_shape={input_shape}")
    return input_shape


def broadcast_shapes(a: tuple, b: tuple) -> tuple:
    """NumPy broadcasting over shapes that may hold None (unknown), right-aligned."""
    if len(a) < len(b):
        a, b = b, a
    out = list(a[:len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b, strict=True):
        if i is None or j is None:  # 1 broadcasts to the other; unknown with known n > 1 is n
            out.append(j if i == 1 else i if j == 1 else j if i is None else i)
        elif i == 1 or j == 1 or i == j:
            out.append(max(i, j))
        else:
            raise ValueError(f"Inputs have incompatible shapes: received {a} and {b} "
                             "(operands could not be broadcast together)")
    return tuple(out)


class _ElementwiseMerge(Layer):
    """Reduces a list of tensors pairwise with ``combine``."""

    def build(self, input_shape):
        shapes = _shape_list(input_shape, self)
        self._check_count(len(shapes))
        functools.reduce(broadcast_shapes, [s[1:] for s in shapes])
        super().build(input_shape)

    def _check_count(self, count):
        if count < 1:
            raise ValueError(f"{type(self).__name__} should be called on a list of at least "
                             "1 input")

    def compute_output_shape(self, input_shape):
        shapes = _shape_list(input_shape, self)
        batch = next((s[0] for s in shapes if s[0] is not None), None)
        return (batch, *functools.reduce(broadcast_shapes, [s[1:] for s in shapes]))

    def call(self, inputs):
        tensors = [ad.as_tensor(x) for x in inputs]
        rank = max(t.ndim for t in tensors)
        # a lower-rank input gains axes after the batch axis, so its features align right
        tensors = [ad.reshape(t, (t.shape[0], *(1,) * (rank - t.ndim), *t.shape[1:]))
                   if t.ndim < rank else t for t in tensors]
        return self.merge(tensors)

    def merge(self, tensors):
        return functools.reduce(self.combine, tensors)


class Add(_ElementwiseMerge):
    """The sum of the inputs."""

    combine = staticmethod(ad.add)


class Subtract(_ElementwiseMerge):
    """inputs[0] - inputs[1], for exactly two inputs."""

    combine = staticmethod(ad.subtract)

    def _check_count(self, count):
        if count != 2:
            raise ValueError(f"A Subtract layer should be called on exactly 2 inputs, "
                             f"received {count}")


class Multiply(_ElementwiseMerge):
    """The element-wise product of the inputs."""

    combine = staticmethod(ad.multiply)


class Average(_ElementwiseMerge):
    """The element-wise mean of the inputs."""

    def merge(self, tensors):
        return functools.reduce(ad.add, tensors) / float(len(tensors))


class Maximum(_ElementwiseMerge):
    """The element-wise maximum of the inputs."""

    combine = staticmethod(ad.maximum)


class Minimum(_ElementwiseMerge):
    """The element-wise minimum of the inputs."""

    combine = staticmethod(ad.minimum)


class Concatenate(Layer):
    """Joins a list of tensors along ``axis``; every other axis must agree."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        shapes = _shape_list(input_shape, self)
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            raise ValueError(f"A Concatenate layer with axis={self.axis} requires inputs of "
                             f"one rank that has that axis. Received: input_shape={shapes}")
        axis = self.axis % rank
        out = list(shapes[0])
        for shape in shapes[1:]:
            for i, (size, other) in enumerate(zip(out, shape, strict=True)):
                if i == axis:
                    out[i] = None if size is None or other is None else size + other
                elif size is None:
                    out[i] = other
                elif other is not None and other != size:
                    raise ValueError(
                        "A Concatenate layer requires inputs with matching shapes except for "
                        f"the concatenation axis {self.axis}. Received: input_shape={shapes}")
        return tuple(out)

    def call(self, inputs):
        return ad.concatenate(list(inputs), axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def l2_normalize(x, axis):
    """x / ||x|| along ``axis``, the norm floored at 1e-6 (TensorFlow's 1e-12 on its square)."""
    return x * (1.0 / ad.sqrt(ad.maximum(ad.reduce_sum(ad.square(x), axis, keepdims=True),
                                         1e-12)))


def batch_dot(x, y, axes):
    """Per-sample dot product contracting x's axis axes[0] with y's axis axes[1]."""
    x = ad.transpose(x, [a for a in range(x.ndim) if a != axes[0]] + [axes[0]])
    y = ad.transpose(y, [0, axes[1]] + [a for a in range(1, y.ndim) if a != axes[1]])
    batch, size = x.shape[0], x.shape[-1]
    x_rest, y_rest = x.shape[1:-1], y.shape[2:]
    out = ad.matmul(ad.reshape(x, (batch, -1, size)), ad.reshape(y, (batch, size, -1)))
    out = ad.reshape(out, (batch, *x_rest, *y_rest))
    return ad.reshape(out, (batch, 1)) if out.ndim == 1 else out


class Dot(Layer):
    """Dot product of two samples along ``axes`` (an int, or one axis per input);
    ``normalize=True`` L2-normalizes both first, giving the cosine proximity."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def _axes(self, shapes):
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        return tuple(a % len(s) for a, s in zip(axes, shapes, strict=True))

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        shapes = _shape_list(input_shape, self)
        if len(shapes) != 2:
            raise ValueError(f"A Dot layer should be called on exactly 2 inputs, received "
                             f"{len(shapes)}")
        a, b = shapes
        axis_a, axis_b = self._axes(shapes)
        if a[axis_a] is not None and b[axis_b] is not None and a[axis_a] != b[axis_b]:
            raise ValueError(f"Dimension incompatibility using Dot(axes={self.axes}): "
                             f"{a[axis_a]} != {b[axis_b]}. Layer shapes: {a}, {b}")
        out = (a[0], *(s for i, s in enumerate(a[1:], 1) if i != axis_a),
               *(s for i, s in enumerate(b[1:], 1) if i != axis_b))
        return out if len(out) > 1 else (a[0], 1)

    def call(self, inputs):
        x, y = (ad.as_tensor(t) for t in inputs)
        axes = self._axes([x.shape, y.shape])
        if self.normalize:
            x, y = l2_normalize(x, axes[0]), l2_normalize(y, axes[1])
        return batch_dot(x, y, axes)

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


# -- functional interface -------------------------------------------------------------------
def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
