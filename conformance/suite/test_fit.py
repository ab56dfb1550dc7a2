"""Model.fit: its arguments (000 §4 signature) and the History it returns (002 §2.3.9).

Step counts are observed with a callback that counts ``on_batch_end`` (the Keras 2.0 hook name,
kept in later Keras as the alias of ``on_train_batch_end``). Which samples a run used is made
visible with a model that cannot learn (learning rate 0) and a loss whose per-sample value is
the sample's index.
"""

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.assertions import assert_allclose
from conformance.datasets import binary_task, regression_task

# float32 sums of <= 100 losses: 1e-5 relative.
RTOL = 1e-5


def _regressor(keras, dim=4, units=1):
    return keras.models.Sequential([keras.layers.Dense(units, input_shape=(dim,))])


def _frozen_zero_model(keras, dim=2):
    """Predicts 0 for every input and never changes: zero weights, learning rate 0.

    With loss='mae' and y = sample index, the loss over a set of samples is the mean index."""
    model = keras.models.Sequential([
        keras.layers.Dense(1, input_shape=(dim,), kernel_initializer="zeros",
                           bias_initializer="zeros"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mae")
    return model


def _indexed_data(n, dim=2):
    x = np.ones((n, dim), dtype="float32")
    y = np.arange(n, dtype="float32").reshape(n, 1)
    return x, y


_SHARED_MODELS = {}


def _shared_regressor(keras):
    """One compiled model per implementation, reused across hypothesis examples: building a
    model costs far more than the small fit each example runs."""
    if id(keras) not in _SHARED_MODELS:
        model = _regressor(keras)
        model.compile(optimizer="sgd", loss="mse")
        _SHARED_MODELS[id(keras)] = model
    return _SHARED_MODELS[id(keras)]


def _batch_counter(keras):
    class BatchCounter(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_batch_end(self, batch, logs=None):
            self.batches += 1

    return BatchCounter()


def _copy_of(keras, model, optimizer_factory, loss):
    twin = keras.models.clone_model(model)
    twin.set_weights(model.get_weights())
    twin.compile(optimizer=optimizer_factory(), loss=loss)
    return twin


@pytest.mark.behavior("training.fit.numpy_inputs")
def test_fit_on_numpy_arrays_reduces_the_loss(keras):
    x, y = regression_task(64, 4)
    model = _regressor(keras)
    # start from zero weights: how fast the loss falls must not hang on a random draw
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    losses = history.history["loss"]
    # A linear model on a noiseless linear task: SGD must make steady progress.
    assert losses[-1] < 0.5 * losses[0], f"loss per epoch {losses}: it did not fall"


@pytest.mark.behavior("training.fit.dict_by_name")
def test_fit_and_evaluate_with_dicts_keyed_by_layer_names(keras):
    layers = keras.layers
    main_input = layers.Input(shape=(4,), name="main_input")
    aux_input = layers.Input(shape=(2,), name="aux_input")
    merged = layers.concatenate([main_input, aux_input])
    main_output = layers.Dense(1, name="main_output")(merged)
    aux_output = layers.Dense(1, name="aux_output")(aux_input)
    model = keras.models.Model(inputs=[main_input, aux_input], outputs=[main_output, aux_output])
    model.compile(optimizer="sgd", loss="mse")

    rng = np.random.default_rng(0)
    x_main = rng.uniform(-1, 1, size=(20, 4)).astype("float32")
    x_aux = rng.uniform(-1, 1, size=(20, 2)).astype("float32")
    y_main = rng.uniform(-1, 1, size=(20, 1)).astype("float32")
    y_aux = rng.uniform(5, 6, size=(20, 1)).astype("float32")
    # Keys in the opposite order of the model's inputs and outputs: matching is by name.
    inputs = {"aux_input": x_aux, "main_input": x_main}
    targets = {"aux_output": y_aux, "main_output": y_main}

    history = model.fit(inputs, targets, epochs=2, batch_size=10, verbose=0)
    assert len(history.history["loss"]) == 2, f"History: {history.history}"
    pred_main, pred_aux = model.predict([x_main, x_aux], verbose=0)
    loss_main = np.mean((pred_main - y_main) ** 2)
    loss_aux = np.mean((pred_aux - y_aux) ** 2)
    got = model.evaluate(inputs, targets, batch_size=20, verbose=0)
    assert_allclose(got, [loss_main + loss_aux, loss_main, loss_aux], rtol=RTOL, atol=1e-6,
                    what="evaluate(dict inputs, dict targets) -> [total, main, aux]")


@pytest.mark.behavior("training.fit.epochs")
def test_epochs_is_the_number_of_passes(keras):
    x, y = regression_task(20, 4)
    model = _regressor(keras)
    model.compile(optimizer="sgd", loss="mse")
    counter = _batch_counter(keras)
    history = model.fit(x, y, epochs=3, batch_size=10, verbose=0, callbacks=[counter])
    assert history.epoch == [0, 1, 2], f"History.epoch: {history.epoch}"
    assert len(history.history["loss"]) == 3, f"History: {history.history}"
    assert counter.batches == 3 * 2, f"{counter.batches} batches for 3 epochs of 2 batches"


@pytest.mark.behavior("training.fit.batch_size")
@pytest.mark.parametrize(("n", "batch_size"), [(50, 16), (48, 16), (5, 32), (7, 1)])
def test_steps_per_epoch_is_ceil_n_over_batch_size(keras, n, batch_size):
    x, y = regression_task(n, 4)
    model = _regressor(keras)
    model.compile(optimizer="sgd", loss="mse")
    counter = _batch_counter(keras)
    model.fit(x, y, epochs=2, batch_size=batch_size, verbose=0, callbacks=[counter])
    expected = 2 * math.ceil(n / batch_size)
    assert counter.batches == expected, (
        f"fit(n={n}, batch_size={batch_size}, epochs=2) ran {counter.batches} batches, "
        f"expected {expected}"
    )


@pytest.mark.behavior("training.fit.batch_size")
@given(data=st.data())
def test_steps_per_epoch_for_any_n_and_batch_size(keras, data):
    n = data.draw(st.integers(1, 60), label="n")
    batch_size = data.draw(st.integers(1, 40), label="batch_size")
    model = _shared_regressor(keras)
    x, y = regression_task(n, 4)
    counter = _batch_counter(keras)
    model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0, callbacks=[counter])
    assert counter.batches == math.ceil(n / batch_size), (
        f"fit(n={n}, batch_size={batch_size}) ran {counter.batches} batches"
    )


@pytest.mark.behavior("training.fit.batch_size.default_32")
def test_batch_size_defaults_to_32(keras):
    x, y = regression_task(70, 4)
    model = _regressor(keras)
    model.compile(optimizer="sgd", loss="mse")
    counter = _batch_counter(keras)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[counter])
    assert counter.batches == 3, f"70 samples, default batch size: {counter.batches} batches"


# A progress bar, however drawn ('[=====>....]' in Keras 2, a run of box glyphs in Keras 3):
# ten or more copies of one symbol in a row. Loss values and step counters never contain one.
PROGRESS_BAR = re.compile(r"([^\w\s])\1{9,}")


def _fit_printing(keras, verbose):
    x, y = regression_task(40, 4)
    model = _regressor(keras)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, batch_size=10, verbose=verbose)


@pytest.mark.behavior("training.fit.verbose.silent")
def test_verbose_0_prints_nothing(keras, capsys):
    _fit_printing(keras, 0)
    assert capsys.readouterr().out == ""


@pytest.mark.behavior("training.fit.verbose.progress_bar")
def test_verbose_1_prints_epochs_and_a_progress_bar(keras, capsys):
    _fit_printing(keras, 1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out, f"stdout:\n{out}"
    assert PROGRESS_BAR.search(out), f"no progress bar in stdout:\n{out}"
    assert "loss" in out, f"no loss in stdout:\n{out}"


@pytest.mark.behavior("training.fit.verbose.one_line_per_epoch")
def test_verbose_2_prints_one_line_per_epoch(keras, capsys):
    _fit_printing(keras, 2)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()]
    assert [line.strip() for line in lines if line.startswith("Epoch")] == ["Epoch 1/2",
                                                                           "Epoch 2/2"], out
    loss_lines = [line for line in lines if "loss" in line]
    assert len(loss_lines) == 2, f"expected one loss line per epoch, stdout:\n{out}"
    assert not PROGRESS_BAR.search(out), f"verbose=2 printed a progress bar:\n{out}"


@pytest.mark.behavior("training.fit.validation_split")
def test_validation_split_holds_out_the_last_samples(keras):
    model = _frozen_zero_model(keras)
    x, y = _indexed_data(10)
    # shuffle=True (the default) must not matter: the split is taken before shuffling.
    history = model.fit(x, y, validation_split=0.2, epochs=2, batch_size=4, shuffle=True,
                        verbose=0)
    assert_allclose(history.history["val_loss"], [8.5, 8.5], rtol=RTOL,
                    what="val_loss = mean index of the validation samples (last 2 of 10: 8, 9)")
    assert_allclose(history.history["loss"], [3.5, 3.5], rtol=RTOL,
                    what="loss = mean index of the training samples (first 8 of 10: 0..7)")


@pytest.mark.behavior("training.fit.validation_data")
def test_validation_data_is_evaluated_after_each_epoch(keras):
    x, y = regression_task(40, 4, seed=1)
    x_val, y_val = regression_task(16, 4, seed=2)
    model = _regressor(keras)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, validation_data=(x_val, y_val), epochs=2, batch_size=10,
                        verbose=0)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}, (
        f"History keys: {sorted(history.history)}"
    )
    assert len(history.history["val_loss"]) == 2, f"History: {history.history}"
    # The last epoch's validation is computed with the final weights.
    expected = model.evaluate(x_val, y_val, batch_size=16, verbose=0)
    got = [history.history["val_loss"][-1], history.history["val_mae"][-1]]
    assert_allclose(got, expected, rtol=RTOL, atol=1e-6,
                    what="last epoch's [val_loss, val_mae] vs evaluate(validation data)")


