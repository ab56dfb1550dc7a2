"""Default initializers of the built-in layers, as Keras 2 documents them.

Sources: the Keras 2 layer pages (keras.io/2.x/api/layers/core_layers/dense,
convolution_layers/convolution1d and convolution2d, core_layers/embedding,
recurrent_layers/simple_rnn, lstm, gru): Dense and Conv kernels ``glorot_uniform``, biases
``zeros``; Embedding ``embeddings_initializer='uniform'`` (RandomUniform(-0.05, 0.05), the
initializers page); recurrent layers ``kernel_initializer='glorot_uniform'``,
``recurrent_initializer='orthogonal'``, ``bias_initializer='zeros'`` and for LSTM
``unit_forget_bias=True`` ("add 1 to the bias of the forget gate at initialization"; gates in the
order input, forget, cell, output). Fans (initializers page, VarianceScaling): a matrix
(fan_in, fan_out); a conv kernel (*k, in, out) has fan_in = prod(k) * in and fan_out =
prod(k) * out. The recurrent kernel of a layer with g gates is one (units, g * units) matrix, and
tf-keras' Orthogonal makes the whole matrix orthogonal (QR of a (g * units, units) normal draw,
transposed): its rows are orthonormal, U @ U.T = I, not each gate's block (that would give
g * I).

No seed is set (a default is what the layer draws on its own), so the checks are bounds that a
correct default passes whatever the draw and a changed default fails:
- range: glorot_uniform values lie in [-L, L], L = sqrt(6 / (fan_in + fan_out)); he_uniform,
  lecun_uniform, a wrong fan (a conv fan without the receptive field, a recurrent fan of one
  gate) give a larger L, and glorot_normal (std L / sqrt(3), truncated at 2 / 0.88 of it) puts
  about 9% of its values beyond L: among >= 12800 values one lands outside, with probability
  1 - 1e-400 (all 12800 stay inside with probability 0.914**12800 < 1e-400);
- moments: for N independent values x in [-L, L], Hoeffding's inequality bounds
  P(|mean(f(x)) - E f(x)| >= t) <= 2 exp(-2 N t**2 / R**2) for f(x) with range R (x: 2L,
  x**2: L**2, x**4: L**4). With t = R sqrt(ln(2 / DELTA) / (2 N)) and DELTA = 1e-11 each check
  fails a correct default with probability <= 1e-11; this module makes fewer than 30 such
  checks (21), so a false failure has probability < 1e-9 per run. For N >= 12800, t is <= 3.2%
  of L**2 for x**2 (E = L**2 / 3, so 9.6% of the variance; 4.4% for the 60000-value Dense kernel)
  and of L**4 for x**4 (E = L**4 / 5: 16%). So lecun_uniform on the 300 x 200 Dense kernel
  (inside [-L, L], variance 1/300 instead of 2/500: -17%) fails, and the fourth moment tells the
  uniform from other shapes of the same range and variance.
"""

import math

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_array_equal

DELTA = 1e-11


def _built(layer, input_shape, dtype="float32"):
    """The layer, built by calling it on zeros of ``(1, *input_shape)``."""
    layer(np.zeros((1, *input_shape), dtype=dtype))
    return layer


def _weights(layer):
    return [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]


def assert_uniform(values, low, high, what):
    """values look like independent draws of U(low, high): range, then 3 Hoeffding bounds."""
    __tracebackhide__ = True
    x = np.asarray(values, dtype=np.float64).ravel()
    n = x.size
    slack = 1e-6 * max(abs(low), abs(high))  # float32 rounding of the bounds
    assert x.min() >= low - slack and x.max() <= high + slack, (
        f"range: got [{x.min():.5g}, {x.max():.5g}], expected within [{low:.5g}, {high:.5g}] "
        f"[{what}]")
    centre, half = (low + high) / 2, (high - low) / 2
    z = x - centre  # uniform on [-half, half]
    k = math.sqrt(math.log(2 / DELTA) / (2 * n))
    for name, f, expected, spread in [("mean", z, 0.0, 2 * half),
                                      ("second moment", z**2, half**2 / 3, half**2),
                                      ("fourth moment", z**4, half**4 / 5, half**4)]:
        got, tol = float(np.mean(f)), spread * k
        assert abs(got - expected) <= tol, (
            f"{name} about {centre:.3g}: got {got:.5g}, expected {expected:.5g} +- {tol:.2g} "
            f"(Hoeffding, N={n}) [{what}]")


def assert_glorot_uniform(kernel, fan_in, fan_out, what):
    __tracebackhide__ = True
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert_uniform(kernel, -limit, limit,
                   f"{what}: glorot_uniform, fan_in {fan_in}, fan_out {fan_out}")


# -- kernels ----------------------------------------------------------------------------------
@pytest.mark.behavior("initializers.defaults.dense_kernel_glorot_uniform")
def test_dense_kernel_is_glorot_uniform(keras):
    kernel = _weights(_built(keras.layers.Dense(200), (300,)))[0]
    assert kernel.shape == (300, 200), kernel.shape
    assert_glorot_uniform(kernel, 300, 200, "Dense(200) on 300 features")


