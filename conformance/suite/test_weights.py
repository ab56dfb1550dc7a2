"""get_weights / set_weights on models and layers.

Spec: 002_99f94cc914f1cc8c.txt §2.3.3: get_weights() returns the weights as a list of NumPy
arrays; set_weights() loads NumPy arrays that must have the same shapes as get_weights().
Keras 2 API (Layer.get_weights / set_weights docstrings): a Dense layer's weights are
[kernel, bias]; set_weights raises ValueError when the list does not match.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import strategies as cst
from conformance.assertions import assert_allclose, assert_array_equal, assert_shape

TARGETS = ["model", "layer"]


def dense_model(keras, units, dim):
    return keras.models.Sequential([keras.layers.Dense(units, input_shape=(dim,))])


def target_of(model, target):
    """The object whose weights a test reads and writes: the model, or its Dense layer."""
    return model if target == "model" else model.layers[0]


def draw_dense_weights(data, dim, units):
    kernel = data.draw(cst.float32_arrays((dim, units)), label="kernel")
    bias = data.draw(cst.float32_arrays((units,)), label="bias")
    return [kernel, bias]


@pytest.mark.behavior("models.weights.get_weights_arrays")
@pytest.mark.parametrize("target", TARGETS)
@given(data=st.data())
def test_get_weights_returns_float32_kernel_and_bias(keras, target, data):
    units = data.draw(cst.units(), label="units")
    dim = data.draw(cst.input_dims(), label="input_dim")

    weights = target_of(dense_model(keras, units, dim), target).get_weights()

    assert isinstance(weights, list), f"{target}.get_weights() type: got {type(weights)}"
    assert len(weights) == 2, f"{target}.get_weights(): got {len(weights)} arrays, expected 2"
    for name, array, shape in zip(("kernel", "bias"), weights, ((dim, units), (units,)),
                                  strict=True):
        assert isinstance(array, np.ndarray), f"{name}: got {type(array)}, expected np.ndarray"
        assert array.dtype == np.float32, f"{name} dtype: got {array.dtype}, expected float32"
        assert_shape(array.shape, shape, f"{target}.get_weights() {name}")


@pytest.mark.behavior("models.weights.round_trip")
@pytest.mark.parametrize("target", TARGETS)
@given(data=st.data())
def test_set_weights_then_get_weights_round_trips_exactly(keras, target, data):
    units = data.draw(cst.units(), label="units")
    dim = data.draw(cst.input_dims(), label="input_dim")
    new = draw_dense_weights(data, dim, units)

    holder = target_of(dense_model(keras, units, dim), target)
    holder.set_weights(new)
    got = holder.get_weights()

    assert len(got) == 2, f"{target}.get_weights() after set_weights: got {len(got)} arrays"
    for name, got_array, expected in zip(("kernel", "bias"), got, new, strict=True):
        # float32 in, float32 stored: no rounding, so the values come back bit for bit.
        assert_array_equal(got_array, expected, f"{target}.get_weights() {name}")


@pytest.mark.behavior("models.weights.set_weights_used_by_predict")
@given(data=st.data())
def test_predict_uses_the_weights_that_were_set(keras, data):
    units = data.draw(cst.units(), label="units")
    dim = data.draw(cst.input_dims(), label="input_dim")
    batch = data.draw(cst.batch_sizes(), label="batch")
    kernel, bias = draw_dense_weights(data, dim, units)
    x = data.draw(cst.float32_arrays((batch, dim)), label="x")

    model = dense_model(keras, units, dim)
    model.set_weights([kernel, bias])

    # Dense with the default linear activation is x @ kernel + bias. Values lie in [-1, 1] and
    # dim <= 8, so |result| <= 9 and float32 rounding stays below 9 * 8 * 2**-24 < 1e-5.
    expected = x.astype(np.float64) @ kernel.astype(np.float64) + bias
    assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5,
                    what="predict(x) after set_weights([kernel, bias])")


@pytest.mark.behavior("models.weights.layer_order")
def test_model_weights_are_the_layers_weights_in_order(keras):
    layers = keras.layers
    model = keras.models.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])
    new = [np.full(w.shape, i + 1, dtype="float32") for i, w in enumerate(model.get_weights())]

    model.set_weights(new)

    assert [w.shape for w in new] == [(3, 4), (4,), (4, 2), (2,)], "model.get_weights() shapes"
    per_layer = [w for layer in model.layers for w in layer.get_weights()]
    assert len(per_layer) == len(new), "number of arrays over model.layers"
    for i, (got, expected) in enumerate(zip(per_layer, new, strict=True)):
        assert_array_equal(got, expected, f"array {i} of the layers after model.set_weights")


@pytest.mark.behavior("models.weights.set_weights_wrong_shape")
@pytest.mark.parametrize("target", TARGETS)
def test_set_weights_with_a_wrong_shape_raises_value_error(keras, target):
    holder = target_of(dense_model(keras, 4, 3), target)
    kernel, bias = holder.get_weights()

    with pytest.raises(ValueError):
        holder.set_weights([kernel.T, bias])  # (4, 3) where (3, 4) is expected
    with pytest.raises(ValueError):
        holder.set_weights([kernel, np.zeros((5,), dtype="float32")])


@pytest.mark.behavior("models.weights.set_weights_wrong_count")
@pytest.mark.parametrize("target", TARGETS)
def test_set_weights_with_a_wrong_number_of_arrays_raises_value_error(keras, target):
    holder = target_of(dense_model(keras, 4, 3), target)
    kernel, bias = holder.get_weights()

    with pytest.raises(ValueError):
        holder.set_weights([kernel])
    with pytest.raises(ValueError):
        holder.set_weights([kernel, bias, bias])
