"""``keras.utils``."""

# ruff: noqa: F401
from reference_impl.utils.np_utils import normalize, set_random_seed, to_categorical
