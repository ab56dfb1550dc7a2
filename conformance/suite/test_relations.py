"""Relations between layers that hold on any implementation, whatever its numbers.

No golden data: each test computes the same thing two ways through the public API, with the
same weights on both sides (``set_weights``), and compares. A relation follows from the
documented definitions:

- Conv1D is Conv2D on a height-1 image (kernel (1, k), strides (1, s), dilation (1, d)): the
  Keras 2 conv pages define both as the same cross-correlation over their spatial axes;
- go_backwards "processes the input sequence backwards and returns the reversed sequence"
  (002 §3.2.1; keras.io/2.x/api/layers/recurrent_layers): the layer on x equals the forward layer
  on x reversed in time, outputs included (not reversed back);
- Bidirectional is a forward copy and a go_backwards copy whose sequence output is reversed back
  before merging (002 §3.1.2 and the quoted source);
- TimeDistributed(Dense) applies the Dense at every step (002 §3.1.1); Dense on an input of
  rank > 2 acts on the last axis (keras.io/2.x/api/layers/core_layers/dense);
- MaxPooling1D/AveragePooling1D are their 2D counterparts on height 1; GlobalAveragePooling1D is
  the mean over the steps; Reshape back to the input shape undoes Flatten;
- a model's gradient (read off one plain SGD step: w_new = w - lr * grad) is the derivative of
  its own loss, checked by central finite differences of the mse computed from ``predict``.

Inputs are NumPy, weights uniform in [-0.5, 0.5] from a seeded generator; shapes are small
because every example builds models (about 100 ms each on TensorFlow).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.assertions import assert_allclose

# Both sides compute the same float32 sums of a few (<= 16) products of values <= 1 in size,
# possibly in another order: rounding stays below 1e-6. Recurrences over <= 5 steps and
# sigmoid/tanh gates keep that size.
TOL = dict(rtol=1e-5, atol=1e-5)


def _rng(data):
    return np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))


def _inputs(rng, shape):
    return rng.uniform(-1, 1, size=shape).astype("float32")


def _random_weights(rng, layer):
    """Uniform [-0.5, 0.5] values in the shapes of ``layer``'s (built) weights."""
    return [rng.uniform(-0.5, 0.5, size=np.shape(w)).astype("float32")
            for w in layer.get_weights()]


def _run(adapter, layer, x):
    return adapter.to_numpy(layer(x))


# -- convolution and pooling ----------------------------------------------------------------
@pytest.mark.behavior("relations.conv1d_equals_conv2d_height1")
@given(data=st.data())
def test_conv1d_is_conv2d_on_height_1(keras, adapter, data):
    kernel = data.draw(st.integers(1, 3), label="kernel_size")
    strides = data.draw(st.integers(1, 2), label="strides")
    # Keras 2: "any stride value != 1 is incompatible with any dilation_rate value != 1"
    dilation = data.draw(st.integers(1, 1 if strides > 1 else 2), label="dilation_rate")
    padding = data.draw(st.sampled_from(["valid", "same"]), label="padding")
    span = (kernel - 1) * dilation + 1
    steps = data.draw(st.integers(span, span + 3), label="steps")
    channels = data.draw(st.integers(1, 3), label="channels")
    filters = data.draw(st.integers(1, 3), label="filters")
    rng = _rng(data)
    x = _inputs(rng, (2, steps, channels))

    conv1d = keras.layers.Conv1D(filters, kernel, strides=strides, padding=padding,
                                 dilation_rate=dilation)
    conv2d = keras.layers.Conv2D(filters, (1, kernel), strides=(1, strides), padding=padding,
                                 dilation_rate=(1, dilation))
    conv1d(x), conv2d(x[:, None])  # build both
    kernel_1d, bias = _random_weights(rng, conv1d)
    conv1d.set_weights([kernel_1d, bias])
    conv2d.set_weights([kernel_1d[None], bias])  # (k, in, out) -> (1, k, in, out)
    got = _run(adapter, conv1d, x)
    expected = _run(adapter, conv2d, x[:, None])[:, 0]
    assert_allclose(got, expected, **TOL,
                    what=f"Conv1D({filters}, {kernel}, strides={strides}, padding={padding!r}, "
                         f"dilation_rate={dilation}) vs Conv2D on height 1")


