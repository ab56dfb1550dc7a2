"""``keras.layers``: one import line per layer family; layer files live beside this one."""

# ruff: noqa: F401
from reference_impl.engine.base_layer import Layer
from reference_impl.engine.input_layer import Input, InputLayer
from reference_impl.layers.activation import Activation
from reference_impl.layers.conv import Conv1D, Conv2D, Convolution1D, Convolution2D
from reference_impl.layers.dense import Dense
from reference_impl.layers.dropout import Dropout
from reference_impl.layers.embedding import Embedding
from reference_impl.layers.flatten import Flatten
from reference_impl.layers.global_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
)
from reference_impl.layers.lambda_layer import Lambda
from reference_impl.layers.masking import Masking
from reference_impl.layers.merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from reference_impl.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from reference_impl.layers.reshape import Reshape
from reference_impl.layers.rnn import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
)
from reference_impl.layers.wrappers import Bidirectional, TimeDistributed, Wrapper
