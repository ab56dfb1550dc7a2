"""``compile``, ``fit``, ``evaluate``, ``predict`` and the ``*_on_batch`` methods of a model.

One step: forward pass with gradients recorded, total loss = sum over outputs of
loss_weight * mean(sample_weight * loss) + regularization penalties, backward pass, optimizer
update of the trainable weights. Logged values are averaged over the samples of an epoch, as
Keras does: losses weighted by batch size, metrics by sample (and sample weights for
``weighted_metrics``).
"""

from __future__ import annotations

import math

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import callbacks as callbacks_mod
from reference_impl import losses as losses_mod
from reference_impl import metrics as metrics_mod
from reference_impl import optimizers as optimizers_mod


class _Metric:
    """One logged metric: a function of one output, averaged over samples."""

    def __init__(self, name, fn, output_index, weighted):
        self.name, self.fn, self.output_index, self.weighted = name, fn, output_index, weighted


class Trainer:
    optimizer = None
    stop_training = False

    # -- compile ------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, **kwargs):
        self.optimizer = optimizers_mod.get(optimizer)
        names = self.output_names
        self._loss_fns = self._per_output(loss, "loss", losses_mod.get)
        weights = self._per_output(loss_weights, "loss_weights", float, default=1.0)
        self._loss_weights = [1.0 if w is None else w for w in weights]
        self._metrics = (self._resolve_metrics(metrics, weighted=False)
                         + self._resolve_metrics(weighted_metrics, weighted=True))
        self._compile_args = {"loss": _names(loss), "metrics": _names(metrics),
                              "loss_weights": loss_weights,
                              "optimizer": optimizers_mod.serialize(self.optimizer)}
        self.metrics_names = ["loss"] + (
            [f"{n}_loss" for n in names] if len(names) > 1 else []) + [
            m.name for m in self._metrics]

    def _per_output(self, value, what, convert, default=None) -> list:
        names = self.output_names
        if isinstance(value, dict):
            unknown = set(value) - set(names)
            if unknown:
                raise ValueError(f"Unknown entries in {what} dictionary: {sorted(unknown)}. "
                                 f"Only expected the following keys: {names}")
            return [convert(value[n]) if n in value else default for n in names]
        if isinstance(value, (list, tuple)):
            if len(value) != len(names):
                raise ValueError(f"When passing a list as {what}, it should have one entry per "
                                 f"model output. The model has {len(names)} outputs, but you "
                                 f"passed {what}={value}")
            return [convert(v) for v in value]
        return [default if value is None else convert(value)] * len(names)

    def _resolve_metrics(self, metrics, weighted) -> list:
        if not metrics:
            return []
        names = self.output_names
        if isinstance(metrics, dict):
            per_output = [_as_list(metrics.get(n, [])) for n in names]
        else:
            per_output = [_as_list(metrics)] * len(names)
        resolved = []
        for index, items in enumerate(per_output):
            for item in items:
                name = item if isinstance(item, str) else getattr(item, "__name__", "metric")
                if item in ("accuracy", "acc"):
                    fn = metrics_mod.accuracy_for(self._loss_fns[index],
                                                  self.outputs[index].shape)
                else:
                    fn = metrics_mod.get(item)
                if weighted:
                    name = f"weighted_{name}"
                if len(names) > 1:
                    name = f"{names[index]}_{name}"
                resolved.append(_Metric(name, fn, index, weighted))
        return resolved

    def _training_config(self):
        return getattr(self, "_compile_args", None)

    def _compile_from_config(self, config, custom_objects=None):
        self.compile(optimizer=optimizers_mod.deserialize(config["optimizer"]),
                     loss=config["loss"], metrics=config["metrics"],
                     loss_weights=config["loss_weights"])

    # -- data ---------------------------------------------------------------------------
    def _inputs_list(self, x) -> list:
        if isinstance(x, dict):
            return [np.asarray(x[name]) for name in self.input_names]
        return [np.asarray(v) for v in (x if isinstance(x, (list, tuple)) else [x])]

    def _targets_list(self, y) -> list:
        if isinstance(y, dict):
            return [np.asarray(y[name]) for name in self.output_names]
        return [np.asarray(v) for v in (y if isinstance(y, (list, tuple)) else [y])]

    def _ensure_built(self, inputs: list) -> None:
        if not self.outputs:
            self.build((None, *inputs[0].shape[1:]))

    # -- one step -----------------------------------------------------------------------
    def _forward(self, inputs: list, training: bool) -> list:
        self._ensure_built(inputs)
        outputs = self.call(inputs if len(inputs) > 1 else inputs[0], training=training)
        return outputs if isinstance(outputs, list) else [outputs]

    def _losses(self, predictions, targets, sample_weight):
        """(total loss Tensor, [per-output loss floats]) for a batch."""
        total, per_output = None, []
        for fn, weight, pred, target in zip(self._loss_fns, self._loss_weights, predictions,
                                            targets, strict=True):
            if fn is None:
                per_output.append(0.0)
                continue
            values = fn(target, pred)
            if sample_weight is not None:
                shape = (-1,) + (1,) * (values.ndim - 1)
                values = values * sample_weight.reshape(shape).astype(values.dtype)
            loss = ad.reduce_sum(values) / float(max(values.data.size, 1))
            per_output.append(float(loss.data))
            total = weight * loss if total is None else total + weight * loss
        for penalty in self.losses:
            total = total + penalty
        return total, per_output

    def _metric_values(self, predictions, targets, sample_weight):
        """[(sum of values, sum of weights)] for each metric, over a batch."""
        sums = []
        for metric in self._metrics:
            values = np.asarray(ad._data(metric.fn(targets[metric.output_index],
                                                   predictions[metric.output_index])))
            batch = len(targets[metric.output_index])
            if values.ndim == 0:  # a metric that already averaged the batch (K.mean(...))
                values = np.full(batch, values)
            values = values.reshape(batch, -1).mean(axis=1)
            w = sample_weight if (metric.weighted and sample_weight is not None) else np.ones(
                len(values))
            sums.append((float(np.sum(values * w)), float(np.sum(w))))
        return sums

    def _train_step(self, inputs, targets, sample_weight):
        predictions = self._forward(inputs, training=True)
        total, per_output = self._losses(predictions, targets, sample_weight)
        variables = self.trainable_weights
        grads = ad.gradients(total, variables)
        metric_sums = self._metric_values(predictions, targets, sample_weight)
        self.optimizer.apply_gradients(zip(grads, variables, strict=True))
        return float(total.data), per_output, metric_sums

    def _test_step(self, inputs, targets, sample_weight):
        with ad.no_grad():
            predictions = self._forward(inputs, training=False)
            total, per_output = self._losses(predictions, targets, sample_weight)
            return float(total.data), per_output, self._metric_values(predictions, targets,
                                                                      sample_weight)

    # -- loops --------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            **kwargs):
        self._check_compiled()
        inputs, targets = self._inputs_list(x), self._targets_list(y)
        self._ensure_built(inputs)
        sample_weight = None if sample_weight is None else np.asarray(sample_weight, "float32")
        if class_weight is not None:
            sample_weight = _class_weights(targets[0], class_weight, sample_weight)
        if validation_data is not None:
            validation_data = _unpack_validation(self, validation_data)
        elif validation_split:
            split = int(len(inputs[0]) * (1.0 - validation_split))
            validation_data = ([a[split:] for a in inputs], [a[split:] for a in targets],
                               None if sample_weight is None else sample_weight[split:])
            inputs, targets = [a[:split] for a in inputs], [a[:split] for a in targets]
            sample_weight = None if sample_weight is None else sample_weight[:split]
        batch_size = batch_size or 32
        n = len(inputs[0])
        steps = steps_per_epoch or math.ceil(n / batch_size)
        history = callbacks_mod.History()
        hooks = [history] + list(callbacks or [])
        if verbose:
            hooks.append(callbacks_mod.ProgbarLogger(verbose))
        hooks = callbacks_mod.CallbackList(hooks, self, {"epochs": epochs, "steps": steps,
                                                         "verbose": verbose})
        self.stop_training = False
        hooks.on_train_begin({})
        order, cursor = np.arange(n), n
        for epoch in range(initial_epoch, epochs):
            hooks.on_epoch_begin(epoch, {})
            totals = _Totals(self)
            for step in range(steps):
                if cursor >= n:  # a new pass over the data
                    order = np.random.permutation(n) if shuffle else np.arange(n)
                    cursor = 0
                index = order[cursor:cursor + batch_size]
                cursor += batch_size
                hooks.on_train_batch_begin(step, {})
                result = self._train_step([a[index] for a in inputs], [a[index] for a in targets],
                                          None if sample_weight is None else sample_weight[index])
                totals.add(len(index), *result)
                hooks.on_train_batch_end(step, totals.logs())
            if steps_per_epoch is None:
                cursor = n
            logs = totals.logs()
            if validation_data is not None:
                val = self._evaluate_logs(*validation_data, batch_size=batch_size)
                logs.update({f"val_{k}": v for k, v in val.items()})
            hooks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        hooks.on_train_end({})
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        self._check_compiled()
        weights = None if sample_weight is None else np.asarray(sample_weight, "float32")
        logs = self._evaluate_logs(self._inputs_list(x), self._targets_list(y), weights,
                                   batch_size=batch_size or 32)
        return logs if return_dict else _scalar_or_list(list(logs.values()))

    def _evaluate_logs(self, inputs, targets, sample_weight, batch_size) -> dict:
        totals = _Totals(self)
        for start in range(0, len(inputs[0]), batch_size):
            part = slice(start, start + batch_size)
            result = self._test_step([a[part] for a in inputs], [a[part] for a in targets],
                                     None if sample_weight is None else sample_weight[part])
            totals.add(len(inputs[0][part]), *result)
        return totals.logs()

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, **kwargs):
        inputs = self._inputs_list(x)
        batch_size = batch_size or 32
        chunks = []
        with ad.no_grad():
            for start in range(0, len(inputs[0]), batch_size):
                part = [a[start:start + batch_size] for a in inputs]
                chunks.append([o.data for o in self._forward(part, training=False)])
        outputs = [np.concatenate(parts) for parts in zip(*chunks, strict=True)]
        if isinstance(self._nested_outputs, dict):
            return dict(zip(sorted(self._nested_outputs), outputs, strict=True))
        return outputs[0] if len(outputs) == 1 and not isinstance(
            self._nested_outputs, (list, tuple)) else outputs

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        self._check_compiled()
        targets = self._targets_list(y)
        weights = None if sample_weight is None else np.asarray(sample_weight, "float32")
        if class_weight is not None:
            weights = _class_weights(targets[0], class_weight, weights)
        totals = _Totals(self)
        inputs = self._inputs_list(x)
        totals.add(len(inputs[0]), *self._train_step(inputs, targets, weights))
        logs = totals.logs()
        return logs if return_dict else _scalar_or_list(list(logs.values()))

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        self._check_compiled()
        weights = None if sample_weight is None else np.asarray(sample_weight, "float32")
        totals = _Totals(self)
        inputs = self._inputs_list(x)
        totals.add(len(inputs[0]), *self._test_step(inputs, self._targets_list(y), weights))
        logs = totals.logs()
        return logs if return_dict else _scalar_or_list(list(logs.values()))

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=len(self._inputs_list(x)[0]))

    def _check_compiled(self) -> None:
        if self.optimizer is None:
            raise RuntimeError("You must compile your model before training/testing. Use "
                               "`model.compile(optimizer, loss)`.")


