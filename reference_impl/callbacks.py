"""Callbacks (Keras 2): hooks the training loop calls, History and the progress display."""

from __future__ import annotations

import sys
import time

import numpy as np


class Callback:
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
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): self.on_batch_begin(batch, logs)
    def on_train_batch_end(self, batch, logs=None): self.on_batch_end(batch, logs)
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


class History(Callback):
    """``fit`` returns it: ``history[key]`` has one value per epoch, ``epoch`` the indices."""

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


class ProgbarLogger(Callback):
    """verbose=1: a progress bar per epoch; verbose=2: one line per epoch."""

    def __init__(self, verbose=1, stream=None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream

    def _write(self, text):
        (self.stream or sys.stdout).write(text)
        (self.stream or sys.stdout).flush()

    def on_epoch_begin(self, epoch, logs=None):
        self.seen, self.started = 0, time.time()
        self._write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")

    def on_batch_end(self, batch, logs=None):
        if self.verbose != 1:
            return
        steps = self.params["steps"]
        done = min(batch + 1, steps)
        filled = int(30 * done / steps)
        bar = "=" * max(filled - 1, 0) + (">" if filled < 30 else "=") + "." * (30 - filled)
        self._write(f"\r{done}/{steps} [{bar}] - {_format(logs)}")

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.time() - self.started
        steps = self.params["steps"]
        if self.verbose == 1:
            self._write(f"\r{steps}/{steps} [{'=' * 30}] - {elapsed:.0f}s - {_format(logs)}\n")
        else:
            self._write(f"{steps}/{steps} - {elapsed:.0f}s - {_format(logs)}\n")


def _format(logs) -> str:
    return " - ".join(f"{k}: {float(np.asarray(v)):.4f}" for k, v in (logs or {}).items())


class LambdaCallback(Callback):
    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            setattr(self, name, fn)


class EarlyStopping(Callback):
    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto"):
        super().__init__()
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), patience
        self.sign = -1 if mode == "max" or (mode == "auto" and "acc" in monitor) else 1

    def on_train_begin(self, logs=None):
        self.wait, self.best = 0, np.inf

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            return
        score = self.sign * value
        if score < self.best - self.min_delta:
            self.best, self.wait = score, 0
        else:
            self.wait += 1
            if self.wait > self.patience:
                self.model.stop_training = True


class CallbackList:
    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)

    def __getattr__(self, hook):
        def call(*args):
            for callback in self.callbacks:
                getattr(callback, hook)(*args)
        return call
