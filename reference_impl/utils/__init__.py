"""``keras.utils``."""

# ruff: noqa: F401
from reference_impl.utils.np_utils import normalize, to_categorical