class _Totals:
    """Running sums of one epoch (or one evaluation): the logs Keras reports."""

    def __init__(self, model):
        self.model = model
        self.samples = 0
        self.loss = 0.0
        self.output_losses = [0.0] * len(model.output_names)
        self.metric_sums = [[0.0, 0.0] for _ in model._metrics]

    def add(self, batch, loss, output_losses, metric_sums):
        self.samples += batch
        self.loss += loss * batch
        for i, value in enumerate(output_losses):
            self.output_losses[i] += value * batch
        for total, (value_sum, weight_sum) in zip(self.metric_sums, metric_sums, strict=True):
            total[0] += value_sum
            total[1] += weight_sum

    def logs(self) -> dict:
        n = max(self.samples, 1)
        logs = {"loss": self.loss / n}
        if len(self.output_losses) > 1:
            for name, value in zip(self.model.output_names, self.output_losses, strict=True):
                logs[f"{name}_loss"] = value / n
        for metric, (value_sum, weight_sum) in zip(self.model._metrics, self.metric_sums,
                                                   strict=True):
            logs[metric.name] = value_sum / weight_sum if weight_sum else 0.0
        return logs


def _class_weights(targets, class_weight, sample_weight):
    classes = (np.argmax(targets, axis=-1) if targets.ndim > 1 and targets.shape[-1] > 1
               else targets.reshape(len(targets), -1)[:, 0]).astype(int)
    weights = np.array([class_weight.get(int(c), 1.0) for c in classes], dtype="float32")
    return weights if sample_weight is None else weights * sample_weight


def _unpack_validation(model, data):
    x, y, *rest = data
    weights = rest[0] if rest else None
    return (model._inputs_list(x), model._targets_list(y),
            None if weights is None else np.asarray(weights, "float32"))


def _scalar_or_list(values):
    return values[0] if len(values) == 1 else values


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _names(value):
    if isinstance(value, dict):
        return {k: _names(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_names(v) for v in value]
    return value if value is None or isinstance(value, str) else getattr(value, "__name__", None)
