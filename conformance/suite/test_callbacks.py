"""Callbacks (keras.io/2.x/api/callbacks): the hooks fit/evaluate/predict call and the standard
callbacks. History is checked in test_fit.py.

Monitored values are made exact and predictable with a one-weight model: Dense(1) on an input
of zeros, so the prediction is the bias b, a target of 0 and loss='mae' (the loss is |b|, its
gradient sign(b)) trained by SGD one sample per epoch: each epoch moves b by the learning rate
towards 0. With values that are sums of powers of two every step is exact in float32, so the
validation loss per epoch (computed after the epoch's update) is known in advance:

    b0 = 1.75, lr = 0.5   ->  val_loss 1.25, 0.75, 0.25, 0.25, 0.25, ...  (falls, then flat)
    b0 = 1.0,  lr = 0.75  ->  val_loss 0.25, 0.5, 0.25, 0.5, ...         (best first, never beaten)
"""

import csv

import h5py
import numpy as np
import pytest

from conformance.assertions import assert_allclose

# Losses below are exact binary fractions; the running means of the hook test are means of
# small integers: float32 rounding only.
RTOL, ATOL = 1e-6, 1e-6

FALLING = (1.75, 0.5)   # val_loss 1.25, 0.75, 0.25, 0.25, ...
BEST_FIRST = (1.0, 0.75)  # val_loss 0.25, 0.5, 0.25, 0.5, ...
FALLING_VAL = [1.25, 0.75, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25]
BEST_FIRST_VAL = [0.25, 0.5, 0.25, 0.5, 0.25, 0.5, 0.25, 0.5]


