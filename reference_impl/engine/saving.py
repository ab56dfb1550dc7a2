"""Model serialization: JSON/YAML architecture, and HDF5 files in Keras 2's layout.

HDF5 weights (``save_weights``): the root attribute ``layer_names`` lists every layer of the
model (weightless ones too), and each layer's group has the attribute ``weight_names`` and
one dataset per weight, at the weight's name (``dense/kernel:0``). ``save`` writes the same
under ``model_weights`` and adds the root attributes ``model_config`` (the JSON of
``to_json``) and ``training_config`` (compile's arguments). Files written by tf-keras 2.x
load here and the other way round.
"""

from __future__ import annotations

import json
import warnings

import h5py
import numpy as np
import yaml

KERAS_VERSION = "2.x-reference"


def model_to_dict(model) -> dict:
    return {"class_name": type(model).__name__, "config": model.get_config(),
            "keras_version": KERAS_VERSION, "backend": "numpy"}


def model_to_json(model, **kwargs) -> str:
    return json.dumps(model_to_dict(model), default=_json_default, **kwargs)


def model_to_yaml(model, **kwargs) -> str:
    return yaml.safe_dump(json.loads(model_to_json(model)), **kwargs)


def model_from_dict(document: dict, custom_objects=None):
    from reference_impl.engine.functional import deserialize_layer

    return deserialize_layer(document, custom_objects)


def model_from_json(text: str, custom_objects=None):
    return model_from_dict(json.loads(text), custom_objects)


def model_from_yaml(text: str, custom_objects=None):
    return model_from_dict(yaml.safe_load(text), custom_objects)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Not JSON serializable: {value!r}")


# -- HDF5 -------------------------------------------------------------------------------
def _write_weights(group, model) -> None:
    group.attrs["layer_names"] = [layer.name.encode() for layer in model.layers]
    group.attrs["backend"] = b"numpy"
    group.attrs["keras_version"] = KERAS_VERSION.encode()
    for layer in model.layers:
        layer_group = group.create_group(layer.name)
        layer_group.attrs["weight_names"] = [w.name.encode() for w in layer.weights]
        for weight in layer.weights:
            layer_group.create_dataset(weight.name, data=weight.data)


def _read_weights(group) -> dict:
    """{layer name: [arrays]} in file order, for the layers that have weights."""
    result = {}
    for name in map(_text, group.attrs["layer_names"]):
        layer_group = group[name]
        arrays = [np.asarray(layer_group[_text(n)]) for n in layer_group.attrs["weight_names"]]
        if arrays:
            result[name] = arrays
    return result


def save_weights(model, filepath) -> None:
    with h5py.File(filepath, "w") as f:
        _write_weights(f, model)


def load_weights(model, filepath, by_name=False, skip_mismatch=False) -> None:
    with h5py.File(filepath, "r") as f:
        saved = _read_weights(f["model_weights"] if "model_weights" in f else f)
    _assign(model, saved, by_name, skip_mismatch)


def _assign(model, saved: dict, by_name: bool, skip_mismatch: bool) -> None:
    """By order: the i-th layer with weights gets the i-th saved layer's arrays. By name:
    each layer gets the arrays saved under its name, if any."""
    if by_name:
        for layer in model.layers:
            arrays = saved.get(layer.name)
            if arrays is None:
                continue
            if skip_mismatch and [a.shape for a in arrays] != [w.shape for w in layer.weights]:
                warnings.warn(f"Skipping loading of weights for layer {layer.name!r} due to "
                              f"mismatch in shape or number of weights.", stacklevel=3)
                continue
            layer.set_weights(arrays)
        return
    layers = [layer for layer in model.layers if layer.weights]
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
            training = dict(training)
            training["optimizer_config"] = training.pop("optimizer", None)  # Keras 2's key
            f.attrs["training_config"] = json.dumps(training, default=_json_default)
        _write_weights(f.create_group("model_weights"), model)


def load_model(filepath, custom_objects=None, compile=True):
    with h5py.File(filepath, "r") as f:
        if "model_config" not in f.attrs:
            raise ValueError(f"No model config found in the file at {filepath}.")
        model = model_from_json(_text(f.attrs["model_config"]), custom_objects)
        _assign(model, _read_weights(f["model_weights"]), by_name=False, skip_mismatch=False)
        training = f.attrs.get("training_config")
    if compile and training is not None:
        _compile(model, json.loads(_text(training)), custom_objects)
    return model


def _compile(model, config: dict, custom_objects) -> None:
    config = dict(config)
    optimizer = dict(config.pop("optimizer_config", None) or config.pop("optimizer"))
    # tf-keras writes its own optimizer classes as "Custom>Adam"
    optimizer["class_name"] = optimizer["class_name"].split(">")[-1]
    optimizer["config"] = _accepted(optimizer["class_name"], optimizer.get("config", {}))
    config["optimizer"] = optimizer
    try:
        model._compile_from_config(config, custom_objects)
    except (TypeError, ValueError, KeyError) as error:
        warnings.warn(f"The model was loaded but not compiled: its training configuration "
                      f"could not be used ({error}). Compile it again.", stacklevel=3)


def _accepted(optimizer_name: str, config: dict) -> dict:
    """The optimizer arguments this implementation knows (those its own configs have):
    tf-keras writes more (``use_ema``, ``jit_compile``...)."""
    from reference_impl import optimizers

    try:
        known = optimizers.get(optimizer_name.lower()).get_config()
    except ValueError:
        return config
    return {k: v for k, v in config.items() if k in known}


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
