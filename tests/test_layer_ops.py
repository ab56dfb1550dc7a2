"""The reference's layer ops (convolution, pooling, gather, scan) and the recurrent layers built
on scan: forward values against naive loops, gradients against central finite differences
(float64), over small hypothesis-drawn shapes and configs."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl import autodiff as ad
from reference_impl.ops import avg_pool, conv, gather, max_pool, scan

# -- naive definitions (loops over every output cell) -------------------------------------


def _pads(size, window, stride, padding):
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return window - 1, 0
    total = max((math.ceil(size / stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def naive_conv(x, kernel, strides, padding, dilation):
    rank = kernel.ndim - 2
    window = kernel.shape[:rank]
    pads = [_pads(s, (w - 1) * d + 1, st_, padding)
            for s, w, st_, d in zip(x.shape[1:-1], window, strides, dilation, strict=True)]
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    out_shape = [(s - (w - 1) * d - 1) // st_ + 1
                 for s, w, st_, d in zip(xp.shape[1:-1], window, strides, dilation, strict=True)]
    out = np.zeros((x.shape[0], *out_shape, kernel.shape[-1]))
    for b in range(x.shape[0]):
        for pos in itertools.product(*map(range, out_shape)):
            for k in itertools.product(*map(range, window)):
                src = tuple(p * st_ + o * d
                            for p, o, st_, d in zip(pos, k, strides, dilation, strict=True))
                out[(b, *pos)] += xp[(b, *src)] @ kernel[k]
    return out


def naive_pool(x, pool, strides, padding, reduce):
    rank = x.ndim - 2
    out_shape = [math.ceil(s / st_) if padding == "same" else (s - p) // st_ + 1
                 for s, p, st_ in zip(x.shape[1:-1], pool, strides, strict=True)]
    pads = [_pads(s, p, st_, padding)[0]
            for s, p, st_ in zip(x.shape[1:-1], pool, strides, strict=True)]
    out = np.zeros((x.shape[0], *out_shape, x.shape[-1]))
    for b in range(x.shape[0]):
        for pos in itertools.product(*map(range, out_shape)):
            cells = []
            for k in itertools.product(*map(range, pool)):
                src = tuple(p * st_ + o - pad
                            for p, o, st_, pad in zip(pos, k, strides, pads, strict=True))
                if all(0 <= i < s for i, s in zip(src, x.shape[1:-1], strict=True)):
                    cells.append(x[(b, *src)])  # padded cells never take part
            out[(b, *pos)] = reduce(np.stack(cells), axis=0)
    assert rank == len(pool)
    return out


def numeric_grad(f, x, eps=1e-6):
    """Central differences of sum(f(x) * w) for a fixed random weighting w."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


# -- strategies -----------------------------------------------------------------------------


@st.composite
def conv_cases(draw, rank):
    padding = draw(st.sampled_from(["valid", "same", "causal"] if rank == 1 else
                                   ["valid", "same"]), label="padding")
    window = tuple(draw(st.integers(1, 3), label="window") for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2), label="dilation") for _ in range(rank))
    if draw(st.booleans(), label="strided"):  # Keras forbids strides > 1 with dilation > 1
        strides, dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank)), (1,) * rank
    else:
        strides = (1,) * rank
    spatial = tuple(draw(st.integers((w - 1) * d + 1, (w - 1) * d + 4), label="spatial")
                    for w, d in zip(window, dilation, strict=True))
    batch = draw(st.integers(1, 2), label="batch")
    channels = draw(st.integers(1, 3), label="channels")
    filters = draw(st.integers(1, 3), label="filters")
    seed = draw(st.integers(0, 2**16), label="seed")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, *spatial, channels))
    kernel = rng.normal(size=(*window, channels, filters))
    return x, kernel, strides, padding, dilation


