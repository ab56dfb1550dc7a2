"""The model graphs of the spec sources, built as written, with their documented shapes.

Sources: 001_501f18418165f02c.txt (functional API: headline model, shared LSTM, Inception block,
residual add, shared vision model, VQA, video QA) and 003_7ac5a683e85c67f6.txt (VGG-like CNN,
LSTM and Conv1D sequence classifiers). Training the headline model on dicts with
loss_weights=[1., 0.2] is examples.multi_input_multi_output_fit (test_spec_programs.py), and
Model(inputs=[a1, a2], outputs=[b1, b2, b3]) is functional.model.lists (test_functional.py).

Each builder takes the documented sizes as defaults. At those sizes the tests check shapes and
``count_params`` against the parameter count worked out by hand from the architecture (the
arithmetic is written in the test); training and prediction run the same builder at reduced
sizes on 2-4 samples, so each graph stays cheap. The 001 builders live in
conformance/spec_models.py, shared with test_spec_graph_values.py (the same graphs by value).
"""

from __future__ import annotations

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_array_equal, assert_shape
from conformance.spec_models import (
    build_digit_models,
    build_headline_model,
    build_inception_block,
    build_residual,
    build_vqa_models,
)


def conv_params(kh, kw, channels, filters):
    """Weights of a Conv2D with bias: one kh x kw x channels kernel per filter, plus a bias."""
    return kh * kw * channels * filters + filters


def lstm_params(features, units):
    """Weights of an LSTM with bias: four gates, each with input, recurrent and bias weights."""
    return 4 * (features * units + units * units + units)


def rng_data(seed=0):
    return np.random.default_rng(seed)


# --- 003: VGG-like convnet -------------------------------------------------------------------


def build_vgg_like(keras, image=100):
    layers = keras.layers
    model = keras.models.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(image, image, 3)))
    model.add(layers.Conv2D(32, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Dropout(0.25))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Dropout(0.25))
    model.add(layers.Flatten())
    model.add(layers.Dense(256, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(10, activation="softmax"))
    return model


@pytest.mark.behavior("examples.graphs.vgg_like.shapes")
def test_vgg_like_documented_shapes_and_params(keras):
    model = build_vgg_like(keras)
    # 100 -conv3-> 98 -conv3-> 96 -pool2-> 48 -conv3-> 46 -conv3-> 44 -pool2-> 22
    assert_shape(model.layers[8].output.shape, (None, 22 * 22 * 64), "Flatten output")
    assert_shape(model.output_shape, (None, 10), "model.output_shape")
    expected = (
        conv_params(3, 3, 3, 32) + conv_params(3, 3, 32, 32)
        + conv_params(3, 3, 32, 64) + conv_params(3, 3, 64, 64)
        + (22 * 22 * 64 * 256 + 256) + (256 * 10 + 10)
    )
    assert expected == 7_998_250
    assert model.count_params() == expected, f"count_params: got {model.count_params()}"


@pytest.mark.behavior("examples.graphs.vgg_like.fit")
def test_vgg_like_fits_and_evaluates(keras):
    model = build_vgg_like(keras, image=16)
    x = rng_data().random((4, 16, 16, 3)).astype("float32")
    y = keras.utils.to_categorical(rng_data(1).integers(10, size=(4, 1)), num_classes=10)
    # The source's SGD(lr=0.01, decay=1e-6, ...) spelling is the optimizers area's concern;
    # learning_rate= is accepted by Keras 2 and 3 alike.
    sgd = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
    model.compile(loss="categorical_crossentropy", optimizer=sgd)
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
    score = model.evaluate(x, y, batch_size=2, verbose=0)
    assert np.ndim(score) == 0 and np.isfinite(score), f"evaluate: got {score!r}, a scalar loss"


# --- 003: sequence classifiers ---------------------------------------------------------------


@pytest.mark.behavior("examples.graphs.lstm_classifier")
def test_lstm_sequence_classifier(keras):
    layers = keras.layers
    max_features = 20  # undefined in the source; a small vocabulary
    model = keras.models.Sequential()
    model.add(layers.Embedding(max_features, output_dim=256))
    model.add(layers.LSTM(128))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    x = rng_data().integers(max_features, size=(4, 5))
    y = rng_data(1).integers(2, size=(4, 1))
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)  # traced (tf.function), as documented
    # evaluate and predict run eagerly (documented Model.run_eagerly attribute): the same
    # operations, without two more traces of the LSTM (seconds on tf-keras)
    model.run_eagerly = True
    # The model has no input shape until fit sees data: (batch, timesteps) of word indices.
    assert model.count_params() == max_features * 256 + lstm_params(256, 128) + (128 + 1)
    loss, accuracy = model.evaluate(x, y, batch_size=2, verbose=0)
    assert 0.0 <= accuracy <= 1.0 and np.isfinite(loss)
    assert_shape(model.predict(x, verbose=0).shape, (4, 1), "predict")