@pytest.mark.parametrize("kind", [
    pytest.param("Max", marks=pytest.mark.behavior("relations.max_pooling1d_equals_2d_height1")),
    pytest.param("Average",
                 marks=pytest.mark.behavior("relations.average_pooling1d_equals_2d_height1")),
])
@given(data=st.data())
def test_pooling1d_is_pooling2d_on_height_1(keras, adapter, kind, data):
    pool = data.draw(st.integers(1, 3), label="pool_size")
    strides = data.draw(st.integers(1, 3), label="strides")
    padding = data.draw(st.sampled_from(["valid", "same"]), label="padding")
    steps = data.draw(st.integers(pool, pool + 4), label="steps")
    channels = data.draw(st.integers(1, 3), label="channels")
    x = _inputs(_rng(data), (2, steps, channels))

    one_d = getattr(keras.layers, f"{kind}Pooling1D")(pool_size=pool, strides=strides,
                                                       padding=padding)
    two_d = getattr(keras.layers, f"{kind}Pooling2D")(pool_size=(1, pool), strides=(1, strides),
                                                       padding=padding)
    # windows of <= 3 values: the max is exact, an average rounds once or twice
    assert_allclose(_run(adapter, one_d, x), _run(adapter, two_d, x[:, None])[:, 0],
                    rtol=1e-6, atol=1e-6,
                    what=f"{kind}Pooling1D({pool}, strides={strides}, padding={padding!r}) vs "
                         f"{kind}Pooling2D on height 1")


@pytest.mark.behavior("relations.global_average_pooling1d_is_mean_over_steps")
@given(data=st.data())
def test_global_average_pooling1d_is_the_mean_over_steps(keras, adapter, data):
    steps = data.draw(st.integers(1, 6), label="steps")
    channels = data.draw(st.integers(1, 4), label="channels")
    x = _inputs(_rng(data), (3, steps, channels))
    got = _run(adapter, keras.layers.GlobalAveragePooling1D(), x)
    assert_allclose(got, x.astype(np.float64).mean(axis=1), rtol=1e-6, atol=1e-6,
                    what="GlobalAveragePooling1D() vs x.mean(axis=1)")


@pytest.mark.behavior("relations.flatten_then_reshape_is_identity")
@given(data=st.data())
def test_flatten_then_reshape_back_is_the_identity(keras, data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3), label="shape"))
    x = _inputs(_rng(data), (2, *shape))
    model = keras.models.Sequential([keras.layers.Flatten(input_shape=shape),
                                     keras.layers.Reshape(shape)])
    got = model.predict_on_batch(x)
    np.testing.assert_array_equal(got, x, err_msg=f"Flatten then Reshape({shape}) on {x.shape}")


# -- dense and time ---------------------------------------------------------------------------
@pytest.mark.behavior("relations.time_distributed_dense_is_dense_3d")
@given(data=st.data())
def test_time_distributed_dense_equals_dense_on_3d_and_per_step(keras, adapter, data):
    steps = data.draw(st.integers(1, 4), label="steps")
    features = data.draw(st.integers(1, 4), label="features")
    units = data.draw(st.integers(1, 4), label="units")
    rng = _rng(data)
    x = _inputs(rng, (2, steps, features))

    wrapped = keras.layers.TimeDistributed(keras.layers.Dense(units))
    dense = keras.layers.Dense(units)
    wrapped(x), dense(x)
    weights = _random_weights(rng, dense)
    wrapped.set_weights(weights)
    dense.set_weights(weights)
    got = _run(adapter, wrapped, x)
    assert_allclose(got, _run(adapter, dense, x), **TOL,
                    what="TimeDistributed(Dense) vs Dense on the 3-D input")
    per_step = np.stack([_run(adapter, dense, x[:, t]) for t in range(steps)], axis=1)
    assert_allclose(got, per_step, **TOL, what="TimeDistributed(Dense) vs Dense at each step")


@pytest.mark.behavior("relations.conv1d_kernel_size_1_is_dense")
@given(data=st.data())
def test_conv1d_with_kernel_size_1_is_a_dense_on_the_channels(keras, adapter, data):
    steps = data.draw(st.integers(1, 4), label="steps")
    channels = data.draw(st.integers(1, 4), label="channels")
    filters = data.draw(st.integers(1, 4), label="filters")
    rng = _rng(data)
    x = _inputs(rng, (2, steps, channels))
    conv = keras.layers.Conv1D(filters, 1)
    dense = keras.layers.Dense(filters)
    conv(x), dense(x)
    kernel, bias = _random_weights(rng, conv)
    conv.set_weights([kernel, bias])
    dense.set_weights([kernel[0], bias])  # (1, in, out) -> (in, out)
    assert_allclose(_run(adapter, conv, x), _run(adapter, dense, x), **TOL,
                    what=f"Conv1D({filters}, 1) vs Dense({filters}) on {x.shape}")


