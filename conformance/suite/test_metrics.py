"""Metric functions: `keras.metrics.<name>(y_true, y_pred)` returns one value per sample.

Spec sources: 000 §3 and 001 (metrics=['accuracy'], custom metric functions), 002 §4.6 (heading
only) and the Keras 2 metrics page (keras.io/zh/metrics): binary_accuracy, categorical_accuracy,
sparse_categorical_accuracy, top_k_categorical_accuracy(k=5), and the loss functions used as
metrics (mse, mae). The regular cases are checked against oracles written here from those
definitions, on hypothesis-drawn inputs without ties; ties and predictions equal to the
threshold, which the documentation leaves open, are golden (fixtures/metrics.json, tf-keras 2.21).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import golden
from conformance.assertions import assert_allclose

# Accuracies are means of 0/1 values over a handful of entries: only float32 rounding of
# fractions such as 2/3 remains, far below 1e-6.
EXACT = dict(rtol=0, atol=1e-6)
# mse/mae: float32 subtraction, squares and a mean over <= 6 values.
ARITHMETIC = dict(rtol=1e-6, atol=1e-7)


@st.composite
def classification(draw, max_classes=6):
    """(y_true one-hot, y_pred without ties, labels) for a small batch."""
    n = draw(st.integers(1, 5), label="batch")
    k = draw(st.integers(2, max_classes), label="classes")
    labels = np.asarray(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n),
                             label="labels"))
    # Distinct scores per row (a permutation of 0..k-1, scaled) rule out argmax ties.
    ranks = [draw(st.permutations(range(k)), label=f"ranks[{i}]") for i in range(n)]
    y_pred = (np.asarray(ranks, dtype="float32") + 0.5) / k
    y_true = np.eye(k, dtype="float32")[labels]
    return y_true, y_pred, labels


@st.composite
def binary(draw):
    """(y_true in {0, 1}, y_pred in (0, 1)) of shape (n, d), y_pred never near 0.5 or 0.7."""
    n = draw(st.integers(1, 5), label="batch")
    d = draw(st.integers(1, 4), label="outputs")
    y_true = np.asarray(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n * d,
                                      max_size=n * d), label="y_true"), "float32")
    # Multiples of 1/20 shifted by 1/40 never equal a threshold of 0.5 or 0.7.
    steps = draw(st.lists(st.integers(0, 19), min_size=n * d, max_size=n * d), label="y_pred")
    y_pred = (np.asarray(steps, "float32") + 0.5) / 20
    return y_true.reshape(n, d), y_pred.reshape(n, d)


@st.composite
def regression(draw):
    n = draw(st.integers(1, 5), label="batch")
    d = draw(st.integers(1, 6), label="outputs")
    values = st.floats(-10, 10, allow_nan=False, width=32)
    a = draw(st.lists(values, min_size=n * d, max_size=n * d), label="y_true")
    b = draw(st.lists(values, min_size=n * d, max_size=n * d), label="y_pred")
    return np.asarray(a, "float32").reshape(n, d), np.asarray(b, "float32").reshape(n, d)


def metric(keras, name, y_true, y_pred, **kwargs):
    # NumPy inputs, as in the tf.keras 2.x metric docstrings.
    return np.asarray(getattr(keras.metrics, name)(y_true, y_pred, **kwargs))


@pytest.mark.behavior("metrics.binary_accuracy")
@given(data=binary())
def test_binary_accuracy_is_the_mean_match_at_threshold_half(keras, data):
    y_true, y_pred = data
    expected = np.mean(y_true == (y_pred > 0.5), axis=-1)
    assert_allclose(metric(keras, "binary_accuracy", y_true, y_pred), expected, **EXACT,
                    what="binary_accuracy(y_true, y_pred)")


@pytest.mark.behavior("metrics.binary_accuracy.threshold")
@given(data=binary())
def test_binary_accuracy_threshold_argument(keras, data):
    y_true, y_pred = data
    expected = np.mean(y_true == (y_pred > 0.7), axis=-1)
    assert_allclose(metric(keras, "binary_accuracy", y_true, y_pred, threshold=0.7), expected,
                    **EXACT, what="binary_accuracy(y_true, y_pred, threshold=0.7)")


@pytest.mark.behavior("metrics.categorical_accuracy")
@given(data=classification())
def test_categorical_accuracy_compares_argmaxes(keras, data):
    y_true, y_pred, labels = data
    expected = (np.argmax(y_pred, axis=-1) == labels).astype("float32")
    assert_allclose(metric(keras, "categorical_accuracy", y_true, y_pred), expected, **EXACT,
                    what="categorical_accuracy(y_true, y_pred)")


@pytest.mark.behavior("metrics.sparse_categorical_accuracy")
@given(data=classification())
def test_sparse_categorical_accuracy_compares_label_with_argmax(keras, data):
    _, y_pred, labels = data
    # Integer targets of shape (batch, 1), as in the Keras 2 docstring example.
    y_true = labels.reshape(-1, 1).astype("float32")
    expected = (np.argmax(y_pred, axis=-1) == labels).astype("float32")
    assert_allclose(metric(keras, "sparse_categorical_accuracy", y_true, y_pred), expected,
                    **EXACT, what="sparse_categorical_accuracy(labels (n, 1), y_pred)")


def in_top_k(y_pred, labels, k):
    """1 where the true class is among the k largest scores (scores are tie-free)."""
    top = np.argsort(-y_pred, axis=-1)[:, :k]
    return np.any(top == labels[:, None], axis=-1).astype("float32")


@pytest.mark.behavior("metrics.top_k_categorical_accuracy")
@given(data=classification(), k=st.integers(1, 3))
def test_top_k_categorical_accuracy(keras, data, k):
    y_true, y_pred, labels = data
    assert_allclose(metric(keras, "top_k_categorical_accuracy", y_true, y_pred, k=k),
                    in_top_k(y_pred, labels, k), **EXACT,
                    what=f"top_k_categorical_accuracy(y_true, y_pred, k={k})")


@pytest.mark.behavior("metrics.top_k_categorical_accuracy.default_k")
def test_top_k_categorical_accuracy_default_k_is_5(keras):
    # 7 classes; true classes ranked 1st, 5th, 6th and 7th: k=5 gives 1, 1, 0, 0.
    scores = np.array([0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1], dtype="float32")
    labels = np.array([0, 4, 5, 6])
    y_true = np.eye(7, dtype="float32")[labels]
    y_pred = np.tile(scores, (4, 1))
    assert_allclose(metric(keras, "top_k_categorical_accuracy", y_true, y_pred),
                    np.array([1, 1, 0, 0], "float32"), **EXACT,
                    what="top_k_categorical_accuracy(y_true, y_pred), default k")


@pytest.mark.behavior("metrics.mean_squared_error")
@pytest.mark.parametrize("name", ["mse", "mean_squared_error"])
@given(data=regression())
def test_mse_metric(keras, name, data):
    y_true, y_pred = data
    expected = np.mean((y_pred.astype("float64") - y_true) ** 2, axis=-1)
    assert_allclose(metric(keras, name, y_true, y_pred), expected, **ARITHMETIC,
                    what=f"keras.metrics.{name}(y_true, y_pred)")


@pytest.mark.behavior("metrics.mean_absolute_error")
@pytest.mark.parametrize("name", ["mae", "mean_absolute_error"])
@given(data=regression())
def test_mae_metric(keras, name, data):
    y_true, y_pred = data
    expected = np.mean(np.abs(y_pred.astype("float64") - y_true), axis=-1)
    assert_allclose(metric(keras, name, y_true, y_pred), expected, **ARITHMETIC,
                    what=f"keras.metrics.{name}(y_true, y_pred)")


GOLDEN = {
    "binary_accuracy_at_threshold": "metrics.binary_accuracy.at_threshold",
    "categorical_accuracy_ties": "metrics.categorical_accuracy.ties",
    "top_k_categorical_accuracy_ties": "metrics.top_k_categorical_accuracy.ties",
}


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.behavior(b)) for n, b in GOLDEN.items()]
)
def test_ties_and_threshold_match_keras2(keras, name):
    case = golden.case("metrics", name)
    got = metric(keras, case["function"], case.input("y_true"), case.input("y_pred"),
                 **case["kwargs"])
    assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol,
                    what=f"keras.metrics.{case['function']}(y_true, y_pred, **{case['kwargs']})")
