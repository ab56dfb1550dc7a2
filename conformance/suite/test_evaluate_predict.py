"""evaluate, predict and the single-batch methods train_on_batch, test_on_batch, predict_on_batch.

Spec sources: 004 "使用模型" (evaluate returns [loss, accuracy], predict), 003 (evaluate with
batch_size). Expected values are NumPy forward passes through weights set by the test.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_shape

# float32 forward pass of a 4x3 Dense layer: 1e-5 relative, 1e-6 absolute.
RTOL = 1e-5
ATOL = 1e-6

KERNEL = np.array([[0.5, -1.0, 0.25],
                   [1.5, 0.5, -0.5],
                   [-0.75, 0.25, 1.0],
                   [0.1, -0.2, 0.3]], dtype="float32")
BIAS = np.array([0.1, -0.1, 0.2], dtype="float32")


def _data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 4)).astype("float32")
    y = rng.uniform(-1, 1, size=(n, 3)).astype("float32")
    return x, y


def _known_dense(keras):
    """Dense(3) on 4 features with the weights above, so outputs are x @ KERNEL + BIAS."""
    model = keras.models.Sequential([keras.layers.Dense(3, input_shape=(4,))])
    model.set_weights([KERNEL, BIAS])
    return model


def _forward(x):
    return x.astype("float64") @ KERNEL + BIAS


@pytest.mark.behavior("training.evaluate.scalar")
def test_evaluate_without_metrics_returns_a_scalar(keras):
    model = _known_dense(keras)
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data()
    result = model.evaluate(x, y, verbose=0)
    assert np.ndim(result) == 0 and not isinstance(result, list | tuple), (
        f"evaluate without metrics returned {result!r}, expected a scalar"
    )
    assert_allclose(float(result), np.mean((_forward(x) - y) ** 2), rtol=RTOL, atol=ATOL,
                    what="evaluate -> mse")


@pytest.mark.behavior("training.evaluate.loss_and_metrics")
def test_evaluate_with_metrics_returns_loss_then_metrics(keras):
    model = _known_dense(keras)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = _data()
    result = model.evaluate(x, y, batch_size=5, verbose=0)
    assert isinstance(result, list) and len(result) == 2, f"evaluate returned {result!r}"
    error = _forward(x) - y
    assert_allclose(result, [np.mean(error ** 2), np.mean(np.abs(error))], rtol=RTOL, atol=ATOL,
                    what="evaluate -> [loss, mae] over 3 batches of 5, 5, 2")


@pytest.mark.behavior("training.evaluate.loss_and_metrics")
def test_evaluate_score_is_loss_and_accuracy(keras):
    # 004: score = model.evaluate(x_test, y_test); score[0] is the loss, score[1] the accuracy.
    model = keras.models.Sequential([keras.layers.Dense(3, activation="softmax",
                                                        input_shape=(4,))])
    model.set_weights([KERNEL, BIAS])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    x, _ = _data()
    labels = np.array([0, 1, 2, 0, 1, 2, 2, 1, 0, 0, 1, 2])
    y = np.eye(3, dtype="float32")[labels]
    logits = _forward(x)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    score = model.evaluate(x, y, verbose=0)
    assert len(score) == 2, f"evaluate returned {score!r}, expected [loss, accuracy]"
    assert_allclose(score[0], np.mean(-np.log(probs[np.arange(12), labels])), rtol=RTOL,
                    atol=ATOL, what="score[0]: categorical crossentropy")
    assert_allclose(score[1], np.mean(probs.argmax(axis=1) == labels), rtol=0, atol=1e-6,
                    what="score[1]: accuracy")


@pytest.mark.behavior("training.evaluate.multi_output")
def test_evaluate_multi_output_returns_total_then_each_output_loss(keras):
    layers = keras.layers
    inputs = layers.Input(shape=(4,))
    first = layers.Dense(3, name="first")(inputs)
    second = layers.Dense(3, name="second")(inputs)
    model = keras.models.Model(inputs=inputs, outputs=[first, second])
    model.get_layer("first").set_weights([KERNEL, BIAS])
    model.get_layer("second").set_weights([-KERNEL, BIAS])
    model.compile(optimizer="sgd", loss=["mse", "mae"])
    x, y = _data()
    mse_first = np.mean((_forward(x) - y) ** 2)
    mae_second = np.mean(np.abs(x.astype("float64") @ -KERNEL + BIAS - y))
    result = model.evaluate(x, [y, y], verbose=0)
    assert_allclose(result, [mse_first + mae_second, mse_first, mae_second], rtol=RTOL,
                    atol=ATOL, what="evaluate -> [total, first loss, second loss]")


@pytest.mark.behavior("training.predict.output")
def test_predict_returns_outputs_for_every_sample(keras):
    model = _known_dense(keras)
    x, _ = _data(n=37)
    result = model.predict(x, verbose=0)
    assert isinstance(result, np.ndarray), f"predict returned {type(result).__name__}"
    assert_shape(result.shape, (37, 3), "predict(x of 37 samples) for Dense(3)")
    assert_allclose(result, _forward(x), rtol=RTOL, atol=ATOL, what="predict(x)")


@pytest.mark.behavior("training.predict.output")
def test_predict_multi_output_returns_a_list(keras):
    layers = keras.layers
    inputs = layers.Input(shape=(4,))
    model = keras.models.Model(inputs=inputs,
                               outputs=[layers.Dense(3)(inputs), layers.Dense(1)(inputs)])
    result = model.predict(np.zeros((5, 4), dtype="float32"), verbose=0)
    assert isinstance(result, list) and len(result) == 2, f"predict returned {type(result)}"
    assert_shape(result[0].shape, (5, 3), "first output")
    assert_shape(result[1].shape, (5, 1), "second output")


@pytest.mark.behavior("training.predict.batch_size_independent")
@pytest.mark.parametrize("batch_size", [1, 7, 32, 100])
def test_predict_does_not_depend_on_batch_size(keras, batch_size):
    model = _known_dense(keras)
    x, _ = _data(n=37)
    assert_allclose(model.predict(x, batch_size=batch_size, verbose=0), _forward(x),
                    rtol=RTOL, atol=ATOL, what=f"predict(batch_size={batch_size})")


@pytest.mark.behavior("training.train_on_batch")
def test_train_on_batch_takes_one_gradient_step(keras):
    model = _known_dense(keras)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x, y = _data()
    loss = model.train_on_batch(x, y)
    assert np.ndim(loss) == 0, f"train_on_batch without metrics returned {loss!r}"
    # mse = mean over n*3 values of (xW + b - y)^2: its gradient is 2/(n*3) of the residuals.
    residual = _forward(x) - y
    grad_kernel = 2.0 * x.T.astype("float64") @ residual / residual.size
    grad_bias = 2.0 * residual.sum(axis=0) / residual.size
    kernel, bias = model.get_weights()
    assert_allclose(kernel, KERNEL - 0.1 * grad_kernel, rtol=RTOL, atol=ATOL,
                    what="kernel after one SGD(0.1) step on the batch")
    assert_allclose(bias, BIAS - 0.1 * grad_bias, rtol=RTOL, atol=ATOL,
                    what="bias after one SGD(0.1) step on the batch")


@pytest.mark.behavior("training.train_on_batch")
def test_train_on_batch_with_metrics_returns_a_list(keras):
    model = _known_dense(keras)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = _data()
    result = model.train_on_batch(x, y)
    assert isinstance(result, list) and len(result) == 2, (
        f"train_on_batch with metrics=['mae'] returned {result!r}, expected [loss, mae]"
    )


@pytest.mark.behavior("training.test_on_batch")
def test_test_on_batch_matches_evaluate_and_keeps_weights(keras):
    model = _known_dense(keras)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = _data()
    result = model.test_on_batch(x, y)
    error = _forward(x) - y
    assert_allclose(result, [np.mean(error ** 2), np.mean(np.abs(error))], rtol=RTOL, atol=ATOL,
                    what="test_on_batch -> [loss, mae]")
    kernel, bias = model.get_weights()
    assert_allclose(kernel, KERNEL, rtol=0, atol=0, what="kernel after test_on_batch")
    assert_allclose(bias, BIAS, rtol=0, atol=0, what="bias after test_on_batch")


@pytest.mark.behavior("training.predict_on_batch")
def test_predict_on_batch_matches_predict(keras):
    model = _known_dense(keras)
    x, _ = _data()
    result = np.asarray(model.predict_on_batch(x))
    assert_allclose(result, _forward(x), rtol=RTOL, atol=ATOL, what="predict_on_batch(x)")
