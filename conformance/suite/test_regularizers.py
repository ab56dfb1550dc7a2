"""Weight regularizers: the penalty a layer adds to `layer.losses`, `model.losses` and the loss.

Spec sources: 002 §4.5 (heading only) and the Keras 2 regularizers page
(keras.io/zh/regularizers): `kernel_regularizer` / `bias_regularizer` take
`regularizers.l1(0.)`, `l2(0.)` or `l1_l2(l1=0.01, l2=0.01)`; the penalty is l1 * sum(|w|) +
l2 * sum(w ** 2) and is added to the loss the model optimizes. Expected values are computed
from the layer's own weights, so they hold whatever the random initialization.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose

# A float32 sum over <= 12 weights of size ~1: 1e-6 relative covers the rounding.
PENALTY = dict(rtol=1e-6, atol=1e-7)
# evaluate: a float32 forward pass plus the mean of 8 squared errors plus the penalty.
LOSS = dict(rtol=1e-5, atol=1e-6)


def penalty(weights, l1=0.0, l2=0.0):
    w = np.asarray(weights, dtype="float64")
    return l1 * np.sum(np.abs(w)) + l2 * np.sum(w**2)


def dense_model(keras, **layer_kwargs):
    layer = keras.layers.Dense(4, input_shape=(3,), bias_initializer="ones", **layer_kwargs)
    return keras.models.Sequential([layer]), layer


def losses_of(adapter, collection):
    return [float(value) for value in adapter.to_numpy(list(collection))]


REGULARIZERS = {
    # behaviour: (factory name, args, kwargs, the l1 and l2 factors they mean). l1 and l2 take
    # their factor positionally: its keyword is `l` in Keras 2.2 and `l1`/`l2` in tf-keras.
    "regularizers.l1": ("l1", (0.01,), {}, 0.01, 0.0),
    "regularizers.l2": ("l2", (0.02,), {}, 0.0, 0.02),
    "regularizers.l1_l2": ("l1_l2", (), {"l1": 0.01, "l2": 0.02}, 0.01, 0.02),
}


@pytest.mark.parametrize(
    "behavior", [pytest.param(b, marks=pytest.mark.behavior(b)) for b in REGULARIZERS]
)
def test_kernel_regularizer_penalty_in_layer_losses(keras, adapter, behavior):
    name, args, kwargs, l1, l2 = REGULARIZERS[behavior]
    regularizer = getattr(keras.regularizers, name)(*args, **kwargs)
    _, layer = dense_model(keras, kernel_regularizer=regularizer)
    kernel = layer.get_weights()[0]
    got = losses_of(adapter, layer.losses)
    assert len(got) == 1, f"layer.losses: got {len(got)} entries, expected 1"
    assert_allclose(got[0], penalty(kernel, l1, l2), **PENALTY,
                    what=f"Dense(kernel_regularizer=regularizers.{name}(*{args}, **{kwargs}))")


@pytest.mark.behavior("regularizers.l1_l2")
def test_l1_l2_positional_factors(keras, adapter):
    """l1_l2(l1=0.01, l2=0.01) is the documented signature; the factors are also positional."""
    _, layer = dense_model(keras, kernel_regularizer=keras.regularizers.l1_l2(0.03, 0.04))
    got = losses_of(adapter, layer.losses)
    assert len(got) == 1, f"layer.losses: got {len(got)} entries, expected 1"
    assert_allclose(got[0], penalty(layer.get_weights()[0], 0.03, 0.04), **PENALTY,
                    what="Dense(kernel_regularizer=regularizers.l1_l2(0.03, 0.04)).losses")


@pytest.mark.behavior("regularizers.bias")
def test_bias_regularizer_penalizes_the_bias(keras, adapter):
    _, layer = dense_model(keras, bias_regularizer=keras.regularizers.l2(0.5))
    bias = layer.get_weights()[1]
    got = losses_of(adapter, layer.losses)
    assert len(got) == 1, f"layer.losses: got {len(got)} entries, expected 1"
    # bias_initializer='ones': 4 * 0.5 = 2.0
    assert_allclose(got[0], penalty(bias, l2=0.5), **PENALTY,
                    what="Dense(bias_regularizer=regularizers.l2(0.5)).losses")


@pytest.mark.behavior("regularizers.model_losses")
def test_model_losses_collect_every_layer_penalty(keras, adapter):
    layers, regularizers = keras.layers, keras.regularizers
    first = layers.Dense(4, input_shape=(3,), kernel_regularizer=regularizers.l1(0.01))
    second = layers.Dense(2, kernel_regularizer=regularizers.l2(0.02))
    model = keras.models.Sequential([first, second])
    expected = [penalty(first.get_weights()[0], l1=0.01),
                penalty(second.get_weights()[0], l2=0.02)]
    got = sorted(losses_of(adapter, model.losses))
    assert len(got) == 2, f"model.losses: got {len(got)} entries, expected 2"
    assert_allclose(got, sorted(expected), **PENALTY, what="model.losses")


@pytest.mark.behavior("regularizers.training_loss")
def test_evaluate_loss_includes_the_penalty(keras):
    model, layer = dense_model(keras, kernel_regularizer=keras.regularizers.l2(0.1))
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (8, 3)).astype("float32")
    y = rng.uniform(-1, 1, (8, 4)).astype("float32")
    mse = np.mean((model.predict(x, verbose=0).astype("float64") - y) ** 2)
    expected = mse + penalty(layer.get_weights()[0], l2=0.1)
    got = model.evaluate(x, y, verbose=0)
    assert_allclose(got, expected, **LOSS, what="evaluate() loss = mse + 0.1 * sum(kernel**2)")


@pytest.mark.behavior("regularizers.string_names")
@pytest.mark.parametrize("name", ["l1", "l2"])
def test_string_name_means_the_default_factor(keras, adapter, name):
    """A string names the regularizer with its documented default factor, l1(l=0.01) etc."""
    l1, l2 = (0.01, 0.0) if name == "l1" else (0.0, 0.01)
    _, layer = dense_model(keras, kernel_regularizer=name)
    got = losses_of(adapter, layer.losses)
    assert len(got) == 1, f"layer.losses: got {len(got)} entries, expected 1"
    assert_allclose(got[0], penalty(layer.get_weights()[0], l1, l2), **PENALTY,
                    what=f"Dense(kernel_regularizer={name!r}).losses")