# Every behaviour keeps at least one fit with the default (traced: tf.function) train and test
# functions; its further parametrized cases pass eager=True, compile(run_eagerly=True): the same
# steps and callbacks, without tf-keras tracing two functions for each tiny model.
def _bias_model(keras, bias, learning_rate, loss="mae", eager=False):
    model = keras.models.Sequential([
        keras.layers.Dense(1, input_shape=(1,), kernel_initializer="zeros",
                           bias_initializer=keras.initializers.Constant(bias)),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss=loss,
                  **({"run_eagerly": True} if eager else {}))
    return model


ZEROS = (np.zeros((1, 1), "float32"), np.zeros((1, 1), "float32"))


def _fit(model, callbacks, epochs=8, data=ZEROS):
    x, y = data
    return model.fit(x, y, batch_size=1, epochs=epochs, verbose=0, shuffle=False,
                     validation_data=(x, y), callbacks=callbacks)


def _bias(model) -> float:
    return float(np.asarray(model.get_weights()[1]).ravel()[0])


# -- hooks ------------------------------------------------------------------------------------
def _recorder(keras):
    """A callback that records every hook it gets: (hook name[, index], logs)."""

    class Recorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.events = []

        def _log(self, name, index, logs):
            logs = dict(logs or {})
            self.events.append((name, index, logs))

        def on_train_begin(self, logs=None):
            self._log("on_train_begin", None, logs)

        def on_train_end(self, logs=None):
            self._log("on_train_end", None, logs)

        def on_epoch_begin(self, epoch, logs=None):
            self._log("on_epoch_begin", epoch, logs)

        def on_epoch_end(self, epoch, logs=None):
            self._log("on_epoch_end", epoch, logs)

        def on_train_batch_begin(self, batch, logs=None):
            self._log("on_train_batch_begin", batch, logs)

        def on_train_batch_end(self, batch, logs=None):
            self._log("on_train_batch_end", batch, logs)

        def on_test_begin(self, logs=None):
            self._log("on_test_begin", None, logs)

        def on_test_end(self, logs=None):
            self._log("on_test_end", None, logs)

        def on_test_batch_begin(self, batch, logs=None):
            self._log("on_test_batch_begin", batch, logs)

        def on_test_batch_end(self, batch, logs=None):
            self._log("on_test_batch_end", batch, logs)

        def on_predict_begin(self, logs=None):
            self._log("on_predict_begin", None, logs)

        def on_predict_end(self, logs=None):
            self._log("on_predict_end", None, logs)

        def on_predict_batch_begin(self, batch, logs=None):
            self._log("on_predict_batch_begin", batch, logs)

        def on_predict_batch_end(self, batch, logs=None):
            self._log("on_predict_batch_end", batch, logs)

    return Recorder()


def _frozen_model(keras):
    """Predicts 0 and never changes (learning rate 0): with y = sample index and loss='mae',
    the loss over a set of samples is their mean index, the 'mse' metric their mean square."""
    model = keras.models.Sequential([
        keras.layers.Dense(1, input_shape=(2,), kernel_initializer="zeros",
                           bias_initializer="zeros"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mae",
                  metrics=["mse"])
    return model


X5 = np.ones((5, 2), "float32")
Y5 = np.arange(5, dtype="float32").reshape(5, 1)


def _order(events):
    return [(name, index) for name, index, _ in events]


def _logs_of(events, name):
    return [(index, logs) for hook, index, logs in events if hook == name]


def _assert_logs(got, expected, what):
    assert sorted(got) == sorted(expected), f"{what}: keys {sorted(got)}, expected {expected}"
    assert_allclose([got[k] for k in sorted(expected)], [expected[k] for k in sorted(expected)],
                    rtol=RTOL, atol=ATOL, what=what)


def _fit_recorded(keras):
    recorder = _recorder(keras)
    _frozen_model(keras).fit(X5, Y5, batch_size=3, epochs=2, verbose=0, shuffle=False,
                             validation_data=(X5[:2], Y5[:2]), callbacks=[recorder])
    return recorder


@pytest.mark.behavior("callbacks.hooks.order.fit")
def test_fit_calls_the_hooks_in_order(keras):
    recorder = _fit_recorded(keras)
    epoch = [("on_train_batch_begin", 0), ("on_train_batch_end", 0),
             ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
             ("on_test_begin", None), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
             ("on_test_end", None)]
    expected = [("on_train_begin", None),
                ("on_epoch_begin", 0), *epoch, ("on_epoch_end", 0),
                ("on_epoch_begin", 1), *epoch, ("on_epoch_end", 1),
                ("on_train_end", None)]
    assert _order(recorder.events) == expected, (
        f"fit(5 samples, batch_size=3, epochs=2, validation_data) hooks:\n"
        f"{_order(recorder.events)}\nexpected\n{expected}")


@pytest.mark.behavior("callbacks.hooks.logs.fit")
def test_fit_passes_metrics_to_the_end_hooks(keras):
    recorder = _fit_recorded(keras)
    events = recorder.events
    # batch ends: the running means over the epoch so far (samples 0-2, then 0-4)
    for index, logs in _logs_of(events, "on_train_batch_end"):
        expected = [{"loss": 1.0, "mse": 5 / 3}, {"loss": 2.0, "mse": 6.0}][index]
        _assert_logs(logs, expected, f"on_train_batch_end({index}) logs")
    epoch_logs = {"loss": 2.0, "mse": 6.0, "val_loss": 0.5, "val_mse": 0.5}
    for index, logs in _logs_of(events, "on_epoch_end"):
        _assert_logs(logs, epoch_logs, f"on_epoch_end({index}) logs")
    for _, logs in _logs_of(events, "on_test_end"):
        _assert_logs(logs, {"loss": 0.5, "mse": 0.5}, "on_test_end logs during fit")
    # Keras 2 Callback.on_train_end: "Currently the output of the last call to on_epoch_end()
    # is passed to this argument".
    (_, logs), = _logs_of(events, "on_train_end")
    _assert_logs(logs, epoch_logs, "on_train_end logs")


@pytest.mark.behavior("callbacks.hooks.params")
def test_callbacks_get_the_model_and_params(keras):
    recorder = _recorder(keras)
    model = _frozen_model(keras)
    model.fit(X5, Y5, batch_size=3, epochs=2, verbose=0, callbacks=[recorder])
    assert recorder.model is model, "callback.model is not the model being trained"
    got = {k: recorder.params.get(k) for k in ("epochs", "steps", "verbose")}
    assert got == {"epochs": 2, "steps": 2, "verbose": 0}, f"callback.params: {recorder.params}"


@pytest.mark.behavior("callbacks.hooks.order.evaluate")
def test_evaluate_calls_the_test_hooks(keras):
    recorder = _recorder(keras)
    result = _frozen_model(keras).evaluate(X5, Y5, batch_size=3, verbose=0,
                                           callbacks=[recorder])
    expected = [("on_test_begin", None), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                ("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_end", None)]
    assert _order(recorder.events) == expected, f"evaluate hooks: {_order(recorder.events)}"
    (_, logs), = _logs_of(recorder.events, "on_test_end")
    _assert_logs(logs, {"loss": 2.0, "mse": 6.0}, "on_test_end logs")
    assert_allclose(result, [2.0, 6.0], rtol=RTOL, atol=ATOL, what="evaluate()")


@pytest.mark.behavior("callbacks.hooks.order.predict")
def test_predict_calls_the_predict_hooks_with_the_batch_outputs(keras, adapter):
    recorder = _recorder(keras)
    _frozen_model(keras).predict(X5, batch_size=3, verbose=0, callbacks=[recorder])
    expected = [("on_predict_begin", None), ("on_predict_batch_begin", 0),
                ("on_predict_batch_end", 0), ("on_predict_batch_begin", 1),
                ("on_predict_batch_end", 1), ("on_predict_end", None)]
    assert _order(recorder.events) == expected, f"predict hooks: {_order(recorder.events)}"
    for index, logs in _logs_of(recorder.events, "on_predict_batch_end"):
        outputs = np.asarray(adapter.to_numpy(logs.get("outputs")))
        assert outputs.shape == ((3, 1), (2, 1))[index], (
            f"on_predict_batch_end({index}) logs['outputs'] shape {outputs.shape}")


@pytest.mark.behavior("callbacks.stop_training")
def test_setting_model_stop_training_ends_fit_after_the_epoch(keras):
    class StopAtTwo(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    history = _fit(_bias_model(keras, *FALLING), [StopAtTwo()])
    assert history.epoch == [0, 1], f"History.epoch {history.epoch}"


# -- EarlyStopping ----------------------------------------------------------------------------
def _stopped(keras, model_args, eager=False, **kwargs):
    model = _bias_model(keras, *model_args, eager=eager)
    history = _fit(model, [keras.callbacks.EarlyStopping(**kwargs)])
    return model, history


@pytest.mark.behavior("callbacks.early_stopping.patience")
@pytest.mark.parametrize("patience", [0, 1, 2, 4])
def test_early_stopping_waits_patience_epochs_without_improvement(keras, patience):
    # val_loss 1.25, 0.75, 0.25, then 0.25 forever: epoch 3 is the first without improvement
    _, history = _stopped(keras, FALLING, eager=patience != 0, monitor="val_loss",
                          patience=patience)
    assert_allclose(history.history["val_loss"], FALLING_VAL[:len(history.epoch)],
                    rtol=RTOL, atol=ATOL, what="val_loss per epoch (the model under test)")
    last = 3 + max(patience - 1, 0)
    assert history.epoch == list(range(last + 1)), (
        f"EarlyStopping(patience={patience}) ran epochs {history.epoch}, expected 0..{last}")


@pytest.mark.behavior("callbacks.early_stopping.monitor_default")
def test_early_stopping_monitors_val_loss_by_default(keras):
    _, history = _stopped(keras, FALLING, patience=1)
    assert history.epoch == [0, 1, 2, 3], f"EarlyStopping(patience=1) ran {history.epoch}"


@pytest.mark.behavior("callbacks.early_stopping.min_delta")
@pytest.mark.parametrize(("min_delta", "last"), [(0.4, 3), (0.6, 1)])
def test_early_stopping_counts_changes_below_min_delta_as_no_improvement(keras, min_delta,
                                                                         last):
    # val_loss falls by 0.5 per epoch (1.25, 0.75, 0.25), then stays
    _, history = _stopped(keras, FALLING, eager=min_delta != 0.4, monitor="val_loss",
                          patience=1, min_delta=min_delta)
    assert history.epoch == list(range(last + 1)), (
        f"EarlyStopping(min_delta={min_delta}, patience=1) ran epochs {history.epoch}, "
        f"expected 0..{last}")


@pytest.mark.behavior("callbacks.early_stopping.mode")
@pytest.mark.parametrize(("mode", "last"), [("min", 3), ("auto", 3), ("max", 1)])
def test_early_stopping_mode_sets_the_direction(keras, mode, last):
    _, history = _stopped(keras, FALLING, eager=mode != "min", monitor="val_loss", patience=1,
                          mode=mode)
    assert history.epoch == list(range(last + 1)), (
        f"EarlyStopping(mode={mode!r}) on a falling val_loss ran epochs {history.epoch}")


@pytest.mark.behavior("callbacks.early_stopping.restore_best_weights")
@pytest.mark.parametrize(("restore", "bias"), [(False, -0.5), (True, 0.25)])
def test_early_stopping_restores_the_best_epochs_weights(keras, restore, bias):
    # val_loss 0.25 (b=0.25), 0.5 (b=-0.5), 0.25, 0.5: the best is epoch 0 (a tie is no
    # improvement); patience=3 stops at epoch 3 with b=-0.5
    model, history = _stopped(keras, BEST_FIRST, eager=not restore, monitor="val_loss",
                              patience=3, restore_best_weights=restore)
    assert history.epoch == [0, 1, 2, 3], f"epochs run: {history.epoch}"
    assert_allclose(_bias(model), bias, rtol=0, atol=ATOL,
                    what=f"bias after EarlyStopping(restore_best_weights={restore})")


@pytest.mark.behavior("callbacks.early_stopping.baseline")
@pytest.mark.parametrize(("baseline", "last"), [(None, 4), (0.5, 4), (0.1, 3)])
def test_early_stopping_stops_when_the_baseline_is_not_beaten(keras, baseline, last):
    # val_loss 1.25, 0.75, 0.25, 0.25, ...: a baseline of 0.5 is beaten at epoch 2, then the
    # plateau waits patience=2 epochs (stop at 4); 0.1 is never beaten: epochs that only
    # improve on the best so far do not reset the wait, which reaches 2 at epoch 3
    _, history = _stopped(keras, FALLING, eager=baseline != 0.5, monitor="val_loss", patience=2,
                          baseline=baseline)
    assert history.epoch == list(range(last + 1)), (
        f"EarlyStopping(baseline={baseline}, patience=2) ran epochs {history.epoch}, "
        f"expected 0..{last}")


# -- ModelCheckpoint --------------------------------------------------------------------------
PATTERN = "weights.{epoch:02d}-{val_loss:.2f}.hdf5"  # the example of the Keras 2 docs
# The same pattern with a suffix both Keras 2 (HDF5 by the '.h5' extension) and Keras 3 (which
# requires '.weights.h5' for weights) accept: save_best_only is checked apart from the suffix.
PATTERN_H5 = "weights.{epoch:02d}-{val_loss:.2f}.weights.h5"


def _checkpointed(keras, tmp_path, model_args, pattern=PATTERN, eager=False, **kwargs):
    model = _bias_model(keras, *model_args, eager=eager)
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / pattern), monitor="val_loss",
                                                 save_weights_only=True, **kwargs)
    _fit(model, [checkpoint], epochs=5)
    return model, sorted(p.name for p in tmp_path.iterdir())


@pytest.mark.behavior("callbacks.model_checkpoint.filepath_format")
def test_model_checkpoint_formats_epoch_and_logs_into_the_file_name(keras, tmp_path):
    model, names = _checkpointed(keras, tmp_path, FALLING)
    expected = ["weights.01-1.25.hdf5", "weights.02-0.75.hdf5", "weights.03-0.25.hdf5",
                "weights.04-0.25.hdf5", "weights.05-0.25.hdf5"]
    assert names == expected, f"files written: {names}"
    # each file holds the weights of its epoch: b = 1.25 after epoch 1
    assert h5py.is_hdf5(tmp_path / expected[0]), f"{expected[0]} is not an HDF5 file"
    model.load_weights(str(tmp_path / expected[0]))
    assert_allclose(_bias(model), 1.25, rtol=0, atol=ATOL, what="bias loaded from epoch 1's file")


@pytest.mark.behavior("callbacks.model_checkpoint.save_best_only")
@pytest.mark.parametrize(("model_args", "mode", "expected"), [
    (FALLING, "auto", ["01-1.25", "02-0.75", "03-0.25"]),
    (BEST_FIRST, "min", ["01-0.25"]),
    (BEST_FIRST, "max", ["01-0.25", "02-0.50"]),
])
def test_model_checkpoint_save_best_only_saves_only_improvements(keras, tmp_path, model_args,
                                                                 mode, expected):
    _, names = _checkpointed(keras, tmp_path, model_args, PATTERN_H5, eager=mode != "auto",
                             save_best_only=True, mode=mode)
    expected = [f"weights.{stem}.weights.h5" for stem in expected]
    assert names == expected, (
        f"ModelCheckpoint(save_best_only=True, mode={mode!r}) wrote {names}, expected {expected}")


@pytest.mark.behavior("callbacks.model_checkpoint.whole_model")
def test_model_checkpoint_saves_whole_models_that_load_model_reads(keras, tmp_path):
    model = _bias_model(keras, *FALLING)
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "model.{epoch:02d}.h5"))
    _fit(model, [checkpoint], epochs=2)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["model.01.h5", "model.02.h5"], f"files written: {names}"
    for name, bias in zip(names, [1.25, 0.75], strict=True):
        loaded = keras.models.load_model(str(tmp_path / name))
        assert_allclose(loaded.predict(ZEROS[0], verbose=0), [[bias]], rtol=0, atol=ATOL,
                        what=f"predict of load_model({name})")


