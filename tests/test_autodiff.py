"""The reference's autodiff against central finite differences (float64, hypothesis)."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reference_impl import autodiff as ad
from reference_impl import backend as K
from reference_impl import losses

SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
# inputs kept away from kinks (abs, relu, max) and singularities (log, sqrt, division)
POSITIVE = st.floats(0.5, 2.0)
ANY = st.floats(-2.0, 2.0).filter(lambda v: abs(v) > 0.1)
OFF_BOUNDS = ANY.filter(lambda v: abs(abs(v) - 1.0) > 0.1)  # clip's kinks at -1 and 1

UNARY = {
    "exp": (ad.exp, ANY), "log": (ad.log, POSITIVE), "sqrt": (ad.sqrt, POSITIVE),
    "square": (ad.square, ANY), "abs": (ad.abs, ANY), "tanh": (ad.tanh, ANY),
    "sigmoid": (ad.sigmoid, ANY), "relu": (ad.relu, ANY), "negative": (ad.negative, ANY),
    "softplus": (K.softplus, ANY), "softsign": (K.softsign, ANY), "elu": (K.elu, ANY),
    "softmax": (K.softmax, ANY), "sum": (lambda x: K.sum(x, axis=-1), ANY),
    "mean": (lambda x: K.mean(x, axis=0, keepdims=True), ANY),
    "max": (lambda x: K.max(x, axis=-1), ANY), "reverse": (lambda x: ad.reverse(x, 0), ANY),
    "getitem": (lambda x: x[..., :1], ANY), "pow": (lambda x: x ** 3.0, ANY),
    "clip": (lambda x: K.clip(x, -1.0, 1.0), OFF_BOUNDS),
}
BINARY = {
    "add": ad.add, "subtract": ad.subtract, "multiply": ad.multiply,
    "divide": lambda a, b: ad.divide(a, b * b + 1.0), "maximum": ad.maximum,
    "minimum": ad.minimum, "concatenate": lambda a, b: K.concatenate([a, b], axis=0),
}
LOSSES = ["mean_squared_error", "mean_absolute_error", "logcosh", "categorical_crossentropy",
          "binary_crossentropy", "kullback_leibler_divergence", "poisson", "cosine_proximity"]


def numeric_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[index] += eps
        up = np.sum(f(shifted).data)
        shifted[index] -= 2 * eps
        down = np.sum(f(shifted).data)
        grad[index] = (up - down) / (2 * eps)
    return grad


def check_gradient(f, *arrays) -> None:
    __tracebackhide__ = True
    leaves = [ad.watch(a) for a in arrays]
    grads = ad.gradients(K.sum(f(*leaves)), leaves)
    for i, (array, grad) in enumerate(zip(arrays, grads, strict=True)):
        def partial(value, i=i):
            args = [ad.Tensor(a) for a in arrays]
            args[i] = ad.Tensor(value)
            return f(*args)

        expected = numeric_gradient(partial, array)
        np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-7,
                                   err_msg=f"gradient of argument {i}")


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_gradients(name, data):
    fn, elements = UNARY[name]
    shape = data.draw(SHAPES, label="shape")
    x = data.draw(hnp.arrays(np.float64, shape, elements=elements), label="x")
    if name == "max":  # ties have no derivative: make the maximum unique
        x = x + np.arange(x.size).reshape(x.shape) * 1e-3
    check_gradient(fn, x)


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_gradients_with_broadcasting(name, data):
    shape = data.draw(SHAPES, label="shape")
    a = data.draw(hnp.arrays(np.float64, shape, elements=ANY), label="a")
    # the second operand is either the same shape or broadcast along the first axis
    b_shape = shape if name == "concatenate" or data.draw(
        st.booleans(), label="same shape") else (1, *shape[1:])
    b = data.draw(hnp.arrays(np.float64, b_shape, elements=ANY), label="b")
    if name in ("maximum", "minimum"):
        a = np.where(np.abs(a - b) < 0.1, b + 0.2, a)  # no ties: they have no derivative
    check_gradient(BINARY[name], a, b)


@pytest.mark.parametrize("name", LOSSES)
@given(data=st.data())
def test_loss_gradients_with_respect_to_predictions(name, data):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=4),
                      label="shape")
    probabilities = hnp.arrays(np.float64, shape, elements=st.floats(0.1, 0.9))
    y_true = data.draw(probabilities, label="y_true")
    y_pred = data.draw(probabilities, label="y_pred")
    if name == "mean_absolute_error":
        y_pred = np.where(np.abs(y_pred - y_true) < 0.05, y_true + 0.05, y_pred)  # no kink
    check_gradient(lambda p: getattr(losses, name)(y_true, p), y_pred)


@given(data=st.data())
def test_matmul_and_dot_gradients(data):
    n, k, m = (data.draw(st.integers(1, 4), label=s) for s in "nkm")
    a = data.draw(hnp.arrays(np.float64, (n, k), elements=ANY), label="a")
    b = data.draw(hnp.arrays(np.float64, (k, m), elements=ANY), label="b")
    check_gradient(ad.matmul, a, b)
    c = data.draw(hnp.arrays(np.float64, (2, k, m), elements=ANY), label="c")
    check_gradient(K.dot, a, c)


def test_reused_tensor_accumulates_its_gradient():
    x = ad.watch(np.array([3.0]))
    [grad] = ad.gradients(x * x + x, [x])  # d/dx (x^2 + x) = 2x + 1
    assert grad.tolist() == [7.0]


def test_no_grad_records_nothing():
    w = ad.Variable(np.ones(2), name="w")
    with ad.no_grad():
        y = w * 2.0
    assert y._parents == () and not y.requires_grad


def test_a_backward_pass_leaves_no_reference_cycle():
    """The step's graph (every activation) must be freed by reference counting when the step
    ends, not kept until the garbage collector runs (a recursive closure in backward did that)."""
    x = ad.watch(np.ones((3, 3), np.float32))
    gc.collect()
    gc.disable()
    try:
        loss = ad.reduce_sum(ad.multiply(ad.add(x, x), x))
        loss.backward()
        del loss
        assert gc.collect() == 0
    finally:
        gc.enable()
