"""``compile``, ``fit``, ``evaluate``, ``predict`` and the ``*_on_batch`` methods of a model
(Keras 2: keras.io/2.x/api/models/model_training_apis).

One training step: a forward pass that records gradients; for each output the loss function's
per-sample values, weighted by the sample weights and averaged over the batch; the total loss
= sum of loss_weight * output loss + the regularization penalties (``model.losses``); the
gradients of the total with respect to the trainable weights; an optimizer update.

What is logged (History, callbacks, ``evaluate``) are means over the samples seen, as tf.keras 2
computes them: ``loss`` (the total) and each output's ``<name>_loss`` (unweighted) weighted by
batch size; each metric summed over all its values and divided by their count (or by the sum
of the sample weights, for ``weighted_metrics``).
"""

from __future__ import annotations

import math

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import backend as K
from reference_impl import callbacks as callbacks_mod
from reference_impl import losses as losses_mod
from reference_impl import metrics as metrics_mod
from reference_impl import optimizers as optimizers_mod

_ACCURACY_NAMES = ("accuracy", "acc", "crossentropy", "ce")


class _Metric:
    """One logged metric of one output; strings like 'accuracy' are resolved on first use,
    from the shapes of the targets and the predictions."""

    def __init__(self, spec, output: int, weighted: bool):
        self.spec, self.output, self.weighted = spec, output, weighted
        self.name = _metric_name(spec)
        self.fn = None if spec in _ACCURACY_NAMES else metrics_mod.get(spec)

    def __call__(self, y_true, y_pred):
        if self.fn is None:
            self.fn = metrics_mod.resolve_accuracy(self.spec, y_true.shape, y_pred.shape)
        return self.fn(y_true, y_pred)


class _Compiled:
    """What ``compile`` attached to each output: loss function, loss weight, metrics."""

    def __init__(self, model, loss, loss_weights, metrics, weighted_metrics):
        names = model.output_names
        keys = model._output_keys()
        self.losses = _per_output(loss, keys, "loss", losses_mod.get, broadcast=True)
        self.loss_weights = [1.0 if w is None else float(w) for w in
                             _per_output(loss_weights, keys, "loss_weights", float)]
        self.metrics = []
        per_output = [_per_output_metrics(metrics, keys), _per_output_metrics(weighted_metrics,
                                                                              keys)]
        taken = set()
        for index, name in enumerate(names):
            for weighted, specs in enumerate(per_output):
                for spec in specs[index]:
                    metric = _Metric(spec, index, bool(weighted))
                    prefix = f"{name}_" if len(names) > 1 else ""
                    if weighted and prefix + metric.name in taken:
                        prefix += "weighted_"
                    metric.name = prefix + metric.name
                    if metric.name in taken:
                        raise ValueError(f"Found two metrics with the same name: {metric.name}. "
                                         f"All the metrics added to the model need to have "
                                         f"unique names.")
                    taken.add(metric.name)
                    self.metrics.append(metric)
        output_losses = ([f"{n}_loss" for n, fn in zip(names, self.losses, strict=True)
                          if fn is not None] if len(names) > 1 else [])
        self.names = ["loss", *output_losses, *(m.name for m in self.metrics)]


class _Means:
    """Running means of one epoch or one evaluation: the values Keras logs."""

    def __init__(self, names):
        self.totals = dict.fromkeys(names, 0.0)
        self.counts = dict.fromkeys(names, 0.0)

    def add(self, name, total, count):
        self.totals[name] += total
        self.counts[name] += count

    def result(self) -> dict:
        return {name: (self.totals[name] / self.counts[name] if self.counts[name] else 0.0)
                for name in self.totals}


