"""RNN (keras.io/2/api/layers/recurrent_layers/rnn): runs a cell over the time axis of
(batch, timesteps, features) inputs.

- ``return_sequences``: the output at every step (batch, timesteps, units), else the last.
- ``return_state``: also return the final states, ``[output, *states]``.
- ``go_backwards``: read the input from the last step to the first; a sequence output comes
  in that (reversed) order.
- ``initial_state``: a tensor or list of tensors given at call time (zeros otherwise).
- ``mask`` (from Embedding(mask_zero=True) or Masking upstream, or given at call time): a
  masked step leaves the states as they were, and its sequence output repeats the previous
  one (zeros inside Bidirectional, whose copies set ``zero_output_for_mask``, as tf-keras 2
  does); the last output is the one of the last unmasked step. A sequence output keeps the mask.
- ``stateful``: the final states of a batch are the initial states of the next (``states``,
  variables of shape (batch_size, units) outside the weights); ``reset_states()`` zeroes them.
  The batch size must be known: ``batch_input_shape``, ``batch_size`` or ``Input(batch_shape)``.
- ``unroll``: accepted; the loop is the same either way (unrolling only changes speed).

The loop is vectorised over the batch; built-in cells project the inputs of all steps at once,
then run their ``scan``: ``ops.recurrent.scan`` (one small graph per step), or for the LSTM
``ops.recurrent.lstm`` (one op with a written-out backward).
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import regularizers
from reference_impl.engine import base_layer
from reference_impl.engine.base_layer import LAYER_CLASSES, Layer, to_list
from reference_impl.layers._utils import serialize

# keyword arguments that belong to the layer, not to its cell
LAYER_KWARGS = {"name", "trainable", "dtype", "input_shape", "batch_input_shape", "input_dim",
                "input_length", "batch_size", "activity_regularizer", "weights"}


class RNN(Layer):
    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, **kwargs):
        if time_major:
            raise NotImplementedError("time_major RNNs are not implemented by this reference")
        input_length, input_dim = kwargs.pop("input_length", None), kwargs.pop("input_dim", None)
        if "input_shape" not in kwargs and (input_length or input_dim):
            kwargs["input_shape"] = (input_length, input_dim)  # the Keras 2 spelling
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll  # accepted; the loop is the same either way
        self.time_major = time_major
        self.zero_output_for_mask = False
        self.states = None  # stateful: one variable per state, created by build

    supports_masking = True

    def _sublayers(self):
        return [self.cell]

    @property
    def state_sizes(self) -> list:
        return to_list(self.cell.state_size)

    @property
    def output_size(self) -> int:
        return getattr(self.cell, "output_size", self.state_sizes[0])

    def __call__(self, inputs, initial_state=None, **kwargs):
        if initial_state is not None:  # states travel with the inputs, as graph inputs
            inputs = [inputs, *to_list(initial_state)]
        return super().__call__(inputs, **kwargs)

    def build(self, input_shape):
        shape = input_shape[0] if isinstance(input_shape, list) else tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f"expected ndim=3, found ndim={len(shape)}. Full shape "
                             f"received: {shape}")
        if not self.cell.built:
            self.cell.build((shape[0], *shape[2:]))
            self.cell.built = True
        if self.stateful:
            if shape[0] is None:
                raise ValueError(
                    "If a RNN is stateful, it needs to know its batch size. Specify the batch "
                    "size of your input tensors: \n- If using a Sequential model, specify the "
                    "batch size by passing a `batch_input_shape` argument to your first "
                    "layer.\n- If using the functional API, specify the batch size by passing "
                    "a `batch_shape` argument to your Input layer.")
            self.states = [ad.Variable(np.zeros((shape[0], size), self.dtype), trainable=False,
                                       name=f"{self.name}/state_{i}:0")
                           for i, size in enumerate(self.state_sizes)]
        self.built = True

    def _call_eager(self, inputs, kwargs):
        if self.stateful and not self.built:  # called on arrays: their batch size is known
            first = to_list(inputs)[0]
            self._maybe_build((np.shape(first)[0], *np.shape(first)[1:]))
        return super()._call_eager(inputs, kwargs)

    def reset_states(self, states=None):
        """Stateful layers: the states back to zeros, or to ``states`` (arrays)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if self.states is None:
            raise ValueError("The layer is not built yet: it has no states to reset.")
        values = [None] * len(self.states) if states is None else to_list(states)
        if len(values) != len(self.states):
            raise ValueError(f"Layer {self.name} expects {len(self.states)} state(s), but it "
                             f"received {len(values)} state value(s)")
        for variable, value in zip(self.states, values, strict=True):
            value = np.zeros(variable.shape) if value is None else np.asarray(value)
            if value.shape != variable.shape:
                raise ValueError(f"State {variable.name} is incompatible with the layer: "
                                 f"expected shape={variable.shape}, found shape={value.shape}")
            variable.assign(value.astype(variable.dtype))

    def compute_mask(self, inputs, mask=None):
        mask = mask[0] if isinstance(mask, list) else mask
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_sizes)
        return output_mask

    def compute_output_shape(self, input_shape):
        shape = input_shape[0] if isinstance(input_shape, list) else tuple(input_shape)
        batch, steps = shape[0], shape[1]
        output = (batch, steps, self.output_size) if self.return_sequences else (
            batch, self.output_size)
        if not self.return_state:
            return output
        return [output, *((batch, size) for size in self.state_sizes)]

    def call(self, inputs, mask=None, training=None):
        states = None
        if isinstance(inputs, list):
            inputs, states = inputs[0], [ad.as_tensor(s) for s in inputs[1:]] or None
        mask = mask[0] if isinstance(mask, list) else mask
        x = ad.as_tensor(inputs)
        if states is None and self.stateful:
            states = [ad.Tensor(np.array(v.data)) for v in self.states]
            if states[0].shape[0] != x.shape[0]:
                raise ValueError(f"Stateful layer {self.name} was built for batches of "
                                 f"{states[0].shape[0]} samples, got {x.shape[0]}")
        if states is None:
            states = [ad.Tensor(np.zeros((x.shape[0], size), x.dtype))
                      for size in self.state_sizes]
        if len(states) != len(self.state_sizes):
            raise ValueError(f"Layer {self.name} expects {len(self.state_sizes)} state(s), "
                             f"but it received {len(states)} initial state tensor(s)")
        keep = None if mask is None else np.asarray(ad._data(mask), bool)
        if self.go_backwards:
            x = ad.reverse(x, 1)
            keep = None if keep is None else keep[:, ::-1]
        run = self._run_fast if hasattr(self.cell, "step") else self._run_cell
        sequence, last, final_states = run(x, states, training, keep)
        if self.stateful and not _probing():
            for variable, value in zip(self.states, final_states, strict=True):
                variable.assign(np.array(ad._data(value)))
        if self.return_sequences:
            output = sequence()
            if keep is not None and self.zero_output_for_mask:
                output = output * keep[:, :, None].astype(output.dtype)
        else:
            output = last
        return [output, *final_states] if self.return_state else output

    def _run_fast(self, x, states, training, keep=None):
        cell = self.cell
        input_mask, recurrent_mask = cell.dropout_masks(x.shape, training)
        projected = cell.project(x if input_mask is None else x * input_mask)
        history = cell.scan(projected, states, recurrent_mask, keep)  # (b, t, states, units)
        final_states = [history[:, -1, i] for i in range(len(states))]
        if keep is None:
            return lambda: history[:, :, 0], final_states[0], final_states
        # the output is the h state, except before the first unmasked step: zeros there (as
        # tf-keras' loop, whose "previous output" starts at zero), whatever the initial states
        seen = np.logical_or.accumulate(keep, axis=1)[:, :, None].astype(x.dtype)
        return (lambda: history[:, :, 0] * seen), final_states[0] * seen[:, -1], final_states

    def _run_cell(self, x, states, training, keep=None):
        """Any Keras cell: ``output, states = cell.call(x_t, states)`` step by step."""
        outputs, previous = [], None
        for t in range(x.shape[1]):
            output, new_states = self.cell.call(x[:, t], states)
            new_states = to_list(new_states)
            if keep is not None:
                m = keep[:, t:t + 1].astype(x.dtype)
                new_states = [n * m + s * (1.0 - m)
                              for n, s in zip(new_states, states, strict=True)]
                output = output * m + (previous if previous is not None else output * 0.0) * (
                    1.0 - m)
            states, previous = new_states, output
            outputs.append(output)
        return lambda: ad.stack(outputs, axis=1), outputs[-1], states

    def get_config(self):
        config = {**super().get_config(),
                  "return_sequences": self.return_sequences,
                  "return_state": self.return_state,
                  "go_backwards": self.go_backwards,
                  "stateful": self.stateful,
                  "unroll": self.unroll,
                  "time_major": self.time_major,
                  "activity_regularizer": serialize(self.activity_regularizer, regularizers)}
        if type(self) is RNN:
            config["cell"] = {"class_name": type(self.cell).__name__,
                              "config": self.cell.get_config()}
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "cell" in config:
            cell = config.pop("cell")
            config["cell"] = LAYER_CLASSES[cell["class_name"]].from_config(cell["config"])
        return cls(**config)


def _probing() -> bool:
    """Inside a shape probe (compute_output_shape's trial call): states must not move."""
    return base_layer._probing[0]


class CellRNN(RNN):
    """An RNN layer made of one built-in cell (``cell_class``): SimpleRNN, LSTM, GRU. Its
    arguments are the cell's plus the RNN's; its config is both, flat, as tf-keras writes."""

    cell_class = None

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, **kwargs):
        layer_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in LAYER_KWARGS}
        cell = self.cell_class(units, dtype=layer_kwargs.get("dtype"), **kwargs)
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll,
                         time_major, **layer_kwargs)

    def __getattr__(self, name):
        # layer.units, layer.activation, ...: the cell's settings, as Keras 2 exposes them
        cell = self.__dict__.get("cell")
        if cell is None or name.startswith("_"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(cell, name)

    def get_config(self):
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        return {**super().get_config(), **cell_config}