# (layer, input shape without batch, kernel shape, fan_in, fan_out)
CONVS = {
    "Conv1D": (lambda layers: layers.Conv1D(64, 5), (8, 48), (5, 48, 64), 5 * 48, 5 * 64),
    "Conv2D": (lambda layers: layers.Conv2D(48, (3, 3)), (4, 4, 40), (3, 3, 40, 48),
               9 * 40, 9 * 48),
}


@pytest.mark.behavior("initializers.defaults.conv_kernel_glorot_uniform")
@pytest.mark.parametrize("name", list(CONVS))
def test_conv_kernel_is_glorot_uniform_with_receptive_field_fans(keras, name):
    make, input_shape, shape, fan_in, fan_out = CONVS[name]
    kernel = _weights(_built(make(keras.layers), input_shape))[0]
    assert kernel.shape == shape, kernel.shape
    assert_glorot_uniform(kernel, fan_in, fan_out, f"{name} kernel {shape}")


# (layer name, gates): the kernel is (features, gates * units)
RNNS = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
FEATURES = 100


def _rnn(keras, name, units, **kwargs):
    return _built(getattr(keras.layers, name)(units, **kwargs), (1, FEATURES))


@pytest.mark.behavior("initializers.defaults.rnn_kernel_glorot_uniform")
@pytest.mark.parametrize("name", list(RNNS))
def test_recurrent_layer_kernel_is_glorot_uniform_over_all_gates(keras, name):
    gates = RNNS[name]
    units = 128 if gates == 1 else 64  # kernels of 12800, 25600 and 19200 values
    kernel = _weights(_rnn(keras, name, units))[0]
    assert kernel.shape == (FEATURES, gates * units), kernel.shape
    # one matrix: fan_out counts every gate's units
    assert_glorot_uniform(kernel, FEATURES, gates * units, f"{name}({units}) kernel")


@pytest.mark.behavior("initializers.defaults.rnn_recurrent_kernel_orthogonal")
@pytest.mark.parametrize("name", list(RNNS))
def test_recurrent_kernel_is_orthogonal_as_one_matrix(keras, name):
    gates, units = RNNS[name], 32
    recurrent = _weights(_rnn(keras, name, units))[1]
    assert recurrent.shape == (units, gates * units), recurrent.shape
    # rows orthonormal; QR in float32 of a (<= 128, 32) matrix: Gram entries within ~1e-6
    assert_allclose(recurrent @ recurrent.T, np.eye(units), rtol=0, atol=1e-5,
                    what=f"{name}({units}) recurrent_kernel @ recurrent_kernel.T")
    # random, not a (signed) permutation such as the identity: a random orthogonal matrix has
    # no exact zeros (probability 0), a permutation has units * (gates * units - 1) of them
    nonzero = int(np.count_nonzero(recurrent))
    assert nonzero > units * gates, (
        f"{name}({units}) recurrent_kernel has only {nonzero} non-zero entries: not a random "
        f"orthogonal matrix")


# -- biases and embeddings ----------------------------------------------------------------------
BIASED = {
    "Dense": lambda keras: _built(keras.layers.Dense(7), (3,)),
    "Conv1D": lambda keras: _built(keras.layers.Conv1D(7, 2), (4, 3)),
    "Conv2D": lambda keras: _built(keras.layers.Conv2D(7, (2, 2)), (3, 3, 2)),
    "SimpleRNN": lambda keras: _rnn(keras, "SimpleRNN", 7),
    "GRU": lambda keras: _rnn(keras, "GRU", 7),
    "LSTM(unit_forget_bias=False)": lambda keras: _rnn(keras, "LSTM", 7, unit_forget_bias=False),
}


@pytest.mark.behavior("initializers.defaults.bias_zeros")
@pytest.mark.parametrize("name", list(BIASED))
def test_bias_is_zeros(keras, name):
    bias = _weights(BIASED[name](keras))[-1]
    assert_array_equal(bias, np.zeros_like(bias), f"{name} bias {bias.shape}")


@pytest.mark.behavior("initializers.defaults.lstm_unit_forget_bias")
def test_lstm_forget_gate_bias_is_one(keras):
    units = 7
    bias = _weights(_rnn(keras, "LSTM", units))[-1]
    # gates in Keras order: input, forget, cell, output
    expected = np.concatenate([np.zeros(units), np.ones(units), np.zeros(2 * units)])
    assert_array_equal(bias, expected, f"LSTM({units}) bias (unit_forget_bias defaults to True)")


@pytest.mark.behavior("initializers.defaults.embedding_uniform")
def test_embedding_is_uniform_within_0_05(keras):
    layer = _built(keras.layers.Embedding(1000, 64), (1,), dtype="int32")
    embeddings = _weights(layer)[0]
    assert embeddings.shape == (1000, 64), embeddings.shape
    assert_uniform(embeddings, -0.05, 0.05, "Embedding(1000, 64) embeddings")
