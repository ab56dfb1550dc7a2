"""Layer wrappers (TimeDistributed, Bidirectional) and the recurrent options they build on.

Spec source: 002 §3.1.1 TimeDistributed (the input's axis 1 is time; wrapping Dense gives an
independent fully connected layer at each step; the TimeDistributed(Convolution2D(64, 3, 3),
input_shape=(10, 3, 299, 299)) example), §3.1.2 Bidirectional(layer, merge_mode='concat') with
merge_mode one of sum, mul, concat, ave, None (None: the outputs are not combined but returned
as a list) and the quoted source (the backward copy has go_backwards flipped; with
return_sequences its output is reversed in time before merging), §3.2.1 Recurrent
(return_sequences; go_backwards "process the input sequence backwards and return the reversed
sequence"; output shapes). Keras 2 API: keras.io/2/api/layers/recurrent_layers (Bidirectional,
TimeDistributed, SimpleRNN).

Expected values are computed with NumPy from each layer's own weights, in float64; SimpleRNN is
h_t = tanh(x_t W + h_(t-1) U + b) with h_(-1) = 0, its weights [W, U, b].
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.assertions import assert_allclose, assert_shape

BATCH, STEPS, FEATURES, UNITS = 2, 5, 3, 4
X = np.random.default_rng(5).uniform(-1, 1, size=(BATCH, STEPS, FEATURES)).astype("float32")
# float32 recurrences over 5 steps of 3-4 term sums through tanh: rounding stays near 1e-7.
TOL = dict(rtol=1e-5, atol=1e-5)


def _simple_rnn_by_hand(weights, x):
    """All hidden states (batch, steps, units) of a SimpleRNN run forward over x."""
    w, u, b = (np.asarray(v, dtype=np.float64) for v in weights)
    h = np.zeros((x.shape[0], u.shape[0]))
    states = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w + h @ u + b)
        states.append(h)
    return np.stack(states, axis=1)


@pytest.mark.behavior("layers.wrappers.time_distributed.dense")
@given(data=st.data())
def test_time_distributed_dense_is_a_dense_at_every_step(keras, adapter, data):
    steps = data.draw(st.integers(1, 4), label="steps")
    features = data.draw(st.integers(1, 4), label="features")
    units = data.draw(st.integers(1, 4), label="units")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    x = np.random.default_rng(seed).uniform(-1, 1, size=(2, steps, features)).astype("float32")

    symbolic = keras.layers.TimeDistributed(keras.layers.Dense(units))(
        keras.layers.Input(shape=(steps, features)))
    assert_shape(symbolic.shape, (None, steps, units), "TimeDistributed(Dense) on Input")
    wrapper = keras.layers.TimeDistributed(keras.layers.Dense(units))
    got = adapter.to_numpy(wrapper(x))
    w, b = wrapper.get_weights()  # one kernel and one bias, shared by every step
    assert (w.shape, b.shape) == ((features, units), (units,)), (w.shape, b.shape)
    assert_allclose(got, x.astype(np.float64) @ w + b, rtol=1e-5, atol=1e-6,
                    what="TimeDistributed(Dense) vs x[:, t] @ W + b at every t")


@pytest.mark.behavior("layers.wrappers.time_distributed.conv2d_shape")
def test_time_distributed_conv2d_shape(keras):
    # 002's Convolution2D(64, 3, 3) is the Keras 1 spelling of Conv2D(64, (3, 3)); its input
    # (10, 3, 299, 299) is channels-first frames.
    model = keras.models.Sequential()
    model.add(keras.layers.TimeDistributed(
        keras.layers.Conv2D(64, (3, 3), data_format="channels_first"),
        input_shape=(10, 3, 299, 299)))
    assert_shape(model.output_shape, (None, 10, 64, 297, 297),
                 "TimeDistributed(Conv2D(64, (3, 3))) on (10, 3, 299, 299)")


# merge_mode: (combine forward y and backward y_rev, units of the merged output)
MERGES = {
    "sum": (lambda y, y_rev: y + y_rev, UNITS),
    "mul": (lambda y, y_rev: y * y_rev, UNITS),
    "concat": (lambda y, y_rev: np.concatenate([y, y_rev], axis=-1), 2 * UNITS),
    "ave": (lambda y, y_rev: (y + y_rev) / 2, UNITS),
}


def _bidirectional_by_hand(bidirectional, x, return_sequences):
    """The forward and the backward outputs of a Bidirectional(SimpleRNN), before merging."""
    x64 = x.astype(np.float64)
    y = _simple_rnn_by_hand(bidirectional.forward_layer.get_weights(), x64)
    y_rev = _simple_rnn_by_hand(bidirectional.backward_layer.get_weights(), x64[:, ::-1])
    if return_sequences:
        return y, y_rev[:, ::-1]  # reversed back, so step t of both outputs lines up
    return y[:, -1], y_rev[:, -1]


def _steps_shape(return_sequences, units):
    return (None, STEPS, units) if return_sequences else (None, units)


@pytest.mark.parametrize("return_sequences", [True, False], ids=["sequences", "last"])
@pytest.mark.parametrize("merge_mode", [
    pytest.param(mode, id=mode,
                 marks=pytest.mark.behavior(f"layers.wrappers.bidirectional.merge_mode.{mode}"))
    for mode in MERGES
])
def test_bidirectional_merges_forward_and_backward(keras, adapter, merge_mode,
                                                   return_sequences):
    combine, units = MERGES[merge_mode]
    rnn = keras.layers.SimpleRNN(UNITS, return_sequences=return_sequences)
    symbolic = keras.layers.Bidirectional(rnn, merge_mode=merge_mode)(
        keras.layers.Input(shape=(STEPS, FEATURES)))
    assert_shape(symbolic.shape, _steps_shape(return_sequences, units),
                 f"Bidirectional(merge_mode={merge_mode!r}) on Input")

    rnn = keras.layers.SimpleRNN(UNITS, return_sequences=return_sequences)
    bidirectional = keras.layers.Bidirectional(rnn, merge_mode=merge_mode)
    got = adapter.to_numpy(bidirectional(X))
    y, y_rev = _bidirectional_by_hand(bidirectional, X, return_sequences)
    assert_allclose(got, combine(y, y_rev), **TOL, what=f"Bidirectional(merge_mode={merge_mode!r})")


@pytest.mark.behavior("layers.wrappers.bidirectional.merge_mode.none")
@pytest.mark.parametrize("return_sequences", [True, False], ids=["sequences", "last"])
def test_bidirectional_merge_mode_none_returns_both_outputs_as_a_list(keras, adapter,
                                                                     return_sequences):
    rnn = keras.layers.SimpleRNN(UNITS, return_sequences=return_sequences)
    bidirectional = keras.layers.Bidirectional(rnn, merge_mode=None)
    outputs = bidirectional(X)
    got = adapter.to_numpy(outputs)
    assert len(got) == 2, f"merge_mode=None returned {len(got)} outputs, expected 2"
    y, y_rev = _bidirectional_by_hand(bidirectional, X, return_sequences)
    assert_allclose(got[0], y, **TOL, what="merge_mode=None: forward output")
    assert_allclose(got[1], y_rev, **TOL, what="merge_mode=None: backward output")

    symbolic = keras.layers.Bidirectional(
        keras.layers.SimpleRNN(UNITS, return_sequences=return_sequences), merge_mode=None)(
        keras.layers.Input(shape=(STEPS, FEATURES)))
    for tensor in symbolic:
        assert_shape(tensor.shape, _steps_shape(return_sequences, UNITS), "merge_mode=None")
    # documented: "以列表的形式返回" (returned as a list)
    assert isinstance(outputs, list) and isinstance(symbolic, list), (
        f"merge_mode=None returned {type(outputs).__name__} / {type(symbolic).__name__}, "
        f"not list")


@pytest.mark.behavior("layers.wrappers.bidirectional.default_concat")
def test_bidirectional_defaults_to_concat(keras, adapter):
    model = keras.models.Sequential()
    model.add(keras.layers.Bidirectional(keras.layers.LSTM(10, return_sequences=True),
                                         input_shape=(STEPS, FEATURES)))
    assert_shape(model.output_shape, (None, STEPS, 20), "Bidirectional(LSTM(10, seq)) default")

    bidirectional = keras.layers.Bidirectional(
        keras.layers.SimpleRNN(UNITS, return_sequences=True))
    got = adapter.to_numpy(bidirectional(X))
    y, y_rev = _bidirectional_by_hand(bidirectional, X, return_sequences=True)
    assert_allclose(got, np.concatenate([y, y_rev], axis=-1), **TOL,
                    what="Bidirectional(SimpleRNN) with the default merge_mode")


@pytest.mark.behavior("layers.recurrent.return_sequences.values")
@pytest.mark.parametrize("return_sequences", [True, False], ids=["sequences", "last"])
def test_return_sequences_gives_every_step_or_the_last(keras, adapter, return_sequences):
    symbolic = keras.layers.SimpleRNN(UNITS, return_sequences=return_sequences)(
        keras.layers.Input(shape=(STEPS, FEATURES)))
    assert_shape(symbolic.shape, _steps_shape(return_sequences, UNITS),
                 f"SimpleRNN(return_sequences={return_sequences})")
    rnn = keras.layers.SimpleRNN(UNITS, return_sequences=return_sequences)
    got = adapter.to_numpy(rnn(X))
    states = _simple_rnn_by_hand(rnn.get_weights(), X.astype(np.float64))
    expected = states if return_sequences else states[:, -1]
    assert_allclose(got, expected, **TOL, what=f"SimpleRNN(return_sequences={return_sequences})")


@pytest.mark.behavior("layers.recurrent.go_backwards.values")
@pytest.mark.parametrize("return_sequences", [True, False], ids=["sequences", "last"])
def test_go_backwards_processes_the_reversed_sequence(keras, adapter, return_sequences):
    rnn = keras.layers.SimpleRNN(UNITS, return_sequences=return_sequences, go_backwards=True)
    got = adapter.to_numpy(rnn(X))
    # the input is read from the last step to the first; outputs come in that (reversed) order
    states = _simple_rnn_by_hand(rnn.get_weights(), X[:, ::-1].astype(np.float64))
    expected = states if return_sequences else states[:, -1]
    assert_allclose(got, expected, **TOL, what="SimpleRNN(go_backwards=True)")
