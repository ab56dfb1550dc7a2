"""Activation functions: `keras.activations.<name>(x, ...)` and `keras.activations.get(name)`.

Spec sources: 004 (the activation names relu, softplus, softsign, sigmoid, tanh, hard_sigmoid,
linear; softmax for the output layer), 002 §4.2 (heading only) and the Keras 2 activations page
(keras.io/zh/activations), which documents elu(x, alpha), selu, exponential, relu(x, alpha,
max_value, threshold), softmax(x, axis) and hard_sigmoid as 0.2 * x + 0.5 clipped to [0, 1].
Values are golden, recorded from tf-keras 2.21 (fixtures/activations.json); the grid covers
saturation (+-20), the hard_sigmoid corners (+-2.5) and zero. Inputs are the implementation's
tensors, made by the registry's adapter ("x: Input tensor"; tf-keras's softmax and hard_sigmoid
reject arrays).
"""

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose

# golden case -> behaviour it checks
VALUES = {
    "relu": "activations.relu",
    "relu_alpha": "activations.relu.alpha",
    "relu_max_value": "activations.relu.max_value",
    "relu_threshold": "activations.relu.threshold",
    "softplus": "activations.softplus",
    "softsign": "activations.softsign",
    "sigmoid": "activations.sigmoid",
    "tanh": "activations.tanh",
    "hard_sigmoid": "activations.hard_sigmoid",
    "linear": "activations.linear",
    "elu": "activations.elu",
    "elu_alpha": "activations.elu.alpha",
    "selu": "activations.selu",
    "exponential": "activations.exponential",
    "softmax": "activations.softmax",
    "softmax_axis0": "activations.softmax.axis",
    "softmax_3d_axis1": "activations.softmax.axis",
}

# Cases with default arguments: what a string name in Dense(activation=...) stands for.
BY_NAME = [
    "relu", "softplus", "softsign", "sigmoid", "tanh", "hard_sigmoid", "linear", "elu", "selu",
    "exponential", "softmax",
]


def assert_activation(got, case, what):
    __tracebackhide__ = True
    assert_allclose(np.asarray(got), case.expected, rtol=case.rtol, atol=case.atol, what=what)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.behavior(b)) for n, b in VALUES.items()]
)
def test_activation_values_match_keras2(keras, adapter, name):
    case = golden.case("activations", name)
    function = getattr(keras.activations, case["function"])
    got = adapter.to_numpy(function(adapter.to_tensor(case.input("x")), **case["kwargs"]))
    assert_activation(got, case, f"keras.activations.{case['function']}(x, **{case['kwargs']})")


@pytest.mark.behavior("activations.get")
@pytest.mark.parametrize("name", BY_NAME)
def test_string_name_resolves_to_the_activation(keras, adapter, name):
    case = golden.case("activations", name)
    got = adapter.to_numpy(keras.activations.get(name)(adapter.to_tensor(case.input("x"))))
    assert_activation(got, case, f"keras.activations.get({name!r})(x)")


# -- mutation-run kills (swish, serialize/deserialize) ------------------------------------------
@pytest.mark.behavior("activations.swish")
def test_swish_matches_keras2(keras, adapter):
    case = golden.case("activations", "swish")
    got = adapter.to_numpy(keras.activations.swish(adapter.to_tensor(case.input("x"))))
    assert_activation(got, case, "keras.activations.swish(x)")


@pytest.mark.behavior("activations.serialize")
@pytest.mark.parametrize("name", ["swish", "tanh", "relu"])
def test_activation_serialize_deserialize(keras, adapter, name):
    case = golden.case("activations", name)
    function = getattr(keras.activations, name)
    assert keras.activations.serialize(function) == name
    for restored in (keras.activations.deserialize(name),
                     keras.activations.deserialize(keras.activations.serialize(function))):
        got = adapter.to_numpy(restored(adapter.to_tensor(case.input("x"))))
        assert_activation(got, case, f"keras.activations.deserialize({name!r})(x)")


