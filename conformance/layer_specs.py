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