def build_conv1d_classifier(keras, seq_length):
    layers = keras.layers
    model = keras.models.Sequential()
    model.add(layers.Conv1D(64, 3, activation="relu", input_shape=(seq_length, 100)))
    model.add(layers.Conv1D(64, 3, activation="relu"))
    model.add(layers.MaxPooling1D(3))
    model.add(layers.Conv1D(128, 3, activation="relu"))
    model.add(layers.Conv1D(128, 3, activation="relu"))
    model.add(layers.GlobalAveragePooling1D())
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(1, activation="sigmoid"))
    return model


@pytest.mark.behavior("examples.graphs.conv1d_classifier")
def test_conv1d_sequence_classifier(keras):
    seq_length = 20  # undefined in the source
    model = build_conv1d_classifier(keras, seq_length)
    # 20 -conv3-> 18 -conv3-> 16 -pool3-> 5 -conv3-> 3 -conv3-> 1 -global avg-> (128,)
    expected_shapes = [(None, 18, 64), (None, 16, 64), (None, 5, 64), (None, 3, 128),
                       (None, 1, 128), (None, 128)]
    for layer, expected in zip(model.layers[:6], expected_shapes, strict=True):
        assert_shape(layer.output.shape, expected, f"{layer.name} output")
    assert_shape(model.output_shape, (None, 1), "model.output_shape")
    expected_params = (
        (3 * 100 * 64 + 64) + (3 * 64 * 64 + 64) + (3 * 64 * 128 + 128)
        + (3 * 128 * 128 + 128) + (128 + 1)
    )
    assert model.count_params() == expected_params == 105_729
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    x = rng_data().random((4, seq_length, 100)).astype("float32")
    y = rng_data(1).integers(2, size=(4, 1))
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    loss, accuracy = model.evaluate(x, y, batch_size=2, verbose=0)
    assert 0.0 <= accuracy <= 1.0 and np.isfinite(loss)


# --- 001: the two-input two-output headline model --------------------------------------------


@pytest.mark.behavior("examples.graphs.headline.shapes")
def test_headline_model_documented_shapes_and_params(keras):
    model = build_headline_model(keras)
    assert_shape(model.inputs[0].shape, (None, 100), "main_input")
    assert_shape(model.inputs[1].shape, (None, 5), "aux_input")
    assert len(model.output_shape) == 2, f"output_shape: got {model.output_shape}"
    for got in model.output_shape:
        assert_shape(got, (None, 1), "model.output_shape")
    expected = (
        10000 * 512            # Embedding
        + lstm_params(512, 32)  # LSTM(32)
        + (32 + 1)              # aux_output Dense(1)
        + ((32 + 5) * 64 + 64) + 2 * (64 * 64 + 64)  # three Dense(64) after concatenate
        + (64 + 1)              # main_output Dense(1)
    )
    assert expected == 5_200_610
    assert model.count_params() == expected, f"count_params: got {model.count_params()}"


# --- 001: shared LSTM over two tweets --------------------------------------------------------


def build_tweet_model(keras, chars=280, vocab=256, units=64):
    layers = keras.layers
    tweet_a = keras.Input(shape=(chars, vocab))
    tweet_b = keras.Input(shape=(chars, vocab))
    shared_lstm = layers.LSTM(units)
    encoded_a = shared_lstm(tweet_a)
    encoded_b = shared_lstm(tweet_b)
    merged_vector = layers.concatenate([encoded_a, encoded_b], axis=-1)
    predictions = layers.Dense(1, activation="sigmoid")(merged_vector)
    model = keras.models.Model(inputs=[tweet_a, tweet_b], outputs=predictions)
    encoders = keras.models.Model(inputs=[tweet_a, tweet_b], outputs=[encoded_a, encoded_b])
    return model, encoders


@pytest.mark.behavior("examples.graphs.shared_lstm.shapes")
def test_shared_lstm_documented_shapes_and_params(keras):
    model, encoders = build_tweet_model(keras)
    for got in encoders.output_shape:
        assert_shape(got, (None, 64), "encoded tweet")
    assert_shape(model.output_shape, (None, 1), "model.output_shape")
    # The LSTM is counted once: both tweets go through the same weights.
    expected = lstm_params(256, 64) + (2 * 64 + 1)
    assert expected == 82_305
    assert model.count_params() == expected, f"count_params: got {model.count_params()}"