class Trainer:
    """Mixed into Model: the training API over ``self.call``, ``self.trainable_weights`` and
    ``self.losses``."""

    optimizer = None
    stop_training = False
    _compiled_spec = None

    # -- compile ------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None,
                run_eagerly=None, steps_per_execution=None, jit_compile=None, **kwargs):
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = loss
        self._compiled_spec = (loss, loss_weights, metrics, weighted_metrics)
        self._compiled_outputs = None
        self._compile_args = {"loss": _names(loss), "metrics": _names(metrics),
                              "loss_weights": loss_weights,
                              "weighted_metrics": _names(weighted_metrics),
                              "optimizer": optimizers_mod.serialize(self.optimizer)}
        # As in Keras 2, the weights trained are the ones trainable now: changing a layer's
        # `trainable` afterwards takes effect at the next compile (taken at the first step
        # when the model has no weights yet).
        self._train_variables = list(self.trainable_weights) if self.outputs else None
        self._batch_means = None
        if self.outputs:
            self._compiled()  # report bad loss/metrics structures now

    @property
    def metrics_names(self) -> list:
        return self._compiled().names if self._compiled_spec and self.outputs else ["loss"]

    def _compiled(self) -> _Compiled:
        if self._compiled_outputs is None:
            self._compiled_outputs = _Compiled(self, *self._compiled_spec)
        return self._compiled_outputs

    def _check_compiled(self) -> None:
        if self._compiled_spec is None:
            raise RuntimeError("You must compile your model before training/testing. Use "
                               "`model.compile(optimizer, loss)`.")

    def _training_config(self):
        return getattr(self, "_compile_args", None)

    def _compile_from_config(self, config, custom_objects=None):
        self.compile(optimizer=optimizers_mod.deserialize(config["optimizer"]),
                     loss=_custom(config["loss"], custom_objects),
                     metrics=_custom(config["metrics"], custom_objects),
                     loss_weights=config["loss_weights"],
                     weighted_metrics=_custom(config.get("weighted_metrics"), custom_objects))

    # -- data: arrays, lists or dicts keyed by input/output names -----------------------
    def _output_keys(self) -> list:
        """For each output, the names a dict of targets (losses, ...) may use for it."""
        keys = [{name} for name in self.output_names]
        if isinstance(self._nested_structure("outputs"), dict):
            for key_set, key in zip(keys, sorted(self._nested_structure("outputs")),
                                    strict=True):
                key_set.add(key)
        return keys

    def _nested_structure(self, which):
        return getattr(self, f"_nested_{which}", None)

    def _input_arrays(self, x) -> list:
        if isinstance(x, dict):
            nested = self._nested_structure("inputs")
            names = sorted(nested) if isinstance(nested, dict) else self.input_names
            missing = [n for n in names if n not in x]
            if missing or not names:
                names = self.input_names
                missing = [n for n in names if n not in x]
            if missing:
                raise ValueError(f"Missing data for input(s) {missing}: the model expects "
                                 f"{names}, got keys {sorted(x)}")
            return [_as_array(x[n]) for n in names]
        return [_as_array(v) for v in _as_data_list(x, max(len(self.inputs), 1))]

    def _target_arrays(self, y) -> list:
        count = max(len(self.outputs), 1)
        if y is None:
            return [None] * count
        if isinstance(y, dict):
            keys = self._output_keys()
            unknown = set(y) - set().union(*keys)
            if unknown:
                raise ValueError(f"Found unexpected keys {sorted(unknown)} in the targets; the "
                                 f"model's outputs are {self.output_names}")
            return [next((_as_array(y[k]) for k in key_set if k in y), None)
                    for key_set in keys]
        arrays = [None if v is None else _as_array(v) for v in _as_data_list(y, count)]
        if len(arrays) != count:
            raise ValueError(f"The model has {count} output(s), but {len(arrays)} target "
                             f"arrays were given.")
        return arrays

    def _sample_weight_arrays(self, sample_weight, class_weight, targets) -> list:
        count = len(targets)
        if sample_weight is None:
            weights = [None] * count
        elif isinstance(sample_weight, dict):
            keys = self._output_keys()
            weights = [next((_as_array(sample_weight[k]) for k in key_set
                             if k in sample_weight), None) for key_set in keys]
        elif isinstance(sample_weight, (list, tuple)) and count > 1:
            weights = [None if w is None else _as_array(w) for w in sample_weight]
        else:  # one array of weights for every output
            weights = [_as_array(sample_weight)] * count
        if class_weight is not None:
            weights = [_with_class_weights(t, class_weight, w) if t is not None else w
                       for t, w in zip(targets, weights, strict=True)]
        return [None if w is None else w.astype(K.floatx()) for w in weights]

    # -- one batch ----------------------------------------------------------------------
    def _ensure_built(self, inputs: list) -> None:
        """A Sequential model given no input shape is built from the first data it sees."""
        if not self.outputs:
            self.build((None, *inputs[0].shape[1:]))

    def _forward(self, inputs: list, training: bool) -> list:
        outputs = self.call(inputs if len(inputs) > 1 else inputs[0], training=training)
        return outputs if isinstance(outputs, list) else [outputs]

    def _loss(self, compiled, predictions, targets, weights, means, batch):
        """The total loss Tensor of a batch; adds the loss values to ``means``."""
        total = None
        for index, (fn, weight) in enumerate(zip(compiled.losses, compiled.loss_weights,
                                                 strict=True)):
            if fn is None or targets[index] is None:
                continue
            prediction = predictions[index]
            target = _match_target(targets[index], prediction)
            if isinstance(fn, losses_mod.Loss) and _output_mask(prediction) is None:
                # a Loss instance weights and reduces itself (tf-keras 2 compile_utils)
                loss = ad.reduce_mean(fn(target, prediction, sample_weight=weights[index]))
            else:  # per-sample values (a Loss instance's own), then the batch mean
                values = ad.as_tensor(getattr(fn, "call", fn)(target, prediction))
                loss = _weighted_mean(values, weights[index], _output_mask(prediction))
            if len(compiled.losses) > 1:
                means.add(f"{self.output_names[index]}_loss", float(loss.data) * batch, batch)
            term = loss if weight == 1.0 else loss * weight
            total = term if total is None else total + term
        for penalty in self.losses:
            total = penalty if total is None else total + penalty
        if total is None:
            raise ValueError("No loss to compute: pass a `loss` to `compile()` (and targets "
                             "to `fit()`).")
        means.add("loss", float(ad._data(total)) * batch, batch)
        return total

    def _update_metrics(self, compiled, predictions, targets, weights, means) -> None:
        with ad.no_grad():
            for metric in compiled.metrics:
                target, prediction = targets[metric.output], predictions[metric.output]
                if target is None:
                    continue
                values = np.asarray(ad._data(metric(_match_target(target, prediction),
                                                    prediction)), dtype=np.float64)
                weight = weights[metric.output] if metric.weighted else None
                mask = _output_mask(prediction)
                if mask is not None and values.ndim:  # masked steps do not count (tf-keras 2)
                    weight = mask if weight is None else _align(weight, mask.ndim) * mask
                if weight is None or values.ndim == 0:
                    means.add(metric.name, float(values.sum()), values.size)
                else:
                    weight = np.broadcast_to(_align(weight, values.ndim), values.shape)
                    means.add(metric.name, float(np.sum(values * weight)), float(weight.sum()))

    def _train_batch(self, inputs, targets, weights, means) -> None:
        compiled = self._compiled()
        predictions = self._forward(inputs, training=True)
        total = self._loss(compiled, predictions, targets, weights, means, len(inputs[0]))
        if self._train_variables is None:
            self._train_variables = list(self.trainable_weights)
        variables = self._train_variables
        for variable in variables:
            variable.grad = None
        if total.requires_grad:
            total.backward()
        # weights the loss does not depend on get no update at all (tf.keras: grad None)
        pairs = [(v.grad, v) for v in variables if v.grad is not None]
        for variable in variables:
            variable.grad = None
        self._update_metrics(compiled, predictions, targets, weights, means)
        self.optimizer.apply_gradients(pairs)

    def _test_batch(self, inputs, targets, weights, means) -> None:
        compiled = self._compiled()
        with ad.no_grad():
            predictions = self._forward(inputs, training=False)
            self._loss(compiled, predictions, targets, weights, means, len(inputs[0]))
        self._update_metrics(compiled, predictions, targets, weights, means)

    # -- fit ----------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        self._check_compiled()
        verbose = 1 if verbose == "auto" else verbose
        inputs = self._input_arrays(x)
        self._ensure_built(inputs)
        targets = self._target_arrays(y)
        weights = self._sample_weight_arrays(sample_weight, class_weight, targets)
        n = _check_lengths(inputs, targets, weights)
        if validation_data is not None:
            validation = self._validation_arrays(validation_data)
        elif validation_split:
            # the last samples, taken before any shuffling
            split = int(n * (1.0 - validation_split))
            validation = [[None if a is None else a[split:] for a in part]
                          for part in (inputs, targets, weights)]
            inputs, targets, weights = ([None if a is None else a[:split] for a in part]
                                        for part in (inputs, targets, weights))
            n = split
        else:
            validation = None
        batch_size = batch_size or 32
        steps = steps_per_epoch or math.ceil(n / batch_size)
        history = callbacks_mod.History()
        hooks = callbacks_mod.CallbackList(
            ([callbacks_mod.ProgbarLogger()] if verbose else []) + list(callbacks or [])
            + [history], self, epochs=epochs, steps=steps, verbose=verbose)

        self.stop_training = False
        hooks.on_train_begin({})
        logs = {}
        order, cursor = np.arange(n), n
        for epoch in range(initial_epoch, epochs):
            hooks.on_epoch_begin(epoch, {})
            means = _Means(self._compiled().names)
            for step in range(steps):
                if cursor >= n:  # start a new pass over the data
                    order = np.random.permutation(n) if shuffle else np.arange(n)
                    cursor = 0
                index = order[cursor:cursor + batch_size]
                if shuffle or steps_per_epoch:
                    batch = [_take(part, index) for part in (inputs, targets, weights)]
                else:  # slices are views: no copy
                    part_slice = slice(cursor, cursor + batch_size)
                    batch = [_take(part, part_slice) for part in (inputs, targets, weights)]
                cursor += batch_size
                hooks.on_train_batch_begin(step, {})
                self._train_batch(*batch, means)
                hooks.on_train_batch_end(step, means.result())
                if self.stop_training:
                    break
            if steps_per_epoch is None:
                cursor = n
            logs = means.result()
            if validation is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_arrays(*validation,
                                                 validation_batch_size or batch_size,
                                                 validation_steps, hooks)
                logs.update({f"val_{key}": value for key, value in val_logs.items()})
            hooks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        # Keras 2: on_train_end gets the logs of the last on_epoch_end
        hooks.on_train_end(logs)
        return history

    def _validation_arrays(self, data) -> list:
        if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
            raise ValueError("validation_data must be a tuple (x, y) or (x, y, sample_weight); "
                             f"got {type(data).__name__}")
        x, y, *rest = data
        targets = self._target_arrays(y)
        weights = self._sample_weight_arrays(rest[0] if rest else None, None, targets)
        return [self._input_arrays(x), targets, weights]

    # -- evaluate and predict -----------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss (and metrics) over the data: a scalar without metrics or extra outputs,
        else a list ordered as ``model.metrics_names`` (or a dict with return_dict)."""
        self._check_compiled()
        verbose = 1 if verbose == "auto" else verbose
        inputs = self._input_arrays(x)
        self._ensure_built(inputs)
        targets = self._target_arrays(y)
        weights = self._sample_weight_arrays(sample_weight, None, targets)
        _check_lengths(inputs, targets, weights)
        hooks = callbacks_mod.CallbackList(callbacks, self, verbose=verbose, epochs=1,
                                           steps=steps)
        logs = self._evaluate_arrays(inputs, targets, weights, batch_size or 32, steps, hooks,
                                     verbose)
        return logs if return_dict else _scalar_or_list(list(logs.values()))

    def _evaluate_arrays(self, inputs, targets, weights, batch_size, steps=None, hooks=None,
                         verbose=0) -> dict:
        hooks = hooks or callbacks_mod.CallbackList([])
        means = _Means(self._compiled().names)
        n = len(inputs[0])
        total_steps = min(steps or math.inf, math.ceil(n / batch_size))
        progbar = callbacks_mod.Progbar(total_steps, verbose) if verbose else None
        hooks.on_test_begin({})
        for step in range(total_steps):
            part = slice(step * batch_size, (step + 1) * batch_size)
            hooks.on_test_batch_begin(step, {})
            self._test_batch(*(_take(p, part) for p in (inputs, targets, weights)), means)
            hooks.on_test_batch_end(step, means.result())
        logs = means.result()
        if progbar is not None:
            progbar.update(total_steps, logs, finalize=True)
        hooks.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, **kwargs):
        """The outputs for every sample, computed batch by batch without gradients: an array,
        a list (several outputs) or a dict (outputs given as a dict)."""
        inputs = self._input_arrays(x)
        batch_size = batch_size or 32
        n = len(inputs[0])
        total_steps = min(steps or math.inf, math.ceil(n / batch_size))
        hooks = callbacks_mod.CallbackList(callbacks, self, verbose=verbose, epochs=1,
                                           steps=total_steps)
        hooks.on_predict_begin({})
        chunks = []
        with ad.no_grad():
            for step in range(total_steps):
                hooks.on_predict_batch_begin(step, {})
                part = [a[step * batch_size:(step + 1) * batch_size] for a in inputs]
                chunks.append([o.data for o in self._forward(part, training=False)])
                hooks.on_predict_batch_end(step,
                                           {"outputs": self._output_structure(chunks[-1])})
        hooks.on_predict_end({})
        if not chunks:
            raise ValueError("Expected input data to be non-empty.")
        outputs = [np.concatenate(parts) for parts in zip(*chunks, strict=True)]
        return self._output_structure(outputs)

    def _output_structure(self, outputs: list):
        nested = self._nested_structure("outputs")
        if isinstance(nested, dict):
            return dict(zip(sorted(nested), outputs, strict=True))
        return outputs[0] if len(outputs) == 1 else outputs

    # -- single batches -----------------------------------------------------------------
    def _batch_call(self, train, x, y, sample_weight, class_weight, reset_metrics,
                    return_dict):
        self._check_compiled()
        inputs = self._input_arrays(x)
        self._ensure_built(inputs)
        targets = self._target_arrays(y)
        weights = self._sample_weight_arrays(sample_weight, class_weight, targets)
        _check_lengths(inputs, targets, weights)
        means = self._batch_means or _Means(self._compiled().names)
        (self._train_batch if train else self._test_batch)(inputs, targets, weights, means)
        self._batch_means = None if reset_metrics else means
        logs = means.result()
        return logs if return_dict else _scalar_or_list(list(logs.values()))

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One gradient step on one batch; returns its loss (and metrics)."""
        return self._batch_call(True, x, y, sample_weight, class_weight, reset_metrics,
                                return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        return self._batch_call(False, x, y, sample_weight, None, reset_metrics, return_dict)

    def predict_on_batch(self, x):
        inputs = self._input_arrays(x)
        with ad.no_grad():
            outputs = [o.data for o in self._forward(inputs, training=False)]
        return self._output_structure(outputs)

    # -- Keras 2 generator methods ------------------------------------------------------
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      class_weight=None, initial_epoch=0, **kwargs):
        """fit on batches drawn from a generator (or keras.utils.Sequence) of (x, y) or
        (x, y, sample_weight) tuples; ``steps_per_epoch`` batches make an epoch."""
        self._check_compiled()
        steps = steps_per_epoch or len(generator)
        iterator = iter(generator) if not hasattr(generator, "__getitem__") else None
        history = callbacks_mod.History()
        hooks = callbacks_mod.CallbackList(
            ([callbacks_mod.ProgbarLogger()] if verbose else []) + list(callbacks or [])
            + [history], self, epochs=epochs, steps=steps, verbose=verbose)
        self.stop_training = False
        hooks.on_train_begin({})
        logs = {}
        for epoch in range(initial_epoch, epochs):
            hooks.on_epoch_begin(epoch, {})
            means = _Means(self._compiled().names)
            for step in range(steps):
                x, y, *rest = next(iterator) if iterator is not None else generator[step]
                targets = self._target_arrays(y)
                weights = self._sample_weight_arrays(rest[0] if rest else None, class_weight,
                                                     targets)
                hooks.on_train_batch_begin(step, {})
                self._train_batch(self._input_arrays(x), targets, weights, means)
                hooks.on_train_batch_end(step, means.result())
                if self.stop_training:
                    break
            logs = means.result()
            if validation_data is not None:
                if isinstance(validation_data, (tuple, list)):
                    val_logs = self._evaluate_arrays(*self._validation_arrays(validation_data),
                                                     32)
                else:
                    val_logs = self.evaluate_generator(validation_data, validation_steps,
                                                       return_dict=True)
                logs.update({f"val_{key}": value for key, value in val_logs.items()})
            hooks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        # Keras 2: on_train_end gets the logs of the last on_epoch_end
        hooks.on_train_end(logs)
        return history

    def evaluate_generator(self, generator, steps=None, return_dict=False, **kwargs):
        self._check_compiled()
        steps = steps or len(generator)
        iterator = iter(generator) if not hasattr(generator, "__getitem__") else None
        means = _Means(self._compiled().names)
        for step in range(steps):
            x, y, *rest = next(iterator) if iterator is not None else generator[step]
            targets = self._target_arrays(y)
            weights = self._sample_weight_arrays(rest[0] if rest else None, None, targets)
            self._test_batch(self._input_arrays(x), targets, weights, means)
        logs = means.result()
        return logs if return_dict else _scalar_or_list(list(logs.values()))

    def predict_generator(self, generator, steps=None, **kwargs):
        steps = steps or len(generator)
        iterator = iter(generator) if not hasattr(generator, "__getitem__") else None
        chunks = []
        for step in range(steps):
            batch = next(iterator) if iterator is not None else generator[step]
            x = batch[0] if isinstance(batch, tuple) else batch
            with ad.no_grad():
                chunks.append([o.data for o in self._forward(self._input_arrays(x), False)])
        return self._output_structure([np.concatenate(p) for p in zip(*chunks, strict=True)])


