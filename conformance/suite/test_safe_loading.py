"""Loading models from files written by real Keras 2 (fixtures/h5/, recorded by tf-keras 2.21
with fixtures/record_h5.py), and what loading does with what it cannot or must not rebuild: an
unknown layer class, a Lambda carrying Python bytecode, a missing or damaged file.

Sources: keras.io/2.x/api/models/model_saving_apis (load_model, model_from_json), the Keras 2
FAQ "Handling custom layers (or other custom objects) in saved models" (custom_objects), the
tf-keras 2.x load_model docstring (IOError for an invalid save file) and the tf-keras 2.13+
Lambda layer (bytecode refused unless safe_mode=False).
"""

import shutil

import h5py
import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose


def _fixture(name):
    case = golden.case("h5", name)
    return case, golden.fixtures_dir() / case["file"]


def _one(arrays):
    return arrays[0] if len(arrays) == 1 else list(arrays)


@pytest.mark.behavior("models.loading.h5_from_tf_keras")
@pytest.mark.parametrize("name", ["sequential_compiled", "functional_two_outputs"])
def test_a_tf_keras_h5_model_loads_compiled_with_its_metrics(keras, name, tmp_path):
    case, path = _fixture(name)
    copy = tmp_path / path.name  # the fixture stays read-only
    shutil.copyfile(path, copy)
    model = keras.models.load_model(str(copy))
    assert list(model.metrics_names)[:1] == ["loss"], f"metrics_names {model.metrics_names}"
    x, y = _one(case.input("x")), _one(case.input("y"))
    got = model.evaluate(x, y, batch_size=8, verbose=0)
    assert list(model.metrics_names) == case["metrics_names"], (
        f"metrics_names after load_model: {model.metrics_names}, tf-keras: "
        f"{case['metrics_names']}")
    assert_allclose(np.atleast_1d(got), case.expected["evaluate"], rtol=case.rtol,
                    atol=case.atol, what=f"evaluate after load_model({path.name})")
    predicted = model.predict(x, verbose=0)
    predicted = predicted if isinstance(predicted, list) else [predicted]
    for index, (got_out, expected) in enumerate(zip(predicted, case.expected["predict"],
                                                    strict=True)):
        assert_allclose(got_out, expected, rtol=case.rtol, atol=case.atol,
                        what=f"predict output {index} after load_model({path.name})")


def _model_with_a_custom_layer(keras):
    """A model with a layer class of the user's (the FAQ's case): its JSON, and the class."""

    class Doubler(keras.layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    model = keras.models.Sequential([
        keras.layers.Dense(2, input_shape=(3,), kernel_initializer="ones", name="first"),
        Doubler(name="doubler"),
    ])
    return model, model.to_json(), Doubler


def _load(keras, tmp_path, model, text, how, **kwargs):
    if how == "json":
        return keras.models.model_from_json(text, **kwargs)
    path = tmp_path / "model.h5"
    model.save(str(path))
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = text
    return keras.models.load_model(str(path), **kwargs)


@pytest.mark.behavior("models.loading.unknown_layer_is_a_value_error")
@pytest.mark.parametrize("how", ["json", "h5"])
def test_an_unknown_layer_class_is_a_value_error_naming_it(keras, tmp_path, how):
    model, text, _ = _model_with_a_custom_layer(keras)
    # loading (json or h5) a model with a custom layer class 'Doubler', no custom_objects
    with pytest.raises(ValueError) as info:
        _load(keras, tmp_path, model, text, how)
    assert "Doubler" in str(info.value), f"the message does not name the class: {info.value}"


@pytest.mark.behavior("models.loading.custom_objects")
@pytest.mark.parametrize("how", ["json", "h5"])
def test_custom_objects_resolve_a_class_name(keras, tmp_path, how):
    model, text, doubler = _model_with_a_custom_layer(keras)
    loaded = _load(keras, tmp_path, model, text, how, custom_objects={"Doubler": doubler})
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Doubler"], (
        f"layers: {loaded.layers}")
    if how == "json":  # the JSON holds no weights
        loaded.set_weights(model.get_weights())
    x = np.ones((2, 3), "float32")
    assert_allclose(loaded.predict(x, verbose=0), np.full((2, 2), 6.0), rtol=1e-6, atol=1e-6,
                    what="predict of the loaded model (ones kernel, zero bias, doubled)")


@pytest.mark.behavior("models.loading.lambda_bytecode_refused")
def test_model_from_json_refuses_a_lambdas_bytecode(keras):
    _, path = _fixture("lambda_bytecode")
    with h5py.File(path, "r") as f:
        text = f.attrs["model_config"]
    text = text.decode() if isinstance(text, bytes) else str(text)
    assert '"function_type": "lambda"' in text, "the fixture holds no lambda bytecode"
    with pytest.raises(ValueError) as info:
        keras.models.model_from_json(text)
    assert "safe_mode" in str(info.value), (
        f"the message does not say how to opt in: {info.value}")


@pytest.mark.behavior("models.loading.missing_file_is_an_io_error")
def test_load_model_of_a_missing_file_is_an_io_error(keras, tmp_path):
    with pytest.raises(OSError):
        keras.models.load_model(str(tmp_path / "no_such_model.h5"))


@pytest.mark.behavior("models.loading.damaged_file_is_an_io_error")
@pytest.mark.parametrize("keep", [0, 100, 2000])
def test_load_model_of_a_truncated_file_is_an_io_error(keras, tmp_path, keep):
    _, path = _fixture("sequential_compiled")
    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(OSError):  # the first `keep` bytes of an .h5 file
        keras.models.load_model(str(damaged))
