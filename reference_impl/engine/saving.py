"""Model serialization: JSON/YAML architecture, and HDF5 files in Keras 2's layout.

HDF5 weights (``save_weights``): the root attribute ``layer_names`` lists every layer of the
model (weightless ones too), and each layer's group has the attribute ``weight_names`` and
one dataset per weight, at the weight's name (``dense/kernel:0``). ``save`` writes the same
under ``model_weights`` and adds the root attributes ``model_config`` (the JSON of
``to_json``) and ``training_config`` (compile's arguments). Files written by tf-keras 2.x
load here and the other way round.
"""

from __future__ import annotations

import contextlib
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


class ModelLoadError(OSError, ValueError):
    """A model file or document that cannot be loaded, with a message naming the problem.

    Every failure of the loaders below is one of these: a ValueError, as Keras 3 raises for a
    bad config, and an OSError (IOError), as tf-keras 2's load_model documents for "an invalid
    savefile"."""


# tf-keras 2.13+'s text (Lambda._parse_function_from_config) for the same refusal.
UNSAFE_LAMBDA = (
    "Requested the deserialization of a Lambda layer with a Python `lambda` inside it. This "
    "carries a potential risk of arbitrary code execution and thus it is disallowed by default. "
    "If you trust the source of the saved model, you can pass `safe_mode=False` to the loading "
    "function in order to allow Lambda layer loading.")

# Sizes a config may name, refused before anything is allocated: any integer above
# MAX_DIMENSION, and sizes (units, filters, shapes, vocabularies...) whose two largest multiply
# above MAX_ELEMENTS (2**28 float32 = 1 GiB, more than a NumPy reference model needs).
MAX_DIMENSION = 2**31 - 1
MAX_ELEMENTS = 2**28
SIZE_KEYS = frozenset({"units", "filters", "input_dim", "output_dim", "kernel_size",
                       "batch_input_shape", "batch_shape", "input_shape", "shape",
                       "target_shape", "dims", "n", "size", "depth_multiplier", "pool_size"})


def model_from_dict(document: dict, custom_objects=None, safe_mode=True,
                    source="the model config"):
    """The model a config document describes. With ``safe_mode`` (the default) a document
    holding Python bytecode (a Lambda of a ``lambda``) is refused: nothing from a file is
    executed unless the caller passes ``safe_mode=False``."""
    from reference_impl.engine.functional import deserialize_layer

    _check_layer_spec(document, source)
    _check_dimensions(document, source)
    if safe_mode:
        _refuse_code(document, source)
    try:
        with _lambda_safe_mode(safe_mode):
            return deserialize_layer(document, custom_objects)
    except ModelLoadError:
        raise
    except Exception as error:  # whatever a malformed config makes a layer raise
        raise ModelLoadError(f"Invalid model config in {source}: "
                             f"{type(error).__name__}: {_one_line(error)}") from error


def model_from_json(text: str, custom_objects=None, safe_mode=True):
    """``safe_mode=False`` (not in Keras 2's signature; as Keras 3's load_model) allows a
    Lambda's bytecode to be loaded and run."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise ModelLoadError(f"model_from_json expects a JSON string, got "
                             f"{type(text).__name__}")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ModelLoadError(f"The model JSON is not valid JSON: {_one_line(error)}") from None
    return model_from_dict(document, custom_objects, safe_mode, "the model JSON")


def model_from_yaml(text: str, custom_objects=None, safe_mode=True):
    """YAML is read with ``yaml.safe_load``: a Python tag (``!!python/object``...) is an
    error whatever ``safe_mode`` says; the reference never builds Python objects from YAML."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise ModelLoadError(f"model_from_yaml expects a YAML string, got "
                             f"{type(text).__name__}")
    try:
        document = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as error:
        raise ModelLoadError(f"The model YAML has a tag the reference refuses to construct "
                             f"(Python objects are never built from YAML): "
                             f"{_one_line(error)}") from None
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        raise ModelLoadError(f"The model YAML is not valid YAML: {_one_line(error)}") from None
    return model_from_dict(document, custom_objects, safe_mode, "the model YAML")


