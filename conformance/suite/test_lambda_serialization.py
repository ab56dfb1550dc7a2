"""How a Lambda layer writes itself into its config and is rebuilt from it (Keras 2).

Keras 2 API: keras.io/2.x/api/layers/core_layers/lambda ("Lambda layers are saved by
serializing the Python bytecode, which is fundamentally non-portable. They should only be
loaded in the same environment where they were saved"; function, output_shape "a tuple or
function", mask "a callable with the same signature as the compute_mask layer method, or a
tensor", arguments) and keras.io/2.x/api/layers/base_layer (get_config / from_config). The
config fields are those tf-keras 2.21 writes (tf_keras/src/layers/core/lambda_layer.py,
get_config and from_config):

- ``function``, ``function_type``, ``module``: a Python function (a ``lambda`` or a ``def``) is
  written as its bytecode, ``(code, defaults, closure)`` (generic_utils.func_dump), with
  function_type 'lambda' and the module that defines it; any other callable (a built-in such as
  ``abs``) by its ``__name__`` with function_type 'function' and its ``__module__``.
- ``output_shape``, ``output_shape_type``, ``output_shape_module``: the same, and a tuple or
  None is written as it is ('raw', module None).
- ``mask``, ``mask_type``, ``mask_module``: only when a mask is given; a constant (tensor) mask
  cannot be serialized (ValueError "Invalid input for serialization").
- ``from_config(config, custom_objects=None)`` rebuilds the functions with the globals of their
  module and the names of custom_objects; a 'function' entry is looked up in custom_objects.

Checked through the documented API only: the config dict, from_config, calling the rebuilt
layer and its compute_output_shape / compute_mask. Every test here passes on tf-keras 2.21 (the
bytecode is that of the Python running the suite, as the documentation requires). Keras 3 writes
Lambda configs in another form (_keras3.yaml).
"""

import json
import warnings

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_shape

X = np.random.default_rng(31).uniform(-1, 1, size=(4, 5)).astype("float32")
TOL = dict(rtol=1e-5, atol=1e-6)  # float32, a few operations per entry

SCALE = 3.0  # a module global that Lambda functions below use


def run(layer, adapter, x=X):
    return adapter.to_numpy(layer(adapter.to_tensor(x)))


def through_json(config):
    """The config as model.to_json writes it: tuples become lists."""
    return json.loads(json.dumps(config))


def triple(x):
    return x * 3.0


