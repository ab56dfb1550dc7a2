"""The spec sources' training programs, end to end.

Each test runs a program as the spec source writes it (same layers, compile and fit arguments),
checks the documented shapes and return values, and checks that training works. The sources
train on random labels (``np.random.randint``), which nothing can learn, so the data here is a
learnable task of the same shapes from ``conformance.datasets``; where a program's sample
count or epoch count is only there to make a demo, it is cut to keep the suite fast (said at
each place). Accuracy thresholds leave a wide margin below what every run reached on the
oracle, so a random initialisation cannot fail them.
"""

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_shape
from conformance.datasets import binary_task, multiclass_task
from conformance.spec_models import build_headline_model


def _loss_fell(history, factor=0.5):
    losses = history.history["loss"]
    assert losses[-1] < factor * losses[0], f"training loss per epoch did not fall: {losses}"


def _to_categorical_checked(keras, labels, num_classes):
    one_hot = keras.utils.to_categorical(labels, num_classes=num_classes)
    assert_shape(one_hot.shape, (len(labels), num_classes), "to_categorical(labels, 10)")
    assert_allclose(one_hot, np.eye(num_classes)[labels[:, 0]], rtol=0, atol=0,
                    what="to_categorical: a single 1 at each label")
    return one_hot


def _mlp_softmax(keras, optimizer):
    """003 "基于多层感知器 (MLP) 的 softmax 多分类", with the given SGD optimizer."""
    layers = keras.layers
    x_train, labels_train = multiclass_task(1000, 20, 10, seed=0)
    x_test, labels_test = multiclass_task(100, 20, 10, seed=0)
    y_train = _to_categorical_checked(keras, labels_train, 10)
    y_test = keras.utils.to_categorical(labels_test, num_classes=10)

    model = keras.models.Sequential()
    model.add(layers.Dense(64, activation="relu", input_dim=20))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=20, batch_size=128, verbose=0)
    score = model.evaluate(x_test, y_test, batch_size=128, verbose=0)

    assert len(history.history["loss"]) == 20
    _loss_fell(history)
    assert len(score) == 2, f"score = evaluate(...) is {score!r}, expected [loss, accuracy]"
    assert score[1] >= 0.9, f"test accuracy {score[1]:.3f} after 20 epochs (expected >= 0.9)"


@pytest.mark.behavior("examples.mlp_softmax.documented")
def test_mlp_softmax_as_documented(keras):
    sgd = keras.optimizers.SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
    _mlp_softmax(keras, sgd)


@pytest.mark.behavior("examples.mlp_softmax.trains")
def test_mlp_softmax_with_learning_rate_spelling(keras):
    # The same program with the Keras 2.3+ spelling of the optimizer arguments (learning_rate,
    # no decay), so the training itself is checked where the documented spelling is refused.
    sgd = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
    _mlp_softmax(keras, sgd)


