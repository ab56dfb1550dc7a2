"""Losses at their edges: the crossentropies' from_logits, label_smoothing and axis arguments,
extreme logits, sparse label shapes, the epsilon clip, the result dtype, and losses.get /
serialize with every documented kind of identifier.

Spec sources: the Keras 2 losses page (keras.io/zh/losses, linked from 000 §3) and the tf-keras
2.x docstrings of keras.losses.binary_crossentropy, categorical_crossentropy,
sparse_categorical_crossentropy ("from_logits: Whether y_pred is expected to be a logits
tensor", "label_smoothing: Float in [0, 1]. If > 0 then smooth the labels", "axis: Defaults to
-1. The dimension along which the entropy is computed"), kullback_leibler_divergence (its
example clips y_true and y_pred to [1e-7, 1]) and losses.get. Values are golden, recorded from
tf-keras 2.21 by fixtures/record_loss_edges.py (fixtures/loss_edges.json); the rest are exact
relations. Inputs are NumPy arrays passed directly, as in the docstrings' examples.
"""

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose

# golden case -> behaviour it checks
GOLDEN = {
    "bce_from_logits": "losses.binary_crossentropy.from_logits",
    "bce_from_logits_extreme": "losses.crossentropy.extreme_logits",
    "bce_label_smoothing": "losses.binary_crossentropy.label_smoothing",
    "bce_label_smoothing_logits": "losses.binary_crossentropy.label_smoothing",
    "cce_from_logits": "losses.categorical_crossentropy.from_logits",
    "cce_from_logits_extreme": "losses.crossentropy.extreme_logits",
    "cce_label_smoothing": "losses.categorical_crossentropy.label_smoothing",
    "cce_label_smoothing_logits": "losses.categorical_crossentropy.label_smoothing",
    "cce_axis1": "losses.categorical_crossentropy.axis",
    "cce_axis1_logits": "losses.categorical_crossentropy.axis",
    "cce_axis1_label_smoothing": "losses.categorical_crossentropy.axis",
    "cce_unnormalized": "losses.categorical_crossentropy.normalizes",
    "cce_certain": "losses.categorical_crossentropy.epsilon_clip",
    "scce_from_logits": "losses.sparse_categorical_crossentropy.from_logits",
    "scce_from_logits_extreme": "losses.crossentropy.extreme_logits",
    "scce_int_labels": "losses.sparse_categorical_crossentropy.label_shapes",
    "scce_labels_n1": "losses.sparse_categorical_crossentropy.label_shapes",
    "scce_batch_of_one": "losses.sparse_categorical_crossentropy.label_shapes",
    "scce_3d": "losses.sparse_categorical_crossentropy.label_shapes",
    "scce_3d_trailing_one": "losses.sparse_categorical_crossentropy.label_shapes",
    "scce_3d_logits": "losses.sparse_categorical_crossentropy.from_logits",
    "scce_axis1": "losses.sparse_categorical_crossentropy.axis",
    "kld_targets_above_one": "losses.kullback_leibler_divergence.epsilon_clip",
}


def assert_loss(got, case, what):
    __tracebackhide__ = True
    assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol, what=what)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.behavior(b)) for n, b in GOLDEN.items()]
)
def test_loss_edge_values_match_keras2(keras, adapter, name):
    case = golden.case("loss_edges", name)
    loss = getattr(keras.losses, case["function"])
    got = adapter.to_numpy(loss(case.input("y_true"), case.input("y_pred"), **case["kwargs"]))
    assert_loss(got, case, f"keras.losses.{case['function']}(y_true, y_pred, "
                           f"**{case['kwargs']}) [{name}]")


@pytest.mark.behavior("losses.sparse_categorical_crossentropy.label_shapes")
@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
def test_sparse_labels_of_any_numeric_dtype_agree(keras, adapter, dtype):
    """The same labels as int or float NumPy arrays (docstring: "y_true: Ground truth values",
    integers; Keras 2 casts them to int) give the recorded int64 values."""
    case = golden.case("loss_edges", "scce_int_labels")
    labels = case.input("y_true").astype(dtype)
    got = adapter.to_numpy(keras.losses.sparse_categorical_crossentropy(labels,
                                                                         case.input("y_pred")))
    assert_loss(got, case, f"sparse_categorical_crossentropy({dtype} labels, y_pred)")


# Losses documented as a mean over the last axis ("loss = mean(..., axis=-1)" in each tf-keras
# docstring): on (2, 3, 4) each (batch, step) value is that of its row alone.
# Losses are fetched with keras.losses.get(name), as compile(loss='mape') does: tf.keras (Keras
# 3) exports only the short names as attributes, keras 3 only the long ones, which
# losses.<name> and losses.aliases report; here the reduction and dtype are checked.
LAST_AXIS = {
    "mape": "positive",
    "msle": "positive",
    "poisson": "positive",
    "binary_crossentropy": "probabilities",
    "categorical_crossentropy": "distributions",
}