def _sgd_step_by_step(keras, model, x, y, batch_size, epochs):
    """Train a copy of ``model`` with train_on_batch on consecutive slices, in data order."""
    twin = _copy_of(keras, model, lambda: keras.optimizers.SGD(learning_rate=0.1), "mse")
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            twin.train_on_batch(x[start:start + batch_size], y[start:start + batch_size])
    return twin.get_weights()


@pytest.mark.behavior("training.fit.shuffle")
def test_shuffle_false_keeps_data_order(keras):
    x, y = regression_task(30, 4)
    model = _regressor(keras)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    in_order = _sgd_step_by_step(keras, model, x, y, batch_size=10, epochs=2)
    model.fit(x, y, epochs=2, batch_size=10, shuffle=False, verbose=0)
    for got, expected in zip(model.get_weights(), in_order, strict=True):
        assert_allclose(got, expected, rtol=1e-5, atol=1e-6,
                        what="fit(shuffle=False) vs train_on_batch over the batches in order")


@pytest.mark.behavior("training.fit.shuffle")
def test_shuffle_true_changes_batch_order(keras):
    x, y = regression_task(30, 4)
    model = _regressor(keras)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    in_order = _sgd_step_by_step(keras, model, x, y, batch_size=10, epochs=2)
    model.fit(x, y, epochs=2, batch_size=10, shuffle=True, verbose=0)
    # Shuffled batches equal the in-order ones with probability (10!)^3 / 30! per epoch
    # (about 1e-14); any other order moves SGD's weights by far more than 1e-4.
    largest = max(np.max(np.abs(g - e)) for g, e in zip(model.get_weights(), in_order,
                                                          strict=True))
    assert largest > 1e-4, "fit(shuffle=True) trained exactly as the unshuffled batches did"


