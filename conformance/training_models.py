"""Small models whose training trajectories are pinned by value (test_trajectories.py).

The recorder (fixtures/record_training.py) and the test build them with this same code: a
multi-layer perceptron, an LSTM, a small convnet and an embedding classifier, each with the
loss it is trained with and the data sizes of its fit (the uneven last batch of the MLP is on
purpose: the loss of a batch of 2 among batches of 4 must be averaged over its own 2 samples).
"""

from __future__ import annotations

from types import SimpleNamespace

# name: samples, batch_size, epochs, loss
TRAJECTORY_MODELS = {
    "mlp": SimpleNamespace(samples=10, batch_size=4, epochs=3, loss="mean_squared_error",
                           x_shape=(4,), y_shape=(2,), labels="regression"),
    "lstm": SimpleNamespace(samples=8, batch_size=4, epochs=3, loss="binary_crossentropy",
                            x_shape=(5, 2), y_shape=(1,), labels="binary"),
    "cnn": SimpleNamespace(samples=8, batch_size=4, epochs=3, loss="categorical_crossentropy",
                           x_shape=(6, 6, 1), y_shape=(3,), labels="onehot"),
    # Word indices in [0, 6) into 7 rows: the gradient of the embedding matrix is sparse
    # (tf-keras hands the optimizer tf.IndexedSlices, with repeated indices) and row 6 never
    # gets one.
    "embedding": SimpleNamespace(samples=8, batch_size=4, epochs=3, loss="binary_crossentropy",
                                 x_shape=(4,), y_shape=(1,), labels="binary", words=6),
}


def build_trajectory_model(keras, name):
    """The Sequential model ``name`` of TRAJECTORY_MODELS (uncompiled, default initial weights)."""
    layers = keras.layers
    if name == "mlp":
        return keras.models.Sequential([
            layers.Dense(6, activation="relu", input_shape=(4,)),
            layers.Dense(2),
        ])
    if name == "lstm":
        return keras.models.Sequential([
            layers.LSTM(3, input_shape=(5, 2)),
            layers.Dense(1, activation="sigmoid"),
        ])
    if name == "cnn":
        return keras.models.Sequential([
            layers.Conv2D(2, (3, 3), activation="relu", input_shape=(6, 6, 1)),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ])
    if name == "embedding":
        return keras.models.Sequential([
            layers.Embedding(7, 3, input_shape=(4,)),
            layers.Flatten(),
            layers.Dense(1, activation="sigmoid"),
        ])
    raise ValueError(f"unknown trajectory model {name!r}")
