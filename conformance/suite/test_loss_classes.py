"""Loss classes: `keras.losses.MeanSquaredError(reduction=..., name=...)` and the fourteen others
documented beside the functions, called as `loss(y_true, y_pred, sample_weight=None)`.

Spec sources: keras.io/2.x/api/losses (probabilistic_losses, regression_losses, hinge_losses:
the classes, their arguments, "reduction: Type of reduction to apply to the loss ... 'auto' ...
'sum_over_batch_size' ... 'sum' ... 'none'", and "sample_weight acts as a coefficient for the
loss. If a scalar is provided, then the loss is simply scaled by the given value. If
sample_weight is a tensor of size [batch_size], then the total loss for each sample of the batch
is rescaled by the corresponding element"), the tf-keras 2.x class docstrings (their
`compile(optimizer='sgd', loss=tf.keras.losses.MeanSquaredError())` usage) and
keras.io/2.x/api/losses/probabilistic_losses (SparseCategoricalCrossentropy ignore_class).
Values are golden, recorded from tf-keras 2.21 by fixtures/record_loss_classes.py
(fixtures/loss_classes.json); inputs are NumPy arrays passed directly, as in the docstrings.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import golden
from conformance.assertions import assert_allclose

FAMILY = "loss_classes"
CASES = [
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "cosine_similarity", "cosine_similarity_axis0", "huber",
    "huber_delta", "log_cosh", "binary_crossentropy", "binary_crossentropy_logits",
    "binary_crossentropy_smoothing", "categorical_crossentropy",
    "categorical_crossentropy_logits_smoothing", "sparse_categorical_crossentropy",
    "sparse_categorical_crossentropy_logits", "sparse_categorical_crossentropy_ignore_class",
    "poisson", "kl_divergence", "hinge", "squared_hinge", "categorical_hinge",
    "mean_squared_error_sequence", "categorical_crossentropy_sequence",
]
# Cases on (4, 2, 3) inputs: one value per sample and time step, (4, 2).
SEQUENCE = {"mean_squared_error_sequence", "categorical_crossentropy_sequence"}
# Cases built with documented constructor arguments (the rest use the defaults).
WITH_ARGUMENTS = {
    "cosine_similarity_axis0", "huber_delta", "binary_crossentropy_logits",
    "binary_crossentropy_smoothing", "categorical_crossentropy_logits_smoothing",
    "sparse_categorical_crossentropy_logits", "categorical_crossentropy_sequence",
}
IGNORE_CLASS = "sparse_categorical_crossentropy_ignore_class"
SAMPLE_WEIGHT = np.asarray([1.0, 0.5, 2.0, 0.0], dtype="float32")
# variant -> (reduction passed or None for the default, sample weight, behaviour)
VARIANTS = {
    "default": (None, None, "losses.classes.reduction.default"),
    "auto": ("auto", None, "losses.classes.reduction.auto"),
    "sum": ("sum", None, "losses.classes.reduction.sum"),
    "none": ("none", None, "losses.classes.reduction.none"),
    "sum_over_batch_size": ("sum_over_batch_size", None,
                            "losses.classes.reduction.sum_over_batch_size"),
    "default_weighted": (None, SAMPLE_WEIGHT, "losses.classes.sample_weight.per_sample"),
    "default_weighted_column": (None, SAMPLE_WEIGHT[:, None],
                                "losses.classes.sample_weight.per_sample"),
    "default_scalar_weight": (None, np.float32(2.5), "losses.classes.sample_weight.scalar"),
    "sum_weighted": ("sum", SAMPLE_WEIGHT, "losses.classes.sample_weight.per_sample"),
    "none_weighted": ("none", SAMPLE_WEIGHT, "losses.classes.sample_weight.per_sample"),
}
TIMESTEP_WEIGHT = np.asarray([[1.0, 0.0], [0.5, 2.0], [2.0, 1.0], [0.0, 3.0]], dtype="float32")
SEQUENCE_VARIANTS = {
    "default_weighted_timesteps": (None, TIMESTEP_WEIGHT,
                                   "losses.classes.sample_weight.per_timestep"),
    "none_weighted_timesteps": ("none", TIMESTEP_WEIGHT,
                                "losses.classes.sample_weight.per_timestep"),
}


def _variants(name):
    return {**VARIANTS, **(SEQUENCE_VARIANTS if name in SEQUENCE else {})}


def _behaviors(name, variant):
    marks = [_variants(name)[variant][2]]
    if name in WITH_ARGUMENTS:
        marks.append("losses.classes.arguments")
    if name == IGNORE_CLASS:
        marks.append("losses.classes.sparse_categorical_crossentropy.ignore_class")
    return pytest.mark.behavior(*marks)


def _value_params():
    for name in CASES:
        for variant, (_, weight, _) in _variants(name).items():
            if name == "cosine_similarity_axis0" and weight is not None:
                continue  # one value per class column: a per-sample weight does not apply
            yield pytest.param(name, variant, marks=_behaviors(name, variant),
                               id=f"{name}-{variant}")


def _build(keras, case, **extra):
    return getattr(keras.losses, case["loss_class"])(**case["kwargs"], **extra)


@pytest.mark.parametrize(("name", "variant"), list(_value_params()))
def test_loss_class_values_match_keras2(keras, adapter, name, variant):
    case = golden.case(FAMILY, name)
    reduction, weight, _ = _variants(name)[variant]
    loss = _build(keras, case, **({} if reduction is None else {"reduction": reduction}))
    got = adapter.to_numpy(loss(case.input("y_true"), case.input("y_pred"),
                                sample_weight=weight))
    assert_allclose(got, case.expected[variant], rtol=case.rtol, atol=case.atol,
                    what=f"{case['loss_class']}(**{case['kwargs']}, reduction={reduction!r})"
                         f"(y_true, y_pred, sample_weight={weight}) [{name}]")


@pytest.mark.behavior("losses.classes.reduction.none", "losses.classes.sample_weight.per_sample")
@pytest.mark.parametrize("name", CASES)
def test_reductions_relate_as_documented(keras, adapter, name):
    """'sum' is the sum of the 'none' values and the default their mean; a per-sample weight
    multiplies each 'none' value; a scalar weight scales the default value (exact relations,
    float32 rounding only; cosine_similarity_axis0 reduces over 3 class values, not 4)."""
    case = golden.case(FAMILY, name)
    y_true, y_pred = case.input("y_true"), case.input("y_pred")

    def value(reduction=None, weight=None):
        loss = _build(keras, case, **({} if reduction is None else {"reduction": reduction}))
        return adapter.to_numpy(loss(y_true, y_pred, sample_weight=weight)).astype("float64")

    per_sample = value("none")
    tol = dict(rtol=1e-5, atol=1e-6)
    assert_allclose(value("sum"), per_sample.sum(), **tol, what=f"sum = sum of none [{name}]")
    # ignore_class: the ignored samples give 0 and do not count in the mean (tf-keras 2)
    count = (np.sum(y_true != case["kwargs"]["ignore_class"]) if name == IGNORE_CLASS
             else per_sample.size)
    mean = per_sample.sum() / count
    assert_allclose(value(), mean, **tol, what=f"default = mean of none [{name}]")
    assert_allclose(value(weight=np.float32(3.0)), 3.0 * mean, **tol,
                    what=f"scalar weight scales the default [{name}]")
    if name != "cosine_similarity_axis0":
        column = SAMPLE_WEIGHT.reshape(-1, *[1] * (per_sample.ndim - 1))
        assert_allclose(value("none", SAMPLE_WEIGHT), per_sample * column, **tol,
                        what=f"none with weights = weighted none [{name}]")


@pytest.mark.behavior("losses.classes.get_config")
@pytest.mark.parametrize("name", CASES)
def test_get_config_matches_keras2(keras, name):
    """get_config() of a loss object: reduction, name, its constructor arguments and (tf-keras
    2.13+) `fn`, the function's registered name - keys and values as recorded."""
    case = golden.case(FAMILY, name)
    assert _build(keras, case).get_config() == case["config"]