# -- learning rate ----------------------------------------------------------------------------
def _lr_probe(keras, adapter, model, into):
    """A LambdaCallback recording the optimizer's learning rate at the start of each epoch."""
    return keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: into.append(
            float(adapter.to_numpy(model.optimizer.learning_rate))))


@pytest.mark.behavior("callbacks.learning_rate_scheduler.schedule")
def test_learning_rate_scheduler_sets_the_rate_each_epoch(keras, adapter):
    # target far above the prediction: b grows by exactly the learning rate each epoch
    model = _bias_model(keras, 0.0, 1.0)
    lrs, biases = [], []
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch: 0.5 ** epoch)
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: biases.append(_bias(model)))
    _fit(model, [scheduler, _lr_probe(keras, adapter, model, lrs), record], epochs=4,
         data=(np.zeros((1, 1), "float32"), np.full((1, 1), 100.0, "float32")))
    assert lrs == [1.0, 0.5, 0.25, 0.125], f"learning rate per epoch: {lrs}"
    assert_allclose(biases, [1.0, 1.5, 1.75, 1.875], rtol=0, atol=ATOL,
                    what="bias after each epoch (sum of the scheduled rates)")


@pytest.mark.behavior("callbacks.learning_rate_scheduler.schedule_epoch_lr")
def test_learning_rate_scheduler_passes_the_current_rate(keras, adapter):
    model = _bias_model(keras, 0.0, 0.8)
    lrs, seen = [], []

    def schedule(epoch, lr):
        seen.append((epoch, round(float(lr), 6)))
        return lr / 2 if epoch > 0 else lr

    callbacks = [keras.callbacks.LearningRateScheduler(schedule),
                 _lr_probe(keras, adapter, model, lrs)]
    _fit(model, callbacks, epochs=3)
    assert seen == [(0, 0.8), (1, 0.8), (2, 0.4)], f"schedule called with {seen}"
    assert_allclose(lrs, [0.8, 0.4, 0.2], rtol=1e-6, atol=0, what="learning rate per epoch")


