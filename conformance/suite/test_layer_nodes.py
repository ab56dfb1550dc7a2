"""Layer nodes: every call of a layer on a new input adds a node, numbered 0, 1, 2, ...

Spec source: 001 "网络层共享" and "层复用的内在机理": a shared layer reuses its weights; `.output`
and `.input_shape` on a layer with one node; get_output_at(i) after two calls of one LSTM; the
Conv2D(16, (3, 3), padding='same') called on (32, 32, 3) and (64, 64, 3), after which
`.input_shape` no longer works but get_input_shape_at(i) does. Keras 2 API: Layer.input_shape
("Only applicable if the layer has exactly one input ... or if all inputs have the same shape";
raises AttributeError), get_input_at / get_output_at / get_input_shape_at / get_output_shape_at.

The doc's `assert lstm.get_output_at(0) == encoded_a` compares symbolic tensors: in Keras 2 (TF1
graph tensors) `==` was object identity, so identity (`is`) is what is checked here; today's
symbolic tensors may overload `==` into an element-wise op.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.assertions import assert_allclose, assert_shape


def _shared_lstm_on_two_tweets(keras):
    """001: one LSTM(32) called on two Input(shape=(280, 256)) tensors."""
    layers = keras.layers
    a, b = layers.Input(shape=(280, 256)), layers.Input(shape=(280, 256))
    lstm = layers.LSTM(32)
    encoded_a = lstm(a)
    encoded_b = lstm(b)
    return lstm, (a, b), (encoded_a, encoded_b)


def _conv_on_two_sizes(keras):
    """001: one Conv2D(16, (3, 3), padding='same') called on 32x32 then 64x64 RGB inputs."""
    layers = keras.layers
    a, b = layers.Input(shape=(32, 32, 3)), layers.Input(shape=(64, 64, 3))
    conv = layers.Conv2D(16, (3, 3), padding="same")
    conv(a)
    conv(b)
    return conv


@pytest.mark.behavior("layers.nodes.output_single_node")
def test_output_and_input_of_a_layer_called_once(keras):
    layers = keras.layers
    a = layers.Input(shape=(280, 256))
    lstm = layers.LSTM(32)
    encoded_a = lstm(a)
    assert lstm.output is encoded_a, "layer.output is not the tensor its only call returned"
    assert lstm.input is a, "layer.input is not the tensor its only call received"


@pytest.mark.behavior("layers.nodes.get_output_at")
def test_get_output_at_returns_each_calls_output(keras):
    lstm, _, (encoded_a, encoded_b) = _shared_lstm_on_two_tweets(keras)
    assert lstm.get_output_at(0) is encoded_a, "get_output_at(0) is not the first call's output"
    assert lstm.get_output_at(1) is encoded_b, "get_output_at(1) is not the second call's output"


@pytest.mark.behavior("layers.nodes.get_input_at")
def test_get_input_at_returns_each_calls_input(keras):
    lstm, (a, b), _ = _shared_lstm_on_two_tweets(keras)
    assert lstm.get_input_at(0) is a, "get_input_at(0) is not the first call's input"
    assert lstm.get_input_at(1) is b, "get_input_at(1) is not the second call's input"


@pytest.mark.behavior("layers.nodes.input_shape_single_node")
def test_input_and_output_shape_of_a_layer_called_once(keras):
    a = keras.layers.Input(shape=(32, 32, 3))
    conv = keras.layers.Conv2D(16, (3, 3), padding="same")
    conv(a)
    assert_shape(conv.input_shape, (None, 32, 32, 3), "conv.input_shape after one call")
    assert_shape(conv.output_shape, (None, 32, 32, 16), "conv.output_shape after one call")


@pytest.mark.behavior("layers.nodes.input_shape_same_shapes")
def test_input_shape_of_a_layer_called_on_equal_shapes(keras):
    lstm, _, _ = _shared_lstm_on_two_tweets(keras)
    assert_shape(lstm.input_shape, (None, 280, 256), "input_shape, two nodes of equal shape")
    assert_shape(lstm.output_shape, (None, 32), "output_shape, two nodes of equal shape")


@pytest.mark.behavior("layers.nodes.input_shape_ambiguous_raises")
def test_input_shape_raises_when_nodes_differ_in_shape(keras):
    conv = _conv_on_two_sizes(keras)
    with pytest.raises(AttributeError, match="get_input_shape_at"):
        conv.input_shape  # noqa: B018  (the property access is what raises)
    with pytest.raises(AttributeError, match="get_output_shape_at"):
        conv.output_shape  # noqa: B018


@pytest.mark.behavior("layers.nodes.get_input_shape_at")
def test_get_input_shape_at_gives_each_nodes_shape(keras):
    conv = _conv_on_two_sizes(keras)
    assert_shape(conv.get_input_shape_at(0), (None, 32, 32, 3), "get_input_shape_at(0)")
    assert_shape(conv.get_input_shape_at(1), (None, 64, 64, 3), "get_input_shape_at(1)")


@pytest.mark.behavior("layers.nodes.get_output_shape_at")
def test_get_output_shape_at_gives_each_nodes_shape(keras):
    conv = _conv_on_two_sizes(keras)
    assert_shape(conv.get_output_shape_at(0), (None, 32, 32, 16), "get_output_shape_at(0)")
    assert_shape(conv.get_output_shape_at(1), (None, 64, 64, 16), "get_output_shape_at(1)")


@pytest.mark.behavior("layers.nodes.shared_layer_shares_weights")
def test_a_layer_called_twice_uses_one_set_of_weights(keras):
    layers = keras.layers
    a, b = layers.Input(shape=(4,)), layers.Input(shape=(4,))
    shared = layers.Dense(3)
    model = keras.models.Model([a, b], [shared(a), shared(b)])
    assert model.count_params() == 4 * 3 + 3, f"count_params: got {model.count_params()}"

    rng = np.random.default_rng(2)
    xa, xb = rng.normal(size=(2, 4)).astype("float32"), rng.normal(size=(2, 4)).astype("float32")
    w, bias = shared.get_weights()
    got_a, got_b = model.predict([xa, xb], verbose=0)
    assert_allclose(got_a, xa @ w + bias, rtol=1e-5, atol=1e-6, what="shared(a)")
    assert_allclose(got_b, xb @ w + bias, rtol=1e-5, atol=1e-6, what="shared(b)")


@pytest.mark.behavior("layers.nodes.one_node_per_call")
@given(data=st.data())
def test_each_call_adds_the_next_node(keras, data):
    units = data.draw(st.integers(1, 4), label="units")
    features = data.draw(st.integers(1, 4), label="features")
    steps = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=4), label="steps per call")
    layer = keras.layers.Dense(units)
    inputs = [keras.layers.Input(shape=(t, features)) for t in steps]
    outputs = [layer(x) for x in inputs]

    for i, t in enumerate(steps):
        assert layer.get_input_at(i) is inputs[i], f"get_input_at({i}) is not call {i}'s input"
        assert layer.get_output_at(i) is outputs[i], f"get_output_at({i}) is not call {i}'s output"
        assert_shape(layer.get_input_shape_at(i), (None, t, features), f"get_input_shape_at({i})")
        assert_shape(layer.get_output_shape_at(i), (None, t, units), f"get_output_shape_at({i})")
    # nodes are numbered 0 .. calls-1: there is no node after the last call
    with pytest.raises(ValueError):
        layer.get_output_at(len(steps))
