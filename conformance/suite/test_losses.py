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