# -- helpers ------------------------------------------------------------------------------
def _as_array(value) -> np.ndarray:
    """Data as an array; float64 (NumPy's default) becomes floatx, as Keras casts inputs."""
    array = np.asarray(value)
    return array.astype(K.floatx()) if array.dtype == np.float64 else array


def _as_data_list(data, count: int) -> list:
    """One array per model input/output: a list or tuple is one per input when the model has
    several, or when it holds arrays; otherwise (nested lists of numbers) it is the data of
    the only input."""
    if isinstance(data, (list, tuple)):
        if count > 1 or all(isinstance(item, np.ndarray) for item in data):
            return list(data)
    return [data]


def _check_lengths(inputs, targets, weights) -> int:
    lengths = {len(a) for part in (inputs, targets, weights) for a in part if a is not None}
    if len(lengths) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the input, target and sample weight "
                         f"arrays have different numbers of samples: {sorted(lengths)}. Make "
                         f"sure all arrays contain the same number of samples.")
    return lengths.pop() if lengths else 0


def _take(arrays, index) -> list:
    return [None if a is None else a[index] for a in arrays]


def _match_target(target, prediction) -> ad.Tensor:
    """Targets as a constant Tensor in the predictions' dtype; (n,) targets of an (n, 1)
    output gain the trailing axis (tf.keras 2's match_dtype_and_rank)."""
    if target.ndim == 1 and prediction.ndim == 2:
        target = target[:, None]
    return ad.Tensor(target.astype(prediction.dtype, copy=False))


