"""Lambda (keras.io/2/api/layers/core_layers/lambda): wraps an expression,
``Lambda(function, output_shape=None, mask=None, arguments=None)``.

- ``function(inputs, **arguments)`` is the forward pass (it also gets ``mask`` and
  ``training`` when it names them).
- ``output_shape``: a tuple without the batch axis, or a function of the input shape; it is
  what ``compute_output_shape`` answers. Without it the shape is found by running the function.
- ``mask``: a function ``(inputs, mask) -> mask`` or a constant, the output mask; without one
  the output has no mask (the input mask stops here, as in tf-keras 2).
- ``get_config()`` holds the function as tf-keras 2 writes it (``func_dump``: base64 marshal
  of its bytecode, defaults, closure; ``function_type: 'lambda'``). ``from_config`` rebuilds
  it from that bytecode unless safe mode is on (``safe_mode_scope(True)``, used by loaders of
  files), which raises ValueError as tf-keras 2.13+ does.
"""

from __future__ import annotations

import codecs
import contextlib
import inspect
import marshal
import sys
import types

import numpy as np

from reference_impl import autodiff as ad
from reference_impl.engine.base_layer import Layer

_SAFE_MODE = [None]  # None: not inside a loader (from_config called directly)

UNSAFE_LAMBDA = (
    "Requested the deserialization of a Lambda layer with a Python `lambda` inside it. This "
    "carries a potential risk of arbitrary code execution and thus it is disallowed by default. "
    "If you trust the source of the saved model, you can pass `safe_mode=False` to the loading "
    "function in order to allow Lambda layer loading.")


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    """Within: Lambda.from_config refuses serialized bytecode when ``safe_mode`` is true."""
    previous, _SAFE_MODE[0] = _SAFE_MODE[0], safe_mode
    try:
        yield
    finally:
        _SAFE_MODE[0] = previous


def func_dump(function) -> tuple:
    code = codecs.encode(marshal.dumps(function.__code__), "base64").decode("ascii")
    closure = (tuple(cell.cell_contents for cell in function.__closure__)
               if function.__closure__ else None)
    return code, function.__defaults__, closure


def func_load(code, defaults=None, closure=None, globs=None):
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    defaults = tuple(defaults) if isinstance(defaults, list) else defaults
    compiled = marshal.loads(codecs.decode(code.encode("ascii"), "base64"))
    if closure is not None:
        closure = tuple(types.CellType(value) for value in closure)
    return types.FunctionType(compiled, globs if globs is not None else {}, compiled.co_name,
                              defaults, closure)


class Lambda(Layer):
    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        # tf-keras 2: a layer that overrides compute_mask supports masking, so every Lambda
        self.supports_masking = True
        parameters = inspect.signature(function).parameters
        self._function_takes = {name for name in ("mask", "training") if name in parameters}

    def call(self, inputs, mask=None, training=None):
        extra = dict(self.arguments)
        if "mask" in self._function_takes:
            extra["mask"] = mask
        if "training" in self._function_takes:
            extra["training"] = training
        result = self.function(inputs, **extra)
        return result if isinstance(result, (list, tuple)) else ad.as_tensor(result)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        first = input_shape[0] if isinstance(input_shape, list) else input_shape
        batch = first[0] if first else None
        shapes = self._output_shape
        if isinstance(shapes, list):
            return [(batch, *tuple(s)) for s in shapes]
        return (batch, *tuple(np.atleast_1d(shapes).tolist()))

    def get_config(self):
        config = {**super().get_config()}
        config.update(zip(("function", "function_type", "module"),
                          _function_config(self.function), strict=True))
        config.update(zip(("output_shape", "output_shape_type", "output_shape_module"),
                          _function_config(self._output_shape, allow_raw=True), strict=True))
        if self.mask is not None:  # a constant mask is refused, as tf-keras 2 does
            config.update(zip(("mask", "mask_type", "mask_module"),
                              _function_config(self.mask), strict=True))
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["function"] = _parse(config, custom_objects, "function", "module",
                                    "function_type")
        config["output_shape"] = _parse(config, custom_objects, "output_shape",
                                        "output_shape_module", "output_shape_type")
        if "mask" in config:
            config["mask"] = _parse(config, custom_objects, "mask", "mask_module", "mask_type")
        known = ("function", "output_shape", "mask", "arguments", "name", "trainable", "dtype")
        return cls(**{k: config[k] for k in known if k in config})


def _function_config(value, allow_raw=False) -> tuple:
    if isinstance(value, types.FunctionType):
        return func_dump(value), "lambda", value.__module__
    if callable(value):
        return value.__name__, "function", getattr(value, "__module__", None)
    if not allow_raw:
        raise ValueError(f"Invalid input for serialization, type: {type(value)} ")
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return value, "raw", None


def _parse(config, custom_objects, key, module_key, type_key):
    module = config.pop(module_key, None)
    kind = config.pop(type_key, "raw")
    value = config.get(key)
    if kind == "raw":
        return tuple(value) if isinstance(value, list) and key == "output_shape" else value
    if kind == "function":
        found = (custom_objects or {}).get(value)
        if found is None and module in sys.modules:
            found = getattr(sys.modules[module], value, None)
        if found is None:
            raise ValueError(f"Unknown function in Lambda layer: {value!r}. Please ensure this "
                             f"object is passed to the `custom_objects` argument.")
        return found
    if kind == "lambda":
        if _SAFE_MODE[0]:
            raise ValueError(UNSAFE_LAMBDA)
        globs = dict(vars(sys.modules[module])) if module in sys.modules else {}
        globs.update(custom_objects or {})
        return func_load(value, globs=globs)
    raise TypeError(f"Unsupported value for `{type_key}` argument. Received: {type_key}="
                    f"{kind}. Expected one of ['function', 'lambda', 'raw']")
