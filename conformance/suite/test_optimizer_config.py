"""Optimizers: documented defaults, get_config/from_config, gradient clipping, get/serialize.

Sources: the tf-keras 2.x docstrings of keras.optimizers.SGD, RMSprop, Adagrad, Adadelta, Adam,
Adamax, Nadam (constructor signatures and defaults), of the optimizer base class (clipnorm,
clipvalue, global_clipnorm, name, jit_compile) and of keras.optimizers.get / serialize /
deserialize; spec sources 004 (the optimizer names) and 001 (optimizer='rmsprop' by name).
Golden weights: fixtures/optimizer_config.json, recorded from tf-keras 2.21 by
fixtures/record_optimizer_config.py (optimizers built with no argument at all; SGD with each
kind of clipping). The optimizers are driven with apply_gradients on the implementation's own
variables, as in test_optimizers.py.
"""

import re

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose, assert_array_equal
from conformance.suite.test_optimizers import apply_steps, assert_history

NAMES = ["SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"]

# The documented defaults (tf-keras 2.x docstrings; the same in Keras 3).
DEFAULTS = {
    "SGD": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "RMSprop": {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                "centered": False},
    "Adagrad": {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
    "Adadelta": {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
    "Adam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
             "amsgrad": False},
    "Adamax": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "Nadam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
}

# Every documented argument away from its default, plus a name and one kind of clipping
# (Keras 3 allows only one kind at a time).
CONFIGS = {
    "SGD": {"learning_rate": 0.05, "momentum": 0.5, "nesterov": True, "name": "my_sgd",
            "clipnorm": 1.5},
    "RMSprop": {"learning_rate": 0.02, "rho": 0.8, "momentum": 0.3, "epsilon": 1e-5,
                "centered": True, "name": "my_rmsprop", "clipvalue": 0.8},
    "Adagrad": {"learning_rate": 0.03, "initial_accumulator_value": 0.2, "epsilon": 1e-5,
                "name": "my_adagrad", "clipnorm": 1.25},
    "Adadelta": {"learning_rate": 0.5, "rho": 0.9, "epsilon": 1e-5, "name": "my_adadelta",
                 "clipvalue": 0.9},
    "Adam": {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-5,
             "amsgrad": True, "name": "my_adam", "global_clipnorm": 2.0},
    "Adamax": {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-5,
               "name": "my_adamax", "clipnorm": 1.75},
    "Nadam": {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-5,
              "name": "my_nadam", "clipvalue": 0.7},
}


def assert_config(config, expected, what):
    """Each expected key is in config with that value (floats to float32 precision: tf-keras
    keeps learning_rate in a float32 variable)."""
    __tracebackhide__ = True
    for key, value in expected.items():
        assert key in config, f"{what}: no key {key!r} in get_config() {sorted(config)}"
        got = config[key]
        if value is None or isinstance(value, str):
            assert got == value, f"{what}: get_config()[{key!r}] is {got!r}, expected {value!r}"
        elif isinstance(value, bool):
            assert isinstance(got, bool | np.bool_) and bool(got) is value, (
                f"{what}: get_config()[{key!r}] is {got!r}, expected {value!r}")
        else:
            assert_allclose(float(got), value, rtol=1e-6, atol=0,
                            what=f"{what}: get_config()[{key!r}]")


def assert_raises(exc_type, function, pattern, what):
    """function() raises exc_type whose message matches pattern (not raising is a mismatch)."""
    __tracebackhide__ = True
    try:
        function()
    except exc_type as exc:
        assert re.search(pattern, str(exc)), (
            f"{what}: {exc_type.__name__} message {str(exc)!r} does not match {pattern!r}")
        return
    raise AssertionError(f"{what}: no {exc_type.__name__} raised")


def same_updates(adapter, first, second, what):
    """The two optimizers give exactly the same weights over the defaults' golden steps."""
    __tracebackhide__ = True
    case = golden.case("optimizer_config", "defaults_sgd")
    initial = [w + 0.5 for w in case.input("initial")]
    a = apply_steps(adapter, first, initial, case.input("gradients"))
    b = apply_steps(adapter, second, initial, case.input("gradients"))
    for step, (wa, wb) in enumerate(zip(a, b, strict=True), 1):
        for index, (x, y) in enumerate(zip(wa, wb, strict=True)):
            assert_array_equal(y, x, what=f"{what}: variable {index} after step {step}")


# -- documented defaults ------------------------------------------------------------------------
@pytest.mark.behavior("optimizers.defaults.config")
@pytest.mark.parametrize("name", NAMES)
def test_default_arguments_in_get_config(keras, name):
    """keras.optimizers.<Name>() has the documented defaults, as get_config() shows them."""
    config = getattr(keras.optimizers, name)().get_config()
    assert_config(config, DEFAULTS[name], f"{name}()")


@pytest.mark.behavior("optimizers.defaults.update")
@pytest.mark.parametrize("name", NAMES)
def test_default_arguments_give_keras2_updates(keras, adapter, name):
    """Three steps of an optimizer built with no argument give tf-keras 2.21's weights: every
    default (learning rate, rho, betas, epsilon, initial accumulator) enters the values."""
    case = golden.case("optimizer_config", f"defaults_{name.lower()}")
    optimizer = getattr(keras.optimizers, name)()
    history = apply_steps(adapter, optimizer, case.input("initial"), case.input("gradients"))
    assert_history(history, case, f"{name}()")


@pytest.mark.behavior("optimizers.name.default")
@pytest.mark.parametrize("name", NAMES)
def test_default_name_is_the_class_name(keras, name):
    """tf-keras 2.x: name defaults to the class name ('Adam'), in .name and get_config()."""
    optimizer = getattr(keras.optimizers, name)()
    assert optimizer.name == name, f"{name}().name is {optimizer.name!r}, expected {name!r}"
    assert_config(optimizer.get_config(), {"name": name}, f"{name}()")


# -- get_config / from_config -------------------------------------------------------------------
@pytest.mark.behavior("optimizers.config.arguments")
@pytest.mark.parametrize("name", NAMES)
def test_get_config_holds_the_constructor_arguments(keras, name):
    """get_config() returns every documented argument given to the constructor (hyperparameters,
    name, clipnorm / clipvalue / global_clipnorm)."""
    optimizer = getattr(keras.optimizers, name)(**CONFIGS[name])
    assert_config(optimizer.get_config(), CONFIGS[name], f"{name}(**{CONFIGS[name]})")
    assert optimizer.name == CONFIGS[name]["name"], f"{name}(name=...).name is {optimizer.name!r}"


@pytest.mark.behavior("optimizers.config.from_config")
@pytest.mark.parametrize("name", NAMES)
def test_from_config_of_get_config_is_the_same_optimizer(keras, adapter, name):
    """cls.from_config(optimizer.get_config()) is an optimizer of the same class with the same
    configuration, which gives exactly the same updates."""
    cls = getattr(keras.optimizers, name)
    original = cls(**CONFIGS[name])
    copy = cls.from_config(original.get_config())
    # isinstance: Keras 3 on torch builds its backend subclass (torch_adam.Adam) for Adam.
    assert isinstance(copy, cls), f"{name}.from_config(...) is a {type(copy).__name__}"
    assert_config(copy.get_config(), CONFIGS[name], f"{name}.from_config(get_config())")
    same_updates(adapter, cls(**CONFIGS[name]), copy, f"{name}.from_config(get_config())")


# -- gradient clipping --------------------------------------------------------------------------
CLIP_BEHAVIOURS = {"clipvalue": "optimizers.clipvalue", "clipnorm": "optimizers.clipnorm",
                   "global_clipnorm": "optimizers.global_clipnorm"}


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.behavior(b)) for n, b in CLIP_BEHAVIOURS.items()]
)
def test_clipping_matches_keras2(keras, adapter, name):
    """SGD(learning_rate=0.1, momentum=0.9) with clipvalue=0.5 / clipnorm=2.5 /
    global_clipnorm=2.5 over 3 steps of gradients around the bound gives tf-keras 2.21's
    weights (the momentum carries each clipped gradient into later steps)."""
    case = golden.case("optimizer_config", name)
    optimizer = keras.optimizers.SGD(**case["config"])
    history = apply_steps(adapter, optimizer, case.input("initial"), case.input("gradients"))
    assert_history(history, case, f"SGD(**{case['config']})")


