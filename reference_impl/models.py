"""``keras.models``: Model, Sequential, and loading models back."""

# ruff: noqa: F401
from reference_impl.engine.functional import Model
from reference_impl.engine.saving import load_model, model_from_json, model_from_yaml
from reference_impl.engine.sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model of the same architecture with freshly initialized weights."""
    return type(model).from_config(model.get_config())