@st.composite
def pool_cases(draw, rank):
    padding = draw(st.sampled_from(["valid", "same"]), label="padding")
    pool = tuple(draw(st.integers(1, 3), label="pool") for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3), label="strides") for _ in range(rank))
    spatial = tuple(draw(st.integers(p, p + 4), label="spatial") for p in pool)
    batch = draw(st.integers(1, 2), label="batch")
    channels = draw(st.integers(1, 3), label="channels")
    seed = draw(st.integers(0, 2**16), label="seed")
    x = np.random.default_rng(seed).normal(size=(batch, *spatial, channels))
    return x, pool, strides, padding


# -- forward values ---------------------------------------------------------------------------


@pytest.mark.parametrize("rank", [1, 2])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_conv_matches_naive_loops(rank, data):
    x, kernel, strides, padding, dilation = data.draw(conv_cases(rank), label="case")
    got = conv(x, kernel, strides, padding, dilation).data
    np.testing.assert_allclose(got, naive_conv(x, kernel, strides, padding, dilation),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("kind", ["max", "avg"])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_pooling_matches_naive_loops(rank, kind, data):
    x, pool, strides, padding = data.draw(pool_cases(rank), label="case")
    pool_op, reduce = (max_pool, np.max) if kind == "max" else (avg_pool, np.mean)
    got = pool_op(x, pool, strides, padding).data
    np.testing.assert_allclose(got, naive_pool(x, pool, strides, padding, reduce),
                               rtol=1e-10, atol=1e-12)


def test_conv_output_length_matches_keras_rules():
    from reference_impl.ops import conv_output_length
    assert conv_output_length(10, 3, "valid", 1) == 8
    assert conv_output_length(10, 3, "same", 3) == 4
    assert conv_output_length(10, 3, "causal", 1) == 10
    assert conv_output_length(10, 3, "valid", 1, dilation=2) == 6
    assert conv_output_length(None, 3, "valid", 1) is None


def test_pool_strides_default_to_pool_size():
    x = np.arange(12.0).reshape(1, 6, 2)
    np.testing.assert_array_equal(max_pool(x, 3).data, [[[4, 5], [10, 11]]])


# -- gradients ---------------------------------------------------------------------------------


def _check_grads(forward, arrays, weights):
    tensors = [ad.watch(a) for a in arrays]
    loss = ad.reduce_sum(forward(*tensors) * weights)
    grads = ad.gradients(loss, tensors)
    for i, (array, grad) in enumerate(zip(arrays, grads, strict=True)):
        def f(a, i=i):
            args = list(arrays)
            args[i] = a
            return float(np.sum(forward(*args).data * weights))
        np.testing.assert_allclose(grad, numeric_grad(f, array.copy()), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("rank", [1, 2])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_conv_gradients_match_finite_differences(rank, data):
    x, kernel, strides, padding, dilation = data.draw(conv_cases(rank), label="case")
    out_shape = conv(x, kernel, strides, padding, dilation).shape
    weights = np.random.default_rng(0).normal(size=out_shape)
    _check_grads(lambda a, k: conv(a, k, strides, padding, dilation), [x, kernel], weights)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("pool_op", [max_pool, avg_pool])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_pooling_gradients_match_finite_differences(rank, pool_op, data):
    x, pool, strides, padding = data.draw(pool_cases(rank), label="case")
    weights = np.random.default_rng(0).normal(size=pool_op(x, pool, strides, padding).shape)
    # continuous random inputs: no ties, so max is differentiable at x
    _check_grads(lambda a: pool_op(a, pool, strides, padding), [x], weights)


def test_max_pool_gradient_goes_to_the_first_of_tied_maxima():
    x = ad.watch(np.ones((1, 4, 1)))
    ad.reduce_sum(max_pool(x, 2)).backward()
    np.testing.assert_array_equal(x.grad[0, :, 0], [1, 0, 1, 0])


def test_ops_keep_float32():
    x = np.ones((1, 4, 4, 2), np.float32)
    k = np.ones((2, 2, 2, 3), np.float32)
    assert conv(x, k, padding="same").dtype == np.float32
    assert max_pool(x, 2).dtype == np.float32
    assert avg_pool(x, 2, padding="same").dtype == np.float32


# -- gather and scan -----------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(rows=st.integers(1, 5), width=st.integers(1, 3),
       index_shape=st.lists(st.integers(0, 4), min_size=1, max_size=2), seed=st.integers(0, 99))
def test_gather_gradient_adds_up_repeated_rows(rows, width, index_shape, seed):
    rng = np.random.default_rng(seed)
    table = ad.watch(rng.normal(size=(rows, width)))
    indices = rng.integers(0, rows, size=index_shape)
    out = gather(table, indices)
    np.testing.assert_array_equal(out.data, table.data[indices])
    g = rng.normal(size=out.shape)
    expected = np.zeros_like(table.data)
    np.add.at(expected, indices, g)
    out.backward(g)
    np.testing.assert_allclose(table.grad, expected, rtol=1e-12, atol=1e-12)


def _two_state_step(x_t, states, params):
    """A small recurrence with two states that read each other and both parameters."""
    h, c = states
    u, v = params
    h_new = ad.tanh(x_t + h @ u + c * v)
    return [h_new, c * ad.sigmoid(h_new) + h]


def _scan_naive(sequence, states, params):
    history = []
    for t in range(sequence.shape[1]):
        states = _two_state_step(ad.Tensor(sequence[:, t]), states, params)
        history.append(np.stack([s.data for s in states], axis=1))
    return np.stack(history, axis=1)


@settings(max_examples=15, deadline=None)
@given(batch=st.integers(1, 2), steps=st.integers(1, 4), units=st.integers(1, 3),
       seed=st.integers(0, 99))
def test_scan_matches_a_loop_and_finite_differences(batch, steps, units, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=(batch, steps, units)), rng.normal(size=(batch, units)),
              rng.normal(size=(batch, units)), rng.normal(size=(units, units)) / 2,
              rng.normal(size=(units,))]

    def forward(x, h0, c0, u, v):
        return scan(_two_state_step, x, [h0, c0], [ad.as_tensor(u), ad.as_tensor(v)])

    got = forward(*arrays).data
    expected = _scan_naive(arrays[0], [ad.Tensor(a) for a in arrays[1:3]],
                           [ad.Tensor(a) for a in arrays[3:]])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    _check_grads(forward, arrays, rng.normal(size=got.shape))