@pytest.mark.behavior("examples.graphs.shared_lstm.fit")
def test_shared_lstm_encodes_both_tweets_alike_and_fits(keras, adapter):
    model, encoders = build_tweet_model(keras, chars=6, vocab=8, units=4)
    data_a = rng_data().random((4, 6, 8)).astype("float32")
    data_b = rng_data(1).random((4, 6, 8)).astype("float32")
    # Shared weights: the same tweet gives the same code on either input (models are callable
    # on arrays; a direct call skips predict's tracing).
    encoded_a, encoded_b = adapter.to_numpy(encoders([data_a, data_a]))
    assert_array_equal(encoded_a, encoded_b, what="shared LSTM on equal inputs")
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    labels = rng_data(2).integers(2, size=(4, 1))
    history = model.fit([data_a, data_b], labels, epochs=1, batch_size=2, verbose=0)
    assert len(history.history["loss"]) == 1


# --- 001: Inception block and residual connection --------------------------------------------


@pytest.mark.behavior("examples.graphs.inception.shapes")
def test_inception_block_documented_shapes_and_params(keras):
    model, towers = build_inception_block(keras)
    for tower in towers:
        assert_shape(tower.shape, (None, 256, 256, 64), "tower output")
    # As written, axis=1 stacks the three towers along the rows: 3 * 256 = 768.
    assert_shape(model.output_shape, (None, 768, 256, 64), "concatenate(axis=1)")
    expected = (
        conv_params(1, 1, 3, 64) + conv_params(3, 3, 64, 64)     # tower 1
        + conv_params(1, 1, 3, 64) + conv_params(5, 5, 64, 64)   # tower 2
        + conv_params(1, 1, 3, 64)                               # tower 3, after pooling
    )
    assert expected == 140_160
    assert model.count_params() == expected, f"count_params: got {model.count_params()}"


@pytest.mark.behavior("examples.graphs.inception.predict")
def test_inception_block_predicts_stacked_towers(keras):
    model, _ = build_inception_block(keras, size=5)
    x = rng_data().random((2, 5, 5, 3)).astype("float32")
    assert_shape(model.predict(x, verbose=0).shape, (2, 15, 5, 64), "predict, 5x5 images")


@pytest.mark.behavior("examples.graphs.residual_add")
def test_residual_add_returns_input_plus_conv(keras):
    model = build_residual(keras)
    for got in model.output_shape:
        assert_shape(got, (None, 256, 256, 3), "conv and sum")
    assert model.count_params() == conv_params(3, 3, 3, 3) == 84
    small = build_residual(keras, size=4)
    x = rng_data().random((2, 4, 4, 3)).astype("float32")
    y, z = small.predict(x, verbose=0)
    # One float32 addition per element: exact up to the last bit of rounding.
    assert_allclose(z, x + y, rtol=1e-6, atol=1e-7, what="add([x, y]) vs x + y")


# --- 001: shared vision model (MNIST digits) -------------------------------------------------


@pytest.mark.behavior("examples.graphs.shared_vision.shapes")
def test_shared_vision_model_documented_shapes_and_params(keras):
    vision_model, classification_model = build_digit_models(keras)
    # 27 -conv3-> 25 -conv3-> 23 -pool2-> 11: 11 * 11 * 64 features per digit
    assert_shape(vision_model.output_shape, (None, 11 * 11 * 64), "vision_model.output_shape")
    assert_shape(classification_model.output_shape, (None, 1), "classification output")
    vision = conv_params(3, 3, 1, 64) + conv_params(3, 3, 64, 64)
    assert vision_model.count_params() == vision == 37_568
    # The vision model is counted once: both digits go through the same weights.
    expected = vision + (2 * 7744 + 1)
    assert classification_model.count_params() == expected == 53_057


@pytest.mark.behavior("examples.graphs.shared_vision.fit")
def test_shared_vision_model_fits(keras):
    vision_model, classification_model = build_digit_models(keras)
    classification_model.compile(optimizer="rmsprop", loss="binary_crossentropy")
    digits_a = rng_data().random((4, 27, 27, 1)).astype("float32")
    digits_b = rng_data(1).random((4, 27, 27, 1)).astype("float32")
    labels = rng_data(2).integers(2, size=(4, 1))
    history = classification_model.fit([digits_a, digits_b], labels, epochs=1, batch_size=2,
                                       verbose=0)
    assert len(history.history["loss"]) == 1
    predictions = classification_model.predict([digits_a, digits_b], verbose=0)
    assert_shape(predictions.shape, (4, 1), "predict")


