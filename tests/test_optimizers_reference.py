"""The reference's optimizers against tf-keras's, on random weights and gradients.

Gradients are also drawn tiny (1e-4), where sqrt(v) + eps and sqrt(v + eps) differ by orders of
magnitude. Most cases run against the Keras-2-classic optimizers (optimizers.legacy) with the
time-based ``decay`` that only they take. RMSprop and Adagrad run against tf-keras 2.21's
current optimizers, which add epsilon inside the square root (the legacy ones add it outside):
the conformance goldens (fixtures/optimizers_edge.json) pin the current rule, and the reference
follows it. Nadam is left out: the reference follows tf-keras's new Nadam schedule (see its
docstring). Skipped where tf_keras is not installed.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_impl import autodiff as ad
from reference_impl import optimizers

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")
tf_keras = pytest.importorskip("tf_keras")

CASES = {  # name: (tf-keras optimizers module, class, config)
    "sgd": ("legacy", "SGD", {"learning_rate": 0.1, "decay": 0.1}),
    "sgd_nesterov": ("legacy", "SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True,
                                       "decay": 0.1}),
    "rmsprop": ("current", "RMSprop", {"learning_rate": 0.01}),
    "rmsprop_momentum": ("current", "RMSprop", {"momentum": 0.5}),
    "rmsprop_centered": ("current", "RMSprop", {"centered": True}),
    "rmsprop_centered_momentum": ("current", "RMSprop", {"centered": True, "momentum": 0.3}),
    "adagrad": ("current", "Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.1}),
    "adadelta": ("legacy", "Adadelta", {"learning_rate": 1.0, "decay": 0.1}),
    "adam": ("legacy", "Adam", {"decay": 0.1}),
    "adam_amsgrad": ("legacy", "Adam", {"amsgrad": True}),
    "adamax": ("legacy", "Adamax", {"learning_rate": 0.01, "decay": 0.1}),
}
STEPS = 5


def run_reference(name, config, initial, gradients):
    variable = ad.Variable(initial.copy())
    optimizer = getattr(optimizers, name)(**config)
    for gradient in gradients:
        optimizer.apply_gradients([(gradient, variable)])
    assert optimizer.iterations == len(gradients)
    return variable.data


def run_tf_keras(module, name, config, initial, gradients):
    variable = tf.Variable(initial)
    namespace = tf_keras.optimizers.legacy if module == "legacy" else tf_keras.optimizers
    optimizer = getattr(namespace, name)(**config)
    for gradient in gradients:
        optimizer.apply_gradients([(tf.constant(gradient), variable)])
    return variable.numpy()


@pytest.mark.parametrize("case", CASES)
@given(scale=st.sampled_from([1e-4, 1.0]), seed=st.integers(0, 2**16))
def test_update_matches_tf_keras(case, scale, seed):
    module, name, config = CASES[case]
    rng = np.random.default_rng(seed)
    initial = rng.normal(size=(3, 4)).astype("float32")
    gradients = [(scale * rng.normal(size=(3, 4))).astype("float32") for _ in range(STEPS)]
    got = run_reference(name, config, initial, gradients)
    expected = run_tf_keras(module, name, config, initial, gradients)
    # float32 weights of size ~1: a few roundings (~1e-7) per step; compared with the total
    # move, which is > 1e-6 even with the smallest gradients and learning rates here
    moved = np.abs(expected - initial)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6 + 1e-4 * moved.max())
    assert moved.max() > 1e-6


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax",
                                  "Nadam"])
def test_lr_alias_and_config_round_trip(name):
    optimizer = getattr(optimizers, name)(lr=0.5, decay=0.25)
    assert optimizer.learning_rate == optimizer.lr == 0.5
    assert optimizers.get(name.lower()).__class__ is type(optimizer)
    again = optimizers.deserialize(optimizers.serialize(optimizer))
    assert again.get_config() == optimizer.get_config()


def test_decay_divides_the_learning_rate_by_one_plus_decay_times_iterations():
    variable = ad.Variable(np.zeros(1, "float32"))
    optimizer = optimizers.SGD(learning_rate=1.0, decay=0.5)
    steps = [float(variable.data[0])]
    for _ in range(3):
        optimizer.apply_gradients([(np.ones(1, "float32"), variable)])
        steps.append(float(variable.data[0]))
    assert np.allclose(np.diff(steps), [-1.0, -1 / 1.5, -1 / 2.0])
