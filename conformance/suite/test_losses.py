"""Loss functions: `keras.losses.<name>(y_true, y_pred)` returns one value per sample.

Spec sources: 000 §3 and 001 (loss strings such as 'categorical_crossentropy', 'mse' in
compile), 002 §4.3 (heading only) and the Keras 2 losses page (keras.io/zh/losses, linked from
000 §3), which lists the functions and aliases checked here. Values are golden, recorded from
tf-keras 2.21 (fixtures/losses.json), including the epsilon clipping (K.epsilon() = 1e-7) of
probabilities at 0 and 1. Inputs are float32 NumPy arrays of shape (4, 3), passed directly as
in the tf.keras 2.x loss docstrings (`y_true = np.random.randint(0, 2, size=(2, 3))`), so the
tests need nothing from the backend namespace.
"""

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose

# golden case -> behaviour it checks
VALUES = {
    "mean_squared_error": "losses.mean_squared_error",
    "mean_absolute_error": "losses.mean_absolute_error",
    "mean_absolute_percentage_error": "losses.mean_absolute_percentage_error",
    "mean_squared_logarithmic_error": "losses.mean_squared_logarithmic_error",
    "squared_hinge": "losses.squared_hinge",
    "hinge": "losses.hinge",
    "categorical_hinge": "losses.categorical_hinge",
    "logcosh": "losses.logcosh",
    "logcosh_large": "losses.logcosh",
    "categorical_crossentropy": "losses.categorical_crossentropy",
    "sparse_categorical_crossentropy": "losses.sparse_categorical_crossentropy",
    "binary_crossentropy": "losses.binary_crossentropy",
    "kullback_leibler_divergence": "losses.kullback_leibler_divergence",
    "poisson": "losses.poisson",
    "cosine_proximity": "losses.cosine_proximity",
    "cosine_similarity": "losses.cosine_similarity",
    "binary_crossentropy_clip": "losses.binary_crossentropy.epsilon_clip",
    "categorical_crossentropy_clip": "losses.categorical_crossentropy.epsilon_clip",
    "sparse_categorical_crossentropy_clip": "losses.sparse_categorical_crossentropy.epsilon_clip",
    "kullback_leibler_divergence_clip": "losses.kullback_leibler_divergence.epsilon_clip",
    "poisson_clip": "losses.poisson.epsilon",
    "mean_absolute_percentage_error_clip": "losses.mean_absolute_percentage_error.epsilon_clip",
    "mean_squared_logarithmic_error_clip": "losses.mean_squared_logarithmic_error.epsilon_clip",
}

# Keras 2 short names: alias -> golden case of the function it names.
ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "kld": "kullback_leibler_divergence",
}

# Documented names, long and short, as strings for losses.get (as in compile(loss='mse')). The
# cosine loss is left out: its name itself changed (losses.cosine_proximity/cosine_similarity).
STRING_NAMES = [
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge", "logcosh",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "kullback_leibler_divergence", "poisson", *ALIASES,
]


def call(loss, case):
    return loss(case.input("y_true"), case.input("y_pred"))


def assert_loss(got, case, what):
    __tracebackhide__ = True
    assert_allclose(np.asarray(got), case.expected, rtol=case.rtol, atol=case.atol, what=what)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.behavior(b)) for n, b in VALUES.items()]
)
def test_loss_values_match_keras2(keras, name):
    case = golden.case("losses", name)
    loss = getattr(keras.losses, case["function"])
    got = call(loss, case)
    assert_loss(got, case, f"keras.losses.{case['function']}(y_true, y_pred) [{name}]")


@pytest.mark.behavior("losses.aliases")
@pytest.mark.parametrize("alias", ALIASES)
def test_short_alias_is_the_same_loss(keras, alias):
    case = golden.case("losses", ALIASES[alias])
    got = call(getattr(keras.losses, alias), case)
    assert_loss(got, case, f"keras.losses.{alias}(y_true, y_pred)")


@pytest.mark.behavior("losses.get")
@pytest.mark.parametrize("name", STRING_NAMES)
def test_string_name_resolves_to_the_loss(keras, name):
    case = golden.case("losses", ALIASES.get(name, name))
    got = call(keras.losses.get(name), case)
    assert_loss(got, case, f"keras.losses.get({name!r})(y_true, y_pred)")


