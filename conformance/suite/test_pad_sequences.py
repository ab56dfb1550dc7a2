"""keras.preprocessing.sequence.pad_sequences.

Spec: 002_99f94cc914f1cc8c.txt §1.1: sequences is a two-level nested list of floats or
integers, truncated or padded to maxlen; signature pad_sequences(sequences, maxlen=None,
dtype='int32', padding='pre', truncating='pre', value=0.).
Keras 2 API docstring (tensorflow.org/versions/r2.13/api_docs/python/tf/keras/utils/pad_sequences):
the result is a NumPy array of shape (len(sequences), num_timesteps), num_timesteps being maxlen
or else the longest sequence's length; shorter sequences are padded with `value`, longer ones
truncated; `padding` / `truncating` ('pre' or 'post') say where; pre is the default; ValueError
for invalid `padding` or `truncating` values.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conformance import strategies as cst
from conformance.assertions import assert_array_equal, assert_shape

SIDES = ["pre", "post"]


def documented_pad(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                   value=0.0):
    """pad_sequences as the documentation describes it, written without looking at any
    implementation."""
    length = maxlen if maxlen is not None else max((len(s) for s in sequences), default=0)
    rows = []
    for seq in sequences:
        seq = list(seq)
        if len(seq) > length:  # 'pre' removes values from the beginning, 'post' from the end
            seq = seq[len(seq) - length:] if truncating == "pre" else seq[:length]
        fill = [value] * (length - len(seq))
        rows.append(fill + seq if padding == "pre" else seq + fill)
    return np.array(rows, dtype=dtype).reshape(len(sequences), length)


def pad(keras, sequences, **kwargs):
    return keras.preprocessing.sequence.pad_sequences(sequences, **kwargs)


def call_text(kwargs):
    return "pad_sequences(seqs, " + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"


DOCUMENTED_EXAMPLES = [
    ({}, [[0, 0, 1], [0, 2, 3], [4, 5, 6]]),
    ({"value": -1}, [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]),
    ({"padding": "post"}, [[1, 0, 0], [2, 3, 0], [4, 5, 6]]),
    ({"maxlen": 2}, [[0, 1], [2, 3], [5, 6]]),
]


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.documented_examples")
@pytest.mark.parametrize(("kwargs", "expected"), DOCUMENTED_EXAMPLES)
def test_documented_examples(keras, kwargs, expected):
    got = pad(keras, [[1], [2, 3], [4, 5, 6]], **kwargs)

    assert_array_equal(got, np.array(expected, dtype="int32"), call_text(kwargs))


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.maxlen.none")
@given(data=st.data())
def test_without_maxlen_pads_to_the_longest_sequence(keras, data):
    sequences = data.draw(cst.nested_int_sequences(), label="sequences")
    kwargs = {"padding": data.draw(st.sampled_from(SIDES), label="padding")}

    got = pad(keras, sequences, **kwargs)

    assert isinstance(got, np.ndarray), f"{call_text(kwargs)} type: got {type(got)}"
    longest = max(len(s) for s in sequences)
    assert_shape(got.shape, (len(sequences), longest), call_text(kwargs))
    assert_array_equal(got, documented_pad(sequences, **kwargs), call_text(kwargs))


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.maxlen.given")
@given(data=st.data())
def test_with_maxlen_every_row_has_maxlen_values(keras, data):
    sequences = data.draw(cst.nested_int_sequences(max_len=8), label="sequences")
    kwargs = {
        "maxlen": data.draw(st.integers(min_value=1, max_value=6), label="maxlen"),
        "padding": data.draw(st.sampled_from(SIDES), label="padding"),
        "truncating": data.draw(st.sampled_from(SIDES), label="truncating"),
        "value": data.draw(st.integers(min_value=-5, max_value=5), label="value"),
    }

    got = pad(keras, sequences, **kwargs)

    assert isinstance(got, np.ndarray), f"{call_text(kwargs)} type: got {type(got)}"
    assert_shape(got.shape, (len(sequences), kwargs["maxlen"]), call_text(kwargs))
    assert_array_equal(got, documented_pad(sequences, **kwargs), call_text(kwargs))


@pytest.mark.parametrize(
    "padding",
    [
        pytest.param("pre", marks=pytest.mark.behavior(
            "preprocessing.sequence.pad_sequences.padding.pre")),
        pytest.param("post", marks=pytest.mark.behavior(
            "preprocessing.sequence.pad_sequences.padding.post")),
    ],
)
@given(data=st.data())
def test_padding_side(keras, padding, data):
    sequences = data.draw(cst.nested_int_sequences(min_value=1), label="sequences")
    longest = max(len(s) for s in sequences)
    # maxlen is None or at least the longest length: nothing is truncated, only padded.
    maxlen = data.draw(st.none() | st.integers(min_value=max(longest, 1), max_value=8),
                       label="maxlen")
    kwargs = {"maxlen": maxlen, "padding": padding}

    got = pad(keras, sequences, **kwargs)

    assert_array_equal(got, documented_pad(sequences, **kwargs), call_text(kwargs))


@pytest.mark.parametrize(
    "truncating",
    [
        pytest.param("pre", marks=pytest.mark.behavior(
            "preprocessing.sequence.pad_sequences.truncating.pre")),
        pytest.param("post", marks=pytest.mark.behavior(
            "preprocessing.sequence.pad_sequences.truncating.post")),
    ],
)
@given(data=st.data())
def test_truncating_side(keras, truncating, data):
    sequences = data.draw(cst.nested_int_sequences(max_len=8), label="sequences")
    longest = max(len(s) for s in sequences)
    assume(longest >= 2)
    # maxlen below the longest length: at least one sequence is truncated.
    kwargs = {
        "maxlen": data.draw(st.integers(min_value=1, max_value=longest - 1), label="maxlen"),
        "padding": data.draw(st.sampled_from(SIDES), label="padding"),
        "truncating": truncating,
    }

    got = pad(keras, sequences, **kwargs)

    assert_array_equal(got, documented_pad(sequences, **kwargs), call_text(kwargs))


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.value")
@given(data=st.data())
def test_value_fills_the_padding(keras, data):
    # Values 1..9 in the sequences, so a padding value <= 0 is told apart from the data.
    sequences = data.draw(cst.nested_int_sequences(min_value=1), label="sequences")
    kwargs = {
        "maxlen": data.draw(st.none() | st.integers(min_value=1, max_value=8), label="maxlen"),
        "padding": data.draw(st.sampled_from(SIDES), label="padding"),
        "value": data.draw(st.integers(min_value=-9, max_value=0), label="value"),
    }

    got = pad(keras, sequences, **kwargs)

    assert_array_equal(got, documented_pad(sequences, **kwargs), call_text(kwargs))


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.dtype.default_int32")
@given(sequences=cst.nested_int_sequences())
def test_default_dtype_is_int32(keras, sequences):
    got = pad(keras, sequences)

    assert got.dtype == np.int32, f"pad_sequences(seqs).dtype: got {got.dtype}, expected int32"
    assert_array_equal(got, documented_pad(sequences), "pad_sequences(seqs)")


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.dtype.float32")
@given(data=st.data())
def test_float32_dtype_keeps_fractional_values(keras, data):
    sequences = data.draw(cst.nested_float_sequences(), label="sequences")
    kwargs = {
        "maxlen": data.draw(st.none() | st.integers(min_value=1, max_value=8), label="maxlen"),
        "dtype": "float32",
        "padding": data.draw(st.sampled_from(SIDES), label="padding"),
        "truncating": data.draw(st.sampled_from(SIDES), label="truncating"),
        "value": data.draw(st.floats(min_value=-10, max_value=10, width=32), label="value"),
    }

    got = pad(keras, sequences, **kwargs)

    assert got.dtype == np.float32, f"{call_text(kwargs)} dtype: got {got.dtype}"
    # Every drawn float is exact in float32, so the values must come back unchanged.
    assert_array_equal(got, documented_pad(sequences, **kwargs), call_text(kwargs))


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.dtype.float32")
def test_float32_dtype_fractional_example(keras):
    got = pad(keras, [[1.5, 2.25], [0.125]], dtype="float32", value=0.5)

    expected = np.array([[1.5, 2.25], [0.5, 0.125]], dtype="float32")
    assert_array_equal(got, expected, "pad_sequences([[1.5, 2.25], [0.125]], dtype='float32', "
                                      "value=0.5)")


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.empty_sequence")
@given(data=st.data())
def test_an_empty_sequence_becomes_a_row_of_value(keras, data):
    sequences = data.draw(cst.nested_int_sequences(min_value=1), label="sequences")
    position = data.draw(st.integers(min_value=0, max_value=len(sequences)), label="position")
    sequences = sequences[:position] + [[]] + sequences[position:]
    kwargs = {
        "maxlen": data.draw(st.none() | st.integers(min_value=1, max_value=8), label="maxlen"),
        "padding": data.draw(st.sampled_from(SIDES), label="padding"),
        "value": data.draw(st.integers(min_value=-9, max_value=0), label="value"),
    }

    got = pad(keras, sequences, **kwargs)

    assert_array_equal(got, documented_pad(sequences, **kwargs), call_text(kwargs))
    width = got.shape[1]
    assert_array_equal(got[position], np.full(width, kwargs["value"], dtype="int32"),
                       f"row {position} (the empty sequence) of {call_text(kwargs)}")


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.no_sequences")
@pytest.mark.parametrize("maxlen", [1, 4])
def test_no_sequences_give_zero_rows_of_maxlen(keras, maxlen):
    # the documented result shape (len(sequences), maxlen) with len(sequences) == 0
    got = pad(keras, [], maxlen=maxlen)

    assert_array_equal(got, np.zeros((0, maxlen), dtype="int32"), f"pad_sequences([], {maxlen=})")


INVALID_SIDES = ["middle", "both", "start", "end", "left", ""]


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.invalid_padding")
@pytest.mark.parametrize("padding", INVALID_SIDES)
def test_invalid_padding_raises_value_error(keras, padding):
    with pytest.raises(ValueError):
        pad(keras, [[1], [2, 3, 4]], padding=padding)


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.invalid_truncating")
@pytest.mark.parametrize("truncating", INVALID_SIDES)
def test_invalid_truncating_raises_value_error(keras, truncating):
    # maxlen=2 makes the second sequence need truncating.
    with pytest.raises(ValueError):
        pad(keras, [[1], [2, 3, 4]], maxlen=2, truncating=truncating)
