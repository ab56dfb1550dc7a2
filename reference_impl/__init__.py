"""A small NumPy implementation of Keras 2, used as ``import reference_impl as keras``.

It exists so that every conformance test is known to be satisfiable, and as a readable
statement of what the documented behaviour is. Layers write only their forward pass; the
gradients come from ``reference_impl.autodiff``.
"""

# ruff: noqa: F401, E402
__version__ = "0.1.0"
__keras_api_version__ = "2"  # the Keras API it implements (the registry reads this)

from reference_impl._memory import keep_freed_memory

keep_freed_memory()

from reference_impl import (
    activations,
    backend,
    callbacks,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    preprocessing,
    regularizers,
    utils,
)
from reference_impl.engine.functional import Model
from reference_impl.engine.input_layer import Input
from reference_impl.engine.sequential import Sequential
