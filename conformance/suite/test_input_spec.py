"""How the first layer of a Sequential model learns its input shape.

Spec: 000_85b52427b2d20b8c.txt §2 (指定输入尺寸): `input_shape` excludes the batch axis and may
hold None; Dense accepts `input_dim` instead; `batch_size=32` with `input_shape=(6, 8)` gives
batches of shape (32, 6, 8). Keras 2 layers also take `batch_input_shape` (the full shape).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import strategies as cst
from conformance.assertions import assert_array_equal, assert_shape


@pytest.mark.behavior("layers.input_spec.input_dim_equals_input_shape")
@given(data=st.data())
def test_input_dim_and_input_shape_are_equivalent(keras, data):
    units = data.draw(cst.units(), label="units")
    dim = data.draw(cst.input_dims(), label="input_dim")
    batch = data.draw(cst.batch_sizes(), label="batch")
    x = data.draw(cst.float32_arrays((batch, dim)), label="x")

    by_shape = keras.models.Sequential([keras.layers.Dense(units, input_shape=(dim,))])
    by_dim = keras.models.Sequential([keras.layers.Dense(units, input_dim=dim)])

    for name, model in (("input_shape", by_shape), ("input_dim", by_dim)):
        assert_shape(model.input_shape, (None, dim), f"Dense({name}=...) model.input_shape")
        assert_shape(model.output_shape, (None, units), f"Dense({name}=...) model.output_shape")
        assert model.count_params() == dim * units + units, f"Dense({name}=...) count_params()"

    by_dim.set_weights(by_shape.get_weights())
    for model in (by_shape, by_dim):  # predict without tracing a function per example
        model.compile(run_eagerly=True)
    # Same layer, same weights, same input: exactly the same outputs.
    assert_array_equal(
        by_dim.predict(x, verbose=0), by_shape.predict(x, verbose=0), "predict(x) of both"
    )


@pytest.mark.behavior("layers.input_spec.layer_shapes")
@pytest.mark.parametrize("spelling", ["input_shape", "input_dim"])
def test_first_layer_reports_its_input_and_output_shape(keras, spelling):
    kwargs = {"input_shape": (6,)} if spelling == "input_shape" else {"input_dim": 6}
    model = keras.models.Sequential([keras.layers.Dense(4, **kwargs)])
    layer = model.layers[0]

    assert_shape(layer.input_shape, (None, 6), f"Dense(4, {spelling}=...).input_shape")
    assert_shape(layer.output_shape, (None, 4), f"Dense(4, {spelling}=...).output_shape")


@pytest.mark.behavior("layers.input_spec.batch_size")
def test_batch_size_fixes_the_batch_dimension(keras):
    layer = keras.layers.Dense(5, batch_size=32, input_shape=(6, 8))
    model = keras.models.Sequential([layer])

    assert_shape(model.input_shape, (32, 6, 8), "batch_size=32, input_shape=(6, 8): input_shape")
    assert_shape(model.output_shape, (32, 6, 5), "... Dense(5) output_shape")


@pytest.mark.behavior("layers.input_spec.batch_input_shape")
def test_batch_input_shape_fixes_the_batch_dimension(keras):
    model = keras.models.Sequential([keras.layers.Dense(5, batch_input_shape=(32, 6, 8))])

    assert_shape(model.input_shape, (32, 6, 8), "batch_input_shape=(32, 6, 8): input_shape")
    assert_shape(model.output_shape, (32, 6, 5), "... Dense(5) output_shape")


@pytest.mark.behavior("layers.input_spec.batch_dim_none")
@given(data=st.data())
def test_without_batch_size_the_batch_dimension_is_none(keras, data):
    shape = data.draw(cst.shapes(max_dims=3), label="input_shape")
    units = data.draw(cst.units(), label="units")

    model = keras.models.Sequential([keras.layers.Dense(units, input_shape=shape)])

    assert_shape(model.input_shape, (None, *shape), f"input_shape={shape}: model.input_shape")
    # Dense acts on the last axis and keeps the others, batch axis included.
    assert_shape(model.output_shape, (None, *shape[:-1], units), "model.output_shape")


@pytest.mark.behavior("layers.input_spec.none_dimension")
def test_none_in_input_shape_accepts_any_length(keras):
    model = keras.models.Sequential([keras.layers.Dense(3, input_shape=(None, 8))])

    assert_shape(model.input_shape, (None, None, 8), "input_shape=(None, 8): model.input_shape")
    for steps in (2, 5):
        x = np.ones((4, steps, 8), dtype="float32")
        assert_shape(model.predict(x, verbose=0).shape, (4, steps, 3), f"predict on {x.shape}")
