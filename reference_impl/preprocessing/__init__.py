"""``keras.preprocessing``: sequence and text utilities."""

# ruff: noqa: F401
from reference_impl.preprocessing import image, sequence, text