# -- identifiers and errors (tf-keras 2.x docstrings of activations.get, serialize, deserialize
# and softmax; their examples are the cases below) ----------------------------------------------
def assert_value_error(call, *, naming, what):
    """call() raises ValueError whose message contains `naming` (an AssertionError when it
    returns; any other exception propagates with its own kind)."""
    __tracebackhide__ = True
    try:
        result = call()
    except ValueError as exc:
        assert naming in str(exc), f"ValueError message does not name {naming!r}: {exc} [{what}]"
        return
    raise AssertionError(f"no ValueError: returned {result!r} [{what}]")


def _doubled(x):
    return 2.0 * x


@pytest.mark.behavior("activations.get.identifiers")
def test_get_none_is_linear(keras, adapter):
    """Docstring example: get(None) -> <function linear>."""
    function = keras.activations.get(None)
    assert function is keras.activations.linear, f"get(None) returned {function!r}"
    case = golden.case("activations", "linear")
    got = adapter.to_numpy(function(adapter.to_tensor(case.input("x"))))
    assert_activation(got, case, "keras.activations.get(None)(x)")


@pytest.mark.behavior("activations.get.identifiers")
@pytest.mark.parametrize("function", [_doubled, abs], ids=["custom", "builtin_abs"])
def test_get_returns_a_callable_unchanged(keras, function):
    """Docstring examples: get(tf.keras.activations.softmax) and get(abs) return them."""
    got = keras.activations.get(function)
    assert got is function, f"keras.activations.get({function!r}) returned {got!r}"


@pytest.mark.behavior("activations.get.identifiers")
def test_get_unknown_name_raises_value_error_naming_it(keras):
    """Docstring example: get('abcd') raises "ValueError: Unknown activation function:abcd"."""
    assert_value_error(lambda: keras.activations.get("abcd"), naming="abcd",
                       what="keras.activations.get('abcd')")


@pytest.mark.behavior("activations.deserialize.unknown")
def test_deserialize_unknown_name_raises_value_error_naming_it(keras):
    """Docstring example: deserialize('abcd') raises "ValueError: Unknown activation function
    'abcd' cannot be deserialized."."""
    assert_value_error(lambda: keras.activations.deserialize("abcd"), naming="abcd",
                       what="keras.activations.deserialize('abcd')")


@pytest.mark.behavior("activations.serialize.unknown")
def test_serialize_of_a_non_function_raises_value_error_naming_it(keras):
    """Docstring example: serialize('abcd') raises "ValueError: Unknown activation function
    'abcd' cannot be serialized."."""
    assert_value_error(lambda: keras.activations.serialize("abcd"), naming="abcd",
                       what="keras.activations.serialize('abcd')")


@pytest.mark.behavior("activations.softmax.rank1")
def test_softmax_of_a_1d_tensor_raises_value_error(keras, adapter):
    """Docstring of tf-keras activations.softmax: "Raises: ValueError: In case dim(x) == 1."; the
    message says so ("Cannot apply softmax to a tensor that is 1D")."""
    x = adapter.to_tensor(np.array([1.0, 2.0, 3.0], "float32"))
    assert_value_error(lambda: keras.activations.softmax(x), naming="1D",
                       what="keras.activations.softmax(<1-D tensor>)")


@pytest.mark.behavior("activations.get.serialized_function")
@pytest.mark.parametrize("name", ["relu", "tanh", "softmax"])
def test_get_of_a_serialized_builtin_is_that_activation(keras, adapter, name):
    """tf-keras 2.x activations.get passes a dict to deserialize, which reads Keras's serialized
    form of a function (what keras.saving.serialize_keras_object gives for the activation)."""
    config = {"module": "builtins", "class_name": "function", "config": name,
              "registered_name": "function"}
    function = keras.activations.get(config)
    case = golden.case("activations", name)
    got = adapter.to_numpy(function(adapter.to_tensor(case.input("x"))))
    assert_activation(got, case, f"keras.activations.get({config})(x)")