# -- recurrent layers (float64, so finite differences are exact enough) ------------------


@pytest.mark.parametrize("make", [
    pytest.param(lambda L: L.SimpleRNN(3, dtype="float64"), id="SimpleRNN"),
    pytest.param(lambda L: L.LSTM(3, return_sequences=True, dtype="float64"), id="LSTM"),
    pytest.param(lambda L: L.GRU(3, go_backwards=True, dtype="float64"), id="GRU"),
    pytest.param(lambda L: L.GRU(3, reset_after=False, return_sequences=True, dtype="float64"),
                 id="GRU-reset_before"),
])
def test_recurrent_layer_gradients_match_finite_differences(make):
    from reference_impl import layers

    rng = np.random.default_rng(1)
    layer = make(layers)
    x = rng.normal(size=(2, 4, 2))
    layer(ad.Tensor(x))
    for weight in layer.weights:  # non-zero biases, so every term is exercised
        weight.assign(rng.normal(size=weight.shape) / 2)
    weights = rng.normal(size=layer(ad.Tensor(x)).shape)
    xs = ad.watch(x)
    loss = ad.reduce_sum(layer(xs) * weights)
    grads = ad.gradients(loss, [*layer.weights, xs])

    def loss_at(_):  # numeric_grad perturbs the weight or input in place; the layer reads it
        return float(np.sum(layer(ad.Tensor(x)).data * weights))

    for variable, grad in zip([*layer.weights, xs], grads, strict=True):
        np.testing.assert_allclose(grad, numeric_grad(loss_at, variable.data), rtol=1e-5,
                                   atol=1e-7, err_msg=getattr(variable, "name", "inputs"))
