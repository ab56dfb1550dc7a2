"""A reverse-mode autodiff over NumPy arrays, in the spirit of micrograd.

A ``Tensor`` holds an ndarray and, when it was computed from other tensors while gradients
are recorded, the parents and a function mapping the output gradient to theirs. Layers and
losses only write forward passes with the ops below (and ``reference_impl.backend``); the
gradients follow. ``no_grad()`` turns the recording off (inference), so predict pays nothing.

New ops are defined with ``op(data, parents, backward)`` where ``backward(g)`` returns one
gradient (or None) per parent, already shaped like that parent's data (use ``unbroadcast``).
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

_state = threading.local()


def grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


@contextlib.contextmanager
def no_grad():
    previous = grad_enabled()
    _state.enabled = False
    try:
        yield
    finally:
        _state.enabled = previous


class Tensor:
    __array_priority__ = 100  # ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data, parents=(), backward=None):
        self.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        self.grad = None
        self._parents = parents
        self._backward = backward
        self.requires_grad = bool(parents)

    # -- array-like surface -------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)

    def numpy(self) -> np.ndarray:
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        return f"Tensor(shape={self.shape}, dtype={self.dtype})"

    # -- gradients ----------------------------------------------------------------------
    def backward(self, grad=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        order = _topological_order(self)
        grads = {id(self): np.ones_like(self.data) if grad is None else np.asarray(grad)}
        for t in reversed(order):
            g = grads.pop(id(t), None)
            if g is None:
                continue
            if not t._parents:
                t.grad = g if t.grad is None else t.grad + g
                continue
            for parent, pg in zip(t._parents, t._backward(g), strict=True):
                if pg is not None:
                    grads[id(parent)] = pg if id(parent) not in grads else grads[id(parent)] + pg

    # -- operators ----------------------------------------------------------------------
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return subtract(self, other)

    def __rsub__(self, other):
        return subtract(other, self)

    def __mul__(self, other):
        return multiply(self, other)

    def __rmul__(self, other):
        return multiply(other, self)

    def __truediv__(self, other):
        return divide(self, other)

    def __rtruediv__(self, other):
        return divide(other, self)

    def __pow__(self, exponent):
        return power(self, exponent)

    def __neg__(self):
        return negative(self)

    def __abs__(self):
        return abs(self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __getitem__(self, index):
        return getitem(self, index)

    # comparisons give plain boolean arrays: they have no gradient
    def __gt__(self, other):
        return self.data > _data(other)

    def __lt__(self, other):
        return self.data < _data(other)

    def __ge__(self, other):
        return self.data >= _data(other)

    def __le__(self, other):
        return self.data <= _data(other)


class Variable(Tensor):
    """A leaf tensor that holds state (a weight): gradients stop and accumulate here."""

    def __init__(self, value, name: str = "variable", trainable: bool = True, dtype=None):
        super().__init__(np.array(value, dtype=dtype or np.asarray(value).dtype))
        self.requires_grad = True
        self.name = name
        self.trainable = trainable
        self.constraint = None  # a projection the optimizer applies after each update

    def assign(self, value) -> None:
        value = np.asarray(value, dtype=self.data.dtype)
        if value.shape != self.data.shape:
            raise ValueError(
                f"cannot assign a value of shape {value.shape} to variable {self.name!r} "
                f"of shape {self.data.shape}"
            )
        self.data[...] = value

    def __repr__(self):
        return f"Variable({self.name!r}, shape={self.shape}, dtype={self.dtype})"


# -- plumbing ---------------------------------------------------------------------------
def _topological_order(root: Tensor) -> list[Tensor]:
    """``root`` and every tensor it depends on, each after its parents (depth first, parents in
    order). A loop, not a recursive closure: such a closure refers to itself, and the cycle kept
    the whole graph, every activation of the step, alive until the garbage collector came by."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        tensor, parents_done = stack.pop()
        if parents_done:
            order.append(tensor)
        elif id(tensor) not in seen:
            seen.add(id(tensor))
            stack.append((tensor, True))
            stack.extend((parent, False) for parent in reversed(tensor._parents))
    return order


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def as_tensor(x, dtype=None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    data = np.asarray(x)
    if dtype is not None:
        data = data.astype(dtype)
    elif data.dtype == np.float64 and not isinstance(x, np.ndarray):
        data = data.astype(np.float32)  # Python floats follow floatx, as in Keras
    return Tensor(data)


def op(data, parents, backward) -> Tensor:
    """Make the output tensor of an op; records the graph only while gradients are on."""
    if grad_enabled() and any(p.requires_grad for p in parents):
        return Tensor(data, parents, backward)
    return Tensor(data)


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched to reach ``shape``."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def watch(x) -> Tensor:
    """A leaf tensor whose gradient is wanted (like tf.GradientTape.watch)."""
    t = Tensor(_data(x))
    t.requires_grad = True
    return t


def _binary(a, b, forward, grad_a, grad_b):
    a, b = as_tensor(a), as_tensor(b)
    out = forward(a.data, b.data)
    return op(out, (a, b), lambda g: (unbroadcast(grad_a(g, a.data, b.data, out), a.shape),
                                      unbroadcast(grad_b(g, a.data, b.data, out), b.shape)))


def _unary(x, forward, grad):
    x = as_tensor(x)
    out = forward(x.data)
    return op(out, (x,), lambda g: (grad(g, x.data, out),))


# -- elementwise ------------------------------------------------------------------------
def add(a, b):
    return _binary(a, b, np.add, lambda g, a, b, o: g, lambda g, a, b, o: g)


def subtract(a, b):
    return _binary(a, b, np.subtract, lambda g, a, b, o: g, lambda g, a, b, o: -g)


def multiply(a, b):
    return _binary(a, b, np.multiply, lambda g, a, b, o: g * b, lambda g, a, b, o: g * a)


def divide(a, b):
    return _binary(a, b, np.divide, lambda g, a, b, o: g / b, lambda g, a, b, o: -g * a / (b * b))


def power(a, exponent):
    return _binary(a, exponent, np.power,
                   lambda g, a, b, o: g * b * np.power(a, b - 1),
                   lambda g, a, b, o: g * o * np.log(np.where(a > 0, a, 1)))


def maximum(a, b):
    # ties send the gradient to the first argument, as TensorFlow does
    return _binary(a, b, np.maximum,
                   lambda g, a, b, o: g * (a >= b), lambda g, a, b, o: g * (a < b))


def minimum(a, b):
    return _binary(a, b, np.minimum,
                   lambda g, a, b, o: g * (a <= b), lambda g, a, b, o: g * (a > b))


def negative(x):
    return _unary(x, np.negative, lambda g, x, o: -g)


def exp(x):
    return _unary(x, np.exp, lambda g, x, o: g * o)


def log(x):
    return _unary(x, np.log, lambda g, x, o: g / x)


def sqrt(x):
    return _unary(x, np.sqrt, lambda g, x, o: g / (2 * o))


def square(x):
    return _unary(x, np.square, lambda g, x, o: 2 * g * x)


def abs(x):  # noqa: A001  (the Keras backend name)
    return _unary(x, np.abs, lambda g, x, o: g * np.sign(x))


def tanh(x):
    return _unary(x, np.tanh, lambda g, x, o: g * (1 - o * o))


def sigmoid_array(x: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) for x < 0, so exp never overflows:
    # both are exp(min(x, 0)) / (1 + exp(-|x|)), with no select between two branches
    return (np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))).astype(x.dtype, copy=False)


