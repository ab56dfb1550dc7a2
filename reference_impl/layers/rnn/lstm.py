"""LSTM (keras.io/2/api/layers/recurrent_layers/lstm), Hochreiter & Schmidhuber 1997, with
tf-keras' weight layout: gates in the order i, f, c, o along the kernels' columns.

    i = recurrent_activation(x W_i + h U_i + b_i)    f = recurrent_activation(... _f)
    c = f * c + i * activation(x W_c + h U_c + b_c)  o = recurrent_activation(... _o)
    h = o * activation(c)

``unit_forget_bias=True`` initializes the forget gate's bias to 1 (Jozefowicz et al., 2015).
"""

from __future__ import annotations

import numpy as np

from reference_impl import activations, ops
from reference_impl.layers.rnn.base import CellRNN
from reference_impl.layers.rnn.cell import RecurrentCell, masked, split_gates


class LSTMCell(RecurrentCell):
    gates, n_states = 4, 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, implementation=2, **kwargs):
        super().__init__(units, activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        # accepted, one implementation here; Keras 2 switches to implementation 1 under
        # recurrent dropout, and get_config says so
        self.implementation = 1 if self.recurrent_dropout else implementation

    def bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer

        def forget_gate_ones(shape, dtype=None):
            units = self.units
            return np.concatenate([self.bias_initializer((units,), dtype=dtype),
                                   np.ones((units,), dtype),
                                   self.bias_initializer((2 * units,), dtype=dtype)])

        return forget_gate_ones

    def step(self, projected, states, params, recurrent_mask=None):
        (h, c), (recurrent_kernel,) = states, params
        z = projected + masked(h, recurrent_mask) @ recurrent_kernel
        i, f, c_candidate, o = split_gates(z, 4, self.units)
        gate = self.recurrent_activation
        c = gate(f) * c + gate(i) * self.activation(c_candidate)
        return [gate(o) * self.activation(c), c]

    def scan(self, projected, states, recurrent_mask=None, keep=None):
        if (self.activation, self.recurrent_activation) != (activations.tanh,
                                                            activations.sigmoid):
            return super().scan(projected, states, recurrent_mask, keep)
        # the default activations: the same equations as one op with a written-out backward
        return ops.lstm(projected, states, self.recurrent_kernel, recurrent_mask, keep)

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias,
                "implementation": self.implementation}


class LSTM(CellRNN):
    cell_class = LSTMCell
