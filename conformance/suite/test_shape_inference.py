"""Shape inference: each layer's output shape follows the documented Keras 2 formula.

For every drawn configuration the same shape must come out of four places:
``layer.compute_output_shape``, the symbolic output of the layer called on an ``Input``,
``model.output_shape``, and a forward pass on a small batch (so the shape is computed, not only
bookkept). A fixed sample of configurations also goes through ``model.predict``.
The formulas live in conformance/shapes.py, written from the Keras 2 docs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import shapes
from conformance.assertions import assert_shape

BATCH = 2

# --- helpers ---------------------------------------------------------------------------------


def assert_shapes(got, expected, what):
    """One shape, or (for return_state) a list of shapes compared entry by entry."""
    __tracebackhide__ = True
    if not isinstance(expected, list):
        assert_shape(got, expected, what)
        return
    assert isinstance(got, list | tuple) and len(got) == len(expected), (
        f"got {got!r}, expected {len(expected)} shapes {expected} [{what}]"
    )
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert_shape(g, e, f"{what}[{i}]")


def with_batch(expected, batch):
    """The expected shape(s) with the None batch dimension replaced by ``batch``."""
    if isinstance(expected, list):
        return [with_batch(e, batch) for e in expected]
    return (batch, *expected[1:])


def sample_input(input_shape, batch, int_high=None):
    """A small batch of data: floats in [0, 1), or integer indices below ``int_high``."""
    rng = np.random.default_rng(0)
    if int_high is not None:
        return rng.integers(0, int_high, size=(batch, *input_shape)).astype("int32")
    return rng.random((batch, *input_shape)).astype("float32")


def check_layer_shapes(keras, layer, input_shape, expected, *, int_high=None):
    """compute_output_shape, the symbolic output, model.output_shape and a forward pass on
    BATCH samples all have the ``expected`` shape (batch dimension None)."""
    __tracebackhide__ = True
    what = f"{type(layer).__name__} on input shape {(None, *input_shape)}"
    assert_shapes(
        layer.compute_output_shape((None, *input_shape)), expected,
        f"{what}: compute_output_shape",
    )
    inputs = keras.Input(shape=input_shape, dtype="int32" if int_high else "float32")
    outputs = layer(inputs)
    symbolic = [o.shape for o in outputs] if isinstance(expected, list) else outputs.shape
    assert_shapes(symbolic, expected, f"{what}: layer(Input).shape")
    model = keras.Model(inputs, outputs)
    assert_shapes(model.output_shape, expected, f"{what}: model.output_shape")
    computed = model(sample_input(input_shape, BATCH, int_high))
    computed = [np.shape(c) for c in computed] if isinstance(expected, list) else np.shape(computed)
    assert_shapes(computed, with_batch(expected, BATCH), f"{what}: model(batch of {BATCH})")


def draw_spatial(data, low, label):
    """One spatial length per dimension, each at least ``low`` (a tuple of ints)."""
    return tuple(
        data.draw(st.integers(lo, lo + 5), label=f"{label}[{i}]") for i, lo in enumerate(low)
    )


def draw_conv(data, rank):
    """A Conv{rank}D configuration: kernel, padding, and either strides or dilation_rate > 1
    (Keras 2 documents strides != 1 as incompatible with dilation_rate != 1)."""
    kernel = tuple(data.draw(st.integers(1, 4), label=f"kernel_size[{i}]") for i in range(rank))
    padding = data.draw(st.sampled_from(["valid", "same"]), label="padding")
    strides = tuple(data.draw(st.integers(1, 3), label=f"strides[{i}]") for i in range(rank))
    dilation = (1,) * rank
    if strides == (1,) * rank:
        dilation = tuple(
            data.draw(st.integers(1, 3), label=f"dilation_rate[{i}]") for i in range(rank)
        )
    if padding == "valid":
        low = [shapes.dilated_kernel_size(k, d) for k, d in zip(kernel, dilation, strict=True)]
    else:
        low = [1] * rank
    spatial = draw_spatial(data, low, "input spatial")
    channels = data.draw(st.integers(1, 3), label="input channels")
    filters = data.draw(st.integers(1, 4), label="filters")
    return dict(filters=filters, kernel_size=kernel, padding=padding, strides=strides,
                dilation_rate=dilation), (*spatial, channels)


def draw_pool(data, rank):
    """A pooling configuration; strides is None (documented default: pool_size) or explicit."""
    pool = tuple(data.draw(st.integers(1, 3), label=f"pool_size[{i}]") for i in range(rank))
    strides = data.draw(
        st.none() | st.tuples(*[st.integers(1, 3)] * rank), label="strides"
    )
    padding = data.draw(st.sampled_from(["valid", "same"]), label="padding")
    spatial = draw_spatial(data, pool if padding == "valid" else [1] * rank,
                           "input spatial")
    channels = data.draw(st.integers(1, 3), label="channels")
    return dict(pool_size=pool, strides=strides, padding=padding), (*spatial, channels)


def one_d(config):
    """Conv1D/pooling 1D take plain ints, as the Keras 2 examples write them."""
    return {k: v[0] if isinstance(v, tuple) else v for k, v in config.items()}


# --- convolutions ----------------------------------------------------------------------------


@pytest.mark.behavior("layers.shapes.conv1d")
@given(data=st.data())
def test_conv1d_output_shape(keras, data):
    config, input_shape = draw_conv(data, rank=1)
    expected = shapes.conv_output_shape((None, *input_shape), **config)
    check_layer_shapes(keras, keras.layers.Conv1D(**one_d(config)), input_shape, expected)


@pytest.mark.behavior("layers.shapes.conv2d")
@given(data=st.data())
def test_conv2d_output_shape(keras, data):
    config, input_shape = draw_conv(data, rank=2)
    expected = shapes.conv_output_shape((None, *input_shape), **config)
    check_layer_shapes(keras, keras.layers.Conv2D(**config), input_shape, expected)


@pytest.mark.behavior("layers.shapes.conv.nonpositive_output_raises")
@pytest.mark.parametrize("rank", [1, 2])
@given(data=st.data())
def test_conv_valid_padding_with_input_shorter_than_kernel_raises(keras, rank, data):
    # The (dilated) kernel is longer than the input along the first spatial dimension, so
    # padding='valid' leaves no output position there. (Only the call is checked: Keras 2's
    # compute_output_shape lets a zero-length output through and raises only below zero.)
    kernel = data.draw(st.integers(2, 4), label="kernel_size")
    dilation = data.draw(st.integers(1, 2), label="dilation_rate")
    length = data.draw(st.integers(1, shapes.dilated_kernel_size(kernel, dilation) - 1),
                       label="input length")
    conv = {1: keras.layers.Conv1D, 2: keras.layers.Conv2D}[rank]
    input_shape = (length, *[8] * (rank - 1), 2)
    with pytest.raises(ValueError):
        conv(3, kernel, dilation_rate=dilation)(keras.Input(shape=input_shape))


@pytest.mark.behavior("layers.shapes.conv.strides_with_dilation_raises")
@pytest.mark.parametrize("layer", ["Conv1D", "Conv2D"])
def test_conv_strides_and_dilation_both_above_one_raise(keras, layer):
    with pytest.raises(ValueError):
        getattr(keras.layers, layer)(4, 3, strides=2, dilation_rate=2)


# --- pooling ---------------------------------------------------------------------------------


@pytest.mark.behavior("layers.shapes.max_pooling1d")
@given(data=st.data())
def test_max_pooling1d_output_shape(keras, data):
    config, input_shape = draw_pool(data, rank=1)
    expected = shapes.pool_output_shape((None, *input_shape), **config)
    layer = keras.layers.MaxPooling1D(**one_d(config))
    check_layer_shapes(keras, layer, input_shape, expected)


@pytest.mark.behavior("layers.shapes.average_pooling1d")
@given(data=st.data())
def test_average_pooling1d_output_shape(keras, data):
    config, input_shape = draw_pool(data, rank=1)
    expected = shapes.pool_output_shape((None, *input_shape), **config)
    layer = keras.layers.AveragePooling1D(**one_d(config))
    check_layer_shapes(keras, layer, input_shape, expected)


@pytest.mark.behavior("layers.shapes.max_pooling2d")
@given(data=st.data())
def test_max_pooling2d_output_shape(keras, data):
    config, input_shape = draw_pool(data, rank=2)
    expected = shapes.pool_output_shape((None, *input_shape), **config)
    check_layer_shapes(keras, keras.layers.MaxPooling2D(**config), input_shape, expected)


@pytest.mark.behavior("layers.shapes.average_pooling2d")
@given(data=st.data())
def test_average_pooling2d_output_shape(keras, data):
    config, input_shape = draw_pool(data, rank=2)
    expected = shapes.pool_output_shape((None, *input_shape), **config)
    check_layer_shapes(keras, keras.layers.AveragePooling2D(**config), input_shape, expected)


GLOBAL_POOLING = [
    pytest.param("GlobalAveragePooling1D", 1,
                 marks=pytest.mark.behavior("layers.shapes.global_average_pooling1d")),
    pytest.param("GlobalMaxPooling1D", 1,
                 marks=pytest.mark.behavior("layers.shapes.global_max_pooling1d")),
    pytest.param("GlobalAveragePooling2D", 2,
                 marks=pytest.mark.behavior("layers.shapes.global_average_pooling2d")),
    pytest.param("GlobalMaxPooling2D", 2,
                 marks=pytest.mark.behavior("layers.shapes.global_max_pooling2d")),
]


@pytest.mark.parametrize("layer_name, rank", GLOBAL_POOLING)
@given(data=st.data())
def test_global_pooling_output_shape(keras, layer_name, rank, data):
    spatial = draw_spatial(data, [1] * rank, "input spatial")
    input_shape = (*spatial, data.draw(st.integers(1, 4), label="channels"))
    expected = shapes.global_pool_output_shape((None, *input_shape))
    check_layer_shapes(keras, getattr(keras.layers, layer_name)(), input_shape, expected)


# --- Flatten, Embedding ----------------------------------------------------------------------


@pytest.mark.behavior("layers.shapes.flatten")
@given(data=st.data())
def test_flatten_output_shape(keras, data):
    rank = data.draw(st.integers(1, 3), label="rank without batch")
    input_shape = draw_spatial(data, [1] * rank, "input shape")
    expected = shapes.flatten_output_shape((None, *input_shape))
    check_layer_shapes(keras, keras.layers.Flatten(), input_shape, expected)


@pytest.mark.behavior("layers.shapes.embedding")
@given(data=st.data())
def test_embedding_output_shape(keras, data):
    input_dim = data.draw(st.integers(2, 20), label="input_dim")
    output_dim = data.draw(st.integers(1, 5), label="output_dim")
    input_length = data.draw(st.integers(1, 6), label="input_length")
    layer = keras.layers.Embedding(input_dim, output_dim, input_length=input_length)
    expected = shapes.embedding_output_shape((None, input_length), output_dim)
    check_layer_shapes(keras, layer, (input_length,), expected, int_high=input_dim)


@pytest.mark.behavior("layers.shapes.embedding.input_length")
def test_embedding_input_length_sets_the_sequential_input_shape(keras):
    # The Keras 2 Embedding docstring example, verbatim in sizes.
    model = keras.models.Sequential()
    model.add(keras.layers.Embedding(1000, 64, input_length=10))
    assert_shape(model.output_shape, (None, 10, 64), "Embedding(1000, 64, input_length=10)")
    model.compile("rmsprop", "mse")
    input_array = np.random.default_rng(0).integers(1000, size=(32, 10))
    assert_shape(model.predict(input_array, verbose=0).shape, (32, 10, 64), "predict")


# --- recurrent layers ------------------------------------------------------------------------

RNN_LAYERS = ["SimpleRNN", "LSTM", "GRU"]


def draw_rnn(data):
    # The layer class is drawn, not parametrized: building recurrent layers on graph-mode
    # Keras 2 costs ~0.1-0.2 s each, and one set of examples covers all three.
    layer_name = data.draw(st.sampled_from(RNN_LAYERS), label="layer")
    units = data.draw(st.integers(1, 4), label="units")
    input_shape = (data.draw(st.integers(1, 5), label="timesteps"),
                   data.draw(st.integers(1, 3), label="features"))
    return layer_name, units, input_shape


@pytest.mark.behavior("layers.shapes.rnn.return_sequences")
@given(data=st.data())
def test_rnn_return_sequences_output_shape(keras, data):
    layer_name, units, input_shape = draw_rnn(data)
    return_sequences = data.draw(st.booleans(), label="return_sequences")
    layer = getattr(keras.layers, layer_name)(units, return_sequences=return_sequences)
    expected = shapes.rnn_output_shapes((None, *input_shape), units, return_sequences)
    check_layer_shapes(keras, layer, input_shape, expected)


@pytest.mark.behavior("layers.shapes.rnn.return_state")
@given(data=st.data())
def test_rnn_return_state_output_shapes(keras, data):
    layer_name, units, input_shape = draw_rnn(data)
    return_sequences = data.draw(st.booleans(), label="return_sequences")
    layer = getattr(keras.layers, layer_name)(
        units, return_sequences=return_sequences, return_state=True
    )
    expected = shapes.rnn_output_shapes(
        (None, *input_shape), units, return_sequences, return_state=True, layer=layer_name
    )
    check_layer_shapes(keras, layer, input_shape, expected)


@pytest.mark.behavior("layers.shapes.rnn.return_state_is_list")
@pytest.mark.parametrize("layer_name", RNN_LAYERS)
def test_rnn_return_state_returns_a_list(keras, layer_name):
    outputs = getattr(keras.layers, layer_name)(3, return_state=True)(keras.Input(shape=(4, 2)))
    assert isinstance(outputs, list), (
        f"got {type(outputs).__name__}, expected list [{layer_name}(return_state=True)(Input)]"
    )
    assert len(outputs) == 1 + shapes.RNN_STATE_COUNT[layer_name]


# --- the same shapes through model.predict, for a sample of configurations -------------------


def _conv1d(k):
    return k.layers.Conv1D(4, 3, strides=2, padding="same")


def _conv2d(k):
    return k.layers.Conv2D(2, (3, 2), dilation_rate=(2, 1))


PREDICT_CASES = [
    pytest.param(_conv1d, (7, 2),
                 shapes.conv_output_shape((None, 7, 2), 4, (3,), "same", (2,), (1,)), None,
                 id="Conv1D-same-strides2",
                 marks=pytest.mark.behavior("layers.shapes.conv1d")),
    pytest.param(_conv2d, (6, 5, 1),
                 shapes.conv_output_shape((None, 6, 5, 1), 2, (3, 2), "valid", (1, 1), (2, 1)),
                 None, id="Conv2D-valid-dilation",
                 marks=pytest.mark.behavior("layers.shapes.conv2d")),
    pytest.param(lambda k: k.layers.MaxPooling1D(2), (7, 3),
                 shapes.pool_output_shape((None, 7, 3), (2,), "valid"),
                 None, id="MaxPooling1D-default-strides",
                 marks=pytest.mark.behavior("layers.shapes.max_pooling1d")),
    pytest.param(lambda k: k.layers.AveragePooling2D((2, 3), strides=1, padding="same"),
                 (4, 5, 2), shapes.pool_output_shape((None, 4, 5, 2), (2, 3), "same", (1, 1)),
                 None, id="AveragePooling2D-same",
                 marks=pytest.mark.behavior("layers.shapes.average_pooling2d")),
    pytest.param(lambda k: k.layers.GlobalMaxPooling2D(), (3, 4, 5),
                 shapes.global_pool_output_shape((None, 3, 4, 5)), None, id="GlobalMaxPooling2D",
                 marks=pytest.mark.behavior("layers.shapes.global_max_pooling2d")),
    pytest.param(lambda k: k.layers.Flatten(), (3, 4, 5),
                 shapes.flatten_output_shape((None, 3, 4, 5)), None, id="Flatten",
                 marks=pytest.mark.behavior("layers.shapes.flatten")),
    pytest.param(lambda k: k.layers.Embedding(9, 4, input_length=5), (5,), (None, 5, 4),
                 9, id="Embedding",
                 marks=pytest.mark.behavior("layers.shapes.embedding")),
    pytest.param(lambda k: k.layers.LSTM(3, return_sequences=True, return_state=True), (4, 2),
                 [(None, 4, 3), (None, 3), (None, 3)],
                 None, id="LSTM-return_sequences-return_state",
                 marks=pytest.mark.behavior("layers.shapes.rnn.return_state")),
    pytest.param(lambda k: k.layers.GRU(3, return_state=True), (4, 2),
                 [(None, 3), (None, 3)],
                 None, id="GRU-return_state",
                 marks=pytest.mark.behavior("layers.shapes.rnn.return_state")),
]


@pytest.mark.parametrize("make_layer, input_shape, expected, int_high", PREDICT_CASES)
def test_predict_output_shape(keras, make_layer, input_shape, expected, int_high):
    inputs = keras.Input(shape=input_shape, dtype="int32" if int_high else "float32")
    model = keras.Model(inputs, make_layer(keras)(inputs))
    got = model.predict(sample_input(input_shape, 3, int_high), verbose=0)
    got = [np.shape(g) for g in got] if isinstance(expected, list) else np.shape(got)
    assert_shapes(got, with_batch(expected, 3), "model.predict on 3 samples")
