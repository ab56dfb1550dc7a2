"""``ops.recurrent.lstm`` (the LSTM layer's fast path, a written-out backward) against the
generic path it replaces (``RecurrentCell.scan``: one autodiff graph per step) and against
central finite differences, with masks, recurrent dropout, initial states and go_backwards."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impl import autodiff as ad
from reference_impl import layers
from reference_impl.layers.rnn.cell import RecurrentCell
from reference_impl.layers.rnn.lstm import LSTMCell

CASES = [
    dict(),
    dict(return_sequences=True),
    dict(go_backwards=True, return_sequences=True),
    dict(recurrent_dropout=0.4),
    dict(dropout=0.3, recurrent_dropout=0.3, return_sequences=True),
]


def _run(layer, x, h0, c0, keep, out_weights, seed):
    """The layer's output and the gradients of sum(output * out_weights) with respect to its
    weights, inputs and initial states (training mode, dropout masks drawn from ``seed``)."""
    np.random.seed(seed)
    xs, hs, cs = ad.watch(x), ad.watch(h0), ad.watch(c0)
    y = layer.call([xs, hs, cs], mask=None if keep is None else ad.Tensor(keep), training=True)
    grads = ad.gradients(ad.reduce_sum(y * out_weights), [*layer.weights, xs, hs, cs])
    return y.data, grads


@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "mask"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", CASES, ids=lambda kw: ",".join(kw) or "default")
def test_fused_lstm_equals_the_generic_scan(kwargs, dtype, masked, monkeypatch):
    rng = np.random.default_rng(7)
    layer = layers.LSTM(3, dtype=dtype, **kwargs)
    x = rng.normal(size=(4, 5, 2)).astype(dtype)
    h0, c0 = (rng.normal(size=(4, 3)).astype(dtype) for _ in range(2))
    keep = rng.random((4, 5)) > 0.4 if masked else None
    layer(ad.Tensor(x))
    for weight in layer.weights:
        weight.assign(rng.normal(size=weight.shape) / 2)
    out_weights = rng.normal(size=layer.compute_output_shape((4, 5, 2))).astype(dtype)

    y, grads = _run(layer, x, h0, c0, keep, out_weights, seed=3)
    monkeypatch.setattr(LSTMCell, "scan", RecurrentCell.scan)  # the generic path
    y_generic, grads_generic = _run(layer, x, h0, c0, keep, out_weights, seed=3)

    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y, y_generic)  # the same operations forward
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    for got, expected, name in zip(grads, grads_generic,
                                   [w.name for w in layer.weights] + ["x", "h0", "c0"],
                                   strict=True):
        assert got.dtype == expected.dtype, name
        np.testing.assert_allclose(got, expected, err_msg=name, **tol)


def test_fused_lstm_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    layer = layers.LSTM(2, return_sequences=True, dtype="float64")
    x = rng.normal(size=(2, 4, 3))
    keep = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], bool)
    layer(ad.Tensor(x))
    for weight in layer.weights:
        weight.assign(rng.normal(size=weight.shape) / 2)
    out_weights = rng.normal(size=(2, 4, 2))

    def loss():
        return float(np.sum(layer.call(ad.Tensor(x), mask=ad.Tensor(keep)).data * out_weights))

    xs = ad.watch(x)
    grads = ad.gradients(ad.reduce_sum(layer.call(xs, mask=ad.Tensor(keep)) * out_weights),
                         [*layer.weights, xs])
    for array, grad in zip([*(w.data for w in layer.weights), x], grads, strict=True):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + 1e-6
            up = loss()
            array[index] = saved - 1e-6
            down = loss()
            array[index] = saved
            numeric[index] = (up - down) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
