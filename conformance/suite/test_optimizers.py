"""Optimizers: update rules, time-based decay and the `lr` alias.

Spec sources: 004 (the optimizer names SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam),
003 (`SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)`), 002 §4.4 (heading only). The
update rules are checked against golden weights recorded from tf-keras 2.21
(fixtures/optimizers.json): the same gradients are applied with
`optimizer.apply_gradients(zip(grads, variables))`, the documented way to drive an optimizer by
hand, to the implementation's own variables (made by the registry's adapter).
"""

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose

# golden case -> behaviour it checks
UPDATE_RULES = {
    "sgd": "optimizers.sgd.update",
    "sgd_momentum": "optimizers.sgd.momentum",
    "sgd_nesterov": "optimizers.sgd.nesterov",
    "rmsprop": "optimizers.rmsprop.update",
    "adagrad": "optimizers.adagrad.update",
    "adadelta": "optimizers.adadelta.update",
    "adam": "optimizers.adam.update",
    "adam_amsgrad": "optimizers.adam.amsgrad",
    "adamax": "optimizers.adamax.update",
    "nadam": "optimizers.nadam.update",
}


def apply_steps(adapter, optimizer, initial, gradients):
    """Apply each step's gradients; return the weights after every step."""
    variables = [adapter.variable(w) for w in initial]
    history = []
    for step in gradients:
        optimizer.apply_gradients(zip([adapter.to_tensor(g) for g in step], variables,
                                      strict=True))
        history.append(adapter.to_numpy(variables))
    return history


def assert_history(got, case, what):
    __tracebackhide__ = True
    for step, (got_step, expected_step) in enumerate(zip(got, case.expected, strict=True), 1):
        for index, (g, e) in enumerate(zip(got_step, expected_step, strict=True)):
            assert_allclose(g, e, rtol=case.rtol, atol=case.atol,
                            what=f"{what}: variable {index} after step {step}")


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.behavior(b)) for n, b in UPDATE_RULES.items()]
)
def test_update_rule_matches_keras2(keras, adapter, name):
    case = golden.case("optimizers", name)
    optimizer = getattr(keras.optimizers, case["optimizer"])(**case["config"])
    history = apply_steps(adapter, optimizer, case.input("initial"), case.input("gradients"))
    assert_history(history, case, f"{case['optimizer']}(**{case['config']})")


@pytest.mark.behavior("optimizers.sgd.decay")
@pytest.mark.parametrize("name", ["sgd_decay", "sgd_decay_nesterov"])
def test_sgd_time_based_decay(keras, adapter, name):
    """lr_t = lr / (1 + decay * iterations), written as in the spec (003): SGD(lr=..., decay=...).

    The golden weights come from tf-keras's optimizers.legacy.SGD, the one that still takes
    `decay`."""
    case = golden.case("optimizers", name)
    config = dict(case["config"])
    lr = config.pop("learning_rate")
    optimizer = keras.optimizers.SGD(lr=lr, **config)
    history = apply_steps(adapter, optimizer, case.input("initial"), case.input("gradients"))
    assert_history(history, case, f"SGD(lr={lr}, **{config})")


LR_ALIAS_GRADIENT = np.array([[0.5, -1.0], [2.0, -0.75]], dtype="float32")
LR_ALIAS_WEIGHTS = np.array([[1.0, 2.0], [-1.0, 0.5]], dtype="float32")


@pytest.mark.behavior("optimizers.lr_alias")
def test_sgd_lr_argument_sets_the_learning_rate(keras, adapter):
    """Keras 2 documents SGD(lr=0.01, ...): one plain SGD step moves w by -lr * g."""
    [[after]] = apply_steps(adapter, keras.optimizers.SGD(lr=0.5), [LR_ALIAS_WEIGHTS],
                            [[LR_ALIAS_GRADIENT]])
    # 1e-6 absolute: one float32 multiply-add on values of size <= 2.
    assert_allclose(after, LR_ALIAS_WEIGHTS - 0.5 * LR_ALIAS_GRADIENT, rtol=0, atol=1e-6,
                    what="SGD(lr=0.5), one step")


@pytest.mark.behavior("optimizers.lr_alias")
def test_adam_lr_argument_sets_the_learning_rate(keras, adapter):
    """Adam(lr=...): Adam's first step is lr * g / (|g| + epsilon'), i.e. lr * sign(g) here."""
    [[after]] = apply_steps(adapter, keras.optimizers.Adam(lr=0.5), [LR_ALIAS_WEIGHTS],
                            [[LR_ALIAS_GRADIENT]])
    # epsilon (1e-7, scaled by 1/sqrt(1 - beta_2) = 31.6) shifts a step of 0.5 by < 1e-5 for
    # |g| >= 0.5; the default learning rate (0.001) would be off by ~0.5.
    assert_allclose(after, LR_ALIAS_WEIGHTS - 0.5 * np.sign(LR_ALIAS_GRADIENT), rtol=0,
                    atol=1e-5, what="Adam(lr=0.5), one step")


# -- mutation-run kill: Optimizer.minimize --------------------------------------------------------
@pytest.mark.behavior("optimizers.minimize")
def test_minimize_takes_one_step_on_a_callable_loss(keras, adapter):
    """tf.keras 2.x: minimize(loss, var_list) computes the gradients of the callable `loss` with
    respect to var_list and applies them. mean_squared_error of a 1-D variable is a scalar with
    gradient 2 (v - t) / n, so one SGD step with learning_rate 0.3 and n = 3 moves v to
    v - 0.2 (v - t); a variable left out of var_list stays."""
    target_a = np.array([0.5, -1.0, 2.0], "float32")
    target_b = np.array([1.0, 1.0, -4.0], "float32")
    a = adapter.variable(np.array([1.0, 2.0, -3.0], "float32"))
    b = adapter.variable(np.array([0.0, 3.0, 1.0], "float32"))
    optimizer = keras.optimizers.SGD(learning_rate=0.3)

    def loss():
        return (keras.losses.mean_squared_error(target_a, a)
                + 2.0 * keras.losses.mean_squared_error(target_b, b))

    optimizer.minimize(loss, [a, b])
    got_a, got_b = adapter.to_numpy([a, b])
    a0, b0 = np.array([1.0, 2.0, -3.0]), np.array([0.0, 3.0, 1.0])
    expected_a = a0 - 0.2 * (a0 - target_a)
    expected_b = b0 - 0.4 * (b0 - target_b)
    # float32 arithmetic of a few terms.
    assert_allclose(got_a, expected_a, rtol=1e-6, atol=1e-6, what="variable a after minimize")
    assert_allclose(got_b, expected_b, rtol=1e-6, atol=1e-6, what="variable b after minimize")
    optimizer.minimize(loss, [a])  # only a moves
    got_a2, got_b2 = adapter.to_numpy([a, b])
    assert_allclose(got_a2, expected_a - 0.2 * (expected_a - target_a), rtol=1e-6, atol=1e-6,
                    what="a after a second minimize over [a]")
    assert_allclose(got_b2, got_b, rtol=0, atol=0, what="b is not in var_list")
