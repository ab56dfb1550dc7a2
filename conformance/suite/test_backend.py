"""Backend functions used in custom losses and metrics, as `K = keras.backend`.

Spec sources: 001 (the custom metric `mean_pred` built with `K.mean`), 002 §5.1 (custom losses
taking (y_true, y_pred) and returning a tensor) and the Keras 2 backend page
(keras.io/zh/backend): epsilon() is 1e-07; mean/sum(x, axis=None, keepdims=False); square, abs,
sqrt, exp, log, clip(x, min_value, max_value), maximum, minimum are element-wise;
dot(x, y) follows Theano for N-D tensors ((2, 3) . (4, 3, 5) -> (2, 4, 5)); concatenate(tensors,
axis=-1); reshape(x, shape). Values are compared with NumPy; gradients through these functions
are checked by training a one-unit Dense layer with a custom loss for one SGD step.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_shape

# float32 element-wise arithmetic and reductions over <= 12 values: a few ulp.
ARITHMETIC = dict(rtol=1e-6, atol=1e-7)
# float32 exp/log/sqrt: libraries differ by a few ulp.
TRANSCENDENTAL = dict(rtol=1e-5, atol=1e-7)

X = np.array([[0.5, -1.5, 2.0, -0.25], [3.0, 0.75, -2.5, 1.0], [-0.5, 4.0, 0.1, -3.0]],
             dtype="float32")
Y = np.array([[1.0, -2.0, 0.5, 0.0], [2.5, 1.0, -1.0, 1.5], [0.0, 3.0, 0.2, -4.0]],
             dtype="float32")
POSITIVE = np.abs(X) + 0.1


def value(keras, tensor):
    return np.asarray(keras.backend.eval(tensor))


@pytest.mark.behavior("backend.epsilon")
def test_epsilon_is_1e_minus_7(keras):
    assert keras.backend.epsilon() == pytest.approx(1e-7, rel=1e-12), (
        f"K.epsilon(): got {keras.backend.epsilon()!r}, expected 1e-07")


ELEMENTWISE = {
    # name: (numpy function, input, tolerance)
    "square": (np.square, X, ARITHMETIC),
    "abs": (np.abs, X, ARITHMETIC),
    "sqrt": (np.sqrt, POSITIVE, TRANSCENDENTAL),
    "exp": (np.exp, X, TRANSCENDENTAL),
    "log": (np.log, POSITIVE, TRANSCENDENTAL),
}


@pytest.mark.behavior("backend.elementwise")
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_functions(keras, name):
    reference, x, tolerance = ELEMENTWISE[name]
    K = keras.backend
    got = value(keras, getattr(K, name)(K.constant(x)))
    assert_allclose(got, reference(x.astype("float64")).astype("float32"), **tolerance,
                    what=f"K.{name}(x)")


REDUCTION_ARGS = [
    {}, {"axis": 0}, {"axis": 1}, {"axis": -1}, {"axis": 1, "keepdims": True},
    {"axis": 0, "keepdims": True}, {"axis": None, "keepdims": True},
]


@pytest.mark.behavior("backend.reductions")
@pytest.mark.parametrize("name", ["mean", "sum"])
@pytest.mark.parametrize("kwargs", REDUCTION_ARGS, ids=lambda kw: repr(kw))
def test_mean_and_sum_axis_and_keepdims(keras, name, kwargs):
    K = keras.backend
    got = value(keras, getattr(K, name)(K.constant(X), **kwargs))
    expected = getattr(np, name)(X.astype("float64"), **kwargs)
    assert_shape(got.shape, np.shape(expected), f"K.{name}(x, **{kwargs}) shape")
    assert_allclose(got, expected.astype("float32"), **ARITHMETIC, what=f"K.{name}(x, **{kwargs})")


@pytest.mark.behavior("backend.clip")
def test_clip(keras):
    K = keras.backend
    got = value(keras, K.clip(K.constant(X), -1.0, 2.0))
    assert_allclose(got, np.clip(X, -1.0, 2.0), rtol=0, atol=0, what="K.clip(x, -1.0, 2.0)")


@pytest.mark.behavior("backend.maximum_minimum")
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_are_elementwise(keras, name):
    K = keras.backend
    got = value(keras, getattr(K, name)(K.constant(X), K.constant(Y)))
    assert_allclose(got, getattr(np, name)(X, Y), rtol=0, atol=0, what=f"K.{name}(x, y)")


DOT_SHAPES = [((2, 3), (3, 4)), ((32, 28, 3), (3, 4)), ((2, 3), (4, 3, 5))]


@pytest.mark.behavior("backend.dot")
@pytest.mark.parametrize("x_shape, y_shape", DOT_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_dot_follows_the_documented_shapes(keras, x_shape, y_shape):
    """The Keras 2 docstring examples: (2,3).(3,4) -> (2,4); (32,28,3).(3,4) -> (32,28,4);
    (2,3).(4,3,5) -> (2,4,5), i.e. numpy.dot."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, x_shape).astype("float32")
    y = rng.uniform(-1, 1, y_shape).astype("float32")
    K = keras.backend
    got = value(keras, K.dot(K.constant(x), K.constant(y)))
    expected = np.dot(x.astype("float64"), y)
    assert_shape(got.shape, expected.shape, f"K.dot({x_shape}, {y_shape}) shape")
    # sums of 3 float32 products of size <= 1
    assert_allclose(got, expected.astype("float32"), rtol=1e-5, atol=1e-6,
                    what=f"K.dot(x{x_shape}, y{y_shape})")


