"""Layer specs as the layer goldens store them (fixtures/layers.json), built through the public
API of any implementation: by the recorder in tf-keras and by the suite in the implementation
under test, with this one function so both build the same layer."""

from __future__ import annotations


def build_layer(keras, spec):
    """keras.layers.<class>(**config); wrappers get their inner layer or Sequential model."""
    cls = getattr(keras.layers, spec["class"])
    if "layer" not in spec:
        return cls(**spec["config"])
    inner = spec["layer"]
    if "sequential" in inner:
        shape, *layers = inner["sequential"]
        inner_layer = keras.models.Sequential(
            [keras.Input(shape=tuple(shape))] + [build_layer(keras, s) for s in layers])
    else:
        inner_layer = build_layer(keras, inner)
    return cls(inner_layer, **spec["config"])


def build_sequential(keras, spec):
    """keras.models.Sequential([Input, *layers]) from a model spec of the masking goldens
    (fixtures/masking.json): ``{"input": {"shape", "dtype"}, "layers": [[class, config]]}``,
    where a wrapper's config holds its inner layer spec under "layer"."""

    def make(layer_spec):
        name, config = layer_spec
        config = dict(config)
        if "layer" in config:
            config["layer"] = make(config["layer"])
        return getattr(keras.layers, name)(**config)

    given_input = spec["input"]
    return keras.models.Sequential(
        [keras.layers.Input(shape=tuple(given_input["shape"]), dtype=given_input["dtype"]),
         *(make(layer) for layer in spec["layers"])])
