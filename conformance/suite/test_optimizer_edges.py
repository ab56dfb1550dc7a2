"""Optimizers at the edges: exactly zero, tiny (1e-8), small (3e-4) and sparse gradients.

Spec sources: 004 (the optimizer names), 003 (SGD with momentum and nesterov). Where epsilon
enters the update, and what a never-seen or long-absent gradient does to an optimizer's state,
only shows when gradients are not large: fixtures/optimizers.json keeps |g| >= 0.5 on purpose,
fixtures/optimizers_edge.json (recorded from tf-keras 2.21 by fixtures/record_training.py) does
the opposite. Each case applies 6 steps to a (4, 3) kernel and a (3,) bias with
``optimizer.apply_gradients`` (the helpers of test_optimizers.py): kernel rows ordinary, tiny,
zero-then-ordinary and sparse; bias entries always zero, small, and ordinary-then-tiny.
"""

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_array_equal
from conformance.suite.test_optimizers import apply_steps, assert_history

# golden case -> behaviour it checks
EDGE_CASES = {
    "sgd": "optimizers.sgd.edge_gradients",
    "sgd_momentum": "optimizers.sgd.momentum.edge_gradients",
    "sgd_nesterov": "optimizers.sgd.nesterov.edge_gradients",
    "rmsprop": "optimizers.rmsprop.tiny_gradients",
    "rmsprop_momentum": "optimizers.rmsprop.momentum.tiny_gradients",
    "rmsprop_centered": "optimizers.rmsprop.centered.tiny_gradients",
    "adagrad": "optimizers.adagrad.tiny_gradients",
    "adagrad_zero_accumulator": "optimizers.adagrad.tiny_gradients",
    "adadelta": "optimizers.adadelta.tiny_gradients",
    "adam": "optimizers.adam.tiny_gradients",
    "adam_amsgrad": "optimizers.adam.amsgrad.tiny_gradients",
    "adamax": "optimizers.adamax.tiny_gradients",
    "nadam": "optimizers.nadam.tiny_gradients",
}


def run_case(keras, adapter, name):
    case = golden.case("optimizers_edge", name)
    optimizer = getattr(keras.optimizers, case["optimizer"])(**case["config"])
    history = apply_steps(adapter, optimizer, case.input("initial"), case.input("gradients"))
    return case, history


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.behavior(b)) for n, b in EDGE_CASES.items()]
)
def test_edge_gradients_match_keras2(keras, adapter, name):
    case, history = run_case(keras, adapter, name)
    assert_history(history, case, f"{case['optimizer']}(**{case['config']}), edge gradients")


@pytest.mark.behavior("optimizers.zero_gradient.unchanged")
@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_always_zero_gradient_leaves_the_weight_exactly_unchanged(keras, adapter, name):
    """bias[0] gets an exactly zero gradient at every step: no optimizer may move it, not even
    by epsilon or by a bias correction (0 / (0 + epsilon) is 0)."""
    case, history = run_case(keras, adapter, name)
    initial = case.input("initial")[1][0]
    got = np.array([step[1][0] for step in history])
    assert_array_equal(got, np.full(len(history), initial),
                       what=f"{case['optimizer']}(**{case['config']}): a weight whose gradient "
                            f"is always 0, after each step")


# -- mutation-run kill (helper HO): updates are computed in the weight's float32 ---------------
@pytest.mark.behavior("optimizers.float32_overflowing_gradient")
@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adagrad"])
def test_a_gradient_whose_square_overflows_float32_leaves_its_entry_unchanged(keras, adapter,
                                                                             name):
    """A float32 weight is updated in float32: a gradient entry of 1e20 squares to inf (float32
    max ~3.4e38), the second-moment / accumulator entry becomes inf and the step g / sqrt(inf)
    is 0, so that entry stays exactly 1.0 (tf-keras 2.21, checked for all three; computing in
    float64 would move it by about lr). The other entry steps exactly as it does alone."""
    initial = [np.array([1.0, -2.0], "float32")]
    huge = apply_steps(adapter, getattr(keras.optimizers, name)(), initial,
                       [[np.array([1e20, 1.0], "float32")]])
    alone = apply_steps(adapter, getattr(keras.optimizers, name)(), initial,
                        [[np.array([0.0, 1.0], "float32")]])
    got, expected = np.asarray(huge[0][0]), np.asarray(alone[0][0])
    assert_array_equal(got[:1], np.array([1.0], "float32"),
                       what=f"{name}(): the entry whose gradient is 1e20, after one step")
    assert_array_equal(got[1:], expected[1:],
                       what=f"{name}(): the other entry, against a step with it alone")
    assert expected[1] != np.float32(-2.0), f"{name}(): the ordinary entry did not move"
