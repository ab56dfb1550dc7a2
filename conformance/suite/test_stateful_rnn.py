"""Stateful RNNs, unroll and implementation: options that must not change what an RNN computes
except as documented.

Keras 2 API: keras.io/2.x/api/layers/recurrent_layers/rnn ("stateful: If True, the last state
for each sample at index i in a batch will be used as initial state for the sample of index i
in the following batch"; "you need to specify a fixed batch size: ... batch_input_shape=(...)
... for Sequential, batch_shape=(...) for the functional API"; "To reset the states of your
model, call .reset_states() on either a specific layer, or on your entire model"; "unroll: ...
Unrolling can speed-up a RNN"), .../lstm and .../gru ("implementation: Implementation mode,
either 1 or 2 ... different performance profiles"). Spec sources: 000 §2 (batch_size given to
a layer fixes the batch: useful for stateful RNNs), 002 §3.2.1 (stateful, unroll,
implementation among the recurrent arguments).

Every check here is a relation that holds exactly up to float32 rounding: a stateful layer fed
a sequence chunk by chunk computes what the same weights compute on the whole sequence at once.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_shape

BATCH, STEPS, FEATURES, UNITS = 2, 6, 3, 4
X = np.random.default_rng(11).uniform(-1, 1, size=(BATCH, STEPS, FEATURES)).astype("float32")
# The same float32 operations in the same order give the same values; a few ulp are allowed
# for implementations that fuse the step differently.
TOL = dict(rtol=1e-5, atol=1e-6)
LAYERS = ["SimpleRNN", "LSTM", "GRU"]


def stateful_model(keras, name, chunk, return_sequences=True):
    # Input(batch_shape=...): the fixed batch size as both Keras 2 (functional API) and Keras 3
    # spell it; the Sequential spellings batch_input_shape / batch_size are checked apart.
    layer = getattr(keras.layers, name)(UNITS, stateful=True, return_sequences=return_sequences)
    model = keras.models.Sequential(
        [keras.layers.Input(batch_shape=(BATCH, chunk, FEATURES)), layer])
    return model, layer


def whole_sequence(keras, name, weights, x, return_sequences=True, run_eagerly=True, **kwargs):
    """A non-stateful layer with the given weights, run on all of x at once.

    The expected values of the stateful checks: predicted with compile(run_eagerly=True) (not
    traced by tf.function: on tf-keras tracing a recurrent layer costs more than running it;
    the stateful model under test keeps the default, traced, predict)."""
    model = keras.models.Sequential([
        keras.layers.Input(shape=x.shape[1:]),
        getattr(keras.layers, name)(UNITS, return_sequences=return_sequences, **kwargs)])
    model.set_weights(weights)
    model.compile(run_eagerly=run_eagerly)
    return model.predict(x, batch_size=len(x), verbose=0)


@pytest.mark.behavior("layers.rnn.stateful.carries_state")
@pytest.mark.parametrize("name", LAYERS)
def test_stateful_chunks_equal_the_whole_sequence(keras, name):
    model, _ = stateful_model(keras, name, chunk=2)
    expected = whole_sequence(keras, name, model.get_weights(), X)
    chunks = [model.predict(X[:, t:t + 2], batch_size=BATCH, verbose=0)
              for t in range(0, STEPS, 2)]
    assert_allclose(np.concatenate(chunks, axis=1), expected, **TOL,
                    what=f"{name}(stateful=True) fed 3 chunks of 2 steps vs 6 steps at once")


@pytest.mark.behavior("layers.rnn.stateful.batch_index_continues")
@pytest.mark.parametrize("name", LAYERS)
def test_sample_i_of_the_next_batch_continues_sample_i(keras, name):
    # predict(batch_size=2) on 4 samples: samples 2 and 3 start from the final states of
    # samples 0 and 1, i.e. they continue those sequences.
    model, _ = stateful_model(keras, name, chunk=STEPS, return_sequences=False)
    other = np.random.default_rng(12).uniform(-1, 1, size=X.shape).astype("float32")
    got = model.predict(np.concatenate([X, other]), batch_size=BATCH, verbose=0)
    expected = whole_sequence(keras, name, model.get_weights(),
                              np.concatenate([X, other], axis=1), return_sequences=False)
    assert_allclose(got[BATCH:], expected, **TOL,
                    what=f"{name}(stateful=True): second batch vs the two sequences joined")


@pytest.mark.behavior("layers.rnn.stateful.reset_states")
@pytest.mark.parametrize("name", LAYERS)
def test_reset_states_starts_again_from_zeros(keras, adapter, name):
    model, layer = stateful_model(keras, name, chunk=2)
    first = model.predict(X[:, :2], batch_size=BATCH, verbose=0)
    second = model.predict(X[:, :2], batch_size=BATCH, verbose=0)
    assert not np.allclose(first, second), "the second call must start from the carried states"
    model.reset_states()
    assert_allclose(model.predict(X[:, :2], batch_size=BATCH, verbose=0), first, **TOL,
                    what=f"{name}: predict after model.reset_states() vs the first predict")
    layer.reset_states()
    for state in layer.states:
        assert_allclose(adapter.to_numpy(state), np.zeros((BATCH, UNITS)), rtol=0, atol=0,
                        what=f"{name}.states after layer.reset_states()")


@pytest.mark.behavior("layers.rnn.stateful.states")
@pytest.mark.parametrize("name", LAYERS)
def test_states_hold_the_last_state_of_each_sample(keras, adapter, name):
    model, layer = stateful_model(keras, name, chunk=STEPS)
    assert len(layer.states) == (2 if name == "LSTM" else 1), layer.states
    assert len(model.get_weights()) == 3, "states are not weights"
    outputs = model.predict(X, batch_size=BATCH, verbose=0)
    # the first state is h, the output of the last step
    assert_allclose(adapter.to_numpy(layer.states[0]), outputs[:, -1], **TOL,
                    what=f"{name}.states[0] after predict vs the last output")


@pytest.mark.behavior("layers.rnn.stateful.reset_states_values")
def test_reset_states_to_given_values(keras):
    model, layer = stateful_model(keras, "SimpleRNN", chunk=STEPS)
    h0 = np.random.default_rng(13).uniform(-1, 1, size=(BATCH, UNITS)).astype("float32")
    layer.reset_states(states=h0)
    got = model.predict(X, batch_size=BATCH, verbose=0)
    # the same as a plain layer called with initial_state=h0
    inputs = keras.layers.Input(shape=(STEPS, FEATURES))
    state = keras.layers.Input(shape=(UNITS,))
    plain = keras.layers.SimpleRNN(UNITS, return_sequences=True)
    other = keras.models.Model([inputs, state], plain(inputs, initial_state=state))
    other.set_weights(model.get_weights())
    assert_allclose(got, other.predict([X, h0], verbose=0), **TOL,
                    what="reset_states(states=h0) then predict vs initial_state=h0")


@pytest.mark.behavior("layers.rnn.stateful.batch_size_argument")
def test_batch_size_argument_fixes_the_batch(keras):
    # 000 §2: batch_size=32 with input_shape=(6, 8) gives batches of shape (32, 6, 8).
    model = keras.models.Sequential([keras.layers.LSTM(UNITS, stateful=True, batch_size=32,
                                                       input_shape=(6, 8))])
    assert_shape(model.input_shape, (32, 6, 8), "LSTM(stateful=True, batch_size=32, "
                 "input_shape=(6, 8)) model.input_shape")
    assert_shape(model.output_shape, (32, UNITS), "... model.output_shape")


@pytest.mark.behavior("layers.rnn.stateful.batch_input_shape")
def test_batch_input_shape_makes_a_stateful_sequential_model(keras):
    # keras.io/2.x RNN docs: "If using a Sequential model, specify the batch size by passing a
    # batch_input_shape=(...) to the first layer in your model."
    layer = keras.layers.SimpleRNN(UNITS, stateful=True, batch_input_shape=(BATCH, 2, FEATURES))
    model = keras.models.Sequential([layer])
    assert_shape(model.input_shape, (BATCH, 2, FEATURES), "SimpleRNN(stateful=True, "
                 "batch_input_shape=(2, 2, 3)) model.input_shape")
    first = model.predict(X[:, :2], batch_size=BATCH, verbose=0)
    second = model.predict(X[:, 2:4], batch_size=BATCH, verbose=0)
    expected = whole_sequence(keras, "SimpleRNN", model.get_weights(), X[:, :4])
    assert_allclose(np.stack([first, second], axis=1), expected[:, [1, 3]], **TOL,
                    what="stateful SimpleRNN (batch_input_shape) over two chunks")


@pytest.mark.behavior("layers.rnn.stateful.requires_batch_size")
def test_stateful_layer_without_a_batch_size_is_an_error(keras):
    with pytest.raises(ValueError, match="batch size"):
        keras.models.Sequential([keras.layers.LSTM(UNITS, stateful=True,
                                                   input_shape=(STEPS, FEATURES))])


@pytest.mark.behavior("layers.rnn.stateful.fit")
def test_fit_carries_states_between_batches(keras, adapter):
    # Learning rate 0 keeps the weights fixed. One epoch of one batch leaves the final states
    # of X; a second epoch continues from them (fit does not reset states between epochs).
    model, layer = stateful_model(keras, "SimpleRNN", chunk=STEPS, return_sequences=False)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    initial = model.get_weights()
    model.fit(X, np.zeros((BATCH, UNITS), "float32"), batch_size=BATCH, epochs=1,
              shuffle=False, verbose=0)
    expected = whole_sequence(keras, "SimpleRNN", initial, X, return_sequences=False)
    assert_allclose(adapter.to_numpy(layer.states[0]), expected, **TOL,
                    what="SimpleRNN(stateful=True).states after fit (learning rate 0)")
    model.fit(X, np.zeros((BATCH, UNITS), "float32"), batch_size=BATCH, epochs=1,
              shuffle=False, verbose=0)
    twice = whole_sequence(keras, "SimpleRNN", initial, np.concatenate([X, X], axis=1),
                           return_sequences=False)
    assert_allclose(adapter.to_numpy(layer.states[0]), twice, **TOL,
                    what="states after a second epoch: the sequence continued, not restarted")


@pytest.mark.behavior("layers.rnn.unroll")
@pytest.mark.parametrize("name", LAYERS)
def test_unroll_gives_the_same_outputs(keras, name):
    model = keras.models.Sequential([keras.layers.Input(shape=(STEPS, FEATURES)),
                                     getattr(keras.layers, name)(UNITS, return_sequences=True)])
    model.compile(run_eagerly=True)  # the expected values; the unrolled layer's predict is traced
    expected = model.predict(X, verbose=0)
    got = whole_sequence(keras, name, model.get_weights(), X, run_eagerly=False, unroll=True)
    assert_allclose(got, expected, **TOL, what=f"{name}(unroll=True) vs {name}()")


@pytest.mark.behavior("layers.rnn.implementation")
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_implementation_modes_give_the_same_outputs(keras, name):
    model = keras.models.Sequential([keras.layers.Input(shape=(STEPS, FEATURES)),
                                     getattr(keras.layers, name)(UNITS, return_sequences=True)])
    model.compile(run_eagerly=True)  # the expected values; each mode's predict is traced
    expected = model.predict(X, verbose=0)
    for implementation in (1, 2):
        got = whole_sequence(keras, name, model.get_weights(), X, run_eagerly=False,
                             implementation=implementation)
        assert_allclose(got, expected, **TOL,
                        what=f"{name}(implementation={implementation}) vs {name}()")


def minimal_rnn_cell(keras):
    """The custom cell of the Keras 2 RNN documentation (MinimalRNNCell), with K.dot written
    as the @ operator: output = x @ kernel + h @ recurrent_kernel."""

    class MinimalRNNCell(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    initializer="uniform",
                                                    name="recurrent_kernel")
            self.built = True

        def call(self, inputs, states):
            prev_output = states[0]
            output = inputs @ self.kernel + prev_output @ self.recurrent_kernel
            return output, [output]

    return MinimalRNNCell


def minimal_rnn_by_hand(weights, x):
    kernel, recurrent = (np.asarray(w, np.float64) for w in weights)
    h, outputs = np.zeros((x.shape[0], kernel.shape[1])), []
    for t in range(x.shape[1]):
        h = x[:, t] @ kernel + h @ recurrent
        outputs.append(h)
    return np.stack(outputs, axis=1)


@pytest.mark.behavior("layers.rnn.custom_cell")
def test_rnn_runs_a_custom_cell(keras):
    cell = minimal_rnn_cell(keras)(UNITS)
    model = keras.models.Sequential([keras.layers.Input(shape=(STEPS, FEATURES)),
                                     keras.layers.RNN(cell, return_sequences=True)])
    assert_shape(model.output_shape, (None, STEPS, UNITS), "RNN(MinimalRNNCell(4))")
    assert_allclose(model.predict(X, verbose=0), minimal_rnn_by_hand(model.get_weights(), X),
                    **TOL, what="RNN(MinimalRNNCell) vs x_t @ kernel + h @ recurrent_kernel")


@pytest.mark.behavior("layers.rnn.stateful.custom_cell")
def test_stateful_rnn_of_a_custom_cell(keras):
    layer = keras.layers.RNN(minimal_rnn_cell(keras)(UNITS), stateful=True,
                             return_sequences=True)
    model = keras.models.Sequential([keras.layers.Input(batch_shape=(BATCH, 2, FEATURES)),
                                     layer])
    chunks = [model.predict(X[:, t:t + 2], batch_size=BATCH, verbose=0)
              for t in range(0, STEPS, 2)]
    assert_allclose(np.concatenate(chunks, axis=1),
                    minimal_rnn_by_hand(model.get_weights(), X), **TOL,
                    what="RNN(MinimalRNNCell, stateful=True) over 3 chunks vs the recurrence")

