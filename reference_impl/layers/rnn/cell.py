"""What SimpleRNNCell, LSTMCell and GRUCell share (keras.io/2/api/layers/recurrent_layers).

A cell with ``gates`` blocks of ``units`` owns, as tf-keras lays them out, ``kernel``
(input_dim, gates * units), ``recurrent_kernel`` (units, gates * units) and ``bias``. Its
step is split in two so that the RNN layer can run it fast: ``project`` maps the inputs of
every time step at once (x @ kernel + input bias, one matmul), then ``step`` advances the
states by one step from the projected input. ``call(inputs, states)`` is the Keras cell API
(one step on raw inputs), for use outside an RNN layer.
"""

from __future__ import annotations

import numpy as np

from reference_impl import activations, constraints, initializers, ops, regularizers
from reference_impl import autodiff as ad
from reference_impl.engine.base_layer import Layer, _to_tensor
from reference_impl.layers._utils import serialize


class RecurrentCell(Layer):
    gates = 1
    n_states = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        if int(units) <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))

    @property
    def state_size(self):
        return self.units if self.n_states == 1 else [self.units] * self.n_states

    @property
    def output_size(self) -> int:
        return self.units

    def build(self, input_shape):
        width = self.gates * self.units
        self.kernel = self.add_weight("kernel", (input_shape[-1], width),
                                      self.kernel_initializer, self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, width), self.recurrent_initializer,
            self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", self.bias_shape(), self.bias_init(),
                                        self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def bias_init(self):
        return self.bias_initializer

    # -- the step, in two parts ---------------------------------------------------------
    def project(self, inputs):
        """inputs @ kernel (+ input bias), for one step (batch, dim) or all (batch, t, dim)."""
        projected = inputs @ self.kernel
        return projected + self.bias if self.use_bias else projected

    def step_params(self) -> list:
        """The variables ``step`` reads, passed to it explicitly (see ops.recurrent.scan)."""
        return [self.recurrent_kernel]

    def step(self, projected, states, params, recurrent_mask=None) -> list:
        raise NotImplementedError

    def scan(self, projected, states, recurrent_mask=None, keep=None):
        """``step`` over every time step of ``projected`` (batch, steps, width): the states of
        every step, (batch, steps, len(states), units). ``keep`` (batch, steps) booleans: a
        step where it is False leaves the states as they were (a masked step)."""
        if keep is None:
            def step(x_t, states, params):
                return self.step(x_t, states, params, recurrent_mask)
        else:  # the mask travels as one more input column: 1 updates the states, 0 keeps them
            projected = ad.concatenate(
                [projected, ad.Tensor(keep[:, :, None].astype(projected.dtype))], axis=-1)

            def step(x_t, states, params):
                m = x_t[:, -1:]
                new = self.step(x_t[:, :-1], states, params, recurrent_mask)
                return [n * m + s * (1.0 - m) for n, s in zip(new, states, strict=True)]

        return ops.scan(step, projected, states, self.step_params())

    def __call__(self, inputs, states=None, **kwargs):
        """``cell(input_at_t, states_at_t)`` -> ``(output_at_t, states_at_t_plus_1)``, the cell
        API of Keras 2's RNN; without states, a plain layer call."""
        if states is None:
            return super().__call__(inputs, **kwargs)
        inputs = _to_tensor(inputs)
        states = [_to_tensor(s) for s in (states if isinstance(states, list | tuple)
                                          else [states])]
        if not self.built:
            self.build(inputs.shape)
        return self.call(inputs, states, training=kwargs.get("training"))

    def call(self, inputs, states, training=None):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        new_states = self.step(self.project(inputs), states, self.step_params())
        return new_states[0], new_states

    def dropout_masks(self, inputs_shape, training):
        """(input mask, recurrent mask), fixed over the time steps of one call; None when off."""
        if not training:
            return None, None
        batch, dim = inputs_shape[0], inputs_shape[-1]
        return (_mask((batch, 1, dim), self.dropout, self.dtype),
                _mask((batch, self.units), self.recurrent_dropout, self.dtype))

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(self.kernel_initializer, initializers),
            "recurrent_initializer": serialize(self.recurrent_initializer, initializers),
            "bias_initializer": serialize(self.bias_initializer, initializers),
            "kernel_regularizer": serialize(self.kernel_regularizer, regularizers),
            "recurrent_regularizer": serialize(self.recurrent_regularizer, regularizers),
            "bias_regularizer": serialize(self.bias_regularizer, regularizers),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }


def _mask(shape, rate, dtype):
    """Inverted dropout: 0 with probability ``rate``, else 1 / (1 - rate)."""
    if rate <= 0:
        return None
    keep = np.random.random_sample(shape) >= rate
    return (keep / (1.0 - rate)).astype(dtype)


def split_gates(x, count: int, units: int) -> list:
    """The ``count`` blocks of ``units`` columns of x, in kernel order."""
    return [x[..., i * units:(i + 1) * units] for i in range(count)]


def masked(h, mask):
    return h if mask is None else h * mask
