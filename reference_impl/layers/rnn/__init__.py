"""Recurrent layers: RNN(cell) and the built-in SimpleRNN, LSTM and GRU with their cells."""

from reference_impl.layers.rnn.base import RNN  # noqa: F401
from reference_impl.layers.rnn.gru import GRU, GRUCell  # noqa: F401
from reference_impl.layers.rnn.lstm import LSTM, LSTMCell  # noqa: F401
from reference_impl.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell  # noqa: F401