@pytest.mark.behavior("losses.classes.from_config")
@pytest.mark.parametrize("name", CASES)
def test_from_config_round_trip(keras, adapter, name):
    """cls.from_config(loss.get_config()) is a loss of the same config and the same values."""
    case = golden.case(FAMILY, name)
    loss = _build(keras, case, reduction="sum", name="my_loss")
    clone = type(loss).from_config(loss.get_config())
    assert type(clone) is type(loss)
    assert clone.get_config() == loss.get_config()
    assert clone.name == "my_loss"
    y_true, y_pred = case.input("y_true"), case.input("y_pred")
    assert_allclose(adapter.to_numpy(clone(y_true, y_pred)), case.expected["sum"],
                    rtol=case.rtol, atol=case.atol, what=f"from_config clone value [{name}]")


@pytest.mark.behavior("losses.classes.invalid_reduction")
def test_unknown_reduction_is_rejected(keras):
    """The reduction is checked when the loss is built (tf-keras 2: ValueError "Invalid
    Reduction Key: mean_of_squares. Expected keys are ...")."""
    with pytest.raises(ValueError):
        keras.losses.MeanSquaredError(reduction="mean_of_squares")


@pytest.mark.behavior("losses.classes.compile")
@pytest.mark.parametrize("name", [
    "compile_categorical_crossentropy_logits", "compile_huber_weighted",
    pytest.param("compile_sparse_ignore_class", marks=pytest.mark.behavior(
        "losses.classes.sparse_categorical_crossentropy.ignore_class")),
])
def test_compile_with_loss_instance_matches_keras2(keras, name):
    """model.compile(loss=keras.losses.<Class>(...)): evaluate, then train_on_batch (the loss
    before its step), then evaluate again give the recorded values."""
    case = golden.case(FAMILY, name)
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(5,))])
    model.set_weights([case.input("kernel"), case.input("bias")])
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss=getattr(keras.losses, case["loss_class"])(**case["kwargs"]))
    x, y = case.input("x"), case.input("y")
    weight = case.inputs["sample_weight"] if "sample_weight" in case.inputs else None
    got = {"evaluate": model.evaluate(x, y, sample_weight=weight, batch_size=4, verbose=0),
           "train_on_batch": model.train_on_batch(x, y, sample_weight=weight),
           "evaluate_after_step": model.evaluate(x, y, sample_weight=weight, batch_size=4,
                                                 verbose=0)}
    for key, expected in case.expected.items():
        assert_allclose(np.asarray(got[key], dtype="float64"), expected, rtol=case.rtol,
                        atol=case.atol, what=f"{key} with {case['loss_class']} [{name}]")


