"""Edges of the core layers that the value and shape tests leave open: default arguments,
``data_format='channels_first'``, ``keepdims``, ``noise_shape``, windows that do not divide the
input, error cases, and the dtype a layer keeps.

Expected values are NumPy formulas of the Keras 2 definitions (keras.io/2.x/api/layers):
a pooling window's max or mean, Flatten's channels-last order, Reshape's -1 inference; each is
checked on tf-keras 2.21. Inputs are small NumPy arrays from a seeded generator.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_array_equal, assert_shape

# The expected values below are one float32 max, or a mean of <= 9 float32 values, computed
# in another order: a few ulps.
TOL = dict(rtol=1e-5, atol=1e-6)


def _x(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype("float32")


def _run(adapter, layer, x, **kwargs):
    return adapter.to_numpy(layer(x, **kwargs))


def _pool_1d(x, size, stride, reduce):
    """Valid-padding 1D pooling of x (batch, steps, channels), as the Keras 2 pooling pages
    define it: window i covers steps [i * stride, i * stride + size)."""
    out = (x.shape[1] - size) // stride + 1
    return np.stack([reduce(x[:, i * stride:i * stride + size], axis=1) for i in range(out)],
                    axis=1)


# -- pooling --------------------------------------------------------------------------------
@pytest.mark.behavior("layers.edges.pooling1d.defaults")
@pytest.mark.parametrize("kind, reduce", [("MaxPooling1D", np.max),
                                          ("AveragePooling1D", np.mean)])
def test_pooling1d_defaults_are_pool_2_stride_2_valid(keras, adapter, kind, reduce):
    x = _x(2, 7, 3)  # 7 steps: the last one is dropped by 'valid' windows of 2
    layer = getattr(keras.layers, kind)(name=f"edge_{kind.lower()}")
    got = _run(adapter, layer, x)
    assert_shape(got.shape, (2, 3, 3), f"{kind}() on (2, 7, 3)")
    assert got.dtype == np.float32, f"got dtype {got.dtype}, expected float32 [{kind}()]"
    assert_allclose(got, _pool_1d(x, 2, 2, reduce), **TOL, what=f"{kind}()")
    assert layer.name == f"edge_{kind.lower()}", f"got name {layer.name!r} [{kind}(name=...)]"


@pytest.mark.behavior("layers.edges.pooling2d.defaults")
@pytest.mark.parametrize("kind, reduce", [("MaxPooling2D", np.max),
                                          ("AveragePooling2D", np.mean)])
def test_pooling2d_defaults_are_pool_2x2_stride_2_valid(keras, adapter, kind, reduce):
    x = _x(1, 5, 4, 2)
    layer = getattr(keras.layers, kind)(name=f"edge_{kind.lower()}")
    got = _run(adapter, layer, x)
    assert got.dtype == np.float32, f"got dtype {got.dtype}, expected float32 [{kind}()]"
    expected = np.stack([np.stack([reduce(x[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2], axis=(1, 2))
                                   for j in range(2)], axis=1) for i in range(2)], axis=1)
    assert_allclose(got, expected, **TOL, what=f"{kind}() on (1, 5, 4, 2)")
    assert layer.name == f"edge_{kind.lower()}", f"got name {layer.name!r} [{kind}(name=...)]"


@pytest.mark.behavior("layers.edges.pooling1d.strides_none_is_pool_size")
@pytest.mark.parametrize("kind, reduce", [("MaxPooling1D", np.max),
                                          ("AveragePooling1D", np.mean)])
def test_pooling1d_strides_none_is_pool_size_on_non_dividing_input(keras, adapter, kind,
                                                                   reduce):
    x = _x(2, 8, 2, seed=1)  # windows of 3 over 8 steps: 2 windows, 2 steps left over
    got = _run(adapter, getattr(keras.layers, kind)(pool_size=3, strides=None), x)
    assert_allclose(got, _pool_1d(x, 3, 3, reduce), **TOL, what=f"{kind}(3, strides=None)")


@pytest.mark.behavior("layers.edges.pooling.channels_first")
@pytest.mark.parametrize("kind, reduce", [("MaxPooling1D", np.max),
                                          ("AveragePooling1D", np.mean)])
def test_pooling1d_channels_first_pools_the_last_axis(keras, adapter, kind, reduce):
    x = _x(2, 3, 6, seed=2)  # (batch, channels, steps)
    layer = getattr(keras.layers, kind)(pool_size=2, data_format="channels_first")
    got = _run(adapter, layer, x)
    expected = _pool_1d(x.transpose(0, 2, 1), 2, 2, reduce).transpose(0, 2, 1)
    assert_allclose(got, expected, **TOL, what=f"{kind}(data_format='channels_first')")
    assert_shape(layer.compute_output_shape((None, 3, 6)), (None, 3, 3),
                 f"{kind}(channels_first).compute_output_shape")


@pytest.mark.behavior("layers.edges.pooling.channels_first")
@pytest.mark.parametrize("kind, reduce", [("MaxPooling2D", np.max),
                                          ("AveragePooling2D", np.mean)])
def test_pooling2d_channels_first_pools_the_last_two_axes(keras, adapter, kind, reduce):
    x = _x(2, 3, 4, 2, seed=2)  # (batch, channels, rows, cols)
    layer = getattr(keras.layers, kind)(pool_size=2, data_format="channels_first")
    expected = reduce(x.reshape(2, 3, 2, 2, 1, 2), axis=(3, 5))
    assert_allclose(_run(adapter, layer, x), expected, **TOL,
                    what=f"{kind}(2, data_format='channels_first') on (2, 3, 4, 2)")


# -- global pooling ---------------------------------------------------------------------------
GLOBAL = [("GlobalAveragePooling1D", np.mean, 1), ("GlobalMaxPooling1D", np.max, 1),
          ("GlobalAveragePooling2D", np.mean, 2), ("GlobalMaxPooling2D", np.max, 2)]


@pytest.mark.behavior("layers.edges.global_pooling.channels_first")
@pytest.mark.parametrize("kind, reduce, rank", GLOBAL)
def test_global_pooling_channels_first_reduces_the_trailing_axes(keras, adapter, kind, reduce,
                                                                  rank):
    x = _x(2, 3, *(4,) * rank, seed=3)  # (batch, channels, *spatial)
    layer = getattr(keras.layers, kind)(data_format="channels_first")
    axes = tuple(range(2, 2 + rank))
    assert_allclose(_run(adapter, layer, x), reduce(x, axis=axes), **TOL,
                    what=f"{kind}(data_format='channels_first')")


@pytest.mark.behavior("layers.edges.global_pooling.keepdims")
@pytest.mark.parametrize("kind, reduce, rank", GLOBAL)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_pooling_keepdims_keeps_the_reduced_axes_as_1(keras, adapter, kind, reduce, rank,
                                                             data_format):
    x = _x(2, 3, *(4,) * rank, seed=4)
    layer = getattr(keras.layers, kind)(data_format=data_format, keepdims=True)
    first = 1 if data_format == "channels_last" else 2
    axes = tuple(range(first, first + rank))
    expected = reduce(x, axis=axes, keepdims=True)
    assert_allclose(_run(adapter, layer, x), expected, **TOL, what=f"{kind}(keepdims=True)")
    assert_shape(layer.compute_output_shape((None, *x.shape[1:])), (None, *expected.shape[1:]),
                 f"{kind}(keepdims=True, {data_format}).compute_output_shape")


@pytest.mark.behavior("layers.edges.global_pooling.wrong_rank_raises")
@pytest.mark.parametrize("kind, rank", [("GlobalMaxPooling1D", 1), ("GlobalAveragePooling2D", 2)])
def test_global_pooling_on_an_input_of_the_wrong_rank_raises(keras, kind, rank):
    bad = rank + 3  # one axis too many
    with pytest.raises(ValueError, match=f"expected ndim={rank + 2}, found ndim={bad}"):
        getattr(keras.layers, kind)()(keras.Input(shape=(2,) * (bad - 1)))


@pytest.mark.behavior("layers.edges.global_average_pooling1d.mask")
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_average_pooling1d_mask_leaves_masked_steps_out(keras, adapter, data_format,
                                                               keepdims):
    x = _x(2, 4, 3, seed=5)  # channels_last (batch, steps, channels)
    mask = np.array([[True, True, False, True], [True, False, False, False]])
    w = mask[:, :, None].astype("float32")
    expected = (x * w).sum(axis=1, keepdims=keepdims) / w.sum(axis=1, keepdims=keepdims)
    if data_format == "channels_first":
        x = x.transpose(0, 2, 1)
        expected = expected.transpose(0, 2, 1) if keepdims else expected
    layer = keras.layers.GlobalAveragePooling1D(data_format=data_format, keepdims=keepdims)
    got = layer(x, mask=adapter.to_tensor(mask))
    got = adapter.to_numpy(got)
    assert got.dtype == np.float32, f"got dtype {got.dtype}, expected float32 [masked mean]"
    assert_allclose(got, expected, **TOL,
                    what=f"GlobalAveragePooling1D({data_format}, keepdims={keepdims}) + mask")


# -- flatten and reshape ----------------------------------------------------------------------
@pytest.mark.behavior("layers.edges.flatten.channels_first")
@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 3, 2, 2), (2, 5)])
def test_flatten_channels_first_gives_the_channels_last_order(keras, adapter, shape):
    x = _x(*shape, seed=6)
    got = _run(adapter, keras.layers.Flatten(data_format="channels_first"), x)
    # channels first: (batch, channels, *spatial); Keras 2 moves the channels last first
    channels_last = np.moveaxis(x, 1, -1) if x.ndim > 2 else x
    assert_array_equal(got, channels_last.reshape(shape[0], -1),
                       f"Flatten(data_format='channels_first') on {shape}")


@pytest.mark.behavior("layers.edges.reshape.unknown_dimension")
@pytest.mark.parametrize("target, expected", [((-1, 2), (6, 2)), ((3, -1), (3, 4)),
                                              ((-1, 1), (12, 1)), ((2, -1, 3), (2, 2, 3))])
def test_reshape_infers_the_minus_one_dimension(keras, adapter, target, expected):
    x = _x(2, 12, seed=7)
    layer = keras.layers.Reshape(target)
    shape = tuple(layer.compute_output_shape((None, 12)))
    assert_shape(shape, (None, *expected), f"Reshape({target}).compute_output_shape((None, 12))")
    assert all(type(d) is int for d in shape[1:]), f"got {shape!r}: sizes should be ints"
    assert_array_equal(_run(adapter, layer, x), x.reshape(2, *expected), f"Reshape({target})")


@pytest.mark.behavior("layers.edges.reshape.unknown_input_dimension")
def test_reshape_output_shape_with_an_unknown_input_dimension(keras):
    layer = keras.layers.Reshape((-1, 2))
    assert_shape(layer.compute_output_shape((None, None, 2)), (None, None, 2),
                 "Reshape((-1, 2)).compute_output_shape((None, None, 2))")
    layer = keras.layers.Reshape((4, 2))
    assert_shape(layer.compute_output_shape((None, None, 2)), (None, 4, 2),
                 "Reshape((4, 2)).compute_output_shape((None, None, 2))")
    assert_shape(keras.layers.Reshape((-1, 2)).compute_output_shape((4, None, 2)), (4, None, 2),
                 "Reshape((-1, 2)).compute_output_shape((4, None, 2))")


@pytest.mark.behavior("layers.edges.reshape.invalid_target_raises")
@pytest.mark.parametrize("target, match", [
    ((-1, -1), None), ((-1, 5), r"total size of .* must be unchanged"),
    ((5, 3), r"total size of .* must be unchanged"),
    ((-1, 0), r"total size of .* must be unchanged")])
def test_reshape_to_an_impossible_target_raises(keras, target, match):
    with pytest.raises(ValueError, match=match):
        keras.layers.Reshape(target).compute_output_shape((None, 12))


# -- dropout and masking ----------------------------------------------------------------------
@pytest.mark.behavior("layers.edges.dropout.noise_shape")
def test_dropout_noise_shape_shares_the_mask_along_size_1_axes(keras, adapter):
    x = np.ones((4, 5, 6), "float32")
    layer = keras.layers.Dropout(0.5, noise_shape=(None, 1, 6), seed=3)
    got = _run(adapter, layer, x, training=True)
    assert got.dtype == np.float32, f"got dtype {got.dtype}, expected float32 [Dropout]"
    assert set(np.unique(got)) <= {0.0, 2.0}, f"got values {np.unique(got)}, expected 0 or 2"
    assert_array_equal(got, np.broadcast_to(got[:, :1], got.shape),
                       "Dropout(noise_shape=(None, 1, 6)): one mask for every step")
    kept = got[:, 0] != 0
    assert 0 < kept.sum() < kept.size, f"kept {kept.sum()} of {kept.size} units [rate 0.5]"
    assert len({tuple(row) for row in kept}) > 1, "the mask should differ between samples"


@pytest.mark.behavior("layers.edges.dropout.rate_zero")
def test_dropout_rate_zero_in_training_is_the_identity(keras, adapter):
    x = _x(3, 4, seed=8)
    assert_array_equal(_run(adapter, keras.layers.Dropout(0.0), x, training=True), x,
                       "Dropout(0.0)(x, training=True)")


@pytest.mark.behavior("layers.edges.masking.default_mask_value")
def test_masking_default_mask_value_is_zero(keras, adapter):
    x = _x(2, 3, 2, seed=9)
    x[0, 1] = 0.0
    x[1, 2] = 1.0  # not masked by default
    got = _run(adapter, keras.layers.Masking(), x)
    assert got.dtype == np.float32, f"got dtype {got.dtype}, expected float32 [Masking]"
    assert_array_equal(got, x, "Masking() output (masked steps are already zero)")
    mask = adapter.to_numpy(keras.layers.Masking().compute_mask(adapter.to_tensor(x)))
    assert_array_equal(mask, [[True, False, True], [True, True, True]],
                       "Masking().compute_mask")


# -- merge ------------------------------------------------------------------------------------
@pytest.mark.behavior("layers.edges.merge.broadcast_shapes")
@pytest.mark.parametrize("a, b, expected", [
    ((None, 3), (4, 1), (None, 4, 3)), ((4, 3), (None, 3), (None, 4, 3)),
    ((1, 3), (None, 3), (None, None, 3)), ((4, 1), (4, 3), (None, 4, 3)),
    ((4, 3), (4, 1), (None, 4, 3)), ((4, 3), (3,), (None, 4, 3)),
    ((None, 3), (1, 3), (None, None, 3)), ((3,), (4, 3), (None, 4, 3)),
    ((None, 3), (None, 3), (None, None, 3))])
def test_add_output_shape_broadcasts_unknown_and_size_1_axes(keras, a, b, expected):
    out = keras.layers.Add()([keras.Input(shape=a), keras.Input(shape=b)])
    assert_shape(out.shape, expected, f"Add()([Input({a}), Input({b})]).shape")


@pytest.mark.behavior("layers.edges.merge.broadcast_values")
@pytest.mark.parametrize("kind, op", [("Add", np.add), ("Multiply", np.multiply),
                                      ("Maximum", np.maximum), ("Subtract", np.subtract)])
def test_elementwise_merge_broadcasts_inputs_of_another_rank_or_size_1(keras, adapter, kind, op):
    a, b = _x(2, 4, 3, seed=10), _x(2, 3, seed=11)  # b gains an axis after the batch axis
    got = _run(adapter, getattr(keras.layers, kind)(), [a, b])
    assert_allclose(got, op(a, b[:, None, :]), **TOL, what=f"{kind}() of (2, 4, 3), (2, 3)")
    c = _x(2, 4, 1, seed=12)
    got = _run(adapter, getattr(keras.layers, kind)(), [c, a])
    assert_allclose(got, op(c, a), **TOL, what=f"{kind}() of (2, 4, 1), (2, 4, 3)")


@pytest.mark.behavior("layers.edges.merge.compute_output_shape_batch")
def test_merge_compute_output_shape_keeps_a_known_batch_size(keras):
    layer = keras.layers.Add()
    assert_shape(layer.compute_output_shape([(2, 3), (2, 3)]), (2, 3),
                 "Add().compute_output_shape([(2, 3), (2, 3)])")
    assert_shape(layer.compute_output_shape([(None, 3), (2, 3)]), (2, 3),
                 "Add().compute_output_shape([(None, 3), (2, 3)])")


@pytest.mark.behavior("layers.edges.merge.single_input")
def test_add_of_a_single_input_is_that_input(keras, adapter):
    a = _x(2, 3, seed=13)
    assert_array_equal(_run(adapter, keras.layers.Add(), [a]), a, "Add()([a])")


@pytest.mark.behavior("layers.edges.merge.incompatible_shapes_raise")
def test_elementwise_merge_of_incompatible_arrays_raises(keras):
    a, b = np.ones((2, 3), "float32"), np.ones((2, 4), "float32")
    with pytest.raises(ValueError, match="Inputs have incompatible shapes"):
        keras.layers.Add()([a, b])


@pytest.mark.behavior("layers.edges.merge.input_count_errors")
def test_subtract_and_dot_need_exactly_two_inputs(keras):
    inputs = [keras.Input(shape=(3,)) for _ in range(3)]
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        keras.layers.Subtract()(inputs)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        keras.layers.Subtract()(inputs[:1])
    with pytest.raises(ValueError, match="2 inputs"):
        keras.layers.Dot(axes=1)(inputs)
    with pytest.raises(ValueError, match=r"3\b.*!= 4"):
        keras.layers.Dot(axes=1)([keras.Input(shape=(3,)), keras.Input(shape=(4,))])
    with pytest.raises(ValueError):
        keras.layers.Dot(axes=(1, 1, 1))(inputs[:2])


@pytest.mark.behavior("layers.edges.merge.dot_output_shape")
@pytest.mark.parametrize("axes, a, b, expected", [
    (-1, (2, 3), (4, 3), (None, 2, 4)), ((1, 2), (2, 3), (4, 2), (None, 3, 4)),
    (1, (2, 3), (2,), (None, 3)), (1, (3,), (3,), (None, 1))])
def test_dot_output_shape_drops_the_contracted_axes(keras, adapter, axes, a, b, expected):
    layer = keras.layers.Dot(axes=axes)
    assert_shape(layer.compute_output_shape([(None, *a), (None, *b)]), expected,
                 f"Dot(axes={axes}).compute_output_shape")
    x, y = _x(2, *a, seed=14), _x(2, *b, seed=15)
    ax = (axes, axes) if isinstance(axes, int) else axes
    expected_values = np.stack([np.tensordot(x[i], y[i], axes=(ax[0] % x.ndim - 1,
                                                               ax[1] % y.ndim - 1))
                                for i in range(2)]).reshape(2, *expected[1:])
    assert_allclose(_run(adapter, layer, [x, y]), expected_values, **TOL,
                    what=f"Dot(axes={axes}) of {(2, *a)}, {(2, *b)}")


@pytest.mark.behavior("layers.edges.merge.dot_function")
def test_dot_function_defaults_to_no_normalization_and_takes_layer_kwargs(keras, adapter):
    a, b = np.full((1, 2), 2.0, "float32"), np.ones((1, 2), "float32")
    assert_allclose(adapter.to_numpy(keras.layers.dot([a, b], axes=1)), [[4.0]], **TOL,
                    what="dot([2, 2], [1, 1], axes=1)")
    inputs = [keras.Input(shape=(2,)), keras.Input(shape=(2,))]
    model = keras.Model(inputs, keras.layers.dot(inputs, axes=1, name="edge_dot"))
    assert model.layers[-1].name == "edge_dot", f"got {[lay.name for lay in model.layers]}"


# -- Bidirectional ----------------------------------------------------------------------------
def _set_random_weights(layer, seed):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(-0.5, 0.5, size=np.shape(w)).astype("float32")
                       for w in layer.get_weights()])


@pytest.mark.behavior("layers.edges.bidirectional.invalid_merge_mode")
def test_bidirectional_invalid_merge_mode_raises(keras):
    with pytest.raises(ValueError, match="Invalid merge mode"):
        keras.layers.Bidirectional(keras.layers.SimpleRNN(2), merge_mode="max")


@pytest.mark.behavior("layers.edges.bidirectional.return_state_shapes")
@pytest.mark.parametrize("merge_mode, outputs", [
    ("concat", [(None, 4)]), ("sum", [(None, 2)]), (None, [(None, 2), (None, 2)]),
    ("concat", [(None, 3, 4)]), (None, [(None, 3, 2), (None, 3, 2)])])
def test_bidirectional_return_state_gives_outputs_then_both_directions_states(keras, merge_mode,
                                                                              outputs):
    sequences = len(outputs[0]) == 3
    layer = keras.layers.Bidirectional(
        keras.layers.LSTM(2, return_sequences=sequences, return_state=True),
        merge_mode=merge_mode)
    expected = outputs + [(None, 2)] * 4  # forward h, c then backward h, c
    got = layer(keras.Input(shape=(3, 5)))
    assert len(got) == len(expected), f"got {len(got)} outputs, expected {len(expected)}"
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert_shape(g.shape, e, f"Bidirectional(LSTM(return_state), {merge_mode}) output {i}")
    shapes = layer.compute_output_shape((None, 3, 5))
    for i, (g, e) in enumerate(zip(shapes, expected, strict=True)):
        assert_shape(g, e, f"Bidirectional(LSTM(return_state)).compute_output_shape()[{i}]")


@pytest.mark.behavior("layers.edges.bidirectional.initial_state")
def test_bidirectional_initial_state_first_half_forward_second_half_backward(keras, adapter):
    x = _x(2, 3, 2, seed=20)
    h_forward, h_backward = _x(2, 2, seed=21), _x(2, 2, seed=22)
    layer = keras.layers.Bidirectional(keras.layers.SimpleRNN(2, return_sequences=True))
    layer(adapter.to_tensor(x))
    _set_random_weights(layer, 23)
    weights = layer.get_weights()
    got = adapter.to_numpy(layer(adapter.to_tensor(x), initial_state=[
        adapter.to_tensor(h_forward), adapter.to_tensor(h_backward)]))
    forward = keras.layers.SimpleRNN(2, return_sequences=True)
    backward = keras.layers.SimpleRNN(2, return_sequences=True, go_backwards=True)
    forward(adapter.to_tensor(x))
    backward(adapter.to_tensor(x))
    forward.set_weights(weights[:3])
    backward.set_weights(weights[3:])
    y = adapter.to_numpy(forward(adapter.to_tensor(x), initial_state=adapter.to_tensor(h_forward)))
    y_rev = adapter.to_numpy(backward(adapter.to_tensor(x),
                                      initial_state=adapter.to_tensor(h_backward)))
    assert_allclose(got, np.concatenate([y, y_rev[:, ::-1]], axis=-1), rtol=1e-5, atol=1e-5,
                    what="Bidirectional(SimpleRNN)(x, initial_state=[h_f, h_b])")


@pytest.mark.behavior("layers.edges.bidirectional.backward_layer_round_trip")
def test_bidirectional_backward_layer_survives_get_config_from_config(keras):
    layer = keras.layers.Bidirectional(
        keras.layers.SimpleRNN(2),
        backward_layer=keras.layers.SimpleRNN(3, activation="relu", go_backwards=True))
    clone = keras.layers.Bidirectional.from_config(layer.get_config())
    backward = clone.backward_layer
    assert (backward.units, backward.go_backwards) == (3, True), (
        f"got units={backward.units}, go_backwards={backward.go_backwards} [from_config]")
    assert keras.activations.serialize(backward.activation) == "relu", "backward activation"


# -- RNN layers and cells ---------------------------------------------------------------------
@pytest.mark.behavior("layers.edges.rnn.cell_attributes_on_layer")
def test_rnn_layer_exposes_its_cell_settings(keras):
    layer = keras.layers.LSTM(3, activation="relu", recurrent_activation="sigmoid", dropout=0.25)
    assert layer.units == 3, f"got units {layer.units}"
    assert layer.dropout == 0.25, f"got dropout {layer.dropout}"
    assert keras.activations.serialize(layer.activation) == "relu", "LSTM(...).activation"
    assert not hasattr(layer, "_no_such_attribute"), "an unknown private attribute must not exist"


@pytest.mark.behavior("layers.edges.rnn.cell_single_state_tensor")
def test_simple_rnn_cell_takes_a_single_state_tensor_or_a_list(keras, adapter):
    x, h = _x(2, 3, seed=24), _x(2, 2, seed=25)
    cell = keras.layers.SimpleRNNCell(2)  # built by its first call
    out, states = cell(adapter.to_tensor(x), adapter.to_tensor(h))
    kernel, recurrent, bias = cell.get_weights()
    expected = np.tanh(x @ kernel + h @ recurrent + bias)
    assert_allclose(adapter.to_numpy(out), expected, rtol=1e-5, atol=1e-6,
                    what="SimpleRNNCell(2)(x, h) output")
    assert_allclose(np.reshape(adapter.to_numpy(states), (2, 2)), expected, rtol=1e-5,
                    atol=1e-6, what="SimpleRNNCell(2)(x, h) new state")
    out_list, _ = cell(adapter.to_tensor(x), [adapter.to_tensor(h)])
    assert_allclose(adapter.to_numpy(out_list), expected, rtol=1e-5, atol=1e-6,
                    what="SimpleRNNCell(2)(x, [h]) output")


@pytest.mark.behavior("layers.edges.rnn.dropout_in_training")
@pytest.mark.parametrize("kind, activation", [("SimpleRNN", "tanh"), ("GRU", "tanh"),
                                              ("LSTM", "tanh"), ("LSTM", "relu")])
@pytest.mark.parametrize("argument", ["dropout", "recurrent_dropout"])
def test_rnn_dropout_changes_training_output_only(keras, adapter, kind, activation, argument):
    x = _x(4, 5, 3, seed=26)
    layer = getattr(keras.layers, kind)(4, activation=activation, **{argument: 0.5})
    inference = _run(adapter, layer, x, training=False)
    plain = getattr(keras.layers, kind)(4, activation=activation)
    plain(x)
    plain.set_weights(layer.get_weights())
    assert_allclose(inference, _run(adapter, plain, x), rtol=1e-5, atol=1e-6,
                    what=f"{kind}({argument}=0.5)(x, training=False) is the plain layer")
    training = _run(adapter, layer, x, training=True)
    assert np.abs(training - inference).max() > 1e-3, (
        f"{kind}({argument}=0.5): the training output should differ from inference")


@pytest.mark.behavior("layers.edges.rnn.reset_states_errors")
def test_reset_states_errors(keras, adapter):
    x = _x(2, 3, 2, seed=27)
    layer = keras.layers.SimpleRNN(2)
    layer(x)
    with pytest.raises(AttributeError, match=r"^Layer must be stateful\.$"):
        layer.reset_states()
    lstm = keras.layers.LSTM(2, stateful=True)
    lstm(x)
    with pytest.raises(ValueError, match=r"expects 2 state.*received 3 state value"):
        lstm.reset_states([np.zeros((2, 2))] * 3)
    with pytest.raises(ValueError, match=r"State .* is incompatible with"):
        lstm.reset_states([np.zeros((2, 3))] * 2)


@pytest.mark.behavior("layers.edges.rnn.reset_states_values")
def test_reset_states_sets_float32_states_from_arrays(keras, adapter):
    x = _x(2, 3, 2, seed=28)
    lstm = keras.layers.LSTM(2, stateful=True)
    lstm(x)
    lstm.reset_states([np.ones((2, 2)), np.full((2, 2), 2.0)])  # float64 arrays
    states = [adapter.to_numpy(s) for s in lstm.states]
    assert [s.dtype for s in states] == [np.float32] * 2, f"got {[s.dtype for s in states]}"
    assert_array_equal(states[0], np.ones((2, 2), "float32"), "LSTM state h after reset_states")
    assert_array_equal(states[1], np.full((2, 2), 2.0, "float32"),
                       "LSTM state c after reset_states")


# -- convolution data format and pooling gradients --------------------------------------------
@pytest.mark.behavior("layers.edges.conv.channels_first")
@pytest.mark.parametrize("kind, shape", [("Conv1D", (2, 3, 6)), ("Conv2D", (2, 3, 5, 4))])
def test_conv_channels_first_is_channels_last_on_transposed_data(keras, adapter, kind, shape):
    x = _x(*shape, seed=30)
    first = getattr(keras.layers, kind)(2, 3, data_format="channels_first")
    y_first = _run(adapter, first, x)
    x_last = np.moveaxis(x, 1, -1)
    last = getattr(keras.layers, kind)(2, 3)
    last(x_last)
    last.set_weights(first.get_weights())  # the same kernel layout in both formats
    expected = np.moveaxis(_run(adapter, last, x_last), -1, 1)
    assert_allclose(y_first, expected, **TOL, what=f"{kind}(data_format='channels_first')")


@pytest.mark.behavior("layers.edges.max_pooling.gradient_to_one_maximum")
def test_max_pooling_gradient_goes_to_one_maximum_per_window(keras):
    # Conv1D(1, 1) with kernel 1 feeds MaxPooling1D(3): windows [1, 1, 1] and [2, 2, 2] tie.
    inputs = keras.Input(shape=(6, 1))
    conv = keras.layers.Conv1D(1, 1, use_bias=False, kernel_initializer="ones")
    model = keras.Model(inputs, keras.layers.MaxPooling1D(3)(conv(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mae")
    x = np.array([[[1.0], [1.0], [1.0], [2.0], [2.0], [2.0]]], "float32")
    model.train_on_batch(x, np.zeros((1, 2, 1), "float32"))
    # loss = mean(w * max) over 2 windows: d/dw = (1 + 2) / 2 if each window routes its
    # gradient to one of its tied maxima (3 times that if it went to all of them)
    grad = 1.0 - float(conv.get_weights()[0].ravel()[0])
    assert_allclose(grad, 1.5, rtol=1e-6, atol=1e-6,
                    what="d loss / d kernel through MaxPooling1D(3) with tied maxima")


@pytest.mark.behavior("layers.edges.rnn.compute_mask")
@pytest.mark.parametrize("kind, n_states", [("SimpleRNN", 1), ("LSTM", 2)])
def test_rnn_compute_mask_follows_return_sequences_and_return_state(keras, adapter, kind,
                                                                    n_states):
    x = adapter.to_tensor(_x(2, 4, 3, seed=31))
    mask = np.array([[True, True, False, False], [True, True, True, False]])
    m = adapter.to_tensor(mask)
    layer = getattr(keras.layers, kind)(2, return_sequences=True)
    # with an initial state the layer's inputs (and masks) are a list: the first one counts
    assert_array_equal(adapter.to_numpy(layer.compute_mask(x, [m] + [None] * n_states)), mask,
                       f"{kind}(return_sequences=True).compute_mask(x, [mask, None...])")
    last = getattr(keras.layers, kind)(2)
    assert last.compute_mask(x, m) is None, f"{kind}(return_sequences=False): no output mask"
    both = getattr(keras.layers, kind)(2, return_sequences=True, return_state=True)
    masks = both.compute_mask(x, m)
    assert isinstance(masks, list) and len(masks) == 1 + n_states, f"got {masks!r}"
    assert_array_equal(adapter.to_numpy(masks[0]), mask, f"{kind}(return_state) output mask")
    assert all(s is None for s in masks[1:]), f"state masks should be None, got {masks[1:]!r}"


@pytest.mark.behavior("layers.edges.rnn.cell_layer_round_trip")
@pytest.mark.parametrize("cell", ["SimpleRNNCell", "GRUCell", "LSTMCell"])
def test_rnn_of_a_cell_survives_get_config_from_config(keras, adapter, cell):
    layer = keras.layers.RNN(getattr(keras.layers, cell)(3), return_sequences=True)
    clone = keras.layers.RNN.from_config(layer.get_config())
    assert type(clone.cell).__name__ == cell, f"got cell {type(clone.cell).__name__}"
    assert clone.cell.units == 3, f"got units {clone.cell.units}"
    assert clone.return_sequences is True, "return_sequences lost in from_config"
    y = _run(adapter, clone, _x(2, 4, 2, seed=32))
    assert_shape(y.shape, (2, 4, 3), f"RNN.from_config(RNN({cell}(3)).get_config()) output")


@pytest.mark.behavior("layers.edges.bidirectional.return_state_values")
def test_bidirectional_return_state_values_are_the_two_layers_states(keras, adapter):
    x = _x(2, 3, 2, seed=33)
    layer = keras.layers.Bidirectional(keras.layers.LSTM(2, return_state=True))
    layer(adapter.to_tensor(x))
    _set_random_weights(layer, 34)
    weights = layer.get_weights()
    got = [adapter.to_numpy(t) for t in layer(adapter.to_tensor(x))]
    forward = keras.layers.LSTM(2, return_state=True)
    backward = keras.layers.LSTM(2, return_state=True, go_backwards=True)
    for half, copy in ((weights[:3], forward), (weights[3:], backward)):
        copy(adapter.to_tensor(x))
        copy.set_weights(half)
    y, h, c = (adapter.to_numpy(t) for t in forward(adapter.to_tensor(x)))
    y_rev, h_rev, c_rev = (adapter.to_numpy(t) for t in backward(adapter.to_tensor(x)))
    expected = [np.concatenate([y, y_rev], axis=-1), h, c, h_rev, c_rev]
    assert len(got) == 5, f"got {len(got)} outputs, expected 5"
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert_allclose(g, e, rtol=1e-5, atol=1e-5,
                        what=f"Bidirectional(LSTM(return_state=True))(x)[{i}]")


@pytest.mark.behavior("layers.edges.bidirectional.initial_state")
def test_bidirectional_symbolic_call_with_initial_state(keras):
    layer = keras.layers.Bidirectional(keras.layers.SimpleRNN(2, return_sequences=True))
    out = layer(keras.Input(shape=(3, 5)),
                initial_state=[keras.Input(shape=(2,)), keras.Input(shape=(2,))])
    assert_shape(out.shape, (None, 3, 4), "Bidirectional(SimpleRNN(2))(x, initial_state=[...])")


@pytest.mark.behavior("layers.edges.bidirectional.training_and_mask")
def test_bidirectional_passes_training_to_both_directions(keras, adapter):
    x = _x(4, 5, 3, seed=35)
    layer = keras.layers.Bidirectional(keras.layers.SimpleRNN(4, dropout=0.5))
    inference = _run(adapter, layer, x, training=False)
    training = _run(adapter, layer, x, training=True)
    for name, part in (("forward", slice(0, 4)), ("backward", slice(4, 8))):
        assert np.abs(training[:, part] - inference[:, part]).max() > 1e-3, (
            f"Bidirectional(SimpleRNN(dropout=0.5)): the {name} half should differ in training")


@pytest.mark.behavior("layers.edges.bidirectional.training_and_mask")
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_passes_the_call_mask_to_both_directions(keras, adapter,
                                                               return_sequences):
    x = _x(2, 4, 3, seed=36)
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    layer = keras.layers.Bidirectional(
        keras.layers.SimpleRNN(2, return_sequences=return_sequences))
    layer(x)
    _set_random_weights(layer, 37)
    unmasked = _run(adapter, layer, x)
    got = _run(adapter, layer, x, mask=adapter.to_tensor(mask))
    # masked steps change the result of both directions: compare with the trailing steps cut
    # off, which a mask that only masks trailing steps must equal on the unmasked steps
    for i, n in enumerate(mask.sum(axis=1)):
        cut = _run(adapter, layer, x[i:i + 1, :n])
        got_i = got[i] if not return_sequences else got[i, :n]
        assert_allclose(got_i, cut[0], rtol=1e-5, atol=1e-5,
                        what=f"Bidirectional with mask, sample {i} ({n} unmasked steps)")
    assert np.abs(got - unmasked).max() > 1e-4, "the mask should change the output"


@pytest.mark.behavior("layers.edges.bidirectional.training_and_mask")
def test_bidirectional_with_initial_state_keeps_the_input_mask(keras):
    inputs = keras.Input(shape=(None, 3))
    states = [keras.Input(shape=(2,)), keras.Input(shape=(2,))]
    masked = keras.layers.Masking()(inputs)
    outputs = keras.layers.Bidirectional(keras.layers.SimpleRNN(2))(masked, initial_state=states)
    model = keras.Model([inputs, *states], outputs)
    x = _x(1, 4, 3, seed=38)
    x[:, 2:] = 0.0  # two masked trailing steps
    h = [_x(1, 2, seed=39), _x(1, 2, seed=40)]
    full = model.predict([x, *h], verbose=0)
    cut = model.predict([x[:, :2], *h], verbose=0)
    assert_allclose(full, cut, rtol=1e-5, atol=1e-5,
                    what="Bidirectional(Masking(x), initial_state) vs the sequence without the "
                         "masked steps")


# -- configs with regularizers and constraints; TimeDistributed training ---------------------
def _regularizer_factor(regularizer, key):
    """The l1 or l2 factor of a regularizer, read through its own get_config()."""
    return float(regularizer.get_config()[key])


@pytest.mark.behavior("layers.edges.config.regularizers_and_constraints")
def test_dense_and_embedding_configs_keep_bias_and_activity_settings(keras):
    reg = keras.regularizers
    dense = keras.layers.Dense(2, bias_regularizer=reg.l2(0.25), activity_regularizer=reg.l1(0.5),
                               bias_constraint=keras.constraints.NonNeg())
    clone = keras.layers.Dense.from_config(dense.get_config())
    assert_allclose(_regularizer_factor(clone.bias_regularizer, "l2"), 0.25, rtol=1e-6,
                    atol=0, what="Dense bias_regularizer after from_config(get_config())")
    assert_allclose(_regularizer_factor(clone.activity_regularizer, "l1"), 0.5,
                    rtol=1e-6, atol=0, what="Dense activity_regularizer after the round trip")
    assert type(clone.bias_constraint).__name__ == "NonNeg", (
        f"got bias_constraint {clone.bias_constraint!r} after the round trip")
    embedding = keras.layers.Embedding(10, 3, activity_regularizer=reg.l2(0.125))
    clone = keras.layers.Embedding.from_config(embedding.get_config())
    assert_allclose(_regularizer_factor(clone.activity_regularizer, "l2"), 0.125,
                    rtol=1e-6, atol=0, what="Embedding activity_regularizer after the round trip")


@pytest.mark.behavior("layers.edges.time_distributed.training")
def test_time_distributed_passes_training_to_the_wrapped_layer(keras, adapter):
    x = np.ones((2, 3, 8), "float32")
    layer = keras.layers.TimeDistributed(keras.layers.Dropout(0.5))
    assert_array_equal(_run(adapter, layer, x, training=False), x,
                       "TimeDistributed(Dropout(0.5))(x, training=False)")
    got = _run(adapter, layer, x, training=True)
    assert set(np.unique(got)) <= {0.0, 2.0}, f"got values {np.unique(got)}, expected 0 or 2"
    assert 0 < (got == 0).sum() < got.size, "training=True should drop some units, not all"


@pytest.mark.behavior("layers.edges.dropout.rate_one")
def test_dropout_rate_one_raises_in_training_and_is_the_identity_in_inference(keras, adapter):
    x = _x(2, 4, seed=41)
    layer = keras.layers.Dropout(1.0)
    assert_array_equal(_run(adapter, layer, x, training=False), x, "Dropout(1.0)(x)")
    with pytest.raises(ValueError):
        layer(x, training=True)


@pytest.mark.behavior("layers.edges.config.regularizers_and_constraints")
def test_rnn_activity_regularizer_survives_get_config_from_config(keras):
    layer = keras.layers.SimpleRNN(2, activity_regularizer=keras.regularizers.l1(0.5))
    clone = keras.layers.SimpleRNN.from_config(layer.get_config())
    assert_allclose(_regularizer_factor(clone.activity_regularizer, "l1"), 0.5, rtol=1e-6,
                    atol=0, what="SimpleRNN activity_regularizer after from_config(get_config())")


@pytest.mark.behavior("layers.edges.rnn.recurrent_dropout_implementation")
def test_gru_with_recurrent_dropout_uses_implementation_1(keras):
    layer = keras.layers.GRU(2, recurrent_dropout=0.5, implementation=2)
    assert layer.implementation == 1, f"got implementation {layer.implementation}"
    assert layer.get_config()["implementation"] == 1, "GRU get_config()['implementation']"
    assert keras.layers.GRU(2, implementation=2).implementation == 2, "without recurrent dropout"


@pytest.mark.behavior("layers.edges.rnn.dropout_scaling")
@pytest.mark.parametrize("argument, steps, values", [("dropout", 1, {0.0, 2.0}),
                                                     ("recurrent_dropout", 2, {1.0, 3.0})])
def test_rnn_dropout_keeps_each_sample_scaled_by_1_over_1_minus_rate(keras, adapter, argument,
                                                                      steps, values):
    # a linear SimpleRNN(1) with kernel 1, no bias: h_t = x_t * m + h_{t-1} * r * m', where
    # the input and recurrent masks m, m' are 0 or 1 / (1 - 0.5) = 2 per sample
    layer = keras.layers.SimpleRNN(
        1, activation="linear", use_bias=False, kernel_initializer="ones",
        recurrent_initializer="ones" if argument == "recurrent_dropout" else "zeros",
        **{argument: 0.5})
    got = _run(adapter, layer, np.ones((64, steps, 1), "float32"), training=True)
    assert got.dtype == np.float32, f"got dtype {got.dtype}, expected float32"
    assert set(np.unique(got)) == values, (
        f"got values {sorted(set(np.unique(got)))}, expected both of {sorted(values)} "
        f"[SimpleRNN({argument}=0.5) on 64 samples of ones]")


@pytest.mark.behavior("layers.edges.conv.incompatible_input_raises")
def test_conv1d_on_an_incompatible_input_raises_naming_the_sizes(keras):
    layer = keras.layers.Conv1D(2, 2)
    layer(np.ones((1, 5, 3), "float32"))  # built for 3 channels
    with pytest.raises(ValueError, match=r"(?s)(\b3\b.*\b4\b|\b4\b.*\b3\b)"):
        layer(np.ones((1, 5, 4), "float32"))  # the message names 3 and the 4 received
    with pytest.raises(ValueError, match=r"\b3\b"):  # it names the rank 3 it needs
        keras.layers.Conv1D(2, 2)(np.ones((5, 4), "float32"))


@pytest.mark.behavior("layers.edges.config.regularizers_and_constraints")
def test_rnn_kernel_and_bias_settings_survive_get_config_from_config(keras):
    reg = keras.regularizers
    layer = keras.layers.SimpleRNN(2, kernel_regularizer=reg.l2(0.25), bias_regularizer=reg.l1(0.5),
                                   kernel_constraint=keras.constraints.NonNeg(),
                                   bias_constraint=keras.constraints.NonNeg())
    clone = keras.layers.SimpleRNN.from_config(layer.get_config())
    assert_allclose(_regularizer_factor(clone.kernel_regularizer, "l2"), 0.25, rtol=1e-6,
                    atol=0, what="SimpleRNN kernel_regularizer after from_config(get_config())")
    assert_allclose(_regularizer_factor(clone.bias_regularizer, "l1"), 0.5, rtol=1e-6, atol=0,
                    what="SimpleRNN bias_regularizer after the round trip")
    for name in ("kernel_constraint", "bias_constraint"):
        got = getattr(clone, name)
        assert type(got).__name__ == "NonNeg", f"got {name} {got!r} after the round trip"


@pytest.mark.behavior("layers.edges.rnn.config_name_and_trainable")
def test_rnn_layer_config_keeps_the_layer_name_and_trainable(keras):
    config = keras.layers.SimpleRNN(2, name="edge_rnn", trainable=False).get_config()
    assert config["name"] == "edge_rnn", f"got name {config['name']!r} (the cell's?)"
    assert config["trainable"] is False, f"got trainable {config['trainable']!r}"


@pytest.mark.behavior("layers.edges.time_distributed.rank_error")
def test_time_distributed_on_a_2d_input_raises(keras):
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        keras.layers.TimeDistributed(keras.layers.Dense(2))(keras.Input(shape=(3,)))


@pytest.mark.behavior("layers.edges.max_pooling.integer_same_padding")
def test_max_pooling_same_padding_of_integers_ignores_the_padded_cells(keras, adapter):
    x = np.array([[[-5], [-3], [-7]]], "int32")  # all negative: a padded 0 would win
    got = _run(adapter, keras.layers.MaxPooling1D(2, padding="same"), x)
    assert_array_equal(got, np.array([[[-3], [-7]]], "int32"),
                       "MaxPooling1D(2, padding='same') of int32 [-5, -3, -7]")


# -- edges2: what the last surviving mutants of layers/ and ops/ left open ------------------
@pytest.mark.behavior("layers.edges2.conv.default_strides_padding")
def test_conv2d_defaults_are_strides_1_and_valid_padding(keras, adapter):
    layer = keras.layers.Conv2D(2, 3)
    config = layer.get_config()
    assert tuple(config["strides"]) == (1, 1), f"got strides {config['strides']!r}"
    assert config["padding"] == "valid", f"got padding {config['padding']!r}"
    got = _run(adapter, layer, _x(1, 5, 6, 1))
    assert_shape(got.shape, (1, 3, 4, 2), "Conv2D(2, 3) on (1, 5, 6, 1): stride 1, valid")


@pytest.mark.behavior("layers.edges2.tuple_argument_errors_name_the_argument")
@pytest.mark.parametrize("kind, kwargs, name", [
    ("Conv2D", dict(filters=2, kernel_size=3, dilation_rate=(1, 2, 3)), "dilation_rate"),
    ("MaxPooling2D", dict(pool_size=(1, 2, 3)), "pool_size"),
    ("AveragePooling2D", dict(pool_size=2, strides=(1, 2, 3)), "strides"),
])
def test_a_tuple_argument_of_the_wrong_length_raises_naming_it(keras, kind, kwargs, name):
    # tf-keras 2.21: "The `dilation_rate` argument must be a tuple of 2 integers. Received: ..."
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        getattr(keras.layers, kind)(**kwargs)


@pytest.mark.behavior("layers.edges2.pooling.padding_error")
def test_pooling_with_an_unknown_padding_raises_naming_it(keras):
    with pytest.raises(ValueError, match=r"padding(.|\n)*full"):  # on construction
        keras.layers.MaxPooling2D(padding="full")


@pytest.mark.behavior("layers.edges2.pooling.rank_error")
@pytest.mark.parametrize("symbolic", [True, False], ids=["keras_input", "array"])
def test_pooling2d_on_a_3d_input_says_it_expected_ndim_4(keras, symbolic):
    x = keras.Input(shape=(4, 4)) if symbolic else np.ones((1, 4, 4), "float32")
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3"):
        keras.layers.MaxPooling2D()(x)


@pytest.mark.behavior("layers.edges2.conv.regularizers")
def test_conv2d_kernel_and_bias_regularizers_add_their_losses(keras, adapter):
    reg = keras.regularizers
    layer = keras.layers.Conv2D(2, 3, kernel_regularizer=reg.l2(0.5),
                                bias_regularizer=reg.l1(0.25), bias_initializer="ones")
    layer.build((None, 5, 5, 1))
    kernel = adapter.to_numpy(layer.kernel)
    got = sorted(float(v) for v in adapter.to_numpy(list(layer.losses)))
    # 0.5 * sum(k^2) of 18 float32 weights and 0.25 * sum(|1|) over 2 biases
    expected = sorted([0.5 * float(np.sum(kernel.astype("float64") ** 2)), 0.5])
    assert_allclose(np.array(got), np.array(expected), rtol=1e-5, atol=1e-6,
                    what="Conv2D layer.losses (l2(0.5) kernel, l1(0.25) bias)")


@pytest.mark.behavior("layers.edges2.conv.constraints")
def test_conv2d_kernel_and_bias_constraints_apply_after_a_training_step(keras):
    init = keras.initializers.Constant(-1.0)
    model = keras.Sequential([
        keras.Input(shape=(3, 3, 1)),
        keras.layers.Conv2D(1, 2, kernel_initializer=init, bias_initializer=init,
                            kernel_constraint=keras.constraints.NonNeg(),
                            bias_constraint=keras.constraints.NonNeg())])
    model.compile(keras.optimizers.SGD(1e-3), "mse")
    model.fit(_x(2, 3, 3, 1), np.zeros((2, 2, 2, 1), "float32"), batch_size=2, epochs=1,
              verbose=0)
    # one small SGD step leaves every weight near -1; NonNeg then clips it to exactly 0
    for name, w in zip(("kernel", "bias"), model.layers[0].get_weights(), strict=True):
        assert_array_equal(w, np.zeros_like(w), f"Conv2D {name} with NonNeg after one step")


@pytest.mark.behavior("layers.edges2.conv.weight_names")
def test_conv2d_weights_are_named_kernel_and_bias(keras):
    layer = keras.layers.Conv2D(2, 3)
    layer.build((None, 5, 5, 1))
    names = [w.name.split("/")[-1].split(":")[0] for w in layer.weights]
    assert names == ["kernel", "bias"], f"got weight names {[w.name for w in layer.weights]}"


@pytest.mark.behavior("layers.edges2.conv.unknown_channels_error")
def test_conv2d_on_an_unknown_channel_dimension_raises(keras):
    # tf-keras 2.21: "The channel dimension of the inputs should be defined. ..."
    with pytest.raises(ValueError, match=r"^The channel dimension of the inputs"):
        keras.layers.Conv2D(2, 3)(keras.Input(shape=(5, 5, None)))


@pytest.mark.behavior("layers.edges2.concatenate.axis_minus_rank")
def test_concatenate_axis_minus_rank_is_the_first_axis(keras):
    got = keras.layers.Concatenate(axis=-3).compute_output_shape([(2, 3, 4), (5, 3, 4)])
    assert tuple(got) == (7, 3, 4), f"got {got!r} [Concatenate(axis=-3) of (2,3,4), (5,3,4)]"


@pytest.mark.behavior("layers.edges2.concatenate.mismatch_error")
def test_concatenate_of_mismatched_shapes_raises_saying_so(keras):
    a, b = np.ones((2, 3, 4), "float32"), np.ones((2, 3, 5), "float32")
    with pytest.raises(ValueError, match=r"A `?Concatenate`? layer requires inputs with "
                                         r"matching shapes except for the concatenation axis"):
        keras.layers.Concatenate(axis=1)([a, b])


@pytest.mark.behavior("layers.edges2.wrapper.not_a_layer_error")
def test_time_distributed_of_a_non_layer_raises_asking_for_a_layer(keras):
    with pytest.raises(ValueError, match=r"Please initialize `TimeDistributed` layer with a"):
        keras.layers.TimeDistributed(np.ones(2))


@pytest.mark.behavior("layers.edges2.dropout.rate_error_names_rate")
def test_dropout_rate_above_one_raises_naming_the_rate(keras):
    with pytest.raises(ValueError, match=r"1\.5"):
        keras.layers.Dropout(1.5)(np.ones((2, 2), "float32"), training=True)


@pytest.mark.behavior("layers.edges2.merge.incompatible_shapes_message_order")
def test_add_of_incompatible_shapes_names_them_in_input_order(keras):
    a, b = np.ones((2, 3), "float32"), np.ones((2, 4), "float32")
    # tf-keras 2.21: "Inputs have incompatible shapes. Received shapes (3,) and (4,)"
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        keras.layers.Add()([a, b])


@pytest.mark.behavior("layers.edges2.rnn.masked_recurrent_dropout")
def test_simple_rnn_recurrent_dropout_applies_on_masked_sequences(keras, adapter):
    # h_t = x_t + m * h_(t-1) with kernels 1 and the recurrent dropout factor m in {0, 2} per
    # sample (rate 0.5); the 4th step is masked, so h = h_3: 1 (m = 0) or 7 (m = 2), never the
    # 3 of no dropout.
    model = keras.Sequential([
        keras.Input(shape=(4, 1)), keras.layers.Masking(0.0),
        keras.layers.SimpleRNN(1, activation="linear", use_bias=False, kernel_initializer="ones",
                               recurrent_initializer="ones", recurrent_dropout=0.5)])
    x = np.ones((32, 4, 1), "float32")
    x[:, 3] = 0.0
    got = adapter.to_numpy(model(x, training=True)).ravel()
    assert set(np.round(got, 5).tolist()) <= {1.0, 7.0}, f"got {sorted(set(got.tolist()))}"
    assert (got == 7.0).any() and (got == 1.0).any(), f"got {got} (32 samples, rate 0.5)"


@pytest.mark.behavior("layers.edges2.lambda.safe_mode_message")
def test_loading_a_python_lambda_in_safe_mode_says_how_to_allow_it(keras, tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Lambda(lambda t: t * 2)])
    path = str(tmp_path / "lambda.keras")
    model.save(path)
    with pytest.raises(ValueError, match=r"safe_mode=False"):
        keras.models.load_model(path)


@pytest.mark.behavior("layers.edges2.lstm.float32_outputs")
@pytest.mark.parametrize("return_sequences", [False, True])
def test_lstm_outputs_and_states_stay_float32(keras, adapter, return_sequences):
    layer = keras.layers.LSTM(2, return_sequences=return_sequences, return_state=True)
    x = _x(2, 3, 2)
    got = adapter.to_numpy(list(layer(x)))
    dtypes = [g.dtype for g in got]
    assert dtypes == [np.dtype("float32")] * 3, f"got dtypes {dtypes} [LSTM(return_state=True)]"
    assert_shape(got[0].shape, (2, 3, 2) if return_sequences else (2, 2), "LSTM output")
    assert_allclose(got[0][:, -1] if return_sequences else got[0], got[1], **TOL,
                    what="LSTM last output == returned h")