def _align(weight: np.ndarray, ndim: int) -> np.ndarray:
    """Sample weights with trailing axes added (or squeezed) to broadcast against values of
    rank ``ndim`` ((n,) weights against (n, timesteps) losses, ...)."""
    while weight.ndim < ndim:
        weight = weight[..., None]
    while weight.ndim > ndim and weight.shape[-1] == 1:
        weight = weight[..., 0]
    return weight


def _weighted_mean(values: ad.Tensor, weight, mask=None) -> ad.Tensor:
    """sum(values * weight) / (number of values): Keras's SUM_OVER_BATCH_SIZE reduction.
    With the mask of a masked output (tf-keras 2's compile_utils.apply_mask and
    losses_utils.apply_valid_mask): sum(values * weight * mask) / (number of unmasked
    entries of the mask)."""
    if mask is not None and values.ndim:
        weight = mask if weight is None else _align(weight, mask.ndim) * mask
    if weight is not None:
        values = values * _align(weight, values.ndim)
    if values.ndim == 0:
        return values
    if mask is not None:
        return ad.reduce_sum(values) / max(float(mask.sum()), 1e-30)
    return ad.reduce_sum(values) / float(values.data.size)


def _output_mask(prediction):
    """The mask a masking layer left on a model output (None for most models), as floats."""
    mask = getattr(prediction, "_keras_mask", None)
    return None if mask is None else np.asarray(mask, dtype=prediction.dtype)