@pytest.mark.behavior("backend.concatenate")
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_concatenate(keras, axis):
    K = keras.backend
    tensors = [K.constant(X), K.constant(Y)]
    if axis is None:  # the default is the last axis
        got, expected = K.concatenate(tensors), np.concatenate([X, Y], axis=-1)
    else:
        got, expected = K.concatenate(tensors, axis=axis), np.concatenate([X, Y], axis=axis)
    assert_allclose(value(keras, got), expected, rtol=0, atol=0,
                    what=f"K.concatenate([x, y], axis={axis})")


@pytest.mark.behavior("backend.reshape")
@pytest.mark.parametrize("shape", [(2, 6), (4, 3), (12,), (-1, 2), (2, 3, 2)], ids=str)
def test_reshape(keras, shape):
    K = keras.backend
    got = value(keras, K.reshape(K.constant(X), shape))
    assert_allclose(got, X.reshape(shape), rtol=0, atol=0, what=f"K.reshape(x, {shape})")


# -- gradients through the backend functions ------------------------------------------------
# Custom losses of (y_true, y_pred) with y of shape (batch, 1), each returning one value per
# sample, and the derivative of that value with respect to y_pred (d = y_pred - y_true).
def custom_losses(K):
    return {
        "square_mean": (lambda t, p: K.mean(K.square(p - t), axis=-1),
                        lambda d, p: 2 * d),
        "abs": (lambda t, p: K.mean(K.abs(p - t), axis=-1),
                lambda d, p: np.sign(d)),
        "sqrt": (lambda t, p: K.mean(K.sqrt(K.square(p - t) + 1.0), axis=-1),
                 lambda d, p: d / np.sqrt(d**2 + 1)),
        "log_exp": (lambda t, p: K.sum(K.log(1.0 + K.exp(p - t)), axis=-1),
                    lambda d, p: 1 / (1 + np.exp(-d))),
        "clip": (lambda t, p: K.mean(K.square(K.clip(p, -1.0, 1.0) - t), axis=-1),
                 lambda d, p: np.where(np.abs(p) < 1, 2 * d, 0.0)),
        "maximum_minimum": (lambda t, p: K.sum(K.maximum(p - t, 0.0)
                                               - 3.0 * K.minimum(p - t, 0.0), axis=-1),
                            lambda d, p: np.where(d > 0, 1.0, -3.0)),
        "concatenate_dot_reshape": (
            lambda t, p: K.reshape(K.dot(K.concatenate([p - t, K.square(p - t)], axis=-1),
                                         K.constant([[2.0], [1.0]])), (-1,)),
            lambda d, p: 2 + 2 * d),
    }


CUSTOM_LOSSES = ["square_mean", "abs", "sqrt", "log_exp", "clip", "maximum_minimum",
                 "concatenate_dot_reshape"]


@pytest.mark.behavior("backend.custom_loss_gradient")
@pytest.mark.parametrize("name", CUSTOM_LOSSES)
def test_custom_loss_trains_by_its_analytic_gradient(keras, name):
    """One SGD step on a 1-unit Dense layer moves the weights by -lr times the gradient of the
    batch mean of the custom loss, derived by hand."""
    loss, derivative = custom_losses(keras.backend)[name]
    x = np.array([[1.0, -2.0], [0.5, 1.5], [-1.0, 0.25], [2.0, 0.5]], dtype="float32")
    y = np.array([[0.3], [-0.4], [1.2], [0.1]], dtype="float32")
    kernel, bias = np.array([[0.4], [-0.3]], "float32"), np.array([0.2], "float32")
    model = keras.models.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.set_weights([kernel, bias])
    lr = 0.1
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss=loss)
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)

    # Predictions 1.2, -0.05, -0.275, 0.85 and differences 0.9, 0.35, -1.475, 0.75: none is 0,
    # none sits at a clip bound, and the first lies beyond it (zero gradient through K.clip).
    p = x.astype("float64") @ kernel + bias
    per_sample = derivative(p - y, p)[:, 0] / len(x)  # the loss is averaged over the batch
    new_kernel, new_bias = model.get_weights()
    # float32 forward and backward passes over 4 samples: 1e-6 absolute on weights of ~0.5.
    assert_allclose(new_kernel, kernel - lr * (x.T @ per_sample)[:, None], rtol=1e-5,
                    atol=1e-6, what=f"kernel after one SGD step on the '{name}' loss")
    assert_allclose(new_bias, bias - lr * np.sum(per_sample, keepdims=True), rtol=1e-5,
                    atol=1e-6, what=f"bias after one SGD step on the '{name}' loss")
