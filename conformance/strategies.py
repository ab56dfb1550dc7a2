"""Shared hypothesis strategies for the conformance suite.

Sizes are kept small on purpose: TensorFlow builds each model in 100s of ms, and a property
about shapes or weights holds (or fails) just as well for 3 units as for 300. Draw with a
label: ``data.draw(units(), label="units")``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def units(max_value: int = 8) -> st.SearchStrategy[int]:
    """A layer's number of units (output features)."""
    return st.integers(min_value=1, max_value=max_value)


def input_dims(max_value: int = 8) -> st.SearchStrategy[int]:
    """The size of a 2D layer's input feature axis (``input_dim``)."""
    return st.integers(min_value=1, max_value=max_value)


def batch_sizes(max_value: int = 5) -> st.SearchStrategy[int]:
    """A number of samples in one batch."""
    return st.integers(min_value=1, max_value=max_value)


def shapes(
    min_dims: int = 1, max_dims: int = 3, min_side: int = 1, max_side: int = 5
) -> st.SearchStrategy[tuple[int, ...]]:
    """A shape without the batch axis, e.g. an ``input_shape`` argument."""
    return st.lists(
        st.integers(min_value=min_side, max_value=max_side), min_size=min_dims, max_size=max_dims
    ).map(tuple)


def float32_arrays(
    shape, min_value: float = -1.0, max_value: float = 1.0
) -> st.SearchStrategy[np.ndarray]:
    """Finite float32 arrays in a small range, so sums of products stay well inside float32."""
    return hnp.arrays(
        np.float32,
        shape,
        elements=st.floats(min_value=min_value, max_value=max_value, width=32),
    )


def int_sequences(
    min_len: int = 0, max_len: int = 6, min_value: int = -9, max_value: int = 9
) -> st.SearchStrategy[list[int]]:
    """One sequence of integers (a list, possibly empty)."""
    return st.lists(
        st.integers(min_value=min_value, max_value=max_value), min_size=min_len, max_size=max_len
    )


def float_sequences(
    min_len: int = 0, max_len: int = 6, min_value: float = -10.0, max_value: float = 10.0
) -> st.SearchStrategy[list[float]]:
    """One sequence of floats, each exactly representable in float32."""
    return st.lists(
        st.floats(min_value=min_value, max_value=max_value, width=32),
        min_size=min_len,
        max_size=max_len,
    )


def nested_int_sequences(
    min_count: int = 1, max_count: int = 5, **sequence_kwargs
) -> st.SearchStrategy[list[list[int]]]:
    """A list of integer sequences of varying lengths (the input of ``pad_sequences``)."""
    return st.lists(int_sequences(**sequence_kwargs), min_size=min_count, max_size=max_count)


def nested_float_sequences(
    min_count: int = 1, max_count: int = 5, **sequence_kwargs
) -> st.SearchStrategy[list[list[float]]]:
    """A list of float sequences of varying lengths."""
    return st.lists(float_sequences(**sequence_kwargs), min_size=min_count, max_size=max_count)
