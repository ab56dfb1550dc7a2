"""Model.compile: optimizer, loss, metrics, loss_weights and weighted_metrics arguments.

Spec sources: 000 §3 (the full compile signature), 001 "编译" (optimizer strings, loss strings or
functions, metrics lists and custom metric functions), 002 §5.1 (per-output losses, weighted sum).
Values are checked against NumPy computations on the model's own predictions, so they hold
whatever the random initialisation.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose
from conformance.datasets import regression_task

# float32 forward pass and reductions over <= 60 values: 1e-5 relative is ample.
RTOL = 1e-5
ATOL = 1e-6

OPTIMIZERS = {
    "sgd": "SGD",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adadelta": "Adadelta",
    "adam": "Adam",
    "adamax": "Adamax",
    "nadam": "Nadam",
}


def _dense_model(keras, dim=4, units=1, activation=None):
    return keras.models.Sequential(
        [keras.layers.Dense(units, activation=activation, input_shape=(dim,))]
    )


def _two_output_model(keras):
    """Input (n, 3); outputs 'main_output' (n, 2) then 'aux_output' (n, 1), both linear.

    The names are the spec's (001 multi-output model); their alphabetical order is the reverse
    of the output order, so matching a dict by position or by sorted key shows up."""
    layers = keras.layers
    inputs = layers.Input(shape=(3,), name="x")
    main = layers.Dense(2, name="main_output")(inputs)
    aux = layers.Dense(1, name="aux_output")(inputs)
    return keras.models.Model(inputs=inputs, outputs=[main, aux])


def _two_output_data():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(12, 3)).astype("float32")
    y_a = rng.uniform(-1, 1, size=(12, 2)).astype("float32")
    y_b = rng.uniform(-1, 1, size=(12, 1)).astype("float32")
    return x, y_a, y_b


def _weights_changed(before, after):
    return any(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))


@pytest.mark.behavior("training.compile.optimizer.string")
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_by_string_name(keras, name):
    model = _dense_model(keras)
    model.compile(optimizer=name, loss="mse")
    assert isinstance(model.optimizer, getattr(keras.optimizers, OPTIMIZERS[name])), (
        f"compile(optimizer={name!r}).optimizer is {type(model.optimizer).__name__}, "
        f"expected an instance of optimizers.{OPTIMIZERS[name]}"
    )
    x, y = regression_task(16, 4)
    before = model.get_weights()
    model.train_on_batch(x, y)
    assert _weights_changed(before, model.get_weights()), (
        f"one train_on_batch with optimizer={name!r} left every weight unchanged"
    )


@pytest.mark.behavior("training.compile.optimizer.instance")
def test_optimizer_instance_is_used(keras):
    # A learning rate of 0 makes the instance's effect visible: nothing may move.
    optimizer = keras.optimizers.SGD(learning_rate=0.0)
    model = _dense_model(keras)
    model.compile(optimizer=optimizer, loss="mse")
    assert model.optimizer is optimizer, "compile(optimizer=instance) did not keep the instance"
    x, y = regression_task(16, 4)
    before = model.get_weights()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for got, expected in zip(model.get_weights(), before, strict=True):
        assert_allclose(got, expected, rtol=0, atol=0, what="weights after fit with SGD(lr 0)")


@pytest.mark.behavior("training.compile.loss.string")
@pytest.mark.parametrize("loss", ["mse", "mean_squared_error", "mae", "categorical_crossentropy"])
def test_loss_by_string(keras, loss):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=(10, 4)).astype("float32")
    if loss == "categorical_crossentropy":
        model = _dense_model(keras, units=3, activation="softmax")
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, size=10)]
    else:
        model = _dense_model(keras, units=2)
        y = rng.uniform(-1, 1, size=(10, 2)).astype("float32")
    model.compile(optimizer="sgd", loss=loss)
    pred = model.predict(x, verbose=0).astype("float64")
    if loss == "categorical_crossentropy":
        expected = np.mean(-np.sum(y * np.log(pred), axis=-1))
    elif loss == "mae":
        expected = np.mean(np.abs(pred - y))
    else:
        expected = np.mean((pred - y) ** 2)
    got = model.evaluate(x, y, batch_size=10, verbose=0)
    assert_allclose(got, expected, rtol=RTOL, atol=ATOL, what=f"evaluate with loss={loss!r}")


@pytest.mark.behavior("training.compile.loss.function")
def test_loss_by_function(keras):
    def doubled_squared_error(y_true, y_pred):
        return 2.0 * (y_pred - y_true) ** 2  # one value per sample: the output has 1 unit

    model = _dense_model(keras, units=1)
    model.compile(optimizer="sgd", loss=doubled_squared_error)
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, size=(10, 4)).astype("float32")
    y = rng.uniform(-1, 1, size=(10, 1)).astype("float32")
    pred = model.predict(x, verbose=0).astype("float64")
    got = model.evaluate(x, y, batch_size=10, verbose=0)
    assert_allclose(got, 2.0 * np.mean((pred - y) ** 2), rtol=RTOL, atol=ATOL,
                    what="evaluate with loss=<python function>")


@pytest.mark.behavior("training.compile.loss.function")
def test_loss_by_library_function(keras):
    model = _dense_model(keras, units=2)
    model.compile(optimizer="sgd", loss=keras.losses.mean_absolute_error)
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, size=(10, 4)).astype("float32")
    y = rng.uniform(-1, 1, size=(10, 2)).astype("float32")
    pred = model.predict(x, verbose=0).astype("float64")
    got = model.evaluate(x, y, batch_size=10, verbose=0)
    assert_allclose(got, np.mean(np.abs(pred - y)), rtol=RTOL, atol=ATOL,
                    what="evaluate with loss=keras.losses.mean_absolute_error")


def _per_output_losses(model, x, y_a, y_b):
    pred_a, pred_b = (p.astype("float64") for p in model.predict(x, verbose=0))
    return np.mean((pred_a - y_a) ** 2), np.mean(np.abs(pred_b - y_b))


@pytest.mark.behavior("training.compile.loss.list")
def test_loss_list_one_per_output(keras):
    model = _two_output_model(keras)
    model.compile(optimizer="sgd", loss=["mse", "mae"])
    x, y_a, y_b = _two_output_data()
    mse_a, mae_b = _per_output_losses(model, x, y_a, y_b)
    got = model.evaluate(x, [y_a, y_b], batch_size=12, verbose=0)
    assert_allclose(got, [mse_a + mae_b, mse_a, mae_b], rtol=RTOL, atol=ATOL,
                    what="evaluate -> [total, main mse, aux mae] with loss=['mse', 'mae']")


@pytest.mark.behavior("training.compile.loss.single_for_all_outputs")
def test_single_loss_applies_to_every_output(keras):
    # 001's two-output model: compile(loss='binary_crossentropy', loss_weights=[1., 0.2]).
    model = _two_output_model(keras)
    model.compile(optimizer="sgd", loss="mae")
    x, y_a, y_b = _two_output_data()
    pred_a, pred_b = (p.astype("float64") for p in model.predict(x, verbose=0))
    mae_a, mae_b = np.mean(np.abs(pred_a - y_a)), np.mean(np.abs(pred_b - y_b))
    got = model.evaluate(x, [y_a, y_b], batch_size=12, verbose=0)
    assert_allclose(got, [mae_a + mae_b, mae_a, mae_b], rtol=RTOL, atol=ATOL,
                    what="evaluate -> [total, main mae, aux mae] with loss='mae'")


@pytest.mark.behavior("training.compile.loss.dict")
def test_loss_dict_keyed_by_output_name(keras):
    model = _two_output_model(keras)
    # Keys in the opposite order of the outputs: matching is by name, not position.
    model.compile(optimizer="sgd", loss={"aux_output": "mae", "main_output": "mse"})
    x, y_a, y_b = _two_output_data()
    mse_a, mae_b = _per_output_losses(model, x, y_a, y_b)
    got = model.evaluate(x, [y_a, y_b], batch_size=12, verbose=0)
    assert_allclose(got, [mse_a + mae_b, mse_a, mae_b], rtol=RTOL, atol=ATOL,
                    what="evaluate -> [total, main mse, aux mae] with loss={aux_output: mae, ...}")


@pytest.mark.behavior("training.compile.loss_weights.list")
def test_loss_weights_list(keras):
    model = _two_output_model(keras)
    model.compile(optimizer="sgd", loss=["mse", "mae"], loss_weights=[1.0, 0.2])
    x, y_a, y_b = _two_output_data()
    mse_a, mae_b = _per_output_losses(model, x, y_a, y_b)
    got = model.evaluate(x, [y_a, y_b], batch_size=12, verbose=0)
    assert_allclose(got, [1.0 * mse_a + 0.2 * mae_b, mse_a, mae_b], rtol=RTOL, atol=ATOL,
                    what="evaluate with loss_weights=[1.0, 0.2]: total is the weighted sum")


@pytest.mark.behavior("training.compile.loss_weights.dict")
def test_loss_weights_dict(keras):
    model = _two_output_model(keras)
    model.compile(optimizer="sgd", loss=["mse", "mae"],
                  loss_weights={"main_output": 1.0, "aux_output": 0.2})
    x, y_a, y_b = _two_output_data()
    mse_a, mae_b = _per_output_losses(model, x, y_a, y_b)
    got = model.evaluate(x, [y_a, y_b], batch_size=12, verbose=0)
    assert_allclose(got, [1.0 * mse_a + 0.2 * mae_b, mse_a, mae_b], rtol=RTOL, atol=ATOL,
                    what="evaluate with loss_weights={main_output: 1.0, aux_output: 0.2}")


@pytest.mark.behavior("training.compile.metrics.list")
def test_metrics_list(keras):
    model = _dense_model(keras, units=2)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, size=(10, 4)).astype("float32")
    y = rng.uniform(-1, 1, size=(10, 2)).astype("float32")
    pred = model.predict(x, verbose=0).astype("float64")
    got = model.evaluate(x, y, batch_size=10, verbose=0)
    assert_allclose(got, [np.mean((pred - y) ** 2), np.mean(np.abs(pred - y))], rtol=RTOL,
                    atol=ATOL, what="evaluate -> [loss, mae] with metrics=['mae']")
    history = model.fit(x, y, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "mae"}, f"History keys: {sorted(history.history)}"


@pytest.mark.behavior("training.compile.metrics.dict")
def test_metrics_dict_per_output(keras):
    model = _two_output_model(keras)
    model.compile(optimizer="sgd", loss=["mse", "mse"], metrics={"main_output": "mae"})
    x, y_a, y_b = _two_output_data()
    pred_a, pred_b = (p.astype("float64") for p in model.predict(x, verbose=0))
    mse_a, mse_b = np.mean((pred_a - y_a) ** 2), np.mean((pred_b - y_b) ** 2)
    got = model.evaluate(x, [y_a, y_b], batch_size=12, verbose=0)
    assert_allclose(got, [mse_a + mse_b, mse_a, mse_b, np.mean(np.abs(pred_a - y_a))],
                    rtol=RTOL, atol=ATOL,
                    what="evaluate -> [total, main loss, aux loss, main mae]")
    history = model.fit(x, [y_a, y_b], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "main_output_loss", "aux_output_loss",
                                      "main_output_mae"}, (
        f"History keys: {sorted(history.history)}"
    )


@pytest.mark.behavior("training.compile.metrics.list_multi_output")
def test_metrics_list_applies_to_every_output(keras):
    model = _two_output_model(keras)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y_a, y_b = _two_output_data()
    pred_a, pred_b = (p.astype("float64") for p in model.predict(x, verbose=0))
    mse_a, mse_b = np.mean((pred_a - y_a) ** 2), np.mean((pred_b - y_b) ** 2)
    mae_a, mae_b = np.mean(np.abs(pred_a - y_a)), np.mean(np.abs(pred_b - y_b))
    got = model.evaluate(x, [y_a, y_b], batch_size=12, verbose=0)
    assert_allclose(got, [mse_a + mse_b, mse_a, mse_b, mae_a, mae_b], rtol=RTOL, atol=ATOL,
                    what="evaluate -> [total, main loss, aux loss, main mae, aux mae]")


@pytest.mark.behavior("training.compile.metrics.custom_function")
def test_custom_metric_function(keras):
    def half_mae(y_true, y_pred):
        return 0.5 * abs(y_pred - y_true)

    model = _dense_model(keras, units=2)
    model.compile(optimizer="sgd", loss="mse", metrics=[half_mae])
    rng = np.random.default_rng(6)
    x = rng.uniform(-1, 1, size=(10, 4)).astype("float32")
    y = rng.uniform(-1, 1, size=(10, 2)).astype("float32")
    pred = model.predict(x, verbose=0).astype("float64")
    got = model.evaluate(x, y, batch_size=10, verbose=0)
    assert_allclose(got, [np.mean((pred - y) ** 2), 0.5 * np.mean(np.abs(pred - y))], rtol=RTOL,
                    atol=ATOL, what="evaluate -> [loss, half_mae]")
    history = model.fit(x, y, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "half_mae"}, (
        f"History keys: {sorted(history.history)} (the metric is named after the function)"
    )


def _accuracy_case(kind, rng, x_rows):
    """(loss, output units, activation, targets, accuracy by hand from predictions)."""
    if kind == "binary":
        y = rng.integers(0, 2, size=(x_rows, 1)).astype("float32")
        return ("binary_crossentropy", 1, "sigmoid", y,
                lambda p: np.mean((p > 0.5) == (y > 0.5)))
    if kind == "categorical":
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, size=x_rows)]
        return ("categorical_crossentropy", 3, "softmax", y,
                lambda p: np.mean(np.argmax(p, -1) == np.argmax(y, -1)))
    y = rng.integers(0, 3, size=(x_rows, 1)).astype("float32")
    return ("sparse_categorical_crossentropy", 3, "softmax", y,
            lambda p: np.mean(np.argmax(p, -1) == y[:, 0]))


@pytest.mark.behavior("training.compile.metrics.accuracy_from_loss")
@pytest.mark.parametrize("kind", ["binary", "categorical", "sparse"])
def test_accuracy_string_resolves_from_loss(keras, kind):
    rng = np.random.default_rng(7)
    x = rng.normal(0, 2, size=(40, 4)).astype("float32")
    loss, units, activation, y, by_hand = _accuracy_case(kind, rng, len(x))
    model = _dense_model(keras, units=units, activation=activation)
    model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    expected = by_hand(model.predict(x, verbose=0))
    _, accuracy = model.evaluate(x, y, batch_size=40, verbose=0)
    assert_allclose(accuracy, expected, rtol=0, atol=1e-6,
                    what=f"metrics=['accuracy'] with loss={loss!r}")


@pytest.mark.behavior("training.compile.weighted_metrics")
def test_weighted_metrics_use_sample_weight(keras):
    model = _dense_model(keras, units=1)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], weighted_metrics=["mae"])
    rng = np.random.default_rng(8)
    x = rng.uniform(-1, 1, size=(10, 4)).astype("float32")
    y = rng.uniform(-1, 1, size=(10, 1)).astype("float32")
    weights = rng.uniform(0.5, 3.0, size=10).astype("float32")
    error = np.abs(model.predict(x, verbose=0).astype("float64") - y)[:, 0]
    result = model.evaluate(x, y, sample_weight=weights, batch_size=10, verbose=0)
    assert len(result) == 3, f"evaluate returned {result}, expected [loss, mae, weighted mae]"
    _, plain, weighted = result
    assert_allclose(plain, np.mean(error), rtol=RTOL, atol=ATOL,
                    what="metrics=['mae'] ignores sample_weight")
    assert_allclose(weighted, np.sum(weights * error) / np.sum(weights), rtol=RTOL, atol=ATOL,
                    what="weighted_metrics=['mae'] is the sample-weighted mean")