@pytest.mark.behavior("examples.mlp_binary")
def test_mlp_binary(keras):
    # 003 "基于多层感知器的二分类", 1000 x 20 training samples, 20 epochs of batch 128.
    layers = keras.layers
    x_train, y_train = binary_task(1000, 20, seed=1)
    x_test, y_test = binary_task(100, 20, seed=1)

    model = keras.models.Sequential()
    model.add(layers.Dense(64, input_dim=20, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=20, batch_size=128, verbose=0)
    score = model.evaluate(x_test, y_test, batch_size=128, verbose=0)

    _loss_fell(history)
    assert len(score) == 2, f"score is {score!r}, expected [loss, accuracy]"
    assert score[1] >= 0.95, f"test accuracy {score[1]:.3f} (expected >= 0.95)"


def _binary_model_001(keras):
    layers = keras.layers
    model = keras.models.Sequential()
    model.add(layers.Dense(32, activation="relu", input_dim=100))
    model.add(layers.Dense(1, activation="sigmoid"))
    return model


@pytest.mark.behavior("examples.binary_classification")
def test_binary_classification_fit(keras):
    # 001 "For a single-input model with 2 classes": 1000 x 100 data, 10 epochs of batch 32
    # (cut to 300 samples: the model learns this task in the first epoch).
    data, labels = binary_task(300, 100, seed=2)
    model = _binary_model_001(keras)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(data, labels, epochs=10, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}, sorted(history.history)
    assert len(history.history["loss"]) == 10
    _loss_fell(history)
    assert history.history["accuracy"][-1] >= 0.95, history.history["accuracy"]


@pytest.mark.behavior("examples.categorical_classification")
def test_categorical_classification_fit_with_to_categorical(keras):
    # 001 "For a single-input model with 10 classes": labels (n, 1) from randint(10), one-hot
    # encoded with keras.utils.to_categorical(labels, num_classes=10); 300 samples, not 1000.
    layers = keras.layers
    data, labels = multiclass_task(300, 100, 10, seed=3)
    model = keras.models.Sequential()
    model.add(layers.Dense(32, activation="relu", input_dim=100))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    one_hot_labels = _to_categorical_checked(keras, labels, 10)
    history = model.fit(data, one_hot_labels, epochs=10, batch_size=32, verbose=0)
    assert len(history.history["loss"]) == 10
    _loss_fell(history)
    assert history.history["accuracy"][-1] >= 0.9, history.history["accuracy"]
    assert_shape(model.predict(data, verbose=0).shape, (300, 10), "predict")


@pytest.mark.behavior("examples.custom_metric_mean_pred")
def test_custom_metric_mean_pred(keras):
    # 001 "For custom metrics", as written: import keras.backend as K; K.mean(y_pred).
    K = keras.backend

    def mean_pred(y_true, y_pred):
        return K.mean(y_pred)

    data, labels = binary_task(200, 100, seed=4)
    model = _binary_model_001(keras)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy",
                  metrics=["accuracy", mean_pred])
    history = model.fit(data, labels, epochs=3, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "mean_pred"}, sorted(history.history)
    # One batch of all the data: the metric is exactly the mean prediction.
    result = model.evaluate(data, labels, batch_size=200, verbose=0)
    assert len(result) == 3, f"evaluate returned {result!r}, expected [loss, accuracy, mean_pred]"
    assert_allclose(result[2], np.mean(model.predict(data, verbose=0)), rtol=1e-5, atol=1e-6,
                    what="mean_pred = K.mean(y_pred) over the evaluated batch")