@pytest.mark.behavior("relations.dense_activation_is_activation_of_dense")
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softmax"])
@given(data=st.data())
def test_dense_activation_is_the_activation_of_the_linear_dense(keras, adapter, activation,
                                                                 data):
    features = data.draw(st.integers(1, 4), label="features")
    units = data.draw(st.integers(1, 4), label="units")
    rng = _rng(data)
    x = _inputs(rng, (3, features))
    activated = keras.layers.Dense(units, activation=activation)
    linear = keras.layers.Dense(units)
    activated(x), linear(x)
    weights = _random_weights(rng, linear)
    activated.set_weights(weights)
    linear.set_weights(weights)
    expected = _run(adapter, keras.layers.Activation(activation), _run(adapter, linear, x))
    assert_allclose(_run(adapter, activated, x), expected, **TOL,
                    what=f"Dense({units}, activation={activation!r}) vs "
                         f"Activation({activation!r})(Dense({units}))")


# -- recurrent --------------------------------------------------------------------------------
RNNS = ["SimpleRNN", "LSTM", "GRU"]


def _rnn_pair(keras, rng, name, units, return_sequences, x):
    """A forward layer and a go_backwards layer of the same kind, with the same weights."""
    forward = getattr(keras.layers, name)(units, return_sequences=return_sequences)
    backward = getattr(keras.layers, name)(units, return_sequences=return_sequences,
                                           go_backwards=True)
    # build() instead of a first call: Keras 3 on JAX spends ~1 s on every eager RNN call
    forward.build((None, *x.shape[1:]))
    backward.build((None, *x.shape[1:]))
    weights = _random_weights(rng, forward)
    forward.set_weights(weights)
    backward.set_weights(weights)
    return forward, backward


@pytest.mark.behavior("relations.rnn.go_backwards_reverses")
@given(data=st.data())
def test_go_backwards_is_the_forward_layer_on_the_reversed_sequence(keras, adapter, data):
    name = data.draw(st.sampled_from(RNNS), label="layer")
    return_sequences = data.draw(st.booleans(), label="return_sequences")
    steps = data.draw(st.integers(1, 5), label="steps")
    features = data.draw(st.integers(1, 3), label="features")
    units = data.draw(st.integers(1, 3), label="units")
    rng = _rng(data)
    x = _inputs(rng, (2, steps, features))
    forward, backward = _rnn_pair(keras, rng, name, units, return_sequences, x)
    # the outputs stay in processing order (last step first): no reversal back
    assert_allclose(_run(adapter, backward, x), _run(adapter, forward, x[:, ::-1]), **TOL,
                    what=f"{name}(go_backwards=True, return_sequences={return_sequences})(x) vs "
                         f"{name}(x[:, ::-1])")


MERGES = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2,
}


@pytest.mark.behavior("relations.bidirectional_is_its_halves")
@pytest.mark.parametrize("merge_mode", list(MERGES))
@given(data=st.data())
def test_bidirectional_is_its_two_halves_merged(keras, adapter, merge_mode, data):
    return_sequences = data.draw(st.booleans(), label="return_sequences")
    name = data.draw(st.sampled_from(RNNS), label="layer")
    steps = data.draw(st.integers(1, 4), label="steps")
    features = data.draw(st.integers(1, 3), label="features")
    units = data.draw(st.integers(1, 3), label="units")
    rng = _rng(data)
    x = _inputs(rng, (2, steps, features))
    forward, backward = _rnn_pair(keras, rng, name, units, return_sequences, x)
    backward.set_weights(_random_weights(rng, backward))  # halves with different weights

    bidirectional = keras.layers.Bidirectional(
        getattr(keras.layers, name)(units, return_sequences=return_sequences),
        merge_mode=merge_mode)
    bidirectional.build((None, *x.shape[1:]))
    bidirectional.forward_layer.set_weights(forward.get_weights())
    bidirectional.backward_layer.set_weights(backward.get_weights())

    y, y_rev = _run(adapter, forward, x), _run(adapter, backward, x)
    if return_sequences:
        y_rev = y_rev[:, ::-1]  # back in input order, so step t of both halves lines up
    assert_allclose(_run(adapter, bidirectional, x), MERGES[merge_mode](y, y_rev), **TOL,
                    what=f"Bidirectional({name}, merge_mode={merge_mode!r}, "
                         f"return_sequences={return_sequences}) vs its halves")


