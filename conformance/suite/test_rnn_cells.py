"""Recurrent cells: keras.layers.RNN(cell) is the recurrent layer, a cell called on one step is
one step of the layer, and a recurrent layer exposes its cell's arguments as attributes.

Sources: keras.io/2.x/api/layers/recurrent_layers/rnn ("RNN(cell, ...)": "cell: A RNN cell
instance ... a call(input_at_t, states_at_t) method, returning (output_at_t,
states_at_t_plus_1)"), .../simple_rnn, lstm, gru (the layer's arguments, e.g. ``units``,
``dropout``, and that the layer is RNN(SimpleRNNCell/LSTMCell/GRUCell)); the cell pages
(keras.io/2.x/api/layers/recurrent_layers/lstm_cell, gru_cell, simple_rnn_cell).

The weights and inputs are random at fixed seeds; the relations hold for any values.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose

UNITS, FEATURES, STEPS, BATCH = 3, 4, 5, 2
KINDS = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}  # layer -> number of states
TOL = dict(rtol=1e-5, atol=1e-6)  # float32: the same operations, maybe in another order


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")


def _random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.6, 0.6, size=np.shape(w)).astype("float32")
            for w in layer.get_weights()]


def _model(keras, layer, steps=STEPS):
    inputs = keras.Input(shape=(steps, FEATURES))
    return keras.models.Model(inputs, layer(inputs))


@pytest.mark.behavior("layers.rnn.cell_layer")
@pytest.mark.parametrize("kind", list(KINDS))
def test_rnn_of_a_cell_is_the_recurrent_layer(keras, kind):
    layer = getattr(keras.layers, kind)(UNITS, return_sequences=True)
    wrapped = keras.layers.RNN(getattr(keras.layers, f"{kind}Cell")(UNITS),
                               return_sequences=True)
    direct, via_cell = _model(keras, layer), _model(keras, wrapped)
    weights = _random_weights(layer)
    layer.set_weights(weights)
    wrapped.set_weights(weights)
    x = _data()
    assert_allclose(via_cell.predict(x, verbose=0), direct.predict(x, verbose=0), **TOL,
                    what=f"RNN({kind}Cell({UNITS})) vs {kind}({UNITS}), same weights")


@pytest.mark.behavior("layers.rnn.cell_call")
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_cell_call_is_one_step_of_the_layer(keras, adapter, kind):
    n_states = KINDS[kind]
    layer = getattr(keras.layers, kind)(UNITS, return_state=True)
    inputs = keras.Input(shape=(1, FEATURES))
    initial = [keras.Input(shape=(UNITS,)) for _ in range(n_states)]
    model = keras.models.Model([inputs, *initial], layer(inputs, initial_state=initial))
    weights = _random_weights(layer)
    layer.set_weights(weights)
    rng = np.random.default_rng(2)
    x_t = rng.normal(size=(BATCH, FEATURES)).astype("float32")
    states = [rng.uniform(-1, 1, size=(BATCH, UNITS)).astype("float32")
              for _ in range(n_states)]
    expected = model.predict([x_t[:, None, :], *states], verbose=0)  # [output, *states]

    cell = getattr(keras.layers, f"{kind}Cell")(UNITS)
    cell.build((BATCH, FEATURES))
    cell.set_weights(weights)
    output, new_states = cell(adapter.to_tensor(x_t), [adapter.to_tensor(s) for s in states])
    new_states = new_states if isinstance(new_states, list | tuple) else [new_states]
    what = f"{kind}Cell({UNITS})(x_t, states) vs one step of {kind}"
    assert_allclose(adapter.to_numpy(output), expected[0], **TOL, what=f"output of {what}")
    assert len(new_states) == n_states, f"{len(new_states)} states, expected {n_states}"
    for i, (got, want) in enumerate(zip(new_states, expected[1:], strict=True)):
        assert_allclose(adapter.to_numpy(got), want, **TOL, what=f"state {i} of {what}")


@pytest.mark.behavior("layers.rnn.cell_attributes")
@pytest.mark.parametrize("kind, extra", [
    ("SimpleRNN", {}),
    ("LSTM", {"unit_forget_bias": False}),
    ("GRU", {"reset_after": False}),
])
def test_a_recurrent_layer_exposes_its_cell_arguments(keras, kind, extra):
    layer = getattr(keras.layers, kind)(UNITS, use_bias=False, dropout=0.25,
                                        recurrent_dropout=0.5, **extra)
    got = {"units": layer.units, "use_bias": layer.use_bias, "dropout": layer.dropout,
           "recurrent_dropout": layer.recurrent_dropout,
           **{key: getattr(layer, key) for key in extra}}
    assert got == {"units": UNITS, "use_bias": False, "dropout": 0.25,
                   "recurrent_dropout": 0.5, **extra}, f"{kind} attributes: {got}"
    assert_allclose(np.asarray(layer.activation(np.array([0.5], "float32"))), np.tanh([0.5]),
                    rtol=1e-6, atol=1e-7, what=f"{kind}.activation (default tanh)")