def sigmoid(x):
    return _unary(x, sigmoid_array, lambda g, x, o: g * o * (1 - o))


def softplus(x):
    """log(1 + e^x), computed without overflow; its derivative is the sigmoid."""
    return _unary(x, lambda x: np.logaddexp(0, x).astype(x.dtype),
                  lambda g, x, o: g * sigmoid(x).data)


def softmax(x, axis=-1):
    """exp(x - max) / sum(exp(x - max)) along ``axis`` (the shift keeps exp from overflowing),
    as one op: for s = softmax(x), d/dx of sum(g * s) is s * (g - sum(g * s, axis))."""
    x = as_tensor(x)
    e = np.exp(x.data - np.max(x.data, axis=axis, keepdims=True))
    out = e / np.sum(e, axis=axis, keepdims=True)
    return op(out, (x,), lambda g: (out * (g - np.sum(g * out, axis=axis, keepdims=True)),))


def relu(x):
    return _unary(x, lambda x: np.maximum(x, 0), lambda g, x, o: g * (x > 0))


def clip(x, low, high):
    return _unary(x, lambda x: np.clip(x, low, high),
                  lambda g, x, o: g * ((x >= low) & (x <= high)))


def where(condition, a, b):
    condition = _data(condition).astype(bool)
    return _binary(a, b, lambda a, b: np.where(condition, a, b),
                   lambda g, a, b, o: np.where(condition, g, 0),
                   lambda g, a, b, o: np.where(condition, 0, g))


def cast(x, dtype):
    x = as_tensor(x)
    return op(x.data.astype(dtype), (x,), lambda g: (g.astype(x.dtype),))


def stop_gradient(x):
    return Tensor(_data(x))


# -- reductions -------------------------------------------------------------------------
def _expand(g, shape, axis, keepdims):
    if axis is not None and not keepdims:
        g = np.expand_dims(g, tuple(a % len(shape) for a in np.atleast_1d(axis)))
    return np.broadcast_to(g, shape)


