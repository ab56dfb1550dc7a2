"""The functional API: Input, Model over a tensor, a list or a dict, models used as layers.

Spec sources: 001 "Keras功能API使用入门" (example one: the 784-64-64-10 classifier;
"模型和层都是可调用的": calling a model on a new tensor reuses its weights; TimeDistributed(model)
on Input((20, 784)))
and the headline model's Input(shape=(100,), dtype='int32', name='main_input'); 003
Model(inputs=[a1, a2], outputs=[b1, b2, b3]); keras.io/2/api/models/model (inputs and outputs
may be a tensor or a dict, list or tuple of tensors).

Expected values are computed with NumPy from the model's own weights (get_weights), in float64.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_shape

RNG = np.random.default_rng(1)
DATA = RNG.uniform(0, 1, size=(3, 784)).astype("float32")
# float32 dot products over up to 784 terms of magnitude < 0.1 each: rounding stays below 1e-5.
TOL = dict(rtol=1e-5, atol=1e-5)


def _relu(x):
    return np.maximum(x, 0)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _doc_classifier(keras):
    """001 example one: Input(784) -> Dense(64, relu) -> Dense(64, relu) -> Dense(10, softmax)."""
    layers = keras.layers
    inputs = layers.Input(shape=(784,))
    x = layers.Dense(64, activation="relu")(inputs)
    x = layers.Dense(64, activation="relu")(x)
    predictions = layers.Dense(10, activation="softmax")(x)
    return keras.models.Model(inputs=inputs, outputs=predictions)


def _classifier_by_hand(weights, x):
    w1, b1, w2, b2, w3, b3 = (np.asarray(w, dtype=np.float64) for w in weights)
    h = _relu(x @ w1 + b1)
    h = _relu(h @ w2 + b2)
    return _softmax(h @ w3 + b3)


def _dtype_name(tensor) -> str:
    # tf-keras gives a tf.DType (with .name), Keras 3 a string: both spell the same dtype.
    return getattr(tensor.dtype, "name", tensor.dtype)


@pytest.mark.behavior("functional.input.shape_dtype_name")
def test_input_keeps_shape_dtype_and_name(keras):
    layers = keras.layers
    main_input = layers.Input(shape=(100,), dtype="int32", name="main_input")
    assert_shape(main_input.shape, (None, 100), "Input(shape=(100,)).shape")
    assert _dtype_name(main_input) == "int32", f"dtype: got {main_input.dtype}, expected int32"
    embedded = layers.Embedding(output_dim=4, input_dim=50)(main_input)
    model = keras.models.Model(inputs=main_input, outputs=embedded)
    assert model.layers[0].name == "main_input", [layer.name for layer in model.layers]


@pytest.mark.behavior("functional.model.single_tensor")
def test_model_from_one_input_and_one_output_tensor(keras):
    model = _doc_classifier(keras)
    assert_shape(model.output_shape, (None, 10), "Model(inputs, predictions).output_shape")
    got = model.predict(DATA, verbose=0)
    assert_allclose(got, _classifier_by_hand(model.get_weights(), DATA), **TOL,
                    what="Model(inputs=inputs, outputs=predictions).predict")


@pytest.mark.behavior("functional.model.lists")
def test_model_from_lists_of_inputs_and_outputs(keras):
    layers = keras.layers
    a1, a2 = layers.Input(shape=(3,)), layers.Input(shape=(2,))
    b1 = layers.Dense(4)(a1)
    b2 = layers.Dense(1)(a2)
    b3 = layers.concatenate([a1, a2])
    model = keras.models.Model(inputs=[a1, a2], outputs=[b1, b2, b3])
    x1, x2 = RNG.normal(size=(5, 3)).astype("float32"), RNG.normal(size=(5, 2)).astype("float32")

    got = model.predict([x1, x2], verbose=0)
    assert isinstance(got, list) and len(got) == 3, f"predict returned {type(got).__name__}"
    w1, c1, w2, c2 = model.get_weights()
    assert_allclose(got[0], x1 @ w1 + c1, **TOL, what="outputs[0]")
    assert_allclose(got[1], x2 @ w2 + c2, **TOL, what="outputs[1]")
    assert_allclose(got[2], np.concatenate([x1, x2], axis=-1), what="outputs[2]")


@pytest.mark.behavior("functional.model.dicts")
def test_model_from_dicts_of_inputs_and_outputs(keras):
    layers = keras.layers
    left, right = layers.Input(shape=(3,), name="left"), layers.Input(shape=(3,), name="right")
    outputs = {"total": layers.add([left, right]), "gap": layers.subtract([left, right])}
    model = keras.models.Model(inputs={"left": left, "right": right}, outputs=outputs)
    xl, xr = RNG.normal(size=(4, 3)).astype("float32"), RNG.normal(size=(4, 3)).astype("float32")

    got = model.predict({"left": xl, "right": xr}, verbose=0)
    assert isinstance(got, dict), f"predict returned {type(got).__name__}, expected dict"
    assert sorted(got) == ["gap", "total"], sorted(got)
    assert_allclose(got["total"], xl + xr, what="outputs['total']")
    assert_allclose(got["gap"], xl - xr, what="outputs['gap']")


@pytest.mark.behavior("functional.model.callable_reuses_weights")
def test_calling_a_model_on_a_new_tensor_reuses_its_weights(keras):
    model = _doc_classifier(keras)
    x = keras.layers.Input(shape=(784,))
    y = model(x)
    assert_shape(y.shape, (None, 10), "model(Input(shape=(784,))).shape")
    reused = keras.models.Model(x, y)
    assert reused.count_params() == model.count_params()

    # the same weights, not a copy: new values set on the original show through the reuse
    new_weights = [RNG.normal(scale=0.05, size=w.shape).astype("float32")
                   for w in model.get_weights()]
    model.set_weights(new_weights)
    assert_allclose(reused.predict(DATA, verbose=0), _classifier_by_hand(new_weights, DATA),
                    **TOL, what="Model(x, model(x)).predict after model.set_weights")


@pytest.mark.behavior("functional.model.as_layer_in_sequential")
def test_a_model_is_a_layer_inside_sequential(keras):
    inner = _doc_classifier(keras)
    outer = keras.models.Sequential([inner, keras.layers.Dense(2)])
    assert_shape(outer.output_shape, (None, 2), "Sequential([model, Dense(2)]).output_shape")
    w, b = outer.layers[-1].get_weights()
    expected = _classifier_by_hand(inner.get_weights(), DATA) @ w + b
    assert_allclose(outer.predict(DATA, verbose=0), expected, **TOL,
                    what="Sequential([model, Dense(2)]).predict")


@pytest.mark.behavior("functional.model.as_layer_in_model")
def test_a_model_is_a_layer_inside_another_model(keras):
    layers = keras.layers
    inner = _doc_classifier(keras)
    a, b = layers.Input(shape=(784,)), layers.Input(shape=(784,))
    both = layers.concatenate([inner(a), inner(b)])  # shared: one set of weights for both
    outer = keras.models.Model([a, b], both)
    assert_shape(outer.output_shape, (None, 20), "Model([a, b], concat[inner(a), inner(b)])")
    assert outer.count_params() == inner.count_params()

    other = DATA[::-1].copy()
    weights = inner.get_weights()
    expected = np.concatenate(
        [_classifier_by_hand(weights, DATA), _classifier_by_hand(weights, other)], axis=-1)
    assert_allclose(outer.predict([DATA, other], verbose=0), expected, **TOL,
                    what="a model called on two inputs inside another model")


@pytest.mark.behavior("functional.time_distributed_model")
def test_time_distributed_model_applies_the_model_at_every_step(keras):
    model = _doc_classifier(keras)
    input_sequences = keras.layers.Input(shape=(20, 784))
    processed_sequences = keras.layers.TimeDistributed(model)(input_sequences)
    assert_shape(processed_sequences.shape, (None, 20, 10), "TimeDistributed(model) on (20, 784)")

    video = keras.models.Model(input_sequences, processed_sequences)
    frames = RNG.uniform(0, 1, size=(2, 20, 784)).astype("float32")
    expected = _classifier_by_hand(model.get_weights(), frames.reshape(40, 784))
    assert_allclose(video.predict(frames, verbose=0), expected.reshape(2, 20, 10), **TOL,
                    what="TimeDistributed(model) vs the model on each frame")