def applied_gradients(keras, adapter, gradients, **clip):
    """What one SGD(learning_rate=1) step subtracts from variables at 0: the applied gradients."""
    [after] = apply_steps(adapter, keras.optimizers.SGD(learning_rate=1.0, **clip),
                          [np.zeros_like(g) for g in gradients], [gradients])
    return [-w for w in after]


@pytest.mark.behavior("optimizers.clipvalue")
def test_clipvalue_clips_each_entry_on_both_sides(keras, adapter):
    """clipvalue=v: every gradient entry is clipped to [-v, v]; entries inside (and exactly at
    +-v) pass unchanged."""
    gradients = [np.array([[2.0, -1.5, 0.5], [-0.5, 0.25, -0.125]], "float32"),
                 np.array([-3.0, 0.375], "float32")]
    got = applied_gradients(keras, adapter, gradients, clipvalue=0.5)
    for index, (g, grad) in enumerate(zip(got, gradients, strict=True)):
        assert_array_equal(g, np.clip(grad, -0.5, 0.5),
                           what=f"SGD(learning_rate=1, clipvalue=0.5): applied gradient {index}")


@pytest.mark.behavior("optimizers.clipnorm")
def test_clipnorm_scales_each_variable_by_its_own_norm(keras, adapter):
    """clipnorm=c: a gradient whose L2 norm exceeds c is scaled to norm c, each variable on its
    own; one below c, or exactly at c, passes unchanged."""
    gradients = [np.array([[3.0, -4.0], [0.0, 12.0]], "float32"),  # norm 13
                 np.array([0.5, -1.0, 0.25], "float32"),             # norm 1.15
                 np.array([-1.5, 2.0], "float32")]                    # norm 2.5
    got = applied_gradients(keras, adapter, gradients, clipnorm=2.5)
    expected = [gradients[0] * (2.5 / 13.0), gradients[1], gradients[2]]
    # the scale is one float32 division and multiply: a few ulp.
    for index, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert_allclose(g, e, rtol=1e-6, atol=1e-7,
                        what=f"SGD(learning_rate=1, clipnorm=2.5): applied gradient {index}")