def _with_class_weights(targets, class_weight: dict, sample_weight):
    """Each sample's weight times the weight of its class (argmax of one-hot targets)."""
    if targets.ndim > 1 and targets.shape[-1] > 1:
        classes = np.argmax(targets, axis=-1)
    else:
        classes = targets.reshape(len(targets), -1)[:, 0]
    classes = classes.astype(np.int64)
    weights = np.array([class_weight.get(int(c), 1.0) for c in classes], dtype=K.floatx())
    return weights if sample_weight is None else weights * sample_weight


def _per_output(value, keys: list, what: str, convert, broadcast=False) -> list:
    count = len(keys)
    if isinstance(value, dict):
        known = set().union(*keys)
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {unknown}. Only expected "
                             f"the following keys: {sorted(known)}")
        return [next((convert(value[k]) for k in key_set if k in value), None)
                for key_set in keys]
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise ValueError(f"When passing a list as {what}, it should have one entry per "
                             f"model output. The model has {count} outputs, but you passed "
                             f"{what}={value!r}")
        return [None if v is None else convert(v) for v in value]
    if value is None:
        return [None] * count
    if not broadcast and count > 1:
        raise ValueError(f"Expected {what} to be a list or a dict with one entry per output; "
                         f"got {value!r}")
    return [convert(value)] * count