def _plateau(keras, adapter, epochs, eager=False, **kwargs):
    # loss 'mse' at b=0, target 0: the loss is 0 and its gradient 0, a perfect plateau
    model = _bias_model(keras, 0.0, 1.0, loss="mse", eager=eager)
    lrs = []
    callbacks = [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", **kwargs),
                 _lr_probe(keras, adapter, model, lrs)]
    _fit(model, callbacks, epochs=epochs)
    return lrs


@pytest.mark.behavior("callbacks.reduce_lr_on_plateau.factor_patience")
@pytest.mark.parametrize(("patience", "expected"), [
    (1, [1.0, 1.0, 0.5, 0.25, 0.125, 0.0625]),
    (2, [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]),
])
def test_reduce_lr_on_plateau_multiplies_by_factor_after_patience(keras, adapter, patience,
                                                                  expected):
    # epoch 0 sets the best; every later epoch is a plateau
    lrs = _plateau(keras, adapter, 6, eager=patience != 1, factor=0.5, patience=patience)
    assert_allclose(lrs, expected, rtol=1e-6, atol=0,
                    what=f"learning rate per epoch, ReduceLROnPlateau(factor=0.5, "
                         f"patience={patience})")


@pytest.mark.behavior("callbacks.reduce_lr_on_plateau.min_lr")
def test_reduce_lr_on_plateau_stops_at_min_lr(keras, adapter):
    lrs = _plateau(keras, adapter, 5, factor=0.5, patience=1, min_lr=0.3)
    assert_allclose(lrs, [1.0, 1.0, 0.5, 0.3, 0.3], rtol=1e-6, atol=0,
                    what="learning rate per epoch, ReduceLROnPlateau(min_lr=0.3)")