@pytest.mark.behavior("training.fit.class_weight")
def test_class_weight_weights_each_sample_by_its_class(keras):
    x, y = binary_task(40, 3)
    model = keras.models.Sequential([keras.layers.Dense(1, activation="sigmoid",
                                                        input_shape=(3,))])

    def sgd():
        return keras.optimizers.SGD(learning_rate=0.5)

    by_class = _copy_of(keras, model, sgd, "binary_crossentropy")
    by_sample = _copy_of(keras, model, sgd, "binary_crossentropy")
    unweighted = _copy_of(keras, model, sgd, "binary_crossentropy")
    fit_args = dict(epochs=2, batch_size=10, shuffle=False, verbose=0)
    by_class.fit(x, y, class_weight={0: 1.0, 1: 4.0}, **fit_args)
    by_sample.fit(x, y, sample_weight=np.where(y[:, 0] == 1, 4.0, 1.0), **fit_args)
    unweighted.fit(x, y, **fit_args)
    for got, expected in zip(by_class.get_weights(), by_sample.get_weights(), strict=True):
        assert_allclose(got, expected, rtol=1e-5, atol=1e-6,
                        what="class_weight={0: 1, 1: 4} vs the same weights per sample")
    assert not np.allclose(by_class.get_weights()[0], unweighted.get_weights()[0], atol=1e-4), (
        "class_weight={0: 1, 1: 4} trained exactly as no class_weight"
    )


