"""The spec sources' functional-API graphs (001_501f18418165f02c.txt), built as written.

Each builder takes the documented sizes as defaults and smaller ones as arguments, so the same
code gives the documented shapes and parameter counts (conformance/suite/test_spec_graphs.py)
and the small models whose predictions and training step are pinned by value
(conformance/suite/test_spec_graph_values.py, golden data from fixtures/record_training.py).
``seeded_weights`` gives every implementation, and the recorder, the same weights.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np


def seeded_weights(shapes, seed):
    """Deterministic float32 weights for ``model.get_weights()``-ordered ``shapes``.

    Kernels (ndim >= 2) are uniform in +-sqrt(3 / fan_in) (unit variance per pre-activation for
    unit-variance inputs: no unit saturates or dies wholesale); vectors (biases) are uniform
    in +-0.1, so that they matter without dominating."""
    rng = np.random.default_rng(seed)
    weights = []
    for shape in shapes:
        shape = tuple(int(d) for d in shape)
        if len(shape) >= 2:
            limit = math.sqrt(3.0 / math.prod(shape[:-1]))
        else:
            limit = 0.1
        weights.append(rng.uniform(-limit, limit, shape).astype("float32"))
    return weights


def build_headline_model(keras, vocab=10000, length=100, embed=512):
    """The 001 headline model: sizes as documented (vocabulary 10000, 100 words, 512-d)."""
    layers = keras.layers
    main_input = keras.Input(shape=(length,), dtype="int32", name="main_input")
    x = layers.Embedding(output_dim=embed, input_dim=vocab, input_length=length)(main_input)
    lstm_out = layers.LSTM(32)(x)
    auxiliary_output = layers.Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    auxiliary_input = keras.Input(shape=(5,), name="aux_input")
    x = layers.concatenate([lstm_out, auxiliary_input])
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dense(64, activation="relu")(x)
    main_output = layers.Dense(1, activation="sigmoid", name="main_output")(x)
    return keras.models.Model(inputs=[main_input, auxiliary_input],
                              outputs=[main_output, auxiliary_output])


def build_inception_block(keras, size=256):
    layers = keras.layers
    input_img = keras.Input(shape=(size, size, 3))
    tower_1 = layers.Conv2D(64, (1, 1), padding="same", activation="relu")(input_img)
    tower_1 = layers.Conv2D(64, (3, 3), padding="same", activation="relu")(tower_1)
    tower_2 = layers.Conv2D(64, (1, 1), padding="same", activation="relu")(input_img)
    tower_2 = layers.Conv2D(64, (5, 5), padding="same", activation="relu")(tower_2)
    tower_3 = layers.MaxPooling2D((3, 3), strides=(1, 1), padding="same")(input_img)
    tower_3 = layers.Conv2D(64, (1, 1), padding="same", activation="relu")(tower_3)
    output = layers.concatenate([tower_1, tower_2, tower_3], axis=1)
    return keras.models.Model(input_img, output), (tower_1, tower_2, tower_3)


def build_residual(keras, size=256):
    x = keras.Input(shape=(size, size, 3))
    y = keras.layers.Conv2D(3, (3, 3), padding="same")(x)
    z = keras.layers.add([x, y])
    return keras.models.Model(x, [y, z])


def build_digit_models(keras, filters=64):
    """The 001 shared vision model (documented: 64 filters) and the classifier over two digits."""
    layers = keras.layers
    digit_input = keras.Input(shape=(27, 27, 1))
    x = layers.Conv2D(filters, (3, 3))(digit_input)
    x = layers.Conv2D(filters, (3, 3))(x)
    x = layers.MaxPooling2D((2, 2))(x)
    out = layers.Flatten()(x)
    vision_model = keras.models.Model(digit_input, out)
    digit_a = keras.Input(shape=(27, 27, 1))
    digit_b = keras.Input(shape=(27, 27, 1))
    out_a = vision_model(digit_a)
    out_b = vision_model(digit_b)
    concatenated = layers.concatenate([out_a, out_b])
    out = layers.Dense(1, activation="sigmoid")(concatenated)
    return vision_model, keras.models.Model([digit_a, digit_b], out)


def build_vqa_models(keras, image=224, vocab=10000, question=100, embed=256, units=256,
                     answers=1000, frames=100):
    """The VQA model and, reusing its vision model and question encoder, the video-QA model."""
    layers = keras.layers
    vision_model = keras.models.Sequential()
    vision_model.add(layers.Conv2D(64, (3, 3), activation="relu", padding="same",
                                   input_shape=(image, image, 3)))
    vision_model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    vision_model.add(layers.MaxPooling2D((2, 2)))
    vision_model.add(layers.Conv2D(128, (3, 3), activation="relu", padding="same"))
    vision_model.add(layers.Conv2D(128, (3, 3), activation="relu"))
    vision_model.add(layers.MaxPooling2D((2, 2)))
    vision_model.add(layers.Conv2D(256, (3, 3), activation="relu", padding="same"))
    vision_model.add(layers.Conv2D(256, (3, 3), activation="relu"))
    vision_model.add(layers.Conv2D(256, (3, 3), activation="relu"))
    vision_model.add(layers.MaxPooling2D((2, 2)))
    vision_model.add(layers.Flatten())

    image_input = keras.Input(shape=(image, image, 3))
    encoded_image = vision_model(image_input)
    question_input = keras.Input(shape=(question,), dtype="int32")
    embedded_question = layers.Embedding(input_dim=vocab, output_dim=embed,
                                         input_length=question)(question_input)
    encoded_question = layers.LSTM(units)(embedded_question)
    merged = layers.concatenate([encoded_question, encoded_image])
    output = layers.Dense(answers, activation="softmax")(merged)
    vqa_model = keras.models.Model(inputs=[image_input, question_input], outputs=output)

    video_input = keras.Input(shape=(frames, image, image, 3))
    encoded_frame_sequence = layers.TimeDistributed(vision_model)(video_input)
    encoded_video = layers.LSTM(units)(encoded_frame_sequence)
    question_encoder = keras.models.Model(inputs=question_input, outputs=encoded_question)
    video_question_input = keras.Input(shape=(question,), dtype="int32")
    encoded_video_question = question_encoder(video_question_input)
    merged = layers.concatenate([encoded_video, encoded_video_question])
    output = layers.Dense(answers, activation="softmax")(merged)
    video_qa_model = keras.models.Model(inputs=[video_input, video_question_input],
                                        outputs=output)
    return SimpleNamespace(vision=vision_model, vqa=vqa_model, video_qa=video_qa_model,
                           encoded_image=encoded_image, encoded_question=encoded_question,
                           encoded_frames=encoded_frame_sequence, encoded_video=encoded_video)


def seeded_arrays(specs, seed):
    """Arrays from ``specs``, a list of ``(kind, shape, n)`` drawn from integers only (NumPy's
    integer streams are the stable ones), so that the recorder and every test get the same:

    - ``pixels``: float32 in [0, 1], multiples of 1/255 (image data);
    - ``normal``: float32 in [-2, 2), multiples of 1/64, spread like a unit normal's bulk;
    - ``words``: int32 indices in [1, n) (0 is left out, the conventional padding index);
    - ``binary``: float32 0/1 labels; ``onehot``: float32 one-hot rows over n classes (the
      last axis of ``shape`` is n)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for kind, shape, n in specs:
        shape = tuple(shape)
        if kind == "pixels":
            arrays.append((rng.integers(0, 256, shape) / 255).astype("float32"))
        elif kind == "normal":
            arrays.append((rng.integers(-128, 128, shape) / 64).astype("float32"))
        elif kind == "words":
            arrays.append(rng.integers(1, n, shape).astype("int32"))
        elif kind == "binary":
            arrays.append(rng.integers(0, 2, shape).astype("float32"))
        elif kind == "onehot":
            arrays.append(np.eye(n, dtype="float32")[rng.integers(0, n, shape[:-1])])
        else:
            raise ValueError(f"unknown array kind {kind!r}")
    return arrays


PROBE = 128


def strided_probe(array, count=PROBE):
    """At most ``count`` values of ``array``, an even stride through its flattened values: how
    the golden data pins large outputs and weights without storing them whole."""
    flat = np.asarray(array).ravel()
    return flat[::max(1, -(-flat.size // count))]


SMALL_VQA = dict(image=30, vocab=20, question=6, embed=8, units=8, answers=10, frames=3)


def build_small_graph(keras, name):
    """The 001 graph ``name`` at the reduced sizes whose values fixtures/spec_graphs.json pins:
    the documented layers, filters and units on smaller inputs."""
    if name == "headline":
        return build_headline_model(keras, vocab=30, length=6, embed=8)
    if name == "inception":
        return build_inception_block(keras, size=3)[0]
    if name == "residual":
        return build_residual(keras, size=4)
    if name == "shared_vision":
        return build_digit_models(keras)[1]
    if name == "vqa":
        return build_vqa_models(keras, **SMALL_VQA).vqa
    if name == "video_qa":
        return build_vqa_models(keras, **SMALL_VQA).video_qa
    raise ValueError(f"unknown graph {name!r}")