@pytest.mark.behavior("optimizers.global_clipnorm")
def test_global_clipnorm_scales_all_gradients_together(keras, adapter):
    """global_clipnorm=c: when the norm of all gradients together exceeds c, every gradient is
    scaled by c / global_norm (even those whose own norm is below c)."""
    gradients = [np.array([[1.0, -2.0], [2.0, 0.0]], "float32"),  # norm 3
                 np.array([0.0, -4.0], "float32")]                 # norm 4; global norm 5
    got = applied_gradients(keras, adapter, gradients, global_clipnorm=2.5)
    for index, (g, grad) in enumerate(zip(got, gradients, strict=True)):
        assert_allclose(g, grad * 0.5, rtol=1e-6, atol=1e-7,
                        what=f"SGD(learning_rate=1, global_clipnorm=2.5): applied gradient "
                             f"{index}")
    small = [g * 0.25 for g in gradients]  # global norm 1.25: unchanged
    got = applied_gradients(keras, adapter, small, global_clipnorm=2.5)
    for index, (g, grad) in enumerate(zip(got, small, strict=True)):
        assert_allclose(g, grad, rtol=1e-6, atol=1e-7,
                        what=f"SGD(learning_rate=1, global_clipnorm=2.5), global norm 1.25: "
                             f"applied gradient {index}")


@pytest.mark.behavior("optimizers.global_clipnorm.exclusive")
def test_clipnorm_and_global_clipnorm_together_raise(keras):
    """tf-keras 2.x: "At most one of `clipnorm` and `global_clipnorm` can be set" (ValueError)."""
    assert_raises(ValueError, lambda: keras.optimizers.Adam(clipnorm=1.0, global_clipnorm=1.0),
                  "clipnorm", "Adam(clipnorm=1.0, global_clipnorm=1.0)")


