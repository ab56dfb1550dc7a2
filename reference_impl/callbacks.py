"""Callbacks (Keras 2): hooks the training loop calls at the start and end of training, of each
epoch and of each batch (keras.io/2.x/api/callbacks); History, the progress display, and a few
of the standard callbacks (EarlyStopping, LambdaCallback, LearningRateScheduler, ...)."""

from __future__ import annotations

import csv
import math
import sys
import time

import numpy as np


class Callback:
    """The base class: every hook does nothing. ``self.model`` is the model being trained and
    ``self.params`` holds ``epochs``, ``steps`` and ``verbose``."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...

    # Keras 2.0 named the training batch hooks on_batch_*; later Keras 2 releases added
    # on_train_batch_* and kept the old names as what they call by default.
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


class CallbackList:
    """Calls a hook on every callback in turn."""

    def __init__(self, callbacks, model=None, **params):
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args):
            for callback in self.callbacks:
                getattr(callback, hook)(*args)
        return call


class History(Callback):
    """``fit`` returns it: ``history[key]`` has one value per epoch, ``epoch`` the epoch
    indices; it is also set as ``model.history``."""

    def __init__(self):
        super().__init__()
        self.epoch = []
        self.history = {}

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


# -- progress display --------------------------------------------------------------------
class Progbar:
    """A Keras-style progress line: ``3/10 [========>.....................] - ETA: 0s - loss:
    0.1234`` (verbose=1, redrawn in place), or only the final line (verbose=2)."""

    width = 30

    def __init__(self, target, verbose=1, stream=None):
        self.target, self.verbose, self.stream = target, verbose, stream
        self.started = time.time()
        self._width = 0  # of the line drawn last, to blank out what a shorter one leaves

    def update(self, current, values=None, finalize=False):
        elapsed = time.time() - self.started
        if self.verbose == 1:
            line = f"{current}/{self.target} [{self._bar(current)}]"
            if finalize:
                line += f" - {elapsed:.0f}s {_per_step(elapsed, current)}"
            else:
                eta = elapsed / max(current, 1) * (self.target - current)
                line += f" - ETA: {eta:.0f}s"
            line += _format(values)
            padded, self._width = line.ljust(self._width), len(line)
            self._write("\r" + padded + ("\n" if finalize else ""))
        elif self.verbose == 2 and finalize:
            self._write(f"{current}/{self.target} - {elapsed:.0f}s{_format(values)} - "
                        f"{1000 * elapsed:.0f}ms/epoch - {_per_step(elapsed, current)}\n")

    def _bar(self, current) -> str:
        done = int(self.width * min(current, self.target) / max(self.target, 1))
        head = ("=" if current >= self.target else ">") if done else ""
        return "=" * max(done - 1, 0) + head + "." * (self.width - done)

    def _write(self, text):
        stream = self.stream or sys.stdout
        stream.write(text)
        stream.flush()


def _per_step(elapsed, steps) -> str:
    return f"{1000 * elapsed / max(steps, 1):.0f}ms/step"


def _format(logs) -> str:
    parts = []
    for key, value in (logs or {}).items():
        value = float(np.asarray(value))
        parts.append(f"{key}: {value:.4f}" if abs(value) > 1e-3 or value == 0
                     else f"{key}: {value:.4e}")
    return "".join(f" - {part}" for part in parts)


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a progress bar per epoch (verbose=1), or one line per epoch
    (verbose=2). ``fit`` adds it when ``verbose`` is not 0."""

    def __init__(self, count_mode="steps", stream=None):
        super().__init__()
        self.stream = stream
        self.progbar = None

    def on_epoch_begin(self, epoch, logs=None):
        if self.params.get("verbose"):
            stream = self.stream or sys.stdout
            stream.write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")
            self.progbar = Progbar(self.params.get("steps"), self.params["verbose"], self.stream)

    def on_train_batch_end(self, batch, logs=None):
        if self.progbar is not None and self.params.get("steps"):
            self.seen = batch + 1
            if self.seen < self.params["steps"]:
                self.progbar.update(self.seen, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.progbar is not None:
            self.progbar.target = self.progbar.target or getattr(self, "seen", 0)
            self.progbar.update(self.progbar.target, logs, finalize=True)


# -- standard callbacks ------------------------------------------------------------------
class LambdaCallback(Callback):
    """A callback from functions: ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch,
    logs)``, ``on_batch_begin(batch, logs)``, ``on_batch_end(batch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)`` (and any other hook by keyword)."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


class EarlyStopping(Callback):
    """Stops training when ``monitor`` has not improved by more than ``min_delta`` for
    ``patience`` epochs; ``mode='auto'`` maximises accuracies and minimises the rest."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        maximise = mode == "max" or (mode == "auto" and ("acc" in monitor
                                                         or monitor.startswith("auc")))
        self.monitor_op = np.greater if maximise else np.less
        self.min_delta = abs(min_delta) if maximise else -abs(min_delta)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = -np.inf if self.monitor_op is np.greater else np.inf
        self.best_weights = None

    def _improves(self, value, reference) -> bool:
        return bool(self.monitor_op(value - self.min_delta, reference))

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improves(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improves(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate at the start of each epoch to ``schedule(epoch)``
    (or ``schedule(epoch, lr)``)."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        try:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # the Keras 2.0 one-argument form
            lr = self.schedule(epoch)
        optimizer.learning_rate = float(lr)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(self.model.optimizer.learning_rate)


class TerminateOnNaN(Callback):
    """Stops training when a batch loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class ModelCheckpoint(Callback):
    """Saves the model (or only its weights) after each epoch to ``filepath``, which may hold
    ``{epoch}`` and log keys (``weights.{epoch:02d}-{val_loss:.2f}.hdf5``)."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", **kwargs):
        super().__init__()
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        maximise = mode == "max" or (mode == "auto" and ("acc" in monitor
                                                         or monitor.startswith("fmeasure")))
        self.monitor_op = np.greater if maximise else np.less
        self.best = -np.inf if maximise else np.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None or not self.monitor_op(value, self.best):
                return
            self.best = value
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file: a header ``epoch`` and the log keys in
    sorted order, then one row per epoch. ``append=True`` adds to an existing file (the header
    only when the file is empty)."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.separator, self.append = str(filename), separator, append

    def on_train_begin(self, logs=None):
        header = True
        if self.append:
            try:
                with open(self.filename) as existing:
                    header = not existing.readline()
            except FileNotFoundError:
                pass
        self.file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self.header, self.writer = header, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.writer is None:
            self.writer = csv.DictWriter(self.file, ["epoch", *sorted(logs)],
                                         delimiter=self.separator)
            if self.header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: _csv_value(v) for k, v in logs.items()}})
        self.file.flush()

    def on_train_end(self, logs=None):
        self.file.close()
        self.writer = None


def _csv_value(value):
    array = np.asarray(value)
    if array.ndim == 0:
        return array.item()
    return f"[{', '.join(str(v) for v in array.ravel().tolist())}]"


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` (never below ``min_lr``) once ``monitor``
    has not improved by more than ``min_delta`` for ``patience`` epochs, then waits
    ``cooldown`` epochs before counting again. Adds ``lr`` to the epoch's logs."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Got {factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.min_delta, self.cooldown, self.min_lr = min_delta, cooldown, min_lr
        maximise = mode == "max" or (mode == "auto" and "acc" in monitor)
        if maximise:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
        else:
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
        self.initial_best = -np.inf if maximise else np.inf

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = self.initial_best, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["lr"] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(optimizer.learning_rate)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new_lr}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0
