"""GRU (keras.io/2/api/layers/recurrent_layers/gru), Cho et al. 2014, with tf-keras' weight
layout: gates in the order z (update), r (reset), h (candidate) along the kernels' columns.

    z = recurrent_activation(x W_z + h U_z + b_z)    r = recurrent_activation(... _r)
    reset_after=True (default; bias of shape (2, 3 * units): input and recurrent biases):
        candidate = activation(x W_h + b_h + r * (h U_h + b'_h))
    reset_after=False (bias of shape (3 * units,)):
        candidate = activation(x W_h + b_h + (r * h) U_h)
    h = z * h + (1 - z) * candidate
"""

from __future__ import annotations

from reference_impl import activations
from reference_impl.layers.rnn.base import CellRNN
from reference_impl.layers.rnn.cell import RecurrentCell, masked, split_gates


class GRUCell(RecurrentCell):
    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, implementation=2, **kwargs):
        super().__init__(units, activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after
        # accepted, one implementation here; Keras 2 switches to implementation 1 under
        # recurrent dropout, and get_config says so
        self.implementation = 1 if self.recurrent_dropout else implementation

    def bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def project(self, inputs):
        projected = inputs @ self.kernel
        if not self.use_bias:
            return projected
        return projected + (self.bias[0] if self.reset_after else self.bias)

    def step_params(self):
        if self.reset_after and self.use_bias:
            return [self.recurrent_kernel, self.bias[1]]
        return [self.recurrent_kernel]

    def step(self, projected, states, params, recurrent_mask=None):
        (h,), units, gate = states, self.units, self.recurrent_activation
        recurrent_kernel = params[0]
        x_z, x_r, x_h = split_gates(projected, 3, units)
        h_in = masked(h, recurrent_mask)
        if self.reset_after:
            recurrent = h_in @ recurrent_kernel
            if len(params) > 1:
                recurrent = recurrent + params[1]
            r_z, r_r, r_h = split_gates(recurrent, 3, units)
            z, r = gate(x_z + r_z), gate(x_r + r_r)
            candidate = self.activation(x_h + r * r_h)
        else:
            u_zr, u_h = recurrent_kernel[:, :2 * units], recurrent_kernel[:, 2 * units:]
            r_z, r_r = split_gates(h_in @ u_zr, 2, units)
            z, r = gate(x_z + r_z), gate(x_r + r_r)
            candidate = self.activation(x_h + (r * h_in) @ u_h)
        return [z * h + (1.0 - z) * candidate]

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after,
                "implementation": self.implementation}


class GRU(CellRNN):
    cell_class = GRUCell