def reduce_sum(x, axis=None, keepdims=False):
    x = as_tensor(x)
    axis = tuple(axis) if isinstance(axis, list) else axis
    out = np.sum(x.data, axis=axis, keepdims=keepdims)
    return op(out, (x,), lambda g: (_expand(g, x.shape, axis, keepdims).astype(x.dtype),))


def reduce_mean(x, axis=None, keepdims=False):
    x = as_tensor(x)
    axis = tuple(axis) if isinstance(axis, list) else axis
    count = x.data.size // max(np.asarray(np.sum(x.data, axis=axis)).size, 1)
    return divide(reduce_sum(x, axis, keepdims), np.asarray(count, x.dtype))


def reduce_max(x, axis=None, keepdims=False):
    x = as_tensor(x)
    axis = tuple(axis) if isinstance(axis, list) else axis
    out = np.max(x.data, axis=axis, keepdims=keepdims)

    def backward(g):
        full = _expand(out, x.shape, axis, keepdims)
        mask = x.data == full
        # share the gradient between tied maxima
        count = np.sum(mask, axis=axis, keepdims=True)
        return (_expand(g, x.shape, axis, keepdims) * mask / count,)

    return op(out, (x,), backward)


def reduce_min(x, axis=None, keepdims=False):
    return negative(reduce_max(negative(x), axis, keepdims))


# -- linear algebra and shapes ----------------------------------------------------------
def matmul(a, b):
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim > 2 and b.ndim == 2:
        # (..., k) @ (k, n) as one 2-D product of the flattened rows: NumPy would loop over the
        # leading axes, and the kernel's gradient would be a batched product summed afterwards
        rows = reshape(a, (int(np.prod(a.shape[:-1])), a.shape[-1]))
        return reshape(matmul(rows, b), (*a.shape[:-1], b.shape[-1]))

    def backward(g):
        if b.ndim == 1 or a.ndim == 1:
            raise NotImplementedError("matmul gradients need rank >= 2 operands")
        # The transposes are views: BLAS reads them in place (the transpose flags of its
        # gemm), faster on one thread than a contiguous copy first (the suite and the
        # benchmarks run OPENBLAS_NUM_THREADS=1; threaded OpenBLAS on busy cores is slow
        # either way). An operand that needs no gradient (the input data of a first layer)
        # costs no product.
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(g @ np.swapaxes(b.data, -1, -2), a.shape)
        if b.requires_grad:
            gb = unbroadcast(np.swapaxes(a.data, -1, -2) @ g, b.shape)
        return ga, gb

    return op(a.data @ b.data, (a, b), backward)


def reshape(x, shape):
    x = as_tensor(x)
    return op(x.data.reshape(shape), (x,), lambda g: (g.reshape(x.shape),))


def transpose(x, axes=None):
    x = as_tensor(x)
    inverse = None if axes is None else np.argsort(axes)
    return op(np.transpose(x.data, axes), (x,), lambda g: (np.transpose(g, inverse),))


def concatenate(tensors, axis=-1):
    tensors = [as_tensor(t) for t in tensors]
    out = np.concatenate([t.data for t in tensors], axis=axis)
    bounds = np.cumsum([t.shape[axis] for t in tensors])[:-1]
    return op(out, tuple(tensors), lambda g: tuple(np.split(g, bounds, axis=axis)))


def stack(tensors, axis=0):
    return concatenate([expand_dims(t, axis) for t in tensors], axis=axis)


def expand_dims(x, axis):
    x = as_tensor(x)
    return op(np.expand_dims(x.data, axis), (x,), lambda g: (g.reshape(x.shape),))


def getitem(x, index):
    x = as_tensor(x)
    index = index.data if isinstance(index, Tensor) else index

    def backward(g):
        full = np.zeros_like(x.data)
        if _is_basic(index):  # slices read each element at most once: no sums to make
            full[index] = g
        else:
            np.add.at(full, index, g)
        return (full,)

    return op(x.data[index], (x,), backward)


def _is_basic(index) -> bool:
    """Whether ``index`` is basic indexing (ints, slices, ..., None): a view of x."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, slice)
               or (isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)))
               for i in items)


def reverse(x, axis):
    x = as_tensor(x)
    return op(np.flip(x.data, axis), (x,), lambda g: (np.flip(g, axis),))


def pad(x, pad_width, constant=0.0):
    x = as_tensor(x)
    slices = tuple(slice(before, before + n)
                   for (before, _), n in zip(pad_width, x.shape, strict=True))
    return op(np.pad(x.data, pad_width, constant_values=constant), (x,), lambda g: (g[slices],))


def gradients(loss: Tensor, tensors) -> list:
    """d(loss)/d(t) for each of ``tensors`` (leaves), zeros where the loss does not depend."""
    for t in tensors:
        t.grad = None
    loss.backward()
    grads = [t.grad if t.grad is not None else np.zeros_like(t.data) for t in tensors]
    for t in tensors:
        t.grad = None
    return grads