@pytest.mark.behavior("optimizers.clipnorm_and_clipvalue")
def test_clipnorm_and_clipvalue_together_both_bound_the_gradient(keras, adapter):
    """Both set: the docstring's two promises hold together - every applied entry is within
    [-clipvalue, clipvalue] and each variable's applied gradient has norm <= clipnorm."""
    gradients = [np.array([[3.0, -4.0], [0.0, 12.0]], "float32"), np.array([0.25, -0.5], "float32")]
    got = applied_gradients(keras, adapter, gradients, clipnorm=2.5, clipvalue=1.0)
    for index, g in enumerate(got):
        assert np.max(np.abs(g)) <= 1.0 + 1e-6, (
            f"SGD(learning_rate=1, clipnorm=2.5, clipvalue=1.0): applied gradient {index} "
            f"has an entry beyond clipvalue: {g.tolist()}")
        assert np.sqrt(np.sum(np.square(g))) <= 2.5 * (1 + 1e-6), (
            f"SGD(learning_rate=1, clipnorm=2.5, clipvalue=1.0): applied gradient {index} "
            f"has norm > clipnorm: {g.tolist()}")


# -- constructor arguments --------------------------------------------------------------------
@pytest.mark.behavior("optimizers.kwargs.unknown")
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_unknown_keyword_argument_raises_type_error(keras, name):
    """An argument no optimizer takes is a TypeError naming it (tf-keras 2.x: "foo is not a
    valid argument, kwargs should be empty ...")."""
    assert_raises(TypeError, lambda: getattr(keras.optimizers, name)(foo=1), "foo",
                  f"{name}(foo=1)")


@pytest.mark.behavior("optimizers.kwargs.jit_compile")
def test_jit_compile_argument_is_accepted(keras):
    """The tf-keras 2.x optimizer base takes jit_compile (whether XLA compiles the update); it
    changes nothing in the configuration of the update rule."""
    optimizer = keras.optimizers.Adam(learning_rate=0.02, jit_compile=False)
    assert_config(optimizer.get_config(), {"learning_rate": 0.02, "beta_1": 0.9},
                  "Adam(learning_rate=0.02, jit_compile=False)")


@pytest.mark.behavior("optimizers.decay.negative")
def test_negative_decay_raises_value_error(keras):
    """decay must be >= 0: a negative decay is a ValueError naming decay (tf-keras's legacy
    optimizers: "decay cannot be less than 0"; its 2.11+ optimizers refuse any decay)."""
    assert_raises(ValueError, lambda: keras.optimizers.SGD(learning_rate=0.1, decay=-0.5),
                  "decay", "SGD(learning_rate=0.1, decay=-0.5)")


@pytest.mark.behavior("optimizers.sgd.momentum.range")
def test_sgd_momentum_must_be_within_0_and_1(keras):
    """SGD(momentum=m) takes 0 <= m <= 1 (1 included) and raises ValueError naming momentum
    outside ("`momentum` must be between [0, 1]")."""
    assert_config(keras.optimizers.SGD(momentum=1.0).get_config(), {"momentum": 1.0},
                  "SGD(momentum=1.0)")
    for bad in (1.5, -0.1):
        assert_raises(ValueError, lambda bad=bad: keras.optimizers.SGD(momentum=bad),
                      "momentum", f"SGD(momentum={bad})")


# -- get / serialize / deserialize --------------------------------------------------------------
@pytest.mark.behavior("optimizers.get.name")
@pytest.mark.parametrize("name", NAMES)
def test_get_by_name_gives_the_default_optimizer(keras, name):
    """keras.optimizers.get('<name>') (lower case, as in compile(optimizer='rmsprop'), or the
    class name) is a new optimizer of that class with the documented defaults."""
    for spelling in (name.lower(), name):
        optimizer = keras.optimizers.get(spelling)
        assert type(optimizer).__name__ == name, (
            f"optimizers.get({spelling!r}) is a {type(optimizer).__name__}")
        assert_config(optimizer.get_config(), DEFAULTS[name], f"optimizers.get({spelling!r})")


@pytest.mark.behavior("optimizers.get.instance")
def test_get_of_an_optimizer_returns_it(keras):
    optimizer = keras.optimizers.Adam(learning_rate=0.02)
    assert keras.optimizers.get(optimizer) is optimizer, "optimizers.get(instance) is not it"


@pytest.mark.behavior("optimizers.get.dict")
def test_get_of_a_config_dict_builds_that_optimizer(keras):
    """keras.optimizers.get({'class_name': ..., 'config': {...}}) deserializes the dict."""
    config = {"learning_rate": 0.5, "beta_1": 0.8, "epsilon": 1e-4}
    optimizer = keras.optimizers.get({"class_name": "Adam", "config": config})
    assert type(optimizer).__name__ == "Adam", f"get(dict) is a {type(optimizer).__name__}"
    assert_config(optimizer.get_config(), config, "optimizers.get({'class_name': 'Adam', ...})")