@pytest.mark.behavior("callbacks.reduce_lr_on_plateau.cooldown")
def test_reduce_lr_on_plateau_waits_cooldown_epochs_after_a_reduction(keras, adapter):
    lrs = _plateau(keras, adapter, 7, factor=0.5, patience=1, cooldown=2)
    # reduced at the end of epoch 1; the ends of epochs 2 and 3 count down the cooldown, and
    # the end of epoch 3, out of cooldown again, is the patience-1 plateau that reduces it
    assert_allclose(lrs, [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125], rtol=1e-6, atol=0,
                    what="learning rate per epoch, ReduceLROnPlateau(patience=1, cooldown=2)")


# -- CSVLogger, TerminateOnNaN, LambdaCallback ------------------------------------------------
def _csv_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.behavior("callbacks.csv_logger.rows")
def test_csv_logger_writes_a_header_and_one_row_per_epoch(keras, tmp_path):
    path = tmp_path / "training.log"
    _fit(_bias_model(keras, *FALLING), [keras.callbacks.CSVLogger(str(path))], epochs=3)
    rows = _csv_rows(path)
    assert [sorted(row) for row in rows] == [["epoch", "loss", "val_loss"]] * 3, (
        f"CSV columns: {[list(row) for row in rows]}")
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2], f"epochs: {rows}"
    assert_allclose([[float(row["loss"]), float(row["val_loss"])] for row in rows],
                    [[1.75, 1.25], [1.25, 0.75], [0.75, 0.25]], rtol=RTOL, atol=ATOL,
                    what="CSV loss, val_loss per epoch")