# class -> (function name for losses.get, kwargs, kind of inputs)
CLASS_FUNCTIONS = {
    "MeanSquaredError": ("mean_squared_error", {}, "real"),
    "MeanAbsoluteError": ("mean_absolute_error", {}, "real"),
    "MeanAbsolutePercentageError": ("mean_absolute_percentage_error", {}, "positive"),
    "MeanSquaredLogarithmicError": ("mean_squared_logarithmic_error", {}, "positive"),
    "CosineSimilarity": ("cosine_similarity", {"axis": -1}, "real"),
    "Huber": ("huber", {"delta": 0.7}, "real"),
    "LogCosh": ("log_cosh", {}, "real"),
    "BinaryCrossentropy": ("binary_crossentropy", {"label_smoothing": 0.1}, "binary"),
    "CategoricalCrossentropy": ("categorical_crossentropy", {"from_logits": True},
                                "categorical"),
    "Poisson": ("poisson", {}, "positive"),
    "KLDivergence": ("kl_divergence", {}, "distributions"),
    "Hinge": ("hinge", {}, "binary"),
    "SquaredHinge": ("squared_hinge", {}, "binary"),
    "CategoricalHinge": ("categorical_hinge", {}, "categorical"),
}


def _inputs(kind, shape, rng):
    if kind == "positive":
        return rng.uniform(0.1, 3, shape), rng.uniform(0.1, 3, shape)
    if kind == "binary":
        return rng.integers(0, 2, shape), rng.uniform(0.05, 0.95, shape)
    if kind == "categorical":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])], rng.normal(0, 2, shape)
    if kind == "distributions":
        return rng.dirichlet(np.ones(shape[-1]), shape[:-1]), rng.dirichlet(np.ones(shape[-1]),
                                                                            shape[:-1])
    return rng.normal(0, 1, shape), rng.normal(0, 1, shape)


@pytest.mark.behavior("losses.classes.reduction.none", "losses.classes.sample_weight.per_sample")
@pytest.mark.parametrize("class_name", list(CLASS_FUNCTIONS))
@given(data=st.data())
def test_class_is_its_function_weighted_and_averaged(keras, adapter, class_name, data):
    """For any batch: Class(**kwargs, reduction='none')(y_true, y_pred) equals the function
    keras.losses.get(name)(y_true, y_pred, **kwargs), and with the default reduction and a
    per-sample weight w the class gives sum(function values * w) / batch size (the Keras 2
    LossFunctionWrapper; float32 rounding only)."""
    name, kwargs, kind = CLASS_FUNCTIONS[class_name]
    batch = data.draw(st.integers(1, 5), label="batch")
    features = data.draw(st.integers(2, 4), label="features")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    y_true, y_pred = (a.astype("float32") for a in _inputs(kind, (batch, features), rng))
    weight = rng.uniform(0, 2, batch).astype("float32")
    function = adapter.to_numpy(keras.losses.get(name)(y_true, y_pred, **kwargs))
    loss_class = getattr(keras.losses, class_name)
    per_sample = adapter.to_numpy(loss_class(**kwargs, reduction="none")(y_true, y_pred))
    assert_allclose(per_sample, function, rtol=1e-6, atol=1e-6,
                    what=f"{class_name}(reduction='none') vs losses.{name}")
    weighted = adapter.to_numpy(loss_class(**kwargs)(y_true, y_pred, sample_weight=weight))
    expected = np.sum(function.astype("float64") * weight) / batch
    assert_allclose(weighted, expected, rtol=1e-5, atol=1e-6,
                    what=f"{class_name}()(y_true, y_pred, sample_weight) vs the weighted mean")
