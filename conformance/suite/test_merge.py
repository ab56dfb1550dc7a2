"""Merge layers, as functions (keras.layers.add, ...) and as layers (keras.layers.Add, ...).

Spec sources: 001 keras.layers.concatenate([lstm_out, auxiliary_input]) and
concatenate(..., axis=-1) in the shared-LSTM model, the residual z = keras.layers.add([x, y]);
Keras 2 API keras.io/2/api/layers/merging_layers: Add, Subtract (exactly 2 inputs), Multiply,
Average, Maximum, Minimum (element-wise over a list of same-shape tensors),
Concatenate(axis=-1), Dot(axes, normalize=False; normalize=True gives the cosine proximity),
each with a functional interface.

Values come from calling the layers on NumPy arrays (layers accept tensors and arrays) and are
compared with NumPy; shapes from calling them on Input tensors.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.assertions import assert_allclose, assert_shape

# float32 element-wise arithmetic on at most 4 operands of magnitude <= 2, vs float64 NumPy.
TOL = dict(rtol=1e-6, atol=1e-6)


def _arrays(data, shapes, label):
    seeds = data.draw(st.integers(0, 2**16), label=f"{label} seed")
    rng = np.random.default_rng(seeds)
    return [rng.uniform(-2, 2, size=shape).astype("float32") for shape in shapes]


def _inputs(keras, shapes):
    return [keras.layers.Input(shape=shape[1:]) for shape in shapes]


feature_shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)

# name: (function, layer class, NumPy over the stacked operands, fixed operand count or None)
ELEMENTWISE = {
    "add": ("add", "Add", lambda xs: np.sum(xs, axis=0), None),
    "subtract": ("subtract", "Subtract", lambda xs: xs[0] - xs[1], 2),
    "multiply": ("multiply", "Multiply", lambda xs: np.prod(xs, axis=0), None),
    "average": ("average", "Average", lambda xs: np.mean(xs, axis=0), None),
    "maximum": ("maximum", "Maximum", lambda xs: np.max(xs, axis=0), None),
    "minimum": ("minimum", "Minimum", lambda xs: np.min(xs, axis=0), None),
}


@pytest.mark.parametrize("op", [
    pytest.param(name, marks=pytest.mark.behavior(f"layers.merge.{name}"), id=name)
    for name in ELEMENTWISE
])
@given(data=st.data())
def test_elementwise_merge(keras, op, data):
    function_name, class_name, by_numpy, fixed_count = ELEMENTWISE[op]
    count = fixed_count or data.draw(st.integers(2, 4), label="operands")
    shape = (data.draw(st.integers(1, 3), label="batch"), *data.draw(feature_shapes, label="shape"))
    arrays = _arrays(data, [shape] * count, "operands")
    expected = by_numpy(np.stack(arrays).astype(np.float64))
    as_function = getattr(keras.layers, function_name)
    as_layer = getattr(keras.layers, class_name)

    symbolic = [as_function(_inputs(keras, [shape] * count)),
                as_layer()(_inputs(keras, [shape] * count))]
    for tensor, form in zip(symbolic, (function_name, class_name), strict=True):
        assert_shape(tensor.shape, (None, *shape[1:]), f"{form} on Inputs of shape {shape[1:]}")
    assert_allclose(as_function(arrays), expected, **TOL, what=f"layers.{function_name}(arrays)")
    assert_allclose(as_layer()(arrays), expected, **TOL, what=f"layers.{class_name}()(arrays)")


@pytest.mark.behavior("layers.merge.concatenate")
@given(data=st.data())
def test_concatenate_along_any_axis(keras, data):
    features = data.draw(feature_shapes, label="shape")
    rank = len(features) + 1  # with the batch axis
    axis = data.draw(st.sampled_from([*range(1, rank), *range(-rank + 1, 0)]), label="axis")
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=2, max_size=3), label="axis sizes")
    shapes = []
    for size in sizes:
        shape = [2, *features]
        shape[axis] = size
        shapes.append(tuple(shape))
    arrays = _arrays(data, shapes, "operands")
    expected = np.concatenate(arrays, axis=axis)
    expected_shape = (None, *expected.shape[1:])

    assert_shape(keras.layers.concatenate(_inputs(keras, shapes), axis=axis).shape,
                 expected_shape, f"concatenate(axis={axis}) on {shapes}")
    assert_shape(keras.layers.Concatenate(axis=axis)(_inputs(keras, shapes)).shape,
                 expected_shape, f"Concatenate(axis={axis}) on {shapes}")
    assert_allclose(keras.layers.concatenate(arrays, axis=axis), expected,
                    what=f"concatenate(arrays, axis={axis})")
    assert_allclose(keras.layers.Concatenate(axis=axis)(arrays), expected,
                    what=f"Concatenate(axis={axis})(arrays)")


@pytest.mark.behavior("layers.merge.concatenate")
def test_concatenate_defaults_to_the_last_axis(keras):
    a, b = keras.layers.Input(shape=(2, 3)), keras.layers.Input(shape=(2, 5))
    assert_shape(keras.layers.concatenate([a, b]).shape, (None, 2, 8), "concatenate([a, b])")
    assert_shape(keras.layers.Concatenate()([a, b]).shape, (None, 2, 8), "Concatenate()([a, b])")


def _l2_normalize(x, axis):
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))


# (shape a, shape b, axes, NumPy dot product of one batch): 2D vectors and 3D matrices.
DOT_CASES = {
    "vectors axes=1": ((3, 4), (3, 4), 1, "bn,bn->b"),
    "matrices axes=2": ((2, 3, 4), (2, 5, 4), 2, "bmn,bkn->bmk"),
    "matrices axes=(1, 1)": ((2, 3, 4), (2, 3, 5), (1, 1), "bmn,bmk->bnk"),
    "matrices axes=(2, 1)": ((2, 3, 4), (2, 4, 5), (2, 1), "bmn,bnk->bmk"),
}


def _dot_axes(axes):
    return (axes, axes) if isinstance(axes, int) else axes


@pytest.mark.behavior("layers.merge.dot")
@pytest.mark.parametrize("normalize", [False, True], ids=["plain", "normalize"])
@pytest.mark.parametrize("case", DOT_CASES)
def test_dot_product_over_the_given_axes(keras, case, normalize):
    shape_a, shape_b, axes, subscripts = DOT_CASES[case]
    rng = np.random.default_rng(4)
    xa, xb = (rng.uniform(-2, 2, size=s).astype("float32") for s in (shape_a, shape_b))
    axis_a, axis_b = _dot_axes(axes)
    a64, b64 = xa.astype(np.float64), xb.astype(np.float64)
    if normalize:  # documented: the cosine proximity, i.e. the dot of L2-normalized samples
        a64, b64 = _l2_normalize(a64, axis_a), _l2_normalize(b64, axis_b)
    expected = np.einsum(subscripts, a64, b64)
    if expected.ndim == 1:
        expected = expected[:, None]  # a batch of scalars is returned as shape (batch, 1)

    symbolic = keras.layers.dot(_inputs(keras, [shape_a, shape_b]), axes=axes,
                                normalize=normalize)
    assert_shape(symbolic.shape, (None, *expected.shape[1:]), f"dot(axes={axes}) on Inputs")
    # products of up to 5 float32 terms of magnitude <= 4
    got_function = keras.layers.dot([xa, xb], axes=axes, normalize=normalize)
    got_layer = keras.layers.Dot(axes=axes, normalize=normalize)([xa, xb])
    assert_allclose(got_function, expected, rtol=1e-5, atol=1e-5, what=f"dot(axes={axes})")
    assert_allclose(got_layer, expected, rtol=1e-5, atol=1e-5, what=f"Dot(axes={axes})")


@pytest.mark.behavior("layers.merge.shape_mismatch_raises")
@pytest.mark.parametrize("merge", ["add", "subtract", "multiply", "average", "maximum", "minimum"])
def test_elementwise_merge_rejects_different_shapes(keras, merge):
    a, b = keras.layers.Input(shape=(4,)), keras.layers.Input(shape=(3,))
    with pytest.raises(ValueError):
        getattr(keras.layers, merge)([a, b])


@pytest.mark.behavior("layers.merge.shape_mismatch_raises")
def test_concatenate_rejects_different_non_axis_sizes(keras):
    a, b = keras.layers.Input(shape=(2, 3)), keras.layers.Input(shape=(4, 5))
    with pytest.raises(ValueError):
        keras.layers.concatenate([a, b], axis=-1)


@pytest.mark.behavior("layers.merge.shape_mismatch_raises")
def test_dot_rejects_different_sizes_along_the_axes(keras):
    a, b = keras.layers.Input(shape=(3, 4)), keras.layers.Input(shape=(3, 5))
    with pytest.raises(ValueError):
        keras.layers.dot([a, b], axes=2)


@pytest.mark.behavior("layers.merge.subtract_two_inputs")
def test_subtract_takes_exactly_two_inputs(keras):
    inputs = [keras.layers.Input(shape=(4,)) for _ in range(3)]
    with pytest.raises(ValueError):
        keras.layers.subtract(inputs)
    with pytest.raises(ValueError):
        keras.layers.Subtract()(inputs)
