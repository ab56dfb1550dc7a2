"""keras.utils: to_categorical and normalize.

Spec: 001_501f18418165f02c.txt and 003_7ac5a683e85c67f6.txt use
keras.utils.to_categorical(labels, num_classes=10) on integer labels of shape (n,) and (n, 1)
as Dense(10, activation='softmax') targets. The Keras 2 API reference
(keras.io/2.x/api/utils/python_utils, the tf-keras 2.x docstrings): to_categorical(y,
num_classes=None, dtype='float32') converts a class vector (integers 0 .. num_classes - 1) to a
binary class matrix, num_classes inferred as max(y) + 1 when None, class axis last, example
to_categorical([0, 1, 2, 3], num_classes=4) is the 4 x 4 identity; normalize(x, axis=-1,
order=2) returns a normalized copy of a NumPy array, `order` the norm order (2: L2);
set_random_seed(seed) "Sets all random seeds for the program (Python, NumPy, and TensorFlow)"
to "make almost any TF-Keras program fully deterministic".
"""

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance.assertions import assert_allclose, assert_array_equal, assert_shape


def one_hot(labels, num_classes):
    """The binary class matrix by definition: out[..., c] = 1 where labels == c."""
    labels = np.asarray(labels)
    return (labels[..., None] == np.arange(num_classes)).astype("float32")


def categorical(keras, *args, **kwargs):
    """to_categorical's values as float32: its dtype is checked by the dtype tests alone."""
    return np.asarray(keras.utils.to_categorical(*args, **kwargs)).astype("float32")


labels_st = st.lists(st.integers(0, 6), min_size=1, max_size=10)


# -- to_categorical ------------------------------------------------------------------------------
@pytest.mark.behavior("utils.to_categorical.documented_example")
def test_to_categorical_documented_example(keras):
    got = categorical(keras, [0, 1, 2, 3], num_classes=4)
    assert_array_equal(got, np.eye(4, dtype="float32"),
                       "to_categorical([0, 1, 2, 3], num_classes=4)")


@pytest.mark.behavior("utils.to_categorical.num_classes")
@given(data=st.data())
def test_to_categorical_with_num_classes(keras, data):
    labels = data.draw(labels_st, label="labels")
    num_classes = data.draw(st.integers(max(labels) + 1, 9), label="num_classes")
    got = categorical(keras, np.array(labels), num_classes=num_classes)
    assert_shape(got.shape, (len(labels), num_classes), "to_categorical(y, num_classes).shape")
    assert_array_equal(got, one_hot(labels, num_classes),
                       f"to_categorical({labels}, num_classes={num_classes})")


@pytest.mark.behavior("utils.to_categorical.num_classes_inferred")
@given(data=st.data())
def test_to_categorical_infers_max_plus_one_classes(keras, data):
    labels = data.draw(labels_st, label="labels")
    got = categorical(keras, np.array(labels))
    assert_shape(got.shape, (len(labels), max(labels) + 1),
                 f"to_categorical({labels}).shape (num_classes = max(y) + 1)")
    assert_array_equal(got, one_hot(labels, max(labels) + 1), f"to_categorical({labels})")


@pytest.mark.behavior("utils.to_categorical.dtype.default")
def test_to_categorical_default_dtype_is_float32(keras):
    got = np.asarray(keras.utils.to_categorical(np.array([2, 0, 1]), num_classes=3))
    assert got.dtype == np.float32, f"dtype {got.dtype}, expected float32 [to_categorical(y, 3)]"


@pytest.mark.behavior("utils.to_categorical.dtype.argument")
@pytest.mark.parametrize("dtype", ["float64", "int32", "uint8"])
def test_to_categorical_dtype_argument(keras, dtype):
    got = np.asarray(keras.utils.to_categorical(np.array([2, 0, 1]), num_classes=3, dtype=dtype))
    assert got.dtype == np.dtype(dtype), (
        f"dtype {got.dtype}, expected {dtype} [to_categorical(y, 3, dtype={dtype!r})]")
    assert_array_equal(got, one_hot([2, 0, 1], 3).astype(dtype),
                       f"to_categorical([2, 0, 1], 3, dtype={dtype!r})")


@pytest.mark.behavior("utils.to_categorical.column_vector")
def test_to_categorical_column_vector_as_in_spec(keras):
    # 003: to_categorical(np.random.randint(10, size=(1000, 1)), num_classes=10) feeds a
    # Dense(10) output: the trailing axis of size 1 is replaced by the class axis.
    labels = np.random.default_rng(0).integers(10, size=(20, 1))
    got = categorical(keras, labels, num_classes=10)
    assert_shape(got.shape, (20, 10), "to_categorical(randint(10, size=(20, 1)), 10).shape")
    assert_array_equal(got, one_hot(labels[:, 0], 10), "to_categorical(column, 10)")


