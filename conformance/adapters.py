"""NumPy in, NumPy out: the plumbing between a test and the implementation under test.

Tests build their inputs as NumPy arrays and read results back as NumPy arrays. Where an API
needs the implementation's own tensor or variable (an activation that rejects arrays, an
optimizer's ``apply_gradients``), the test asks the adapter, never ``keras.backend``: a missing
``K.constant`` must not read as a broken ``mse``. Each implementation gets the adapter its
family documents:

- Keras 2 (tf-keras): ``tf.constant`` / ``tf.Variable`` / ``.numpy()``, TensorFlow's own API;
- Keras 3 (any backend): ``keras.ops.convert_to_tensor`` / ``keras.Variable`` /
  ``keras.ops.convert_to_numpy``;
- the reference: its autodiff ``Tensor`` and ``Variable``.

A third-party namespace (``module:my_keras``) may bring its own: an attribute
``conformance_adapter`` with the three methods below. Otherwise it gets the Keras 3 adapter
when it has ``ops.convert_to_tensor``, else the Keras 2 backend functions.
"""

from __future__ import annotations

import sys
from types import ModuleType

import numpy as np


class TensorAdapter:
    """Converts between NumPy arrays and one implementation's tensors."""

    name = "numpy"

    def to_tensor(self, array, dtype=None):
        """A tensor of the implementation holding ``array`` (float32 unless given)."""
        raise NotImplementedError

    def variable(self, array):
        """A trainable variable of the implementation holding ``array`` (float32)."""
        raise NotImplementedError

    def _leaf_to_numpy(self, value) -> np.ndarray:
        return np.asarray(value)

    def to_numpy(self, value):
        """NumPy arrays from a tensor, a variable, an array, or a list/tuple/dict of them."""
        if isinstance(value, list | tuple):
            return [self.to_numpy(v) for v in value]
        if isinstance(value, dict):
            return {k: self.to_numpy(v) for k, v in value.items()}
        if isinstance(value, np.ndarray | np.generic | int | float | bool):
            return np.array(value)
        # a copy: a variable read back must not change with later updates
        return np.array(self._leaf_to_numpy(value))


def _float32(array, dtype):
    """``array`` as NumPy: floats become float32 (Keras' floatx), integers keep their type."""
    a = np.asarray(array)
    if dtype is not None:
        return a.astype(dtype)
    return a.astype("float32") if a.dtype.kind == "f" else a


class TensorFlowAdapter(TensorAdapter):
    """Keras 2 on TensorFlow (tf-keras): TensorFlow's eager tensors and variables."""

    name = "tensorflow"

    def __init__(self):
        self.tf = sys.modules["tensorflow"]

    def to_tensor(self, array, dtype=None):
        return self.tf.constant(_float32(array, dtype))

    def variable(self, array):
        return self.tf.Variable(np.asarray(array, dtype="float32"))

    def _leaf_to_numpy(self, value):
        return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


class Keras3Adapter(TensorAdapter):
    """Keras 3 on any backend: the backend-neutral ``keras.ops`` conversions."""

    name = "keras.ops"

    def __init__(self, keras: ModuleType):
        self.keras = keras

    def to_tensor(self, array, dtype=None):
        return self.keras.ops.convert_to_tensor(_float32(array, dtype))

    def variable(self, array):
        return self.keras.Variable(np.asarray(array, dtype="float32"))

    def _leaf_to_numpy(self, value):
        return np.asarray(self.keras.ops.convert_to_numpy(value))


class ReferenceAdapter(TensorAdapter):
    """The reference implementation's autodiff tensors."""

    name = "reference_impl.autodiff"

    def __init__(self):
        from reference_impl import autodiff

        self.autodiff = autodiff

    def to_tensor(self, array, dtype=None):
        return self.autodiff.Tensor(_float32(array, dtype))

    def variable(self, array):
        return self.autodiff.Variable(np.asarray(array, dtype="float32"))

    def _leaf_to_numpy(self, value):
        return np.asarray(value.data if isinstance(value, self.autodiff.Tensor) else value)


class Keras2BackendAdapter(TensorAdapter):
    """A third-party Keras 2 namespace: its documented ``backend`` conversions."""

    name = "keras.backend"

    def __init__(self, keras: ModuleType):
        self.backend = keras.backend

    def to_tensor(self, array, dtype=None):
        return self.backend.constant(_float32(array, dtype))

    def variable(self, array):
        return self.backend.variable(np.asarray(array, dtype="float32"))

    def _leaf_to_numpy(self, value):
        return np.asarray(self.backend.get_value(value))


def for_namespace(keras: ModuleType) -> TensorAdapter:
    """The adapter a namespace without a registered one gets (see the module docstring)."""
    own = getattr(keras, "conformance_adapter", None)
    if own is not None:
        return own
    ops = getattr(keras, "ops", None)
    if ops is not None and hasattr(ops, "convert_to_tensor") and hasattr(keras, "Variable"):
        return Keras3Adapter(keras)
    return Keras2BackendAdapter(keras)
