"""Lambda layers, custom Layer subclasses, custom losses and metrics: what user code plugs into
Keras and how it survives configs, JSON, HDF5 files and training.

Keras 2 API: keras.io/2.x/api/layers/core_layers/lambda (Lambda(function, output_shape=None,
mask=None, arguments=None); "model.add(Lambda(lambda x: x ** 2))"), the guide "Making new
layers and models via subclassing" (keras.io/2.x/guides/making_new_layers_and_models_via_
subclassing: build with add_weight, call, get_config, from_config; trainable and
non-trainable weights), keras.io/2.x/api/models/model_saving_apis (model_from_json and
load_model with custom_objects), keras.io/2.x/api/losses ("any callable with the signature
loss_fn(y_true, y_pred) that returns an array of losses") and .../metrics (custom metric
functions). Spec source 002 §5.1: a model whose second output is a loss computed by a Lambda,
compiled with loss=['sparse_categorical_crossentropy', lambda y_true, y_pred: y_pred],
loss_weights=[1., 0.2], metrics={'softmax': 'accuracy'} (the Lambda of the source article,
kexue.fm/archives/4493, uses K.sum and K.square: kept, it is the documented program).

Custom code here uses only documented Keras API and Python operators on the tensors and
variables Keras passes in (+, -, *, @, slicing), never the implementation's own ops.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_shape

X = np.random.default_rng(21).uniform(-1, 1, size=(6, 5)).astype("float32")
Y = np.random.default_rng(22).uniform(-1, 1, size=(6, 3)).astype("float32")
TOL = dict(rtol=1e-5, atol=1e-6)  # float32 sums of <= 5 products


def run(model_or_layer, adapter, x):
    return adapter.to_numpy(model_or_layer(adapter.to_tensor(x)))


# -- Lambda --------------------------------------------------------------------------------
@pytest.mark.behavior("layers.lambda.function")
def test_lambda_applies_its_function(keras, adapter):
    # the documented example: model.add(Lambda(lambda x: x ** 2))
    model = keras.models.Sequential([keras.layers.Dense(5, input_shape=(5,)),
                                     keras.layers.Lambda(lambda x: x ** 2)])
    dense_out = run(keras.models.Sequential(model.layers[:1]), adapter, X)
    assert_allclose(model.predict(X, verbose=0), dense_out ** 2, **TOL,
                    what="Sequential([Dense, Lambda(lambda x: x ** 2)]).predict")
    assert_shape(model.output_shape, (None, 5), "Lambda(x ** 2) output_shape (inferred)")


@pytest.mark.behavior("layers.lambda.output_shape")
def test_lambda_output_shape(keras):
    layers = keras.layers
    inferred = layers.Lambda(lambda x: x[:, :2])(layers.Input(shape=(5,)))
    assert_shape(tuple(inferred.shape), (None, 2), "Lambda(lambda x: x[:, :2]) on Input((5,))")
    given = layers.Lambda(lambda x: x[:, :2], output_shape=(2,))
    assert_shape(tuple(given.compute_output_shape((None, 5))), (None, 2),
                 "Lambda(..., output_shape=(2,)).compute_output_shape((None, 5))")
    assert_shape(tuple(given(layers.Input(shape=(5,))).shape), (None, 2),
                 "Lambda(..., output_shape=(2,)) on Input((5,))")
    function = layers.Lambda(lambda x: x[:, :2], output_shape=lambda s: (s[0], 2))
    assert_shape(tuple(function.compute_output_shape((None, 5))), (None, 2),
                 "Lambda(..., output_shape=lambda s: (s[0], 2)).compute_output_shape")


@pytest.mark.behavior("layers.lambda.arguments")
def test_lambda_arguments_are_passed_as_keywords(keras, adapter):
    layer = keras.layers.Lambda(lambda x, scale, shift: x * scale + shift,
                                arguments={"scale": 3.0, "shift": -1.0})
    assert_allclose(run(layer, adapter, X), X * 3.0 - 1.0, **TOL,
                    what="Lambda(f, arguments={'scale': 3., 'shift': -1.})(x)")


@pytest.mark.behavior("layers.lambda.multiple_inputs")
def test_lambda_on_a_list_of_inputs(keras):
    layers = keras.layers
    a, b = layers.Input(shape=(5,)), layers.Input(shape=(5,))
    model = keras.models.Model([a, b], layers.Lambda(lambda t: t[0] - 2.0 * t[1])([a, b]))
    other = X[::-1].copy()
    assert_allclose(model.predict([X, other], verbose=0), X - 2.0 * other, **TOL,
                    what="Lambda(lambda t: t[0] - 2 * t[1])([a, b])")


@pytest.mark.behavior("layers.lambda.mask")
def test_lambda_mask_argument(keras, adapter):
    x = adapter.to_tensor(np.ones((2, 3, 4), "float32"))
    given = np.array([[True, False, True], [False, True, True]])
    passing = keras.layers.Lambda(lambda t: t, mask=lambda inputs, mask: mask)
    got = passing.compute_mask(x, adapter.to_tensor(given, dtype="bool"))
    np.testing.assert_array_equal(adapter.to_numpy(got).astype(bool), given,
                                  err_msg="Lambda(mask=lambda inputs, mask: mask).compute_mask")
    constant = keras.layers.Lambda(lambda t: t, mask=given)
    np.testing.assert_array_equal(
        np.asarray(adapter.to_numpy(constant.compute_mask(x, None))).astype(bool), given,
        err_msg="Lambda(mask=<array>).compute_mask(x, None)")
    plain = keras.layers.Lambda(lambda t: t)
    assert plain.compute_mask(x, adapter.to_tensor(given, dtype="bool")) is None, (
        "Lambda without mask=: the output has no mask")


@pytest.mark.behavior("layers.lambda.get_config_round_trip")
def test_lambda_from_config_of_get_config(keras, adapter):
    layer = keras.layers.Lambda(lambda x, scale: x * scale + 1.0, arguments={"scale": 2.0},
                                name="affine")
    config = layer.get_config()
    assert config["name"] == "affine" and config["arguments"] == {"scale": 2.0}, config
    rebuilt = keras.layers.Lambda.from_config(config)
    assert_allclose(run(rebuilt, adapter, X), run(layer, adapter, X), **TOL,
                    what="Lambda.from_config(layer.get_config())(x) vs layer(x)")


@pytest.mark.behavior("layers.lambda.load_model_safe_mode")
def test_lambda_through_save_and_load_model(keras, tmp_path):
    # load_model(..., safe_mode=False) (tf-keras 2.13+ and Keras 3) rebuilds a Lambda from its
    # bytecode. (tf-keras 2.21 loads an .h5 Lambda with the default safe_mode=True too, while
    # model_from_json refuses it: not pinned here, see test_safe_loading.py.)
    model = keras.models.Sequential([
        keras.layers.Input(shape=(5,)),
        keras.layers.Lambda(lambda x, scale: x * scale + 1.0, arguments={"scale": 2.0}),
        keras.layers.Dense(2)])
    path = str(tmp_path / "lambda.h5")
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), **TOL,
                    what="load_model(path, safe_mode=False) of a model with a Lambda")


# -- a custom Layer subclass ---------------------------------------------------------------
def custom_classes(keras):
    """The guide's Linear layer: a trainable kernel and bias, and a non-trainable counter-like
    weight that call never changes; its config holds ``units``."""

    class Linear(keras.layers.Layer):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                          initializer="random_normal", trainable=True)
            self.bias = self.add_weight(name="bias", shape=(self.units,),
                                        initializer="zeros", trainable=True)
            self.scale = self.add_weight(name="scale", shape=(self.units,),
                                         initializer="ones", trainable=False)
            super().build(input_shape)

        def call(self, inputs):
            return (inputs @ self.kernel + self.bias) * self.scale

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.units)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return Linear


def linear_model(keras, Linear):
    model = keras.models.Sequential([Linear(3, input_shape=(5,), name="linear")])
    rng = np.random.default_rng(23)
    model.set_weights([rng.uniform(-1, 1, size=(5, 3)).astype("float32"),
                       rng.uniform(-1, 1, size=(3,)).astype("float32"),
                       np.array([1.0, 2.0, 0.5], "float32")])
    return model


def linear_by_hand(weights, x):
    kernel, bias, scale = (np.asarray(w, np.float64) for w in weights)
    return (x @ kernel + bias) * scale


@pytest.mark.behavior("layers.custom.build_add_weight")
def test_custom_layer_builds_its_weights(keras, adapter):
    Linear = custom_classes(keras)
    layer = Linear(3)
    assert not layer.weights, "no weights before the first call"
    out = run(layer, adapter, X)
    assert [tuple(w.shape) for w in layer.weights] == [(5, 3), (3,), (3,)], layer.weights
    assert (len(layer.trainable_weights), len(layer.non_trainable_weights)) == (2, 1)
    assert_allclose(out, linear_by_hand(layer.get_weights(), X), **TOL,
                    what="Linear(3)(x) vs (x @ kernel + bias) * scale")


@pytest.mark.behavior("layers.custom.compute_output_shape")
def test_custom_layer_output_shape(keras):
    Linear = custom_classes(keras)
    model = keras.models.Sequential([Linear(3, input_shape=(5,))])
    assert_shape(model.output_shape, (None, 3), "Sequential([Linear(3, input_shape=(5,))])")
    assert_shape(tuple(Linear(4).compute_output_shape((None, 5))), (None, 4),
                 "Linear(4).compute_output_shape((None, 5))")


@pytest.mark.behavior("layers.custom.get_config_round_trip")
def test_custom_layer_get_config_round_trip(keras, adapter):
    Linear = custom_classes(keras)
    model = linear_model(keras, Linear)
    layer = model.layers[0]
    config = layer.get_config()
    assert config["units"] == 3 and config["name"] == "linear", config
    rebuilt = Linear.from_config(config)
    rebuilt(adapter.to_tensor(X))
    rebuilt.set_weights(layer.get_weights())
    assert rebuilt.get_config() == config, (rebuilt.get_config(), config)
    assert_allclose(run(rebuilt, adapter, X), run(layer, adapter, X), **TOL,
                    what="Linear.from_config(layer.get_config()) with the same weights")


@pytest.mark.behavior("layers.custom.model_from_json_custom_objects")
def test_custom_layer_through_json(keras):
    Linear = custom_classes(keras)
    model = linear_model(keras, Linear)
    rebuilt = keras.models.model_from_json(model.to_json(), custom_objects={"Linear": Linear})
    assert type(rebuilt.layers[0]) is Linear, rebuilt.layers
    rebuilt.set_weights(model.get_weights())
    assert_allclose(rebuilt.predict(X, verbose=0), model.predict(X, verbose=0), **TOL,
                    what="model_from_json(to_json(), custom_objects=...) with the same weights")


@pytest.mark.behavior("layers.custom.load_model_custom_objects")
def test_custom_layer_through_save_and_load_model(keras, tmp_path):
    Linear = custom_classes(keras)
    model = linear_model(keras, Linear)
    path = str(tmp_path / "linear.h5")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"Linear": Linear})
    assert type(loaded.layers[0]) is Linear, loaded.layers
    assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), **TOL,
                    what="load_model(save(...), custom_objects={'Linear': Linear}).predict")
    with pytest.raises(ValueError, match="Linear"):
        keras.models.load_model(path)


@pytest.mark.behavior("layers.custom.training")
def test_custom_layer_trains_its_trainable_weights_only(keras):
    Linear = custom_classes(keras)
    model = linear_model(keras, Linear)
    before = model.get_weights()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(X, Y, batch_size=len(X), epochs=1, shuffle=False, verbose=0)
    kernel, bias, scale = before
    # one SGD step on mean((y - t)^2) over all 6 x 3 entries: dL/dy = 2 (y - t) / 18
    y = linear_by_hand(before, X)
    grad_y = 2.0 * (y - Y) / Y.size * scale
    expected = [kernel - 0.1 * X.T @ grad_y, bias - 0.1 * grad_y.sum(axis=0), scale]
    for got, want, name in zip(model.get_weights(), expected, ["kernel", "bias", "scale"],
                               strict=True):
        assert_allclose(got, want, **TOL, what=f"Linear.{name} after one SGD(0.1) step")


@pytest.mark.behavior("layers.custom.call_training_argument")
def test_custom_layer_call_gets_the_training_flag(keras):
    # the guide's "privileged training argument": fit calls with training=True, predict and
    # evaluate with training=False. This layer doubles its input while training.
    class DoubleWhileTraining(keras.layers.Layer):
        def call(self, inputs, training=None):
            return inputs * 2.0 if training else inputs

    model = keras.models.Sequential([keras.layers.Input(shape=(3,)), DoubleWhileTraining()])
    model.compile(optimizer="sgd", loss="mse")
    target = np.zeros((6, 3), "float32")
    x = X[:, :3]
    assert_allclose(model.predict(x, verbose=0), x, **TOL, what="predict: training=False")
    assert_allclose(model.evaluate(x, target, verbose=0), np.mean(x.astype(np.float64) ** 2),
                    **TOL, what="evaluate: the loss of the inputs unchanged")
    history = model.fit(x, target, batch_size=6, epochs=1, verbose=0)
    assert_allclose(history.history["loss"][0], np.mean((2.0 * x.astype(np.float64)) ** 2),
                    **TOL, what="fit: the loss of the doubled inputs (training=True)")


@pytest.mark.behavior("layers.custom.supports_masking")
def test_custom_layer_with_supports_masking_passes_the_mask_on(keras, adapter):
    # the guide: a layer that sets self.supports_masking = True passes its input mask on
    class Scale(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return inputs * 1.0

    ids = np.array([[3, 1, 0, 0], [0, 2, 4, 0]], dtype="int32")
    layers = keras.layers
    embedding, lstm = layers.Embedding(5, 3, mask_zero=True), layers.LSTM(2)
    with_scale = keras.models.Sequential([layers.Input(shape=(4,), dtype="int32"), embedding,
                                          Scale(), lstm])
    without = keras.models.Sequential([layers.Input(shape=(4,), dtype="int32"), embedding,
                                       lstm])  # the same layers, so the same weights
    got = adapter.to_numpy(with_scale(adapter.to_tensor(ids)))
    assert_allclose(got, adapter.to_numpy(without(adapter.to_tensor(ids))), **TOL,
                    what="Embedding(mask_zero) -> Scale(supports_masking) -> LSTM vs no Scale")
    for row in range(2):
        steps = ids[row][ids[row] != 0][None]
        # the same two layers called directly (no ids are 0, so no mask): no third and fourth
        # model around the LSTM to build
        alone = adapter.to_numpy(lstm(embedding(adapter.to_tensor(steps, dtype="int32"))))
        assert_allclose(got[row:row + 1], alone, **TOL,
                        what=f"row {row}: masked sequence vs its unmasked ids alone")


# -- custom losses and metrics -------------------------------------------------------------
def custom_functions(keras):
    # elementwise values: Keras averages a loss over every entry of the batch (the
    # SUM_OVER_BATCH_SIZE reduction) and a metric over all its values
    def scaled_mse(y_true, y_pred):
        return (y_true - y_pred) ** 2 * 2.0

    def mean_abs_diff(y_true, y_pred):
        return abs(y_true - y_pred)

    return scaled_mse, mean_abs_diff


def dense_model(keras):
    model = keras.models.Sequential([keras.layers.Dense(3, input_shape=(5,))])
    rng = np.random.default_rng(24)
    model.set_weights([rng.uniform(-1, 1, size=(5, 3)).astype("float32"),
                       rng.uniform(-1, 1, size=(3,)).astype("float32")])
    return model


@pytest.mark.behavior("training.custom_loss_metric.values")
def test_custom_loss_and_metric_functions(keras):
    scaled_mse, mean_abs_diff = custom_functions(keras)
    model = dense_model(keras)
    model.compile(optimizer="sgd", loss=scaled_mse, metrics=[mean_abs_diff])
    prediction = model.predict(X, verbose=0).astype(np.float64)
    got = model.evaluate(X, Y, batch_size=len(X), verbose=0)
    expected = [2.0 * np.mean((prediction - Y) ** 2), np.mean(np.abs(prediction - Y))]
    assert_allclose(got, expected, **TOL, what="evaluate -> [scaled_mse, mean_abs_diff]")
    history = model.fit(X, Y, batch_size=len(X), epochs=1, verbose=0)
    assert set(history.history) == {"loss", "mean_abs_diff"}, sorted(history.history)


@pytest.mark.behavior("training.custom_loss_metric.load_model_custom_objects")
def test_custom_loss_through_save_and_load_model(keras, tmp_path):
    scaled_mse, mean_abs_diff = custom_functions(keras)
    model = dense_model(keras)
    model.compile(optimizer="sgd", loss=scaled_mse)
    model.fit(X, Y, batch_size=len(X), epochs=1, verbose=0)
    path = str(tmp_path / "custom_loss.h5")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"scaled_mse": scaled_mse})
    assert_allclose(loaded.evaluate(X, Y, verbose=0), model.evaluate(X, Y, verbose=0), **TOL,
                    what="load_model(..., custom_objects={'scaled_mse': ...}).evaluate")
    uncompiled = keras.models.load_model(path, compile=False)  # no loss needed then
    assert_allclose(uncompiled.predict(X, verbose=0), model.predict(X, verbose=0), **TOL,
                    what="load_model(..., compile=False).predict")


# -- 002 §5.1: a Lambda that computes a loss ------------------------------------------------
@pytest.mark.behavior("examples.custom_loss_lambda_l2")
def test_spec_center_loss_model_with_lambda(keras):
    K, layers = keras.backend, keras.layers
    rng = np.random.default_rng(25)
    images = rng.normal(size=(90, 8)).astype("float32")
    targets = (images[:, :3].argmax(axis=1)).astype("int32")[:, None]
    random_y = rng.random((90, 1)).astype("float32")

    input_image = layers.Input(shape=(8,))
    feature = layers.Dense(2)(layers.Dense(16, activation="relu")(input_image))
    predict = layers.Dense(3, activation="softmax", name="softmax")(feature)
    input_target = layers.Input(shape=(1,))
    centers = layers.Embedding(3, 2)(input_target)
    l2_loss = layers.Lambda(lambda x: K.sum(K.square(x[0] - x[1][:, 0]), 1, keepdims=True),
                            name="l2_loss")([feature, centers])
    model_train = keras.models.Model(inputs=[input_image, input_target],
                                     outputs=[predict, l2_loss])
    model_train.compile(optimizer="adam",
                        loss=["sparse_categorical_crossentropy", lambda y_true, y_pred: y_pred],
                        loss_weights=[1.0, 0.2], metrics={"softmax": "accuracy"})
    history = model_train.fit([images, targets], [targets, random_y], epochs=3, verbose=0)
    assert set(history.history) == {"loss", "softmax_loss", "l2_loss_loss",
                                     "softmax_accuracy"}, sorted(history.history)

    # the Lambda output is the squared distance of each feature to its class centre
    probe = keras.models.Model([input_image, input_target], [feature, l2_loss])
    features, distances = probe.predict([images, targets], verbose=0)
    centre_table = next(layer.get_weights()[0] for layer in model_train.layers
                        if type(layer).__name__ == "Embedding")
    expected = ((features - centre_table[targets[:, 0]]) ** 2).sum(axis=1, keepdims=True)
    assert_allclose(distances, expected, rtol=1e-5, atol=1e-6,
                    what="Lambda(K.sum(K.square(x[0] - x[1][:, 0]), 1, keepdims=True))")
    probs = model_train.predict([images, targets], verbose=0)[0]
    cross_entropy = np.mean(-np.log(probs[np.arange(90), targets[:, 0]]))
    result = model_train.evaluate([images, targets], [targets, random_y], batch_size=90,
                                  verbose=0)
    assert_allclose(result[:3], [cross_entropy + 0.2 * distances.mean(), cross_entropy,
                                 distances.mean()], rtol=1e-5, atol=1e-6,
                    what="evaluate -> [total = CE + 0.2 * mean(l2), CE, mean(l2)]")
