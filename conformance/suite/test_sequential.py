"""Sequential models: built from a list or with .add, and shape inference after the first layer.

Spec: 000_85b52427b2d20b8c.txt §1 (构建sequential模型) and §2 (指定输入尺寸).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import strategies as cst
from conformance.assertions import assert_array_equal, assert_shape


def documented_stack(layers, hidden, classes, input_dim):
    """The layers of the spec's example: Dense(32, input_shape=(784,)), relu, Dense(10), softmax."""
    return [
        layers.Dense(hidden, input_shape=(input_dim,)),
        layers.Activation("relu"),
        layers.Dense(classes),
        layers.Activation("softmax"),
    ]


def config_without_name(layer):
    # Layer names are unique per instance (dense, dense_1, ...), so they always differ.
    config = dict(layer.get_config())
    config.pop("name", None)
    return config


@pytest.mark.behavior("models.sequential.list_equals_add")
@given(data=st.data())
def test_list_and_add_build_the_same_model(keras, data):
    hidden = data.draw(cst.units(), label="hidden units")
    classes = data.draw(cst.units(), label="classes")
    input_dim = data.draw(cst.input_dims(), label="input_dim")
    batch = data.draw(cst.batch_sizes(), label="batch")
    x = data.draw(cst.float32_arrays((batch, input_dim)), label="x")

    from_list = keras.models.Sequential(documented_stack(keras.layers, hidden, classes, input_dim))
    with_add = keras.models.Sequential()
    for layer in documented_stack(keras.layers, hidden, classes, input_dim):
        with_add.add(layer)

    assert [type(layer).__name__ for layer in with_add.layers] == [
        type(layer).__name__ for layer in from_list.layers
    ], "layer types of Sequential() + .add vs Sequential([...])"
    for got, expected in zip(with_add.layers, from_list.layers, strict=True):
        assert config_without_name(got) == config_without_name(expected), (
            f"get_config() of {type(got).__name__} built with .add vs in a list"
        )
    assert_shape(with_add.output_shape, from_list.output_shape, ".add model output_shape")
    assert with_add.count_params() == from_list.count_params(), "count_params()"

    with_add.set_weights(from_list.get_weights())
    for model in (with_add, from_list):  # predict without tracing a function per example
        model.compile(run_eagerly=True)
    # Same layers, same weights, same input: the computation is the same, so exactly equal.
    assert_array_equal(
        with_add.predict(x, verbose=0), from_list.predict(x, verbose=0), "predict(x) of both"
    )


@pytest.mark.behavior("models.sequential.shape_inference")
def test_only_the_first_layer_needs_a_shape(keras):
    model = keras.models.Sequential(documented_stack(keras.layers, 32, 10, 784))

    assert_shape(model.input_shape, (None, 784), "model.input_shape")
    assert_shape(model.output_shape, (None, 10), "model.output_shape")
    # The second Dense was given no shape: its kernel is inferred from the first Dense's 32 units.
    kernel_shapes = [w.shape for w in model.get_weights()]
    assert kernel_shapes == [(784, 32), (32,), (32, 10), (10,)], "shapes of get_weights()"
    assert model.count_params() == 784 * 32 + 32 + 32 * 10 + 10, "count_params()"
    x = np.linspace(-1.0, 1.0, 3 * 784, dtype="float32").reshape(3, 784)
    assert_shape(model.predict(x, verbose=0).shape, (3, 10), "predict(x).shape")


@pytest.mark.behavior("models.sequential.layer_output_shapes")
def test_each_layer_reports_its_inferred_output_shape(keras):
    model = keras.models.Sequential(documented_stack(keras.layers, 32, 10, 784))

    expected = [(None, 32), (None, 32), (None, 10), (None, 10)]
    for layer, shape in zip(model.layers, expected, strict=True):
        assert_shape(layer.output_shape, shape, f"{type(layer).__name__}.output_shape")