def _check_layer_spec(spec, where: str) -> None:
    if not isinstance(spec, dict):
        raise ModelLoadError(f"Invalid model config in {where}: expected an object with "
                             f"'class_name' and 'config', got {type(spec).__name__}")
    if not isinstance(spec.get("class_name"), str):
        raise ModelLoadError(f"Invalid model config in {where}: 'class_name' is missing or "
                             f"not a string")
    if not isinstance(spec.get("config", {}), (dict, list)):
        raise ModelLoadError(f"Invalid model config in {where}: the 'config' of "
                             f"{spec['class_name']} is a {type(spec['config']).__name__}")


def _walk(value, path="$"):
    """Every (path, dict) in a JSON-like document, depth first."""
    stack = [(path, value)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            yield path, value
            stack.extend((f"{path}.{k}", v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))


def _check_dimensions(document, where: str) -> None:
    sizes = []
    for path, node in _walk(document):
        for key, value in node.items():
            values = value if isinstance(value, list) else [value]
            for item in values:
                if not isinstance(item, int) or isinstance(item, bool):
                    continue
                if abs(item) > MAX_DIMENSION:
                    raise ModelLoadError(f"Invalid model config in {where}: {path}.{key} = "
                                         f"{item} is larger than any size Keras accepts")
                if key in SIZE_KEYS and item > 0:
                    sizes.append((item, f"{path}.{key}"))
    sizes.sort(reverse=True)
    if len(sizes) >= 2 and sizes[0][0] * sizes[1][0] > MAX_ELEMENTS:
        raise ModelLoadError(f"Invalid model config in {where}: sizes {sizes[0][1]} = "
                             f"{sizes[0][0]} and {sizes[1][1]} = {sizes[1][0]} would make "
                             f"weights larger than the reference allocates ({MAX_ELEMENTS} "
                             f"values)")


def _refuse_code(document, where: str) -> None:
    """Refuse what would run code from the file: a Lambda holding bytecode (tf-keras 2:
    ``function_type``/``output_shape_type`` 'lambda'; Keras 3: a ``__lambda__`` object)."""
    for path, node in _walk(document):
        config = node.get("config")
        lambda_layer = node.get("class_name") == "Lambda" and isinstance(config, dict) and (
            "lambda" in (config.get("function_type"), config.get("output_shape_type"),
                         config.get("mask_type")))
        if lambda_layer or node.get("class_name") == "__lambda__":
            raise ModelLoadError(f"{UNSAFE_LAMBDA} (in {where}, at {path})")


@contextlib.contextmanager
def _lambda_safe_mode(safe_mode):
    """Tell the Lambda layer (when the implementation has one) whether bytecode may load."""
    try:
        from reference_impl.layers.lambda_layer import safe_mode_scope
    except ImportError:
        yield
        return
    with safe_mode_scope(bool(safe_mode)):
        yield


def _one_line(error) -> str:
    return " ".join(str(error).split())[:500]


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


def _read_weights(group, where: str) -> dict:
    """{layer name: [datasets]} in file order, for the layers that have weights (read lazily:
    shapes are checked against the model before any data is read)."""
    if not isinstance(group, h5py.Group) or "layer_names" not in group.attrs:
        raise ModelLoadError(f"{where}: no 'layer_names' attribute: not a Keras weights file")
    result = {}
    for name in _texts(group.attrs["layer_names"], f"{where}: layer_names"):
        layer_group = group.get(name)
        if not isinstance(layer_group, h5py.Group):
            raise ModelLoadError(f"{where}: layer {name!r} is listed but has no group")
        names = (_texts(layer_group.attrs["weight_names"], f"{where}: {name}/weight_names")
                 if "weight_names" in layer_group.attrs else [])
        datasets = []
        for weight_name in names:
            dataset = layer_group.get(weight_name)
            if not isinstance(dataset, h5py.Dataset):
                raise ModelLoadError(f"{where}: weight {weight_name!r} of layer {name!r} is "
                                     f"missing")
            datasets.append(dataset)
        if datasets:
            result[name] = datasets
    return result


def save_weights(model, filepath) -> None:
    with h5py.File(filepath, "w") as f:
        _write_weights(f, model)


def load_weights(model, filepath, by_name=False, skip_mismatch=False) -> None:
    with _open(filepath) as f, _as_load_error(filepath):
        saved = _read_weights(f["model_weights"] if "model_weights" in f else f, str(filepath))
        _assign(model, saved, by_name, skip_mismatch, str(filepath))


def _assign(model, saved: dict, by_name: bool, skip_mismatch: bool, where="") -> None:
    """By order: the i-th layer with weights gets the i-th saved layer's arrays. By name:
    each layer gets the arrays saved under its name, if any."""
    if by_name:
        for layer in model.layers:
            arrays = saved.get(layer.name)
            if arrays is None:
                continue
            if [a.shape for a in arrays] != [w.shape for w in layer.weights]:
                if not skip_mismatch:
                    _check_shapes(layer, arrays, where)
                warnings.warn(f"Skipping loading of weights for layer {layer.name!r} due to "
                              f"mismatch in shape or number of weights.", stacklevel=3)
                continue
            layer.set_weights([_read(a, where) for a in arrays])
        return
    layers = [layer for layer in model.layers if layer.weights]
    if len(layers) != len(saved):
        raise ValueError(f"You are trying to load a weight file containing {len(saved)} "
                         f"layers into a model with {len(layers)} layers.")
    for layer, arrays in zip(layers, saved.values(), strict=True):
        _check_shapes(layer, arrays, where)
        layer.set_weights([_read(a, where) for a in arrays])


def _check_shapes(layer, arrays, where: str) -> None:
    got = [tuple(a.shape) for a in arrays]
    expected = [tuple(w.shape) for w in layer.weights]
    if got != expected:
        raise ModelLoadError(f"{where}: layer {layer.name!r} expects weights of shapes "
                             f"{expected}, the file has {got}")


def _read(dataset, where: str) -> np.ndarray:
    array = np.asarray(dataset)
    if array.dtype.kind not in "fiub":
        raise ModelLoadError(f"{where}: weight {getattr(dataset, 'name', '?')} holds "
                             f"{array.dtype} values, not numbers")
    return array


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


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model saved by ``save`` (or by tf-keras 2's ``model.save('*.h5')``): architecture,
    weights and, with ``compile``, its compile arguments (loss, metrics, optimizer).
    ``safe_mode`` (tf-keras 2.13+ and Keras 3's argument): refuse Lambda bytecode unless
    False. Any problem with the file is a ModelLoadError naming it."""
    with _open(filepath) as f, _as_load_error(filepath):
        if "model_config" not in f.attrs:
            raise ModelLoadError(f"No model config found in the file at {filepath}.")
        config = _attr_text(f.attrs["model_config"], f"{filepath}: model_config")
        try:
            document = json.loads(config)
        except (ValueError, RecursionError) as error:
            raise ModelLoadError(f"{filepath}: model_config is not valid JSON: "
                                 f"{_one_line(error)}") from None
        model = model_from_dict(document, custom_objects, safe_mode, str(filepath))
        if "model_weights" not in f:
            raise ModelLoadError(f"{filepath}: no 'model_weights' group")
        _assign(model, _read_weights(f["model_weights"], str(filepath)), by_name=False,
                skip_mismatch=False, where=str(filepath))
        training = f.attrs.get("training_config")
        training = None if training is None else _attr_text(training,
                                                            f"{filepath}: training_config")
    if compile and training is not None:
        try:
            config = json.loads(training)
        except (ValueError, RecursionError) as error:
            warnings.warn(f"The model was loaded but not compiled: its training configuration "
                          f"is not valid JSON ({_one_line(error)}).", stacklevel=2)
        else:
            _compile(model, config, custom_objects)
    return model


@contextlib.contextmanager
def _open(filepath):
    try:
        f = h5py.File(filepath, "r")
    except FileNotFoundError:
        raise ModelLoadError(f"No file or directory found at {filepath}") from None
    except (OSError, ValueError, TypeError) as error:
        raise ModelLoadError(f"{filepath}: not a readable HDF5 file ({_one_line(error)})") \
            from None
    with f:
        yield f


@contextlib.contextmanager
def _as_load_error(filepath):
    """Whatever else reading a damaged file raises (h5py, NumPy, a layer) as a
    ModelLoadError naming the file; a shape mismatch stays the ValueError Keras raises."""
    try:
        yield
    except ModelLoadError:
        raise
    except ValueError as error:  # e.g. "You are trying to load a weight file containing..."
        raise ModelLoadError(str(error)) from error
    except Exception as error:
        raise ModelLoadError(f"{filepath}: the file could not be read: "
                             f"{type(error).__name__}: {_one_line(error)}") from error


def _attr_text(value, where: str) -> str:
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if not isinstance(value, (str, bytes)):
        raise ModelLoadError(f"{where} is a {type(value).__name__}, not a string")
    try:
        return _text(value)
    except UnicodeDecodeError:
        raise ModelLoadError(f"{where} is not UTF-8 text") from None


def _texts(values, where: str) -> list:
    values = np.atleast_1d(np.asarray(values, dtype=object)) if not isinstance(values, list) \
        else values
    if getattr(values, "ndim", 1) != 1:
        raise ModelLoadError(f"{where} is not a list of names")
    return [_attr_text(v, where) for v in values]


def _compile(model, config: dict, custom_objects) -> None:
    """Compile ``model`` from a training_config: this implementation's own, or tf-keras 2's
    (optimizer as "Custom>Adam" with tf-keras-only arguments, losses and metrics as serialized
    objects: ``MeanMetricWrapper`` with ``fn`` and ``name``, per output in output order)."""
    try:
        config = dict(config)
        optimizer = dict(config.pop("optimizer_config", None) or config.pop("optimizer"))
        # tf-keras writes its own optimizer classes as "Custom>Adam"
        optimizer["class_name"] = optimizer["class_name"].split(">")[-1]
        optimizer["config"] = _accepted(optimizer["class_name"], optimizer.get("config", {}))
        config["optimizer"] = optimizer
        names = list(model.output_names)
        config["loss"] = _nested(config.get("loss"), names, _loss_from_config, custom_objects)
        for key in ("metrics", "weighted_metrics"):
            config[key] = _nested(config.get(key), names, _metric_from_config, custom_objects)
        config.setdefault("loss_weights", None)
        model._compile_from_config(config, custom_objects)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        warnings.warn(f"The model was loaded but not compiled: its training configuration "
                      f"could not be used ({error}). Compile it again.", stacklevel=3)


def _nested(value, output_names: list, convert, custom_objects):
    """``convert(spec, prefix)`` over a loss or metrics structure: one spec, a list (metrics
    of a single output, or one entry per output), a list of lists (per output, in order) or
    a dict keyed by output name. ``prefix`` is the output's name + '_' for a model with
    several outputs (tf-keras names those metrics 'out_mse')."""
    several = len(output_names) > 1

    def prefix(index=None, key=None):
        if not several:
            return ""
        name = key if key is not None else (output_names[index] if index is not None
                                            and index < len(output_names) else "")
        return f"{name}_" if name else ""

    def many(specs, pre):
        if isinstance(specs, list):
            return [convert(s, pre, custom_objects) for s in specs]
        return convert(specs, pre, custom_objects)

    if value is None:
        return None
    if isinstance(value, dict) and "class_name" not in value:
        return {k: many(v, prefix(key=k)) for k, v in value.items()}
    if isinstance(value, list) and any(isinstance(v, list) for v in value):
        return [many(v, prefix(index=i)) for i, v in enumerate(value)]
    return many(value, "")


def _loss_from_config(spec, prefix, custom_objects):
    if isinstance(spec, dict) and "class_name" in spec:  # a serialized Loss object
        from reference_impl import losses as losses_mod

        custom = (custom_objects or {}).get(spec["class_name"])
        if custom is not None:
            return custom
        cls = getattr(losses_mod, spec["class_name"], None)
        if isinstance(cls, type) and issubclass(cls, losses_mod.Loss):  # with its arguments
            return cls.from_config(dict(spec.get("config") or {}))
        return (spec.get("config") or {}).get("name") or _snake(spec["class_name"])
    return spec


def _metric_from_config(spec, prefix, custom_objects):
    if not (isinstance(spec, dict) and "class_name" in spec):
        return spec
    from reference_impl import metrics as metrics_mod

    config = spec.get("config") or {}
    name = config.get("name")
    if isinstance(name, str) and prefix and name.startswith(prefix):
        name = name[len(prefix):]
    fn_name = config.get("fn") if spec["class_name"] == "MeanMetricWrapper" else (
        name or _snake(spec["class_name"]))
    custom = custom_objects or {}
    fn = custom.get(fn_name) or custom.get(spec["class_name"]) or metrics_mod.get(fn_name)
    if not name or name == getattr(fn, "__name__", None):
        return fn

    def metric(y_true, y_pred):
        return fn(y_true, y_pred)

    metric.__name__ = name
    return metric


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower()
                   for i, c in enumerate(name))


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