@pytest.mark.behavior("utils.to_categorical.class_axis_last")
@given(data=st.data())
def test_to_categorical_puts_class_axis_last(keras, data):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=3),
                      label="shape")
    labels = data.draw(hnp.arrays("int64", shape, elements=st.integers(0, 4)), label="labels")
    got = categorical(keras, labels, num_classes=5)
    assert_shape(got.shape, (*shape, 5), f"to_categorical(y of shape {shape}, 5).shape")
    assert_array_equal(got, one_hot(labels, 5), f"to_categorical(y of shape {shape}, 5)")


# -- normalize -----------------------------------------------------------------------------------
finite = st.floats(-10, 10, allow_nan=False, width=64).filter(lambda v: abs(v) > 1e-3)


@pytest.mark.behavior("utils.normalize.l2")
@given(data=st.data())
def test_normalize_default_is_l2_over_last_axis(keras, data):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4),
                      label="shape")  # 1-D arrays: test_normalize_keeps_vector_shape
    x = data.draw(hnp.arrays("float64", shape, elements=finite), label="x")
    got = np.asarray(keras.utils.normalize(x))
    expected = x / np.sqrt(np.sum(x * x, axis=-1, keepdims=True))
    assert_allclose(got, expected, rtol=1e-12, atol=1e-15,  # float64, a few operations
                    what=f"normalize(x of shape {shape})")


@pytest.mark.behavior("utils.normalize.l2")
def test_normalize_returns_a_copy(keras):
    x = np.array([[3.0, 4.0], [0.0, 2.0]])
    got = np.asarray(keras.utils.normalize(x))
    assert_allclose(got, np.array([[0.6, 0.8], [0.0, 1.0]]), rtol=1e-12, atol=0,
                    what="normalize([[3, 4], [0, 2]])")
    assert_array_equal(x, np.array([[3.0, 4.0], [0.0, 2.0]]), "x after normalize(x)")


@pytest.mark.behavior("utils.normalize.vector_shape")
def test_normalize_keeps_vector_shape(keras):
    got = np.asarray(keras.utils.normalize(np.array([3.0, 4.0])))
    assert_shape(got.shape, (2,), "normalize(np.array([3.0, 4.0])).shape (a normalized copy)")
    assert_allclose(got, np.array([0.6, 0.8]), rtol=1e-12, atol=0,
                    what="normalize(np.array([3.0, 4.0]))")


@pytest.mark.behavior("utils.normalize.axis")
@pytest.mark.parametrize("axis", [0, 1, -2])
def test_normalize_along_axis(keras, axis):
    x = np.arange(1.0, 25.0).reshape(2, 3, 4) * np.array([1.0, -1.0, 0.5, 2.0])
    got = np.asarray(keras.utils.normalize(x, axis=axis))
    expected = x / np.sqrt(np.sum(x * x, axis=axis, keepdims=True))
    assert_allclose(got, expected, rtol=1e-12, atol=1e-15, what=f"normalize(x, axis={axis})")


@pytest.mark.behavior("utils.normalize.order")
@pytest.mark.parametrize("order", [1, 2, 3, np.inf])
def test_normalize_order_is_the_norm_order(keras, order):
    x = np.array([[1.0, -2.0, 3.0, -4.0], [0.5, 0.25, -1.0, 2.0]])
    got = np.asarray(keras.utils.normalize(x, order=order))
    norms = np.linalg.norm(got, ord=order, axis=-1)
    assert_allclose(norms, np.ones(2), rtol=1e-12, atol=0,
                    what=f"order-{order} norms of the rows of normalize(x, order={order})")
    assert_allclose(got * np.linalg.norm(x, ord=order, axis=-1, keepdims=True), x, rtol=1e-12,
                    atol=0, what=f"normalize(x, order={order}) times the row norms")


# -- set_random_seed -----------------------------------------------------------------------------
@pytest.mark.behavior("utils.set_random_seed.python_numpy")
def test_set_random_seed_repeats_python_and_numpy_draws(keras):
    def draws():
        return random.random(), np.random.rand(3)

    keras.utils.set_random_seed(123)
    first = draws()
    keras.utils.set_random_seed(123)
    second = draws()
    keras.utils.set_random_seed(124)
    other = draws()
    assert first[0] == second[0], "random.random() after set_random_seed(123) twice differs"
    assert_array_equal(second[1], first[1], "np.random.rand(3) after set_random_seed(123)")
    assert first[0] != other[0], "set_random_seed(124) repeated the draws of seed 123"


@pytest.mark.behavior("utils.set_random_seed.initial_weights")
def test_set_random_seed_repeats_initial_weights(keras):
    def initial_weights():
        model = keras.models.Sequential([keras.layers.Dense(4, input_shape=(3,)),
                                         keras.layers.Dense(2)])
        return [np.asarray(w) for w in model.get_weights()]

    keras.utils.set_random_seed(7)
    first = initial_weights()
    keras.utils.set_random_seed(7)
    second = initial_weights()
    keras.utils.set_random_seed(8)
    other = initial_weights()
    for a, b in zip(first, second, strict=True):
        assert_array_equal(b, a, "initial weights of a model built after set_random_seed(7)")
    assert not np.array_equal(first[0], other[0]), (
        "the kernel drawn after set_random_seed(8) equals the one after set_random_seed(7)")
