"""The benchmarked models: the spec sources' programs, scaled down to run on two CPU cores.

Every workload is a function ``(keras) -> Workload``: a compiled model and seeded NumPy data
(``np.random.default_rng``), the same arrays for every implementation. Architectures (layer
kinds, order, activations, losses, optimizers, batch sizes) follow the spec sources; the sizes
that would make a NumPy run take minutes (image side, vocabulary, sequence length, sample
counts, filter counts of the shared vision model) are reduced, and each docstring says how.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from conformance.datasets import multiclass_task
from conformance.spec_models import build_digit_models, build_headline_model

PREDICT_LARGE = 1024  # "predict at batch 1024": this many samples in one batch


@dataclass
class Workload:
    model: Any
    x: Any  # training inputs (array, list or dict, as the spec program passes them)
    y: Any
    batch_size: int  # the spec program's fit/evaluate batch size
    x_large: Any  # PREDICT_LARGE samples for predict(batch_size=PREDICT_LARGE)

    def x_one(self):
        """The first sample alone, in the structure ``x`` has."""
        return _take(self.x_large, 1)


def _take(x, n):
    if isinstance(x, dict):
        return {k: v[:n] for k, v in x.items()}
    if isinstance(x, list):
        return [v[:n] for v in x]
    return x[:n]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _sgd(keras):
    # 003 writes SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True); tf-keras 2.11+ rejects
    # decay and Keras 3 rejects lr, so the benchmark uses the spelling every version accepts.
    return keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)


def _binary_labels(rng, n):
    return rng.integers(0, 2, size=(n, 1)).astype(np.float32)


def mlp_softmax(keras) -> Workload:
    """003 "MLP for multi-class softmax classification": 1000 x 20 inputs, Dense 64-64-10 with
    Dropout(0.5), SGD with Nesterov momentum, batch 128. Full size."""
    layers = keras.layers
    x, labels = multiclass_task(1000, 20, 10)
    y = keras.utils.to_categorical(labels, num_classes=10)
    model = keras.models.Sequential([
        layers.Dense(64, activation="relu", input_dim=20),
        layers.Dropout(0.5),
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer=_sgd(keras), metrics=["accuracy"])
    x_large, _ = multiclass_task(PREDICT_LARGE, 20, 10, seed=1)
    return Workload(model, x, y, 128, x_large)


def mlp_784(keras) -> Workload:
    """004 MNIST MLP: 784 inputs, Dense 500-500-10, adam, batch 100; 1024 training samples
    (MNIST has 60000)."""
    layers = keras.layers
    x, labels = multiclass_task(1024, 28 * 28, 10)
    y = keras.utils.to_categorical(labels, num_classes=10)
    model = keras.models.Sequential([
        layers.Dense(input_dim=28 * 28, units=500, activation="relu"),
        layers.Dense(units=500, activation="relu"),
        layers.Dense(units=10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    x_large, _ = multiclass_task(PREDICT_LARGE, 28 * 28, 10, seed=1)
    return Workload(model, x, y, 100, x_large)


def vgg_like(keras) -> Workload:
    """003 "VGG-like convnet": Conv2D 32-32, pool, Dropout, Conv2D 64-64, pool, Dropout,
    Flatten, Dense 256, Dropout, Dense 10 softmax, SGD, batch 32. Images 24 x 24 x 3 instead of
    100 x 100 x 3; 64 training images instead of 100."""
    layers = keras.layers
    side = 24
    rng = _rng(3)
    x = rng.random((64, side, side, 3), dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 10, size=(64, 1)), num_classes=10)
    model = keras.models.Sequential([
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(side, side, 3)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(0.25),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer=_sgd(keras))
    x_large = rng.random((PREDICT_LARGE, side, side, 3), dtype=np.float32)
    return Workload(model, x, y, 32, x_large)


def lstm_classifier(keras) -> Workload:
    """003 "Sequence classification with LSTM": Embedding(max_features, 256), LSTM(128),
    Dropout(0.5), Dense(1, sigmoid), rmsprop, batch 16. max_features 1000, sequences of 10
    tokens, 64 training sequences."""
    layers = keras.layers
    max_features, maxlen = 1000, 10
    rng = _rng(4)
    x = rng.integers(1, max_features, size=(64, maxlen)).astype(np.int32)
    y = _binary_labels(rng, 64)
    model = keras.models.Sequential([
        layers.Embedding(max_features, output_dim=256, input_shape=(maxlen,)),
        layers.LSTM(128),
        layers.Dropout(0.5),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    x_large = rng.integers(1, max_features, size=(PREDICT_LARGE, maxlen)).astype(np.int32)
    return Workload(model, x, y, 16, x_large)


def conv1d_classifier(keras) -> Workload:
    """003 "Sequence classification with 1D convolutions": Conv1D 64-64, MaxPooling1D(3),
    Conv1D 128-128, GlobalAveragePooling1D, Dropout(0.5), Dense(1, sigmoid), rmsprop, batch 16.
    seq_length 32 with 100 features per step; 128 training sequences."""
    layers = keras.layers
    seq_length = 32
    rng = _rng(5)
    x = rng.random((128, seq_length, 100), dtype=np.float32)
    y = _binary_labels(rng, 128)
    model = keras.models.Sequential([
        layers.Conv1D(64, 3, activation="relu", input_shape=(seq_length, 100)),
        layers.Conv1D(64, 3, activation="relu"),
        layers.MaxPooling1D(3),
        layers.Conv1D(128, 3, activation="relu"),
        layers.Conv1D(128, 3, activation="relu"),
        layers.GlobalAveragePooling1D(),
        layers.Dropout(0.5),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    x_large = rng.random((PREDICT_LARGE, seq_length, 100), dtype=np.float32)
    return Workload(model, x, y, 16, x_large)


def headline(keras) -> Workload:
    """001 "multi-input multi-output model": main_input int sequence -> Embedding -> LSTM(32)
    -> aux_output; concatenate with aux_input (5) -> Dense 64 x 3 -> main_output; rmsprop,
    binary_crossentropy (named per output), loss_weights [1, 0.2], batch 32, inputs and targets
    passed as dicts.
    Vocabulary 1000 (not 10000), sequences of 20 (not 100), embedding width 64 (not 512), 128
    training samples."""
    vocab, length = 1000, 20
    model = build_headline_model(keras, vocab=vocab, length=length, embed=64)
    # 001 writes loss='binary_crossentropy' (one loss for both outputs); Keras 3.15 rejects one
    # loss with two loss_weights ("`loss_weights` must match the number of losses"), so the
    # benchmark names the loss once per output, which every version accepts.
    model.compile(optimizer="rmsprop", loss=["binary_crossentropy", "binary_crossentropy"],
                  loss_weights=[1.0, 0.2])

    rng = _rng(6)

    def inputs(n):
        return {"main_input": rng.integers(1, vocab, size=(n, length)).astype(np.int32),
                "aux_input": rng.random((n, 5), dtype=np.float32)}

    x_train = inputs(128)
    labels = _binary_labels(rng, 128)
    y = {"main_output": labels, "aux_output": labels}
    return Workload(model, x_train, y, 32, inputs(PREDICT_LARGE))


def shared_vision(keras) -> Workload:
    """001 "shared vision model": a vision model (Conv2D, Conv2D, MaxPooling2D, Flatten) on
    27 x 27 x 1 digits, applied to two inputs, concatenate, Dense(1, sigmoid). Conv2D with 16
    filters (not 64). The spec does not compile it; this uses rmsprop and binary_crossentropy,
    as 001's shared-LSTM example, batch 32 (fit's default) and 128 training pairs."""
    _, model = build_digit_models(keras, filters=16)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])

    rng = _rng(7)

    def pairs(n):
        return [rng.random((n, 27, 27, 1), dtype=np.float32) for _ in range(2)]

    return Workload(model, pairs(128), _binary_labels(rng, 128), 32, pairs(PREDICT_LARGE))


WORKLOADS = {
    "mlp_softmax": mlp_softmax,
    "mlp_784": mlp_784,
    "vgg_like": vgg_like,
    "lstm_classifier": lstm_classifier,
    "conv1d_classifier": conv1d_classifier,
    "headline": headline,
    "shared_vision": shared_vision,
}
