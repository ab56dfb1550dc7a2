"""SimpleRNN (keras.io/2/api/layers/recurrent_layers/simple_rnn): a fully-connected RNN whose
output is fed back, h_t = activation(x_t @ kernel + h_(t-1) @ recurrent_kernel + bias)."""

from __future__ import annotations

from reference_impl.layers.rnn.base import CellRNN
from reference_impl.layers.rnn.cell import RecurrentCell, masked


class SimpleRNNCell(RecurrentCell):
    def step(self, projected, states, params, recurrent_mask=None):
        (h,), (recurrent_kernel,) = states, params
        return [self.activation(projected + masked(h, recurrent_mask) @ recurrent_kernel)]


class SimpleRNN(CellRNN):
    cell_class = SimpleRNNCell
