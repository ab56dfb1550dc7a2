"""Model serialization: JSON/YAML architecture, and HDF5 files in Keras 2's layout.

HDF5 weights: one group per layer with weights, the root attribute ``layer_names`` and each
group's ``weight_names``; ``save`` adds ``model_config`` and ``training_config`` attributes
and keeps the weights under ``model_weights``.
"""

from __future__ import annotations

import json

import h5py
import numpy as np
import yaml

KERAS_VERSION = "2.x-reference"


def model_to_dict(model) -> dict:
    return {"class_name": type(model).__name__, "config": model.get_config(),
            "keras_version": KERAS_VERSION, "backend": "numpy"}


def model_to_json(model, **kwargs) -> str:
    return json.dumps(model_to_dict(model), **kwargs)


def model_to_yaml(model, **kwargs) -> str:
    return yaml.safe_dump(json.loads(model_to_json(model)), **kwargs)


def model_from_dict(document: dict, custom_objects=None):
    from reference_impl.engine.functional import deserialize_layer

    return deserialize_layer(document, custom_objects)


def model_from_json(text: str, custom_objects=None):
    return model_from_dict(json.loads(text), custom_objects)


def model_from_yaml(text: str, custom_objects=None):
    return model_from_dict(yaml.safe_load(text), custom_objects)


# -- HDF5 -------------------------------------------------------------------------------
def _layers_with_weights(model) -> list:
    return [layer for layer in model.layers if layer.weights]


def _write_weights(group, model) -> None:
    layers = _layers_with_weights(model)
    group.attrs["layer_names"] = [layer.name.encode() for layer in layers]
    group.attrs["backend"] = b"numpy"
    group.attrs["keras_version"] = KERAS_VERSION.encode()
    for layer in layers:
        layer_group = group.create_group(layer.name)
        names = [f"{w.name}:0" for w in layer.weights]
        layer_group.attrs["weight_names"] = [n.encode() for n in names]
        for name, weight in zip(names, layer.weights, strict=True):
            layer_group.create_dataset(name, data=weight.data)


def _read_weights(group) -> dict:
    """{layer name: [arrays]} in file order."""
    result = {}
    for raw in group.attrs["layer_names"]:
        name = raw.decode() if isinstance(raw, bytes) else str(raw)
        layer_group = group[name]
        result[name] = [np.asarray(layer_group[n.decode() if isinstance(n, bytes) else n])
                        for n in layer_group.attrs["weight_names"]]
    return result


def save_weights(model, filepath) -> None:
    with h5py.File(filepath, "w") as f:
        _write_weights(f, model)


def load_weights(model, filepath, by_name=False, skip_mismatch=False) -> None:
    with h5py.File(filepath, "r") as f:
        saved = _read_weights(f["model_weights"] if "model_weights" in f else f)
    _assign(model, saved, by_name, skip_mismatch)


def _assign(model, saved: dict, by_name: bool, skip_mismatch: bool) -> None:
    if by_name:
        for layer in model.layers:
            if layer.name in saved:
                arrays = saved[layer.name]
                if skip_mismatch and [a.shape for a in arrays] != [w.shape for w in
                                                                   layer.weights]:
                    continue
                layer.set_weights(arrays)
        return
    layers = _layers_with_weights(model)
    if len(layers) != len(saved):
        raise ValueError(f"You are trying to load a weight file containing {len(saved)} "
                         f"layers into a model with {len(layers)} layers.")
    for layer, arrays in zip(layers, saved.values(), strict=True):
        layer.set_weights(arrays)


def save_model(model, filepath, include_optimizer=True) -> None:
    with h5py.File(filepath, "w") as f:
        f.attrs["model_config"] = model_to_json(model)
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["backend"] = "numpy"
        training = getattr(model, "_training_config", lambda: None)()
        if training is not None:
            f.attrs["training_config"] = json.dumps(training)
        _write_weights(f.create_group("model_weights"), model)


def load_model(filepath, custom_objects=None, compile=True):
    with h5py.File(filepath, "r") as f:
        model = model_from_json(_text(f.attrs["model_config"]), custom_objects)
        _assign(model, _read_weights(f["model_weights"]), by_name=False, skip_mismatch=False)
        training = f.attrs.get("training_config")
    if compile and training is not None:
        model._compile_from_config(json.loads(_text(training)), custom_objects)
    return model


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
