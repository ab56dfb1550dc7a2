"""Saving and restoring models: config, JSON, YAML, HDF5 weights and whole models.

Spec source: 002 §2.3.2 (get_config / from_config), §2.3.4 (to_json / model_from_json),
§2.3.5 (to_yaml / model_from_yaml), §2.3.6 (save_weights / load_weights(by_name)), §2.3.7
(save / load_model, HDF5). A round trip is checked by what it must preserve: the architecture
(layer classes, names and configs, shapes) and, where weights travel, identical predictions.
"""

import json

import h5py
import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_shape

X = np.random.default_rng(0).uniform(-1, 1, size=(5, 4)).astype("float32")


def _sequential(keras):
    layers = keras.layers
    return keras.models.Sequential([
        layers.Dense(8, activation="relu", input_shape=(4,), name="hidden"),
        layers.Dense(3, activation="softmax", name="probs"),
    ])


def _functional(keras):
    layers = keras.layers
    inputs = layers.Input(shape=(4,), name="features")
    hidden = layers.Dense(8, activation="tanh", name="hidden")(inputs)
    left = layers.Dense(2, name="left")(hidden)
    right = layers.Dense(2, name="right")(hidden)
    merged = layers.concatenate([left, right], name="merged")
    return keras.models.Model(inputs=inputs, outputs=merged)


BUILDERS = {"sequential": _sequential, "functional": _functional}


def _architecture(model) -> list:
    """What a structure-only round trip must keep: each layer's class, name and output size."""
    return [(type(layer).__name__, layer.name, _last_dim(layer)) for layer in model.layers]


def _last_dim(layer):
    return tuple(layer.output.shape)[-1]


def _same_architecture(restored, original, what: str) -> None:
    __tracebackhide__ = True
    assert _architecture(restored) == _architecture(original), (
        f"layers: got {_architecture(restored)}, expected {_architecture(original)} [{what}]")
    assert_shape(restored.output_shape, original.output_shape, what)


@pytest.mark.behavior("models.serialization.config_round_trip")
@pytest.mark.parametrize("kind", BUILDERS)
def test_from_config_rebuilds_the_architecture(keras, kind):
    model = BUILDERS[kind](keras)
    config = model.get_config()
    assert isinstance(config, dict), f"get_config() returned {type(config).__name__}, not dict"
    cls = keras.models.Sequential if kind == "sequential" else keras.models.Model
    restored = cls.from_config(config)
    _same_architecture(restored, model, f"{cls.__name__}.from_config(model.get_config())")
    assert restored.count_params() == model.count_params()


@pytest.mark.behavior("models.serialization.json_round_trip")
@pytest.mark.parametrize("kind", BUILDERS)
def test_model_from_json_rebuilds_the_architecture_without_weights(keras, kind):
    model = BUILDERS[kind](keras)
    text = model.to_json()
    document = json.loads(text)  # it is JSON
    assert "class_name" in document and "config" in document, sorted(document)
    restored = keras.models.model_from_json(text)
    _same_architecture(restored, model, "model_from_json(model.to_json())")
    # structure only: the restored model has fresh weights of the same shapes
    assert [w.shape for w in restored.get_weights()] == [w.shape for w in model.get_weights()]


@pytest.mark.behavior("models.serialization.yaml_round_trip")
def test_model_from_yaml_rebuilds_the_architecture(keras):
    model = _sequential(keras)
    text = model.to_yaml()
    restored = keras.models.model_from_yaml(text)
    _same_architecture(restored, model, "model_from_yaml(model.to_yaml())")


@pytest.mark.behavior("models.serialization.save_weights_hdf5")
@pytest.mark.parametrize("kind", BUILDERS)
def test_save_weights_writes_hdf5_that_load_weights_restores(keras, kind, tmp_path):
    model = BUILDERS[kind](keras)
    path = tmp_path / "my_model_weights.h5"
    model.save_weights(str(path))
    assert h5py.is_hdf5(path), "save_weights('...h5') did not write an HDF5 file"
    fresh = BUILDERS[kind](keras)
    fresh.load_weights(str(path))
    for got, expected in zip(fresh.get_weights(), model.get_weights(), strict=True):
        assert_allclose(got, expected, rtol=0, atol=0, what="weights after load_weights")
    assert_allclose(fresh.predict(X, verbose=0), model.predict(X, verbose=0), rtol=0, atol=0,
                    what="predict after load_weights")


@pytest.mark.behavior("models.serialization.load_weights_by_name")
def test_load_weights_by_name_fills_only_layers_with_matching_names(keras, tmp_path):
    layers = keras.layers
    source = _sequential(keras)  # layers 'hidden' (4->8) and 'probs' (8->3)
    path = tmp_path / "weights.h5"
    source.save_weights(str(path))
    target = keras.models.Sequential([
        layers.Dense(8, input_shape=(4,), name="hidden"),   # same name and shapes
        layers.Dense(5, name="other_head"),                 # no layer of this name saved
    ])
    untouched = target.get_layer("other_head").get_weights()
    target.load_weights(str(path), by_name=True)
    for got, expected in zip(target.get_layer("hidden").get_weights(),
                             source.get_layer("hidden").get_weights(), strict=True):
        assert_allclose(got, expected, rtol=0, atol=0, what="'hidden' loaded by name")
    for got, expected in zip(target.get_layer("other_head").get_weights(), untouched,
                             strict=True):
        assert_allclose(got, expected, rtol=0, atol=0, what="'other_head' left alone")


@pytest.mark.behavior("models.serialization.save_load_model_hdf5")
def test_load_model_returns_the_same_compiled_model(keras, tmp_path):
    model = _sequential(keras)
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    y = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1]]
    model.fit(X, y, epochs=1, verbose=0)
    path = tmp_path / "my_model.h5"
    model.save(str(path))
    assert h5py.is_hdf5(path), "model.save('my_model.h5') did not write an HDF5 file"
    restored = keras.models.load_model(str(path))
    _same_architecture(restored, model, "load_model(model.save(...))")
    assert_allclose(restored.predict(X, verbose=0), model.predict(X, verbose=0), rtol=0, atol=0,
                    what="predict after load_model")
    # "returns a compiled model": it evaluates without compile() and agrees with the original
    assert_allclose(restored.evaluate(X, y, verbose=0), model.evaluate(X, y, verbose=0),
                    rtol=1e-6, atol=1e-7, what="evaluate after load_model")


@pytest.mark.behavior("models.serialization.save_load_model_loss_object")
def test_load_model_keeps_a_loss_object_with_its_arguments(keras, adapter, tmp_path):
    # A Loss object's arguments change the value: logits (a linear output) with from_logits
    # and label smoothing. Lost arguments, or the plain function in their place, differ.
    layers = keras.layers
    model = keras.models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, name="logits")])
    loss = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)
    model.compile(optimizer="sgd", loss=loss)
    y = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1]]
    path = tmp_path / "loss_object.h5"
    model.save(str(path))
    restored = keras.models.load_model(str(path))
    expected = model.evaluate(X, y, verbose=0)
    assert_allclose(restored.evaluate(X, y, verbose=0), expected, rtol=1e-6, atol=1e-7,
                    what="evaluate after load_model of a model compiled with "
                         "CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)")
    logits = model.predict(X, verbose=0)
    plain = float(np.mean(adapter.to_numpy(keras.losses.categorical_crossentropy(
        adapter.to_tensor(y), adapter.to_tensor(logits)))))
    assert abs(expected - plain) > 1e-3, "the loss object's arguments made no difference"
