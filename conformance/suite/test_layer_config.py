"""Layer configs: get_config() carries the constructor arguments as Keras 2 serializes them, and
from_config(get_config()) rebuilds the same layer.

Sources: keras.io/2.x/api/layers/base_layer ("get_config: returns the config of the layer ...
the same layer can be reinstantiated later (without its trained weights) from this
configuration"; "from_config: creates a layer from its config"); spec 002 §3.2 (Bidirectional
builds its backward layer with ``layer.__class__.from_config(layer.get_config())``).

fixtures/layer_configs.json (fixtures/record_layer_configs.py) holds tf-keras 2.21's config of
every layer of fixtures/layers.json and of a few layers whose arguments do not change forward
values (initializers, regularizers, constraints, mask_zero, input_length, dropout rates). An
implementation's config must hold every recorded key with the same value; layer names
(generated), and the "module"/"registered_name" keys that tf-keras 2.13+ adds to nested
serialized objects and the "build_config" of nested layers and "optional" of an InputLayer
(tf-keras 2.13+ saving additions, not Keras 2 arguments), are left out of the comparison.
"""

import math

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose
from conformance.layer_specs import build_layer

IGNORED_KEYS = {"name", "module", "registered_name", "build_config", "optional"}
CASES = list(golden.load("layer_configs").cases)
VALUE_CASES = [n for n in CASES if golden.case("layer_configs", n)["source"] == "layers"]


def normalized(value):
    """Lists for tuples, floats rounded to float32 precision, ignored keys dropped."""
    if isinstance(value, dict):
        return {k: normalized(v) for k, v in value.items() if k not in IGNORED_KEYS}
    if isinstance(value, list | tuple):
        return [normalized(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not isinstance(value, bool) and math.isfinite(value):
        return float(np.float32(value))
    return value


def differences(got, expected, path="config") -> list[str]:
    """Where ``got`` lacks or changes a value of ``expected`` (extra keys are allowed)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return [line for key in expected
                for line in (differences(got[key], expected[key], f"{path}[{key!r}]")
                             if key in got else [f"{path}[{key!r}] missing"])]
    if isinstance(expected, list) and isinstance(got, list) and len(got) == len(expected):
        return [line for i, (g, e) in enumerate(zip(got, expected, strict=True))
                for line in differences(g, e, f"{path}[{i}]")]
    return [] if got == expected else [f"{path}: got {got!r}, expected {expected!r}"]


def built_layer(keras, adapter, name):
    """The layer of case ``name``, built by a call on its golden input (a batch of zeros of the
    recorded input shape for the config-only cases); returns the layer and its input tensors.

    The recorder built each layer on a ``keras.Input`` of the same shape: a config holds the
    constructor arguments, not how the layer was built, and an eager call skips the symbolic
    build that costs tf-keras a traced cuDNN variant per recurrent layer (test_layer_values and
    the spec graphs build layers on Inputs).
    """
    case = golden.case("layer_configs", name)
    if case["source"] == "layers":
        xs = golden.case("layers", name).input("x")
    else:
        dtype = "int32" if case["layer"]["class"] == "Embedding" else "float32"
        xs = [np.zeros((1, *case["input_shape"]), dtype=dtype)]
    tensors = [adapter.to_tensor(x, dtype=x.dtype.name) for x in xs]
    layer = build_layer(keras, case["layer"])
    layer(tensors if len(tensors) > 1 else tensors[0])
    return layer, tensors


@pytest.mark.behavior("layers.config.arguments")
@pytest.mark.parametrize("name", CASES)
def test_get_config_holds_the_keras2_arguments(keras, adapter, name):
    layer, _ = built_layer(keras, adapter, name)
    expected = normalized(golden.case("layer_configs", name).expected["config"])
    problems = differences(normalized(layer.get_config()), expected)
    assert not problems, (f"{type(layer).__name__}.get_config() differs from tf-keras 2.21 "
                          f"[{name}]: " + "; ".join(problems[:8]))


@pytest.mark.behavior("layers.config.from_config_round_trip")
@pytest.mark.parametrize("name", VALUE_CASES)
def test_from_config_rebuilds_a_layer_with_the_same_outputs(keras, adapter, name):
    values = golden.case("layers", name)
    layer, xs = built_layer(keras, adapter, name)
    clone = type(layer).from_config(layer.get_config())
    # The clone is called on the golden inputs too: the first call builds its weights, the
    # second computes with the golden ones. The outputs of a layer inside a model are
    # test_layer_values's.
    clone(xs if len(xs) > 1 else xs[0])
    clone.set_weights(values.input("weights"))
    got = adapter.to_numpy(clone(xs if len(xs) > 1 else xs[0]))
    got = got if isinstance(got, list | tuple) else [got]
    expected = values.expected["outputs"]
    assert len(got) == len(expected), f"{len(got)} outputs, expected {len(expected)} [{name}]"
    for i, (y, e) in enumerate(zip(got, expected, strict=True)):
        assert_allclose(y, e, rtol=values.rtol, atol=values.atol,
                        what=f"output {i} of {type(layer).__name__}.from_config(get_config()) "
                             f"[{name}]")


@pytest.mark.behavior("layers.config.from_config_round_trip")
@pytest.mark.parametrize("name", [n for n in CASES if n not in VALUE_CASES])
def test_from_config_keeps_the_config(keras, adapter, name):
    layer, _ = built_layer(keras, adapter, name)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    problems = differences(normalized(clone.get_config()), normalized(config))
    assert not problems, (f"{type(layer).__name__}.from_config(config).get_config() lost "
                          f"arguments [{name}]: " + "; ".join(problems[:8]))