@pytest.mark.behavior("callbacks.csv_logger.append")
@pytest.mark.parametrize(("append", "rows"), [(False, 2), (True, 4)])
def test_csv_logger_append_keeps_earlier_rows(keras, tmp_path, append, rows):
    path = tmp_path / "training.log"
    model = _bias_model(keras, *FALLING, eager=not append)
    for _ in range(2):
        _fit(model, [keras.callbacks.CSVLogger(str(path), append=append)], epochs=2)
    got = _csv_rows(path)
    assert [int(row["epoch"]) for row in got] == [0, 1] * (rows // 2), (
        f"CSVLogger(append={append}) after two fits: {got}")


@pytest.mark.behavior("callbacks.csv_logger.separator")
def test_csv_logger_uses_the_separator(keras, tmp_path):
    path = tmp_path / "training.log"
    _fit(_bias_model(keras, *FALLING), [keras.callbacks.CSVLogger(str(path), separator=";")],
         epochs=1)
    header = path.read_text().splitlines()[0]
    assert sorted(header.split(";")) == ["epoch", "loss", "val_loss"], f"header {header!r}"


@pytest.mark.behavior("callbacks.terminate_on_nan")
def test_terminate_on_nan_stops_at_the_first_nan_batch(keras):
    x = np.zeros((4, 1), "float32")
    x[1, 0] = np.nan  # the second batch has a NaN loss
    model = _bias_model(keras, 1.0, 0.1)
    batches = []
    callbacks = [keras.callbacks.TerminateOnNaN(),
                 keras.callbacks.LambdaCallback(on_batch_end=lambda b, logs: batches.append(b))]
    history = model.fit(x, np.zeros((4, 1), "float32"), batch_size=1, epochs=3, verbose=0,
                        shuffle=False, callbacks=callbacks)
    assert batches == [0, 1], f"batches run: {batches}"
    assert len(history.epoch) <= 1, f"epochs after the NaN: {history.epoch}"


@pytest.mark.behavior("callbacks.lambda_callback")
def test_lambda_callback_calls_the_given_functions(keras):
    events = []
    callback = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(f"epoch_begin {epoch}"),
        on_batch_end=lambda batch, logs: events.append(f"batch_end {batch}"),
        on_epoch_end=lambda epoch, logs: events.append(
            f"epoch_end {epoch} val_loss={logs['val_loss']:.2f}"),
        on_train_end=lambda logs: events.append("train_end"))
    _fit(_bias_model(keras, *FALLING), [callback], epochs=2)
    assert events == ["train_begin", "epoch_begin 0", "batch_end 0", "epoch_end 0 val_loss=1.25",
                      "epoch_begin 1", "batch_end 0", "epoch_end 1 val_loss=0.75",
                      "train_end"], f"LambdaCallback events: {events}"