@pytest.mark.behavior("training.fit.sample_weight")
def test_sample_weight_weights_the_loss(keras):
    model = _frozen_zero_model(keras)
    x, y = _indexed_data(8)
    weights = np.array([1, 2, 3, 4, 0.5, 0.5, 1, 2], dtype="float32")
    # Per-sample loss is y_i; the batch loss is the weighted sum over the batch size
    # (Reduction.SUM_OVER_BATCH_SIZE, the default of every built-in loss).
    expected = np.sum(weights * y[:, 0]) / len(y)
    history = model.fit(x, y, sample_weight=weights, epochs=1, batch_size=8, verbose=0)
    assert_allclose(history.history["loss"], [expected], rtol=RTOL,
                    what="fit(sample_weight=w) loss with a frozen model")
    got = model.evaluate(x, y, sample_weight=weights, batch_size=8, verbose=0)
    assert_allclose(got, expected, rtol=RTOL, what="evaluate(sample_weight=w)")


@pytest.mark.behavior("training.fit.initial_epoch")
def test_initial_epoch_resumes_the_epoch_count(keras):
    x, y = regression_task(20, 4)
    model = _regressor(keras)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=4, initial_epoch=2, batch_size=10, verbose=0)
    assert history.epoch == [2, 3], f"History.epoch with initial_epoch=2, epochs=4: {history.epoch}"
    assert len(history.history["loss"]) == 2, f"History: {history.history}"


@pytest.mark.behavior("training.fit.steps_per_epoch")
def test_steps_per_epoch_limits_the_batches(keras):
    x, y = regression_task(64, 4)
    model = _regressor(keras)
    model.compile(optimizer="sgd", loss="mse")
    counter = _batch_counter(keras)
    history = model.fit(x, y, epochs=2, batch_size=8, steps_per_epoch=3, verbose=0,
                        callbacks=[counter])
    assert counter.batches == 2 * 3, f"steps_per_epoch=3, epochs=2: {counter.batches} batches"
    assert len(history.history["loss"]) == 2, f"History: {history.history}"


@pytest.mark.behavior("training.fit.callbacks")
def test_custom_callback_hooks_are_called_in_order(keras):
    events = []

    class Recorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            events.append(("train_begin", self.model is model, self.params.get("epochs")))

        def on_epoch_begin(self, epoch, logs=None):
            events.append(("epoch_begin", epoch))

        def on_batch_begin(self, batch, logs=None):
            events.append(("batch_begin", batch))

        def on_batch_end(self, batch, logs=None):
            events.append(("batch_end", batch, "loss" in (logs or {})))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch, sorted(logs or {})))

        def on_train_end(self, logs=None):
            events.append(("train_end",))

    x, y = regression_task(20, 4)
    model = _regressor(keras)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[Recorder()])
    one_epoch = [("batch_begin", 0), ("batch_end", 0, True),
                 ("batch_begin", 1), ("batch_end", 1, True)]
    expected = [("train_begin", True, 2),
                ("epoch_begin", 0), *one_epoch, ("epoch_end", 0, ["loss", "mae"]),
                ("epoch_begin", 1), *one_epoch, ("epoch_end", 1, ["loss", "mae"]),
                ("train_end",)]
    assert events == expected, f"callback events:\n{events}\nexpected:\n{expected}"


@pytest.mark.behavior("training.history.object")
def test_fit_returns_history_with_one_value_per_epoch(keras):
    x, y = binary_task(50, 3)
    model = keras.models.Sequential([keras.layers.Dense(1, activation="sigmoid",
                                                        input_shape=(3,))])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, validation_split=0.2, epochs=3, verbose=0)
    assert isinstance(hist, keras.callbacks.History), f"fit returned {type(hist).__name__}"
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}, (
        f"History.history keys: {sorted(hist.history)}"
    )
    for key, values in hist.history.items():
        assert len(values) == 3, f"history[{key!r}] has {len(values)} values for 3 epochs"
        assert all(np.ndim(v) == 0 and np.isfinite(v) for v in values), (key, values)
    assert hist.epoch == [0, 1, 2], f"History.epoch: {hist.epoch}"


@pytest.mark.behavior("training.history.object")
def test_spec_history_snippet(keras, capsys):
    # 002 §2.3.9 verbatim: hist = model.fit(x, y, validation_split=0.2); print(hist.history)
    x, y = regression_task(30, 4)
    model = _regressor(keras)
    model.compile(optimizer="sgd", loss="mse")
    hist = model.fit(x, y, validation_split=0.2)
    print(hist.history)
    assert set(hist.history) == {"loss", "val_loss"}, f"keys: {sorted(hist.history)}"
    assert [len(v) for v in hist.history.values()] == [1, 1], hist.history
    assert "val_loss" in capsys.readouterr().out
