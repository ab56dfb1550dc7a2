"""The reference's loaders never run code from a file and fail cleanly on anything malformed.

- Safe mode: a Lambda carrying bytecode (tf-keras 2 writes it into JSON and HDF5) is refused
  by model_from_json / model_from_yaml / load_model unless the caller passes safe_mode=False
  (the argument of tf-keras 2.13+ and Keras 3's load_model); a YAML document with Python tags
  is refused whatever the caller passes (YAML is read with yaml.safe_load only).
- Fuzzing (hypothesis): arbitrary JSON documents, valid model configs with one part deleted or
  replaced (wrong types, missing keys, huge or negative sizes), truncated or corrupted HDF5
  files and HDF5 files with attributes or datasets removed or replaced. Every failure is a
  ModelLoadError (a ValueError and an OSError) with a one-line message; no other exception
  escapes and nothing is allocated for a huge size.
"""

from __future__ import annotations

import json
import shutil
import sys

import h5py
import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import reference_impl as keras
from conformance import golden
from reference_impl.engine import saving
from reference_impl.engine.saving import ModelLoadError

# -- models to start from --------------------------------------------------------------------


def _sequential():
    model = keras.models.Sequential([
        keras.layers.Dense(3, activation="relu", input_shape=(4,), name="hidden"),
        keras.layers.Dense(2, activation="softmax", name="probs"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def _functional():
    a = keras.layers.Input(shape=(3,), name="a")
    b = keras.layers.Input(shape=(2,), name="b")
    merged = keras.layers.concatenate([a, b])
    out = keras.layers.Dense(1, name="out")(keras.layers.Dense(4, name="mid")(merged))
    model = keras.models.Model([a, b], out)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


DOCUMENTS = {"sequential": json.loads(_sequential().to_json()),
             "functional": json.loads(_functional().to_json())}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A model file written by the reference and one written by tf-keras 2.21."""
    directory = tmp_path_factory.mktemp("saved")
    path = directory / "reference.h5"
    _sequential().save(str(path))
    return {"reference": path,
            "tf-keras": golden.fixtures_dir() / golden.case("h5", "sequential_compiled")["file"]}


def _assert_one_line(error):
    text = str(error)
    assert text.strip(), f"{type(error).__name__} without a message"
    assert "\n" not in text, f"the message is not one line: {text!r}"


def _loads_or_fails_cleanly(load):
    """``load()`` returns a model or raises ModelLoadError with a one-line message; any other
    exception fails the test."""
    try:
        model = load()
    except ModelLoadError as error:
        _assert_one_line(error)
        assert isinstance(error, ValueError) and isinstance(error, OSError)
        return None
    assert model is not None
    return model


# -- safe mode --------------------------------------------------------------------------------
LAMBDA = golden.fixtures_dir() / "h5" / "lambda_bytecode.h5"


def _lambda_json() -> str:
    with h5py.File(LAMBDA, "r") as f:
        text = f.attrs["model_config"]
    return text.decode() if isinstance(text, bytes) else str(text)


def test_lambda_bytecode_in_a_tf_keras_h5_file_is_refused_by_default(monkeypatch, saved):
    import marshal

    # every module the loaders import lazily is imported now, before marshal is watched
    keras.models.load_model(str(saved["tf-keras"]))
    with pytest.raises(ModelLoadError):
        keras.models.load_model(str(LAMBDA))

    def refuse(*args, **kwargs):
        raise AssertionError("marshal.loads was called: bytecode from the file was loaded")

    monkeypatch.setattr(marshal, "loads", refuse)
    with pytest.raises(ModelLoadError, match="safe_mode=False") as info:
        keras.models.load_model(str(LAMBDA))
    _assert_one_line(info.value)
    with pytest.raises(ModelLoadError, match="safe_mode=False"):
        keras.models.model_from_json(_lambda_json())


def test_lambda_bytecode_in_yaml_is_refused_by_default():
    text = yaml.safe_dump(json.loads(_lambda_json()))
    with pytest.raises(ModelLoadError, match="safe_mode=False"):
        keras.models.model_from_yaml(text)


def test_keras3_lambda_objects_are_refused_too():
    document = json.loads(_lambda_json())
    for layer in document["config"]["layers"]:
        if layer["class_name"] == "Lambda":
            layer["config"]["function"] = {"class_name": "__lambda__",
                                           "config": {"code": "AAAA", "defaults": None,
                                                      "closure": None}}
            layer["config"].pop("function_type")
    with pytest.raises(ModelLoadError, match="safe_mode=False"):
        keras.models.model_from_json(json.dumps(document))


def test_safe_mode_false_is_the_explicit_opt_in():
    if not hasattr(keras.layers, "Lambda"):
        pytest.skip("this reference has no Lambda layer yet")
    recorded = golden.load("h5").provenance["python"]
    if not sys.version.startswith(recorded.rsplit(".", 1)[0] + "."):
        pytest.skip(f"the fixture's bytecode is from Python {recorded}")
    case = golden.case("h5", "lambda_bytecode")
    model = keras.models.load_model(str(LAMBDA), safe_mode=False)
    x = case.input("x")[0]
    np.testing.assert_allclose(model.predict(x, verbose=0), case.expected["predict"][0],
                               rtol=case.rtol, atol=case.atol)


@pytest.mark.parametrize("payload", [
    "!!python/object/apply:os.system ['touch {sentinel}']",
    "class_name: !!python/object/apply:os.system ['touch {sentinel}']\nconfig: {{}}\n",
    "!!python/name:os.system",
    "!!python/object/new:subprocess.Popen [['touch', '{sentinel}']]",
])
@pytest.mark.parametrize("safe_mode", [True, False])
def test_yaml_python_tags_are_never_constructed(tmp_path, payload, safe_mode):
    sentinel = tmp_path / "executed"
    with pytest.raises(ModelLoadError, match="never built from YAML") as info:
        keras.models.model_from_yaml(payload.format(sentinel=sentinel), safe_mode=safe_mode)
    _assert_one_line(info.value)
    assert not sentinel.exists(), "code from the YAML document ran"


# -- fuzzing: JSON and YAML documents ---------------------------------------------------------
HUGE = st.sampled_from([2**31, 2**40, 2**62, 10**30, -(2**40)])
SIZES = st.one_of(st.integers(-3, 6), st.integers(2**20, 2**27), HUGE)
SCALARS = st.one_of(st.none(), st.booleans(), SIZES, st.floats(allow_nan=True),
                    st.text(max_size=8), st.sampled_from(["Dense", "Sequential", "Functional",
                                                          "InputLayer", "Lambda", "relu"]))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(
                                   ["class_name", "config", "name", "layers", "units",
                                    "inbound_nodes", "input_layers", "output_layers",
                                    "batch_input_shape", "activation", "x"]), children,
                                   max_size=4)),
    max_leaves=12)


@given(document=JSON_VALUES)
def test_any_json_document_loads_or_fails_cleanly(document):
    _loads_or_fails_cleanly(lambda: keras.models.model_from_json(json.dumps(document)))


@given(text=st.one_of(st.text(max_size=40), st.binary(max_size=40)))
def test_any_text_loads_or_fails_cleanly(text):
    _loads_or_fails_cleanly(lambda: keras.models.model_from_json(text))
    _loads_or_fails_cleanly(lambda: keras.models.model_from_yaml(text))


def _paths(value, path=()):
    """Every path (tuple of keys/indices) into a JSON-like document."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*path, index))


def _mutate(document, path, action, value):
    document = json.loads(json.dumps(document))
    if not path:
        return value
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return document


@st.composite
def mutated_documents(draw):
    name = draw(st.sampled_from(sorted(DOCUMENTS)), label="model")
    document = DOCUMENTS[name]
    path = draw(st.sampled_from(list(_paths(document))), label="path")
    action = draw(st.sampled_from(["delete", "replace"]) if path else st.just("replace"),
                  label="action")
    value = draw(JSON_VALUES, label="value") if action == "replace" else None
    return _mutate(document, path, action, value)


@given(document=mutated_documents())
def test_a_damaged_model_config_loads_or_fails_cleanly(document):
    text = json.dumps(document)
    _loads_or_fails_cleanly(lambda: keras.models.model_from_json(text))
    _loads_or_fails_cleanly(lambda: keras.models.model_from_yaml(yaml.safe_dump(document)))


@pytest.mark.parametrize("units", [2**31, 2**40, 2**28, -(2**33)])
def test_huge_sizes_are_refused_before_allocating(units):
    document = json.loads(json.dumps(DOCUMENTS["sequential"]))
    document["config"]["layers"][-1]["config"]["units"] = units
    with pytest.raises(ModelLoadError, match="larger") as info:
        keras.models.model_from_json(json.dumps(document))
    _assert_one_line(info.value)


def test_deeply_nested_documents_fail_cleanly():
    _loads_or_fails_cleanly(lambda: keras.models.model_from_json("[" * 100_000 + "]" * 100_000))
    depth = 3000  # Sequential models nested deeper than Python's recursion limit
    nested = ('{"class_name": "Sequential", "config": {"layers": [' * depth
              + '{"class_name": "Dense", "config": {"units": 1}}' + "]}}" * depth)
    _loads_or_fails_cleanly(lambda: keras.models.model_from_json(nested))


# -- fuzzing: HDF5 files ----------------------------------------------------------------------
@given(data=st.data())
def test_a_truncated_h5_file_fails_cleanly(saved, tmp_path_factory, data):
    source = saved[data.draw(st.sampled_from(sorted(saved)), label="file")]
    raw = source.read_bytes()
    keep = data.draw(st.integers(0, len(raw) - 1), label="bytes kept")
    path = tmp_path_factory.mktemp("truncated") / "model.h5"
    path.write_bytes(raw[:keep])
    with pytest.raises(ModelLoadError) as info:
        keras.models.load_model(str(path))
    _assert_one_line(info.value)


@given(data=st.data())
def test_a_corrupted_h5_file_loads_or_fails_cleanly(saved, tmp_path_factory, data):
    source = saved[data.draw(st.sampled_from(sorted(saved)), label="file")]
    raw = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(1, 8), label="bytes changed")):
        offset = data.draw(st.integers(0, len(raw) - 1), label="offset")
        raw[offset] = data.draw(st.integers(0, 255), label="byte")
    path = tmp_path_factory.mktemp("corrupted") / "model.h5"
    path.write_bytes(bytes(raw))
    _loads_or_fails_cleanly(lambda: keras.models.load_model(str(path)))


def _h5_items(path):
    """(kind, name) of every attribute, group and dataset of an HDF5 file."""
    items = []
    with h5py.File(path, "r") as f:
        items += [("attr", "/", key) for key in f.attrs]

        def visit(name, obj):
            kind = "dataset" if isinstance(obj, h5py.Dataset) else "group"
            items.append((kind, name, None))
            items.extend(("attr", name, key) for key in obj.attrs)

        f.visititems(visit)
    return items


ATTR_VALUES = st.one_of(
    st.integers(-5, 5), st.floats(allow_nan=False),
    st.text(st.characters(blacklist_characters="\x00"), max_size=20),  # h5py refuses NUL
    st.just(b"\xff\xfe not utf-8"), st.just(np.zeros((2, 2))), st.just(json.dumps([1, 2])),
    st.just(json.dumps({"class_name": "Sequential"})), st.just(np.array([b"nope"])))
DATASET_SHAPES = st.one_of(st.lists(st.integers(0, 5), max_size=3).map(tuple),
                           st.just((2**20, 2**20)), st.just((2**40,)))


@given(data=st.data())
def test_an_h5_file_with_parts_removed_or_replaced_fails_cleanly(saved, tmp_path_factory,
                                                                 data):
    name = data.draw(st.sampled_from(sorted(saved)), label="file")
    path = tmp_path_factory.mktemp("edited") / "model.h5"
    shutil.copyfile(saved[name], path)
    kind, where, key = data.draw(st.sampled_from(_h5_items(path)), label="item")
    action = data.draw(st.sampled_from(["delete", "replace"]), label="action")
    with h5py.File(path, "a") as f:
        if kind == "attr":
            if action == "delete":
                del f[where].attrs[key]
            else:
                f[where].attrs[key] = data.draw(ATTR_VALUES, label="attribute value")
        elif action == "delete":
            del f[where]
        elif kind == "dataset":
            del f[where]
            shape = data.draw(DATASET_SHAPES, label="dataset shape")
            # chunked and never written: a huge shape costs nothing on disk
            f.create_dataset(where, shape=shape, dtype="float32",
                             chunks=True if all(shape) and len(shape) else None)
        else:
            del f[where]
            f.create_dataset(where, data=np.arange(3.0))
    _loads_or_fails_cleanly(lambda: keras.models.load_model(str(path)))
    model = _sequential()
    try:
        model.load_weights(str(path))
    except ModelLoadError as error:
        _assert_one_line(error)


def test_the_loader_errors_are_one_family():
    assert issubclass(ModelLoadError, ValueError) and issubclass(ModelLoadError, OSError)
    with pytest.raises(ModelLoadError, match="No file or directory found"):
        saving.load_model("/nonexistent/model.h5")