def _per_output_metrics(metrics, keys: list) -> list:
    """A list of metric specs per output: a flat list applies to every output; a dict or a
    list of lists gives each output its own."""
    if not metrics:
        return [[] for _ in keys]
    if isinstance(metrics, dict):
        return [_as_list(v) for v in _per_output(metrics, keys, "metrics", lambda v: v)]
    metrics = _as_list(metrics)
    if any(isinstance(m, (list, tuple, dict)) for m in metrics):
        return [_as_list(v) for v in _per_output(metrics, keys, "metrics", lambda v: v)]
    return [list(metrics) for _ in keys]


def _metric_name(spec) -> str:
    if isinstance(spec, str):
        return spec
    return getattr(spec, "name", None) or getattr(spec, "__name__", None) or type(spec).__name__


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _scalar_or_list(values):
    return values[0] if len(values) == 1 else values


def _names(value):
    """Losses and metrics as names, for the saved training config."""
    if isinstance(value, dict):
        return {k: _names(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_names(v) for v in value]
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, losses_mod.Loss):  # a Loss object: rebuilt from its config on load
        return {"class_name": type(value).__name__, "config": value.get_config()}
    return getattr(value, "__name__", None)


def _custom(value, custom_objects):
    """Names back to functions where ``custom_objects`` has them."""
    if not custom_objects or value is None:
        return value
    if isinstance(value, dict):
        return {k: _custom(v, custom_objects) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_custom(v, custom_objects) for v in value]
    return custom_objects.get(value, value)