# -- gradients ----------------------------------------------------------------------------------
# Central differences (f(w + eps) - f(w - eps)) / (2 eps) of the loss computed in float64 from
# float32 predictions. Truncation error: eps**2 / 6 * |f'''|, about 2e-5 for eps = 1e-2 and these
# O(1)-sized smooth networks; rounding: a float32 prediction is off by ~6e-8 relative, the loss by
# ~1e-7, the difference quotient by ~1e-7 / (2 eps) = 5e-6. The gradient read off the SGD step,
# (w - w_new) / lr with lr = 0.1, is off by ~6e-8 * |w| / lr < 1e-6. Seen on tf-keras 2.21:
# at most 2.7e-5 for gradients of size 0.5-1. So 2e-4 absolute plus 0.1% relative (>= 7x the
# worst seen) is loose for the method yet tight against a wrong gradient (a missing 1/n of the
# mean, a tanh' of 1 - y instead of 1 - y**2, a step of -lr/2 * grad all miss by far more).
EPS, LR = 1e-2, 0.1
FD_TOL = dict(rtol=1e-3, atol=2e-4)
BATCH, OUTPUTS = 5, 2
# name: (layers of the model, input shape without the batch axis)
GRADIENT_MODELS = {
    "dense_tanh_dense": (lambda layers: [layers.Dense(4, activation="tanh", input_shape=(3,)),
                                         layers.Dense(OUTPUTS)], (3,)),
    "lstm_dense": (lambda layers: [layers.LSTM(3, input_shape=(4, 2)),
                                   layers.Dense(OUTPUTS)], (4, 2)),
    "conv1d_pool_dense": (lambda layers: [
        layers.Conv1D(3, 2, activation="tanh", input_shape=(5, 2)),
        layers.GlobalAveragePooling1D(), layers.Dense(OUTPUTS)], (5, 2)),
}


@pytest.mark.behavior("relations.gradient_matches_finite_differences")
@pytest.mark.parametrize("name", list(GRADIENT_MODELS))
def test_sgd_step_is_the_finite_difference_gradient_of_the_loss(keras, name):
    # Not a hypothesis test: one model is built and compiled once (building and tracing its
    # train function takes ~1 s on TensorFlow), then checked at 4 seeded draws of weights and
    # data, one coordinate in each weight array and one more anywhere.
    make, input_shape = GRADIENT_MODELS[name]
    model = keras.models.Sequential(make(keras.layers))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR), loss="mse")
    for seed in range(4):
        rng = np.random.default_rng(seed)
        x = _inputs(rng, (BATCH, *input_shape))
        y = _inputs(rng, (BATCH, OUTPUTS))
        weights = [w * 2 for w in _random_weights(rng, model)]  # in [-1, 1]

        def loss(ws, x=x, y=y):
            model.set_weights(ws)
            prediction = np.asarray(model.predict_on_batch(x), dtype=np.float64)
            return np.mean((prediction - y) ** 2)

        picks = [(i, tuple(rng.integers(0, s) for s in w.shape)) for i, w in enumerate(weights)]
        i = int(rng.integers(0, len(weights)))
        picks.append((i, tuple(rng.integers(0, s) for s in weights[i].shape)))
        numeric = []
        for i, index in picks:
            plus = [w.copy() for w in weights]
            minus = [w.copy() for w in weights]
            plus[i][index] += EPS
            minus[i][index] -= EPS
            numeric.append((loss(plus) - loss(minus)) / (2 * EPS))

        expected_loss = loss(weights)  # also sets the weights back
        reported = float(np.asarray(model.train_on_batch(x, y)).reshape(-1)[0])
        stepped = model.get_weights()
        analytic = [(np.float64(weights[i][index]) - stepped[i][index]) / LR
                    for i, index in picks]
        assert_allclose(reported, expected_loss, rtol=1e-5, atol=1e-6,
                        what=f"{name}, draw {seed}: train_on_batch loss vs mse of predict_on_batch")
        assert_allclose(np.array(analytic), np.array(numeric), **FD_TOL,
                        what=f"{name}, draw {seed}: SGD(learning_rate={LR}) step / -lr vs central "
                             f"differences (eps={EPS}) at {picks}")