def halve_width(input_shape):
    return (input_shape[0], input_shape[1] // 2)


def make_closure(offset):
    def shifted(x):
        return x + offset  # `offset` is a free variable: the function has a closure

    return shifted


# -- get_config -----------------------------------------------------------------------------
@pytest.mark.behavior("layers.lambda.get_config.function")
@pytest.mark.parametrize("function", [lambda x: x * 2.0, triple], ids=["lambda", "def"])
def test_lambda_config_of_a_python_function_is_its_bytecode(keras, function):
    config = keras.layers.Lambda(function).get_config()
    assert config["function_type"] == "lambda", config
    assert config["module"] == __name__, (config["module"], __name__)
    code, defaults, closure = config["function"]
    assert isinstance(code, str) and code, config["function"]
    assert (defaults, closure) == (None, None), config["function"]


@pytest.mark.behavior("layers.lambda.get_config.function")
def test_lambda_config_of_a_builtin_callable_is_its_name(keras):
    config = keras.layers.Lambda(abs, output_shape=(5,)).get_config()
    assert (config["function"], config["function_type"], config["module"]) == (
        "abs", "function", "builtins"), config


@pytest.mark.behavior("layers.lambda.get_config.function")
def test_lambda_config_holds_defaults_and_closure(keras):
    config = keras.layers.Lambda(lambda x, factor=2.5: x * factor).get_config()
    code, defaults, closure = config["function"]
    assert tuple(defaults) == (2.5,) and closure is None, config["function"]
    config = keras.layers.Lambda(make_closure(0.75)).get_config()
    code, defaults, closure = config["function"]
    assert defaults is None and tuple(closure) == (0.75,), config["function"]


@pytest.mark.behavior("layers.lambda.get_config.output_shape")
def test_lambda_config_output_shape_fields(keras):
    layers = keras.layers
    config = layers.Lambda(triple).get_config()
    assert (config["output_shape"], config["output_shape_type"],
            config["output_shape_module"]) == (None, "raw", None), config
    config = layers.Lambda(triple, output_shape=(5,)).get_config()
    assert (tuple(config["output_shape"]), config["output_shape_type"],
            config["output_shape_module"]) == ((5,), "raw", None), config
    config = layers.Lambda(triple, output_shape=np.array([7])).get_config()
    assert np.asarray(config["output_shape"]).tolist() == [7], config
    config = layers.Lambda(triple, output_shape=halve_width).get_config()
    assert (config["output_shape_type"], config["output_shape_module"]) == (
        "lambda", __name__), config
    assert len(config["output_shape"]) == 3 and isinstance(config["output_shape"][0], str), (
        config["output_shape"])


@pytest.mark.behavior("layers.lambda.get_config.mask")
def test_lambda_config_mask_fields(keras):
    layers = keras.layers
    config = layers.Lambda(triple).get_config()
    assert not {"mask", "mask_type", "mask_module"} & set(config), sorted(config)
    config = layers.Lambda(triple, mask=lambda inputs, mask: mask).get_config()
    assert (config["mask_type"], config["mask_module"]) == ("lambda", __name__), config
    assert len(config["mask"]) == 3 and isinstance(config["mask"][0], str), config["mask"]
    assert config["arguments"] == {}, config


@pytest.mark.behavior("layers.lambda.get_config.mask")
def test_lambda_config_of_a_constant_mask_is_refused(keras):
    layer = keras.layers.Lambda(triple, mask=np.array([[True, False, True]]))
    with pytest.raises(ValueError,
                       match=r"Invalid input for serialization, type: <class 'numpy.ndarray'>"):
        layer.get_config()


# -- from_config ----------------------------------------------------------------------------
@pytest.mark.behavior("layers.lambda.from_config.bytecode")
@pytest.mark.parametrize("via_json", [False, True], ids=["dict", "json"])
def test_from_config_rebuilds_defaults_closure_and_globals(keras, adapter, via_json):
    layers = keras.layers
    cases = [(layers.Lambda(lambda x, factor=2.5: x * factor), X * 2.5, "defaults"),
             (layers.Lambda(make_closure(0.75)), X + 0.75, "closure"),
             (layers.Lambda(lambda x: x * SCALE), X * SCALE, "module global"),
             (layers.Lambda(triple), X * 3.0, "def")]
    for layer, expected, what in cases:
        config = layer.get_config()
        rebuilt = layers.Lambda.from_config(through_json(config) if via_json else config)
        assert_allclose(run(rebuilt, adapter), expected, **TOL,
                        what=f"Lambda.from_config(get_config()) of a function with {what}")


@pytest.mark.behavior("layers.lambda.from_config.custom_objects")
def test_from_config_custom_objects_are_globals_of_the_bytecode(keras, adapter):
    # names the functions use but their module lacks come from custom_objects
    layers = keras.layers
    layer = layers.Lambda(lambda x: x * FACTOR,  # noqa: F821 - given at from_config
                          output_shape=lambda s: (s[0], WIDTH),  # noqa: F821
                          mask=lambda inputs, mask: inputs > LIMIT)  # noqa: F821
    config = layer.get_config()
    rebuilt = layers.Lambda.from_config(config, custom_objects={"FACTOR": 4.0, "WIDTH": 9,
                                                                "LIMIT": 0.25})
    assert_allclose(run(rebuilt, adapter), X * 4.0, **TOL, what="function with FACTOR = 4")
    assert_shape(tuple(rebuilt.compute_output_shape((None, 5))), (None, 9),
                 "output_shape function with WIDTH = 9")
    mask = adapter.to_numpy(rebuilt.compute_mask(adapter.to_tensor(X), None))
    np.testing.assert_array_equal(np.asarray(mask).astype(bool), X > 0.25,
                                  err_msg="mask function with LIMIT = 0.25")


@pytest.mark.behavior("layers.lambda.from_config.custom_objects")
def test_from_config_finds_a_named_function_in_custom_objects(keras, adapter):
    config = keras.layers.Lambda(abs, output_shape=(5,)).get_config()
    # the config names "abs"; custom_objects decides what that name means
    rebuilt = keras.layers.Lambda.from_config(config, custom_objects={"abs": triple})
    assert_allclose(run(rebuilt, adapter), X * 3.0, **TOL,
                    what="from_config of function 'abs' with custom_objects={'abs': triple}")


@pytest.mark.behavior("layers.lambda.from_config.fields")
def test_from_config_keeps_output_shape_mask_and_layer_fields(keras, adapter):
    layers = keras.layers
    given = np.array([[True, False, True, True, False]] * 4)
    layer = layers.Lambda(lambda x: x[:, :2], output_shape=(7,),
                          mask=lambda inputs, mask: mask, name="cut", trainable=False,
                          dtype="float64")
    for config in (layer.get_config(), through_json(layer.get_config())):
        rebuilt = layers.Lambda.from_config(config)
        assert (rebuilt.name, rebuilt.trainable, rebuilt.dtype) == ("cut", False, "float64"), (
            rebuilt.name, rebuilt.trainable, rebuilt.dtype)
        # the declared output_shape is what compute_output_shape answers (not the inferred 2)
        assert_shape(tuple(rebuilt.compute_output_shape((None, 5))), (None, 7),
                     "compute_output_shape of the rebuilt Lambda(output_shape=(7,))")
        mask = rebuilt.compute_mask(adapter.to_tensor(X), adapter.to_tensor(given, dtype="bool"))
        np.testing.assert_array_equal(np.asarray(adapter.to_numpy(mask)).astype(bool), given,
                                      err_msg="compute_mask of the rebuilt mask function")
    plain = layers.Lambda.from_config(layers.Lambda(triple).get_config())
    assert plain.compute_mask(adapter.to_tensor(X), adapter.to_tensor(given, dtype="bool")) \
        is None, "a rebuilt Lambda without mask has no output mask"


@pytest.mark.behavior("layers.lambda.from_config.fields")
def test_from_config_of_its_own_config_gives_the_same_config(keras):
    layer = keras.layers.Lambda(lambda x, factor=2.5: x * factor, output_shape=halve_width,
                                mask=lambda inputs, mask: mask, arguments={"factor": 0.5})
    config = layer.get_config()
    # marshal's bytes of a reloaded code object may differ (reference flags), so the bytecode
    # strings are left out; every other field is the same
    assert without_code(keras.layers.Lambda.from_config(config).get_config()) == \
        without_code(config)


def without_code(config):
    return {key: (value[1:] if key in ("function", "output_shape", "mask") else value)
            for key, value in config.items()}


@pytest.mark.behavior("layers.lambda.from_config.unknown_type")
def test_from_config_refuses_an_unknown_function_type(keras):
    config = keras.layers.Lambda(triple).get_config()
    config["function_type"] = "pickle"
    with pytest.raises(TypeError, match="function_type"):
        keras.layers.Lambda.from_config(config)


# -- compute_mask ---------------------------------------------------------------------------
@pytest.mark.behavior("layers.lambda.mask")
def test_lambda_mask_callable_gets_the_inputs(keras, adapter):
    layer = keras.layers.Lambda(lambda x: x, mask=lambda inputs, mask: inputs > 0.0)
    got = layer.compute_mask(adapter.to_tensor(X), None)
    np.testing.assert_array_equal(np.asarray(adapter.to_numpy(got)).astype(bool), X > 0.0,
                                  err_msg="Lambda(mask=lambda inputs, mask: inputs > 0)")


@pytest.mark.behavior("layers.lambda.supports_masking")
def test_lambda_supports_masking(keras):
    # tf-keras 2 Layer: supports_masking is True for a layer that overrides compute_mask, as
    # Lambda does; its output mask is still None without mask= (layers.lambda.mask)
    assert keras.layers.Lambda(triple).supports_masking is True
    assert keras.layers.Lambda(triple, mask=lambda inputs, mask: mask).supports_masking is True


# -- call: mask and training arguments, several outputs --------------------------------------
@pytest.mark.behavior("layers.lambda.call_arguments")
def test_lambda_function_naming_mask_gets_the_input_mask(keras, adapter):
    given = np.array([[True, False, True, True, False]] * 4)
    layer = keras.layers.Lambda(lambda x, mask=None: x * mask[:, :, None] if mask is not None
                                else x - 100.0)
    x3 = np.stack([X, X], axis=-1)
    got = adapter.to_numpy(layer(adapter.to_tensor(x3), mask=adapter.to_tensor(given,
                                                                                dtype="float32")))
    assert_allclose(got, x3 * given[:, :, None], **TOL,
                    what="Lambda(lambda x, mask=None: ...)(x, mask=m) receives m")


@pytest.mark.behavior("layers.lambda.call_arguments")
def test_lambda_function_naming_training_gets_the_flag(keras, adapter):
    layer = keras.layers.Lambda(lambda x, training=None: x * 2.0 if training else x - 1.0)
    x = adapter.to_tensor(X)
    assert_allclose(adapter.to_numpy(layer(x, training=True)), X * 2.0, **TOL,
                    what="Lambda(lambda x, training=None: ...)(x, training=True)")
    assert_allclose(adapter.to_numpy(layer(x, training=False)), X - 1.0, **TOL,
                    what="Lambda(lambda x, training=None: ...)(x, training=False)")


@pytest.mark.behavior("layers.lambda.call_arguments")
def test_lambda_returning_a_list_has_several_outputs(keras, adapter):
    layer = keras.layers.Lambda(lambda x: [x * 2.0, x + 1.0])
    got = adapter.to_numpy(layer(adapter.to_tensor(X)))
    assert isinstance(got, list) and len(got) == 2, type(got)
    assert_allclose(got[0], X * 2.0, **TOL, what="first output of Lambda(lambda x: [2x, x+1])")
    assert_allclose(got[1], X + 1.0, **TOL, what="second output")


@pytest.mark.behavior("layers.lambda.output_shape")
def test_lambda_output_shape_tuple_takes_the_batch_of_the_first_input(keras):
    layers = keras.layers
    single = layers.Lambda(triple, output_shape=(7,))
    assert_shape(tuple(single.compute_output_shape((3, 5))), (3, 7),
                 "Lambda(output_shape=(7,)).compute_output_shape((3, 5))")
    several = layers.Lambda(lambda t: t[0] + t[1], output_shape=(5,))
    assert_shape(tuple(several.compute_output_shape([(3, 5), (None, 5)])), (3, 5),
                 "Lambda(output_shape=(5,)).compute_output_shape([(3, 5), (None, 5)])")
    pair = layers.Lambda(lambda x: [x, x], output_shape=[(2,), (4, 6)])
    got = [tuple(shape) for shape in pair.compute_output_shape((3, 5))]
    assert got == [(3, 2), (3, 4, 6)], got


@pytest.mark.behavior("layers.lambda.from_config.bytecode")
@pytest.mark.parametrize("module", ["absent", "not loaded"])
def test_from_config_without_the_functions_module(keras, adapter, module):
    # the module only adds globals: a config without it, or naming a module that is not
    # loaded (tf-keras 2 warns then), still rebuilds a function that needs none
    config = keras.layers.Lambda(lambda x, factor=2.5: x * factor).get_config()
    if module == "absent":
        config.pop("module", None)
    else:
        config["module"] = "no_such_module_hg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rebuilt = keras.layers.Lambda.from_config(config)
    assert_allclose(run(rebuilt, adapter), X * 2.5, **TOL,
                    what=f"Lambda.from_config of a config with its module {module}")