# -- mutation-run kills (hinge label conversion, huber, reduction axis, serialization) ---------
EXTRA_VALUES = {
    "hinge_binary_labels": "losses.hinge.binary_labels",
    "squared_hinge_binary_labels": "losses.squared_hinge.binary_labels",
    "huber": "losses.huber",
    "kullback_leibler_divergence_above_one": "losses.kullback_leibler_divergence.epsilon_clip",
}


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.behavior(b)) for n, b in EXTRA_VALUES.items()]
)
def test_more_loss_values_match_keras2(keras, name):
    case = golden.case("losses", name)
    got = call(getattr(keras.losses, case["function"]), case)
    assert_loss(got, case, f"keras.losses.{case['function']}(y_true, y_pred) [{name}]")


# Losses documented as a mean/sum over the last axis: shape (batch, d0, .., dN) -> (batch, ..,
# dN-1). A (2, 3, 4) input must give, per (batch, step), the value of its row alone.
LAST_AXIS = {
    "hinge": "signs", "squared_hinge": "signs", "categorical_hinge": "onehot",
    "logcosh": "normal", "huber": "normal", "kullback_leibler_divergence": "distributions",
}


def _last_axis_inputs(kind):
    rng = np.random.default_rng(11)
    shape = (2, 3, 4)
    pred = rng.normal(0, 1.5, shape).astype("float32")
    if kind == "signs":
        true = rng.choice([-1.0, 1.0], shape)
    elif kind == "onehot":
        true = np.eye(4)[rng.integers(0, 4, shape[:2])]
    elif kind == "distributions":
        true = rng.dirichlet(np.ones(4), size=shape[:2])
        pred = rng.dirichlet(np.ones(4), size=shape[:2])
    else:
        true = rng.normal(0, 1.5, shape)
    return true.astype("float32"), pred.astype("float32")


@pytest.mark.behavior("losses.last_axis")
@pytest.mark.parametrize("name", LAST_AXIS)
def test_loss_reduces_only_the_last_axis(keras, name):
    y_true, y_pred = _last_axis_inputs(LAST_AXIS[name])
    loss = getattr(keras.losses, name)
    got = np.asarray(loss(y_true, y_pred))
    rows = np.asarray(loss(y_true.reshape(6, 4), y_pred.reshape(6, 4))).reshape(2, 3)
    # Same float32 operations on the same rows: only the order of a 4-term reduction may differ.
    assert_allclose(got, rows, rtol=1e-6, atol=1e-7,
                    what=f"keras.losses.{name} on (2, 3, 4) vs on its rows")


@pytest.mark.behavior("losses.serialize")
@pytest.mark.parametrize("name", ["hinge", "huber", "logcosh"])
def test_serialize_deserialize_round_trip(keras, name):
    y_true, y_pred = _last_axis_inputs("normal")
    loss = getattr(keras.losses, name)
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert_allclose(np.asarray(restored(y_true, y_pred)), np.asarray(loss(y_true, y_pred)),
                    rtol=0, atol=0, what=f"deserialize(serialize(keras.losses.{name}))")
    by_name = keras.losses.deserialize(name)
    assert_allclose(np.asarray(by_name(y_true, y_pred)), np.asarray(loss(y_true, y_pred)),
                    rtol=0, atol=0, what=f"keras.losses.deserialize({name!r})")


@pytest.mark.behavior("losses.huber")
def test_huber_delta_follows_the_documented_formula(keras):
    """tf-keras docstring: loss = 0.5 * x^2 if |x| <= d, else 0.5 * d^2 + d * (|x| - d), mean over
    the last axis. With delta = 2.0 (not 1) a constant dropped or inverted in d shows."""
    y_true = np.array([[0.0, 1.0, -1.0, 2.0], [0.5, -3.0, 4.0, 0.0]], "float32")
    y_pred = np.array([[0.3, -2.5, 1.5, 2.2], [5.5, -3.1, -0.5, -1.9]], "float32")
    delta = 2.0
    x = np.abs(y_pred.astype("float64") - y_true)
    expected = np.where(x <= delta, 0.5 * x**2, 0.5 * delta**2 + delta * (x - delta)).mean(-1)
    # float32 arithmetic on 4 terms against a float64 oracle.
    assert_allclose(np.asarray(keras.losses.huber(y_true, y_pred, delta=delta)), expected,
                    rtol=1e-6, atol=1e-6, what="keras.losses.huber(y_true, y_pred, delta=2.0)")
