"""Training throughput of the spec sources' MLP programs, on any implementation.

    pytest benchmarks --keras-impl=NAME --benchmark-only

Each benchmark times one epoch of ``fit`` (verbose=0) on a model that has already run one
epoch, so graph tracing and weight creation are not counted. Not a conformance test: it checks
nothing and claims no behaviour.
"""

import pytest

from conformance.datasets import multiclass_task


def _sgd(keras):
    # 003 writes SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True); tf-keras 2.11+ rejects
    # decay and Keras 3 rejects lr, so the benchmark uses the spelling every version accepts.
    return keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)


@pytest.fixture
def benchmark(benchmark, impl):
    """pytest-benchmark's fixture, labelled with the implementation and its device so that
    `python -m conformance bench` can tell the saved runs apart."""
    benchmark.extra_info.update(impl=impl.name, version=impl.version, device=impl.device)
    return benchmark


def _bench_one_epoch(benchmark, model, x, y, batch_size):
    model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)  # warm-up: build and trace
    benchmark(model.fit, x, y, epochs=1, batch_size=batch_size, verbose=0)


@pytest.mark.benchmark(group="fit one epoch")
def test_mlp_softmax_20_64_64_10(benchmark, keras):
    """003: 1000 x 20 inputs, Dense 64-64-10 with Dropout(0.5), SGD, batch 128."""
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
    _bench_one_epoch(benchmark, model, x, y, batch_size=128)


@pytest.mark.benchmark(group="fit one epoch")
def test_mlp_784_500_500_10(benchmark, keras):
    """004: 1024 x 784 inputs, Dense 500-500-10, adam, batch 100."""
    layers = keras.layers
    x, labels = multiclass_task(1024, 28 * 28, 10)
    y = keras.utils.to_categorical(labels, num_classes=10)
    model = keras.models.Sequential([
        layers.Dense(input_dim=28 * 28, units=500, activation="relu"),
        layers.Dense(units=500, activation="relu"),
        layers.Dense(units=10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    _bench_one_epoch(benchmark, model, x, y, batch_size=100)