@pytest.mark.behavior("optimizers.get.unknown")
@pytest.mark.parametrize("identifier", [42, "no_such_optimizer",
                                        {"class_name": "NoSuchOpt", "config": {}}],
                         ids=["int", "unknown_name", "unknown_class_name"])
def test_get_of_an_unknown_identifier_raises(keras, identifier):
    """Anything get cannot interpret is a ValueError that names it (tf-keras 2.x: "Could not
    interpret optimizer identifier: 42", "Unknown optimizer: 'no_such_optimizer'")."""
    shown = identifier["class_name"] if isinstance(identifier, dict) else str(identifier)
    assert_raises(ValueError, lambda: keras.optimizers.get(identifier), re.escape(shown),
                  f"optimizers.get({identifier!r})")


@pytest.mark.behavior("optimizers.serialize")
@pytest.mark.parametrize("name", NAMES)
def test_serialize_and_deserialize_round_trip(keras, adapter, name):
    """serialize(optimizer) is {'class_name': '<Name>', 'config': optimizer.get_config(), ...};
    deserialize of it is an optimizer of the same class and configuration, with the same
    updates."""
    optimizer = getattr(keras.optimizers, name)(**CONFIGS[name])
    serialized = keras.optimizers.serialize(optimizer)
    assert serialized.get("class_name") == name, f"serialize({name}(...)) is {serialized}"
    assert "config" in serialized, f"serialize({name}(...)) has no 'config': {serialized}"
    assert_config(serialized["config"], CONFIGS[name], f"serialize({name}(...))['config']")
    restored = keras.optimizers.deserialize(serialized)
    assert type(restored).__name__ == name, f"deserialize(...) is a {type(restored).__name__}"
    assert_config(restored.get_config(), CONFIGS[name], f"deserialize(serialize({name}(...)))")
    same_updates(adapter, getattr(keras.optimizers, name)(**CONFIGS[name]), restored,
                 f"deserialize(serialize({name}(...)))")


@pytest.mark.behavior("optimizers.deserialize.custom_objects")
def test_deserialize_finds_a_custom_optimizer_in_custom_objects(keras):
    """deserialize(config, custom_objects={'Name': cls}) builds the custom class."""

    class HalfStepSGD(keras.optimizers.SGD):
        pass

    config = {"class_name": "HalfStepSGD", "config": {"learning_rate": 0.25, "momentum": 0.5}}
    optimizer = keras.optimizers.deserialize(config, custom_objects={"HalfStepSGD": HalfStepSGD})
    assert type(optimizer) is HalfStepSGD, f"deserialize(...) is a {type(optimizer).__name__}"
    assert_config(optimizer.get_config(), config["config"], "deserialize(HalfStepSGD config)")


@pytest.mark.behavior("optimizers.deserialize.unknown")
def test_deserialize_of_an_unknown_class_raises(keras):
    """deserialize of an unknown class_name is a ValueError naming it (Keras 2.2's
    deserialize_keras_object: "Unknown optimizer: NoSuchOpt")."""
    assert_raises(ValueError,
                  lambda: keras.optimizers.deserialize({"class_name": "NoSuchOpt", "config": {}}),
                  "NoSuchOpt", "optimizers.deserialize({'class_name': 'NoSuchOpt', ...})")


# -- mutation-run kill (helper HO): the exact message of the clipnorm / global_clipnorm error --
@pytest.mark.behavior("optimizers.global_clipnorm.exclusive.message")
def test_clipnorm_and_global_clipnorm_error_message(keras):
    """tf-keras 2.21 (checked): SGD(clipnorm=1.0, global_clipnorm=1.0) raises ValueError "At most
    one of `clipnorm` and `global_clipnorm` can be set. Received: clipnorm=1.0,
    global_clipnorm=1.0." - the sentence is pinned case-sensitively, and both values are named."""
    assert_raises(ValueError, lambda: keras.optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0),
                  r"^At most one of `clipnorm` and `global_clipnorm` can be set\. "
                  r"Received: clipnorm=1\.0, global_clipnorm=1\.0\.$",
                  "SGD(clipnorm=1.0, global_clipnorm=1.0)")