def _last_axis_inputs(kind):
    rng = np.random.default_rng(23)
    shape = (2, 3, 4)
    if kind == "positive":
        true, pred = rng.uniform(0.2, 3.0, shape), rng.uniform(0.2, 3.0, shape)
    elif kind == "probabilities":
        true, pred = rng.integers(0, 2, shape), rng.uniform(0.05, 0.95, shape)
    else:
        true = np.eye(4)[rng.integers(0, 4, shape[:2])]
        pred = rng.dirichlet(np.ones(4), size=shape[:2])
    return true.astype("float32"), pred.astype("float32")


@pytest.mark.behavior("losses.last_axis")
@pytest.mark.parametrize("name", LAST_AXIS)
def test_loss_reduces_only_the_last_axis(keras, adapter, name):
    y_true, y_pred = _last_axis_inputs(LAST_AXIS[name])
    loss = keras.losses.get(name)
    got = adapter.to_numpy(loss(y_true, y_pred))
    rows = adapter.to_numpy(loss(y_true.reshape(6, 4), y_pred.reshape(6, 4))).reshape(2, 3)
    # Same float32 operations on the same rows: only the order of a 4-term reduction may differ.
    assert_allclose(got, rows, rtol=1e-6, atol=1e-7,
                    what=f"keras.losses.get({name!r}) on (2, 3, 4) vs on its rows")


# -- dtype: y_true is cast to y_pred's dtype ---------------------------------------------------
DTYPE_CASES = {  # fetched with losses.get (see LAST_AXIS)
    "mse": "float64",
    "mape": "int64",
    "binary_crossentropy": "float64",
    "categorical_crossentropy": "int64",
    "sparse_categorical_crossentropy": "int64",
    "kld": "float64",
    "poisson": "int64",
    "hinge": "int64",
}


@pytest.mark.behavior("losses.dtype")
@pytest.mark.parametrize("name", DTYPE_CASES)
def test_loss_of_float32_predictions_is_float32(keras, adapter, name):
    y_pred = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]], "float32")
    if name.startswith("sparse_"):
        y_true = np.array([1, 0], DTYPE_CASES[name])
    else:
        y_true = np.array([[0, 1, 0], [1, 0, 0]], DTYPE_CASES[name])
    got = adapter.to_numpy(keras.losses.get(name)(y_true, y_pred))
    assert got.dtype == np.float32, (
        f"dtype: got {got.dtype}, expected float32 [keras.losses.get({name!r})"
        f"({DTYPE_CASES[name]} y_true, float32 y_pred)]")
    assert got.shape == (2,), f"shape: got {got.shape}, expected (2,) [losses.get({name!r})]"


# -- losses.get / serialize / deserialize -------------------------------------------------------
def _scaled_error(y_true, y_pred):
    return 3.0 * (np.asarray(y_pred) - np.asarray(y_true)).sum(axis=-1)


@pytest.mark.behavior("losses.get.identifiers")
def test_get_none_is_none(keras):
    """Docstring of tf-keras losses.get: "identifier: A loss identifier. One of None or ..."."""
    assert keras.losses.get(None) is None


@pytest.mark.behavior("losses.get.identifiers")
@pytest.mark.parametrize("function", [_scaled_error, abs], ids=["custom", "builtin_abs"])
def test_get_returns_a_callable_unchanged(keras, function):
    got = keras.losses.get(function)
    assert got is function, f"keras.losses.get({function!r}) returned {got!r}, not the function"


@pytest.mark.behavior("losses.get.identifiers")
def test_get_unknown_name_raises_value_error_naming_it(keras):
    try:
        result = keras.losses.get("no_such_loss_xyz")
    except ValueError as exc:
        assert "no_such_loss_xyz" in str(exc), f"ValueError message does not name it: {exc}"
        return
    raise AssertionError(f"no ValueError: keras.losses.get('no_such_loss_xyz') returned "
                         f"{result!r}")


@pytest.mark.behavior("losses.serialize.string")
@pytest.mark.parametrize("name", ["mse", "categorical_crossentropy"])
def test_serialize_of_a_name_is_the_name(keras, adapter, name):
    """compile(loss='mse') keeps a string; serializing it must give the string back, and
    deserializing that the loss it names."""
    assert keras.losses.serialize(name) == name
    y_true, y_pred = _last_axis_inputs("distributions")
    restored = keras.losses.deserialize(keras.losses.serialize(name))
    direct = keras.losses.get(name)
    assert_allclose(adapter.to_numpy(restored(y_true, y_pred)),
                    adapter.to_numpy(direct(y_true, y_pred)), rtol=0, atol=0,
                    what=f"deserialize(serialize({name!r}))")