# --- 001: visual question answering, on images and on video ----------------------------------


# 224 -same-> 224 -valid-> 222 -pool-> 111 -same-> 111 -valid-> 109 -pool-> 54
#     -same-> 54 -valid-> 52 -valid-> 50 -pool-> 25: 25 * 25 * 256 = 160000 features per image
VISION_PARAMS = (
    conv_params(3, 3, 3, 64) + conv_params(3, 3, 64, 64)
    + conv_params(3, 3, 64, 128) + conv_params(3, 3, 128, 128)
    + conv_params(3, 3, 128, 256) + 2 * conv_params(3, 3, 256, 256)
)
QUESTION_ENCODER_PARAMS = 10000 * 256 + lstm_params(256, 256)


@pytest.fixture(scope="module")
def documented_vqa(keras):
    # Built once for both tests: the full-size models hold ~330M weights (seconds to allocate).
    return build_vqa_models(keras)


@pytest.mark.behavior("examples.graphs.vqa.shapes")
def test_vqa_documented_shapes_and_params(documented_vqa):
    m = documented_vqa
    assert_shape(m.encoded_image.shape, (None, 160000), "encoded_image")
    assert_shape(m.encoded_question.shape, (None, 256), "encoded_question")
    assert_shape(m.vqa.output_shape, (None, 1000), "vqa_model.output_shape")
    assert m.vision.count_params() == VISION_PARAMS == 1_735_488
    expected = VISION_PARAMS + QUESTION_ENCODER_PARAMS + ((256 + 160000) * 1000 + 1000)
    assert expected == 165_077_800
    assert m.vqa.count_params() == expected, f"count_params: got {m.vqa.count_params()}"


@pytest.mark.behavior("examples.graphs.video_qa.shapes")
def test_video_qa_documented_shapes_and_params(documented_vqa):
    m = documented_vqa
    assert_shape(m.encoded_frames.shape, (None, 100, 160000), "TimeDistributed(vision_model)")
    assert_shape(m.encoded_video.shape, (None, 256), "encoded_video")
    assert_shape(m.video_qa.output_shape, (None, 1000), "video_qa_model.output_shape")
    # The vision model and question encoder are reused, so their weights count once.
    expected = (VISION_PARAMS + QUESTION_ENCODER_PARAMS + lstm_params(160000, 256)
                + ((256 + 256) * 1000 + 1000))
    assert expected == 169_436_968
    got = m.video_qa.count_params()
    assert got == expected, f"count_params: got {got}"


# The smallest image the vision model accepts: 30 -> 30 -> 28 -> 14 -> 14 -> 12 -> 6 -> 6 -> 4
# -> 2 -> 1, so each image (and frame) is encoded into 1 * 1 * 256 features.
SMALL_VQA = dict(image=30, vocab=20, question=6, embed=8, units=8, answers=10, frames=3)


def small_vqa_inputs():
    rng = rng_data()
    questions = rng.integers(1, SMALL_VQA["vocab"], size=(2, 6)).astype("int32")
    images = rng.random((2, 30, 30, 3)).astype("float32")
    videos = rng.random((2, 3, 30, 30, 3)).astype("float32")
    return questions, images, videos


def check_answers(answers, what):
    __tracebackhide__ = True
    assert_shape(answers.shape, (2, SMALL_VQA["answers"]), what)
    # softmax rows sum to 1 within float32 rounding over 10 terms
    assert_allclose(answers.sum(axis=1), np.ones(2), rtol=1e-5, atol=1e-6,
                    what=f"{what}: softmax rows")


@pytest.fixture(scope="module")
def small_vqa(keras):
    # One build serves both predict tests: the builder makes the VQA and video QA models
    # together (they share the vision model and the question encoder); each test predicts with
    # its own model, so neither sees the other's calls.
    return build_vqa_models(keras, **SMALL_VQA)


@pytest.mark.behavior("examples.graphs.vqa.predict")
def test_vqa_predicts_an_answer_distribution(small_vqa):
    questions, images, _ = small_vqa_inputs()
    model = small_vqa.vqa
    check_answers(model.predict([images, questions], verbose=0), "vqa_model.predict")


@pytest.mark.behavior("examples.graphs.video_qa.predict")
def test_video_qa_predicts_an_answer_distribution(small_vqa):
    questions, _, videos = small_vqa_inputs()
    model = small_vqa.video_qa
    check_answers(model.predict([videos, questions], verbose=0), "video_qa_model.predict")