@pytest.mark.behavior("examples.mlp_784")
def test_mlp_784_500_500_10(keras):
    # 004: Dense(input_dim=28*28, units=500) -> Dense(500) -> Dense(10, softmax), adam,
    # fit(batch_size=100, epochs=20), evaluate -> [loss, accuracy], predict. The source's loss
    # string 'categorical crossentropy' is a typo for the identifier 'categorical_crossentropy'.
    # 600 samples and 5 epochs instead of MNIST and 20: this task is learnt in one or two.
    layers = keras.layers
    x_train, labels_train = multiclass_task(600, 28 * 28, 10, seed=5)
    x_test, labels_test = multiclass_task(200, 28 * 28, 10, seed=5)
    y_train = keras.utils.to_categorical(labels_train, num_classes=10)
    y_test = keras.utils.to_categorical(labels_test, num_classes=10)

    model = keras.models.Sequential()
    model.add(layers.Dense(input_dim=28 * 28, units=500, activation="relu"))
    model.add(layers.Dense(units=500, activation="relu"))
    model.add(layers.Dense(units=10, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=100, epochs=5, verbose=0)
    _loss_fell(history)

    score = model.evaluate(x_test, y_test, verbose=0)
    assert len(score) == 2, f"score is {score!r}, expected [loss, accuracy]"
    assert score[0] > 0, f"Total loss on Testing Set: {score[0]}"
    assert score[1] >= 0.95, f"Accuracy of Testing Set: {score[1]:.3f} (expected >= 0.95)"
    result = model.predict(x_test, verbose=0)
    assert_shape(result.shape, (200, 10), "result = model.predict(x_test)")
    assert_allclose(result.sum(axis=1), np.ones(200), rtol=0, atol=1e-5,
                    what="softmax rows sum to 1")


@pytest.mark.behavior("examples.custom_loss_loss_weights")
def test_custom_loss_with_loss_weights(keras):
    # 002 §5.1: a classifier plus a second output that *is* a loss (a center loss: squared
    # distance of the features to a learnt centre per class), trained with
    # loss=['sparse_categorical_crossentropy', lambda y_true, y_pred: y_pred],
    # loss_weights=[1., 0.2], metrics={'softmax': 'accuracy'}; random_y is a dummy target.
    # Three classes: with ten, the centre loss slows the classifier down too much for the
    # documented 10 epochs of adam at its default learning rate.
    layers = keras.layers
    input_image = layers.Input(shape=(20,))
    input_target = layers.Input(shape=(1,), dtype="int32")
    feature = layers.Dense(64, activation="relu")(input_image)
    predict = layers.Dense(3, activation="softmax", name="softmax")(feature)
    centre = layers.Flatten()(layers.Embedding(3, 64)(input_target))
    offset = layers.Subtract()([feature, centre])
    l2_loss = layers.Dot(axes=1, name="l2_loss")([offset, offset])

    model_train = keras.models.Model(inputs=[input_image, input_target],
                                     outputs=[predict, l2_loss])
    model_train.compile(optimizer="adam",
                        loss=["sparse_categorical_crossentropy", lambda y_true, y_pred: y_pred],
                        loss_weights=[1.0, 0.2], metrics={"softmax": "accuracy"})
    train_images, train_targets = multiclass_task(300, 20, 3, seed=6)
    random_y = np.random.default_rng(6).random((300, 1)).astype("float32")
    history = model_train.fit([train_images, train_targets], [train_targets, random_y],
                              epochs=10, verbose=0)
    assert set(history.history) == {"loss", "softmax_loss", "l2_loss_loss",
                                     "softmax_accuracy"}, sorted(history.history)
    _loss_fell(history, factor=0.7)
    assert history.history["softmax_accuracy"][-1] >= 0.9, history.history["softmax_accuracy"]

    # The total is the weighted sum; the second loss is the mean of the output itself.
    probs, distances = model_train.predict([train_images, train_targets], verbose=0)
    cross_entropy = np.mean(-np.log(probs[np.arange(300), train_targets[:, 0]]))
    expected = [cross_entropy + 0.2 * np.mean(distances), cross_entropy, np.mean(distances)]
    result = model_train.evaluate([train_images, train_targets], [train_targets, random_y],
                                  batch_size=300, verbose=0)
    assert_allclose(result[:3], expected, rtol=1e-5, atol=1e-6,
                    what="evaluate -> [total, softmax loss, l2_loss loss, ...]")


@pytest.mark.behavior("examples.multi_input_multi_output_fit")
def test_two_input_two_output_headline_model(keras):
    # 001 "多输入多输出模型": Embedding + LSTM over a headline, an auxiliary input, two sigmoid
    # outputs, loss='binary_crossentropy' for both with loss_weights=[1., 0.2], fit with dicts
    # keyed by the Input / output names. 64 headlines and 2 epochs instead of 50.
    model = build_headline_model(keras)  # the documented sizes
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", loss_weights=[1.0, 0.2])

    rng = np.random.default_rng(7)
    headline_data = rng.integers(1, 10000, size=(64, 100))
    additional_data = rng.random((64, 5)).astype("float32")
    labels = rng.integers(0, 2, size=(64, 1))
    history = model.fit({"main_input": headline_data, "aux_input": additional_data},
                        {"main_output": labels, "aux_output": labels}, epochs=2, batch_size=32,
                        verbose=0)
    assert set(history.history) == {"loss", "main_output_loss", "aux_output_loss"}, (
        sorted(history.history)
    )
    total, main, aux = (history.history[k][-1] for k in ("loss", "main_output_loss",
                                                         "aux_output_loss"))
    # Averages over the epoch's batches of a weighted sum: the same weighted sum.
    assert_allclose(total, main + 0.2 * aux, rtol=1e-4, atol=1e-6,
                    what="epoch loss = main_output_loss + 0.2 * aux_output_loss")
