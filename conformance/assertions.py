"""Assertion helpers with messages that say what was got, what was expected, and from what.

They hide their own frames (``__tracebackhide__``) so a failure points at the test line.
"""

from __future__ import annotations

import numpy as np


def as_shape(shape) -> tuple:
    """A shape as a plain tuple of int/None, whatever the implementation returns
    (tuple, list, TensorShape)."""
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    return tuple(None if d is None else int(d) for d in shape)


def assert_shape(got, expected, what: str = "") -> None:
    __tracebackhide__ = True
    got_t, expected_t = as_shape(got), as_shape(expected)
    assert got_t == expected_t, f"shape: got {got_t}, expected {expected_t} [{what}]"


def assert_allclose(got, expected, *, rtol: float = 1e-6, atol: float = 1e-6, what: str = ""):
    __tracebackhide__ = True
    got_a = np.asarray(got)
    expected_a = np.asarray(expected)
    assert got_a.shape == expected_a.shape, (
        f"shape: got {got_a.shape}, expected {expected_a.shape} [{what}]"
    )
    if not np.allclose(got_a, expected_a, rtol=rtol, atol=atol, equal_nan=True):
        diff = np.abs(got_a.astype(float) - expected_a.astype(float))
        worst = np.unravel_index(np.nanargmax(diff), diff.shape) if diff.size else ()
        raise AssertionError(
            f"values differ (rtol={rtol}, atol={atol}): max |diff| {np.nanmax(diff):.3g} at "
            f"{worst}: got {got_a[worst]!r}, expected {expected_a[worst]!r} [{what}]"
        )


def assert_array_equal(got, expected, what: str = "") -> None:
    __tracebackhide__ = True
    got_a, expected_a = np.asarray(got), np.asarray(expected)
    assert got_a.shape == expected_a.shape, (
        f"shape: got {got_a.shape}, expected {expected_a.shape} [{what}]"
    )
    assert got_a.dtype == expected_a.dtype or expected_a.dtype == object, (
        f"dtype: got {got_a.dtype}, expected {expected_a.dtype} [{what}]"
    )
    assert np.array_equal(got_a, expected_a), (
        f"values: got\n{got_a}\nexpected\n{expected_a} [{what}]"
    )
