"""Weight constraints: their values, and that the optimizer applies them after each update.

Sources: keras.io/2.x/api/layers/constraints ("Classes from the keras.constraints module allow
setting constraints (eg. non-negativity) on model parameters during training. They are
per-variable projection functions applied to the target variable after each gradient update";
MaxNorm, MinMaxNorm, NonNeg, UnitNorm with their arguments and defaults). Goldens:
fixtures/constraints.json (fixtures/record_constraints.py), recorded from tf-keras 2.21.
"""

import pytest

from conformance import golden
from conformance.assertions import assert_allclose

VALUE_CASES = [n for n in golden.load("constraints").cases if n != "dense_trained"]


@pytest.mark.behavior("constraints.values")
@pytest.mark.parametrize("name", VALUE_CASES)
def test_constraint_projects_the_weight_as_keras2(keras, adapter, name):
    case = golden.case("constraints", name)
    constraint = getattr(keras.constraints, case["constraint"])(**case["config"])
    got = adapter.to_numpy(constraint(adapter.variable(case.input("w"))))
    assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol,
                    what=f"constraints.{case['constraint']}(**{case['config']})(w)")


@pytest.mark.behavior("constraints.applied_after_update")
def test_dense_constraints_are_applied_after_each_update(keras):
    case = golden.case("constraints", "dense_trained")
    model = keras.models.Sequential([keras.Input(shape=(3,)),
                                     keras.layers.Dense(**case["layer"])])
    layer = model.layers[-1]
    layer.set_weights([case.input("kernel"), case.input("bias")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=case["learning_rate"]),
                  loss=case["loss"])
    model.train_on_batch(case.input("x"), case.input("y"))
    kernel, bias = layer.get_weights()
    what = "Dense(kernel_constraint=MaxNorm(1.0), bias_constraint=NonNeg()) after one SGD step"
    assert_allclose(kernel, case.expected["kernel"], rtol=case.rtol, atol=case.atol,
                    what=f"kernel of {what}")
    assert_allclose(bias, case.expected["bias"], rtol=case.rtol, atol=case.atol,
                    what=f"bias of {what}")


@pytest.mark.behavior("constraints.get")
@pytest.mark.parametrize("identifier, class_name", [
    ("max_norm", "MaxNorm"), ("non_neg", "NonNeg"), ("unit_norm", "UnitNorm"),
    ("min_max_norm", "MinMaxNorm"), ("MaxNorm", "MaxNorm"),
    ({"class_name": "MaxNorm", "config": {"max_value": 3.0, "axis": 1}}, "MaxNorm"),
])
def test_constraints_get_resolves_names_and_configs(keras, identifier, class_name):
    constraint = keras.constraints.get(identifier)
    assert type(constraint).__name__ == class_name, (
        f"constraints.get({identifier!r}) is a {type(constraint).__name__}, expected "
        f"{class_name}")
    if isinstance(identifier, dict):
        assert constraint.get_config() == identifier["config"], (
            f"get_config() {constraint.get_config()}, expected {identifier['config']}")
    assert keras.constraints.get(None) is None, "constraints.get(None) is not None"


@pytest.mark.behavior("constraints.get")
def test_constraints_get_rejects_an_unknown_name(keras):
    with pytest.raises(ValueError):
        keras.constraints.get("no_such_constraint")
