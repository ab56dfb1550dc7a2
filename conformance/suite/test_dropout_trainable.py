"""Dropout (training vs inference) and frozen layers (trainable=False).

Spec sources: 003 (the MLP examples use Dropout(0.5)), 002 §2.3.10 (frozen_layer =
Dense(32, trainable=False)). Keras 2 FAQ "How can I freeze Keras layers?": a change of
`trainable` takes effect when the model is compiled again.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose
from conformance.datasets import regression_task


@pytest.mark.behavior("layers.dropout.inference_identity")
def test_dropout_is_the_identity_in_predict(keras):
    model = keras.models.Sequential([keras.layers.Dropout(0.5, input_shape=(20,))])
    x = np.random.default_rng(0).uniform(-1, 1, size=(64, 20)).astype("float32")
    assert_allclose(model.predict(x, verbose=0), x, rtol=0, atol=0,
                    what="predict through Dropout(0.5)")


@pytest.mark.behavior("layers.dropout.inference_identity")
def test_dropout_is_the_identity_with_training_false(keras):
    layer = keras.layers.Dropout(0.5)
    x = np.random.default_rng(1).uniform(-1, 1, size=(64, 20)).astype("float32")
    assert_allclose(np.asarray(layer(x, training=False)), x, rtol=0, atol=0,
                    what="Dropout(0.5)(x, training=False)")


@pytest.mark.behavior("layers.dropout.training_scaling")
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_in_training_zeroes_rate_and_scales_the_rest(keras, rate):
    n = 10_000
    layer = keras.layers.Dropout(rate)
    out = np.asarray(layer(np.ones((100, 100), dtype="float32"), training=True))
    kept = out != 0
    # Inverted dropout: kept units are scaled by 1 / (1 - rate) so the expectation is unchanged.
    assert_allclose(out[kept], np.full(kept.sum(), 1.0 / (1.0 - rate), dtype="float32"),
                    rtol=1e-6, atol=0, what=f"kept values of Dropout({rate}) on ones")
    # Each unit is dropped independently with probability `rate`: the count of zeros is
    # Binomial(n, rate). Five standard deviations either side: a correct implementation
    # fails this about once in 1.7 million runs; a rate off by 0.05 fails it almost surely.
    zeros = n - int(kept.sum())
    sd = np.sqrt(n * rate * (1 - rate))
    assert abs(zeros - n * rate) <= 5 * sd, (
        f"Dropout({rate}) zeroed {zeros} of {n} units, expected {n * rate:.0f} +- {5 * sd:.0f}"
    )


def _model_with_frozen_first_layer(keras):
    model = keras.models.Sequential([
        keras.layers.Dense(8, activation="tanh", input_shape=(4,), trainable=False),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model


@pytest.mark.behavior("layers.trainable.frozen_not_updated")
def test_frozen_layer_keeps_its_weights_during_fit(keras):
    model = _model_with_frozen_first_layer(keras)
    frozen, free = model.layers
    frozen_before, free_before = frozen.get_weights(), free.get_weights()
    x, y = regression_task(32, 4)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for got, expected in zip(frozen.get_weights(), frozen_before, strict=True):
        assert_allclose(got, expected, rtol=0, atol=0, what="Dense(trainable=False) after fit")
    assert not np.allclose(free.get_weights()[0], free_before[0]), (
        "the trainable layer did not change either: fit did not train"
    )


@pytest.mark.behavior("layers.trainable.weight_lists")
def test_frozen_weights_are_listed_as_non_trainable(keras):
    model = _model_with_frozen_first_layer(keras)
    frozen, free = model.layers
    assert frozen.trainable is False
    assert len(frozen.trainable_weights) == 0, "a frozen layer has trainable weights"
    assert len(frozen.non_trainable_weights) == 2, "frozen Dense: kernel and bias"

    def shapes(weights):
        return sorted(tuple(int(d) for d in w.shape) for w in weights)

    assert shapes(model.non_trainable_weights) == [(4, 8), (8,)], (
        f"model.non_trainable_weights shapes: {shapes(model.non_trainable_weights)}"
    )
    assert shapes(model.trainable_weights) == [(1,), (8, 1)], (
        f"model.trainable_weights shapes: {shapes(model.trainable_weights)}"
    )
    assert len(model.weights) == 4


@pytest.mark.behavior("layers.trainable.recompile")
def test_freezing_after_compile_takes_effect_on_the_next_compile(keras):
    model = keras.models.Sequential([
        keras.layers.Dense(8, activation="tanh", input_shape=(4,)),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x, y = regression_task(32, 4)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    first = model.layers[0]
    first.trainable = False
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    before = first.get_weights()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for got, expected in zip(first.get_weights(), before, strict=True):
        assert_allclose(got, expected, rtol=0, atol=0,
                        what="layer frozen after a first compile, then compiled again")


@pytest.mark.behavior("layers.trainable.recompile")
def test_unfreezing_takes_effect_on_the_next_compile(keras):
    model = _model_with_frozen_first_layer(keras)
    first = model.layers[0]
    first.trainable = True
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    assert len(model.trainable_weights) == 4, "all four weights trainable after unfreezing"
    before = first.get_weights()
    x, y = regression_task(32, 4)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert not np.allclose(first.get_weights()[0], before[0]), (
        "layer unfrozen and compiled again did not change during fit"
    )
