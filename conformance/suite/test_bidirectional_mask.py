"""The output masks of a Bidirectional RNN (Bidirectional.compute_mask).

Keras 2 API: keras.io/2.x/api/layers/recurrent_layers/bidirectional (merge_mode: "If None, the
outputs will not be combined, they will be returned as a list"; the call argument mask; a
Bidirectional of an RNN with return_state returns the merged output(s) then the forward and the
backward states) and the guide "Masking and padding with Keras" (tensorflow.org/guide/keras/
understanding_masking_and_padding: a layer that returns sequences passes the time-step mask on,
one that returns a single vector per sample consumes it).

What tf-keras 2.21 answers (tf_keras/src/layers/rnn/bidirectional.py compute_mask): the input
mask (the first entry when a list of masks comes with initial states) for each sequence output
when return_sequences, None otherwise; a list of two when merge_mode is None, a single mask
otherwise; with return_state a list, the output mask(s) then one None per state of each
direction. Masks are compared as NumPy booleans; None must be None.
"""

import numpy as np
import pytest

MASK = np.array([[True, True, False, False], [True, True, True, False]])
X = np.random.default_rng(41).uniform(-1, 1, size=(2, 4, 3)).astype("float32")
STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}


def expected_mask(merge_mode, return_sequences, return_state, n_states):
    output = MASK if return_sequences else None
    outputs = [output] if merge_mode is not None else [output, output]
    if return_state:
        return outputs + [None] * (2 * n_states)
    return outputs[0] if merge_mode is not None else outputs


def as_numpy(adapter, masks):
    """Masks as NumPy (None stays None), a list for a list."""
    if isinstance(masks, (list, tuple)):
        return [None if m is None else adapter.to_numpy(m) for m in masks]
    return None if masks is None else adapter.to_numpy(masks)


def check(got, expected, what):
    if expected is None or not isinstance(expected, list):
        got, expected = [got], [expected]
        assert not isinstance(got[0], (list, tuple)), f"{what}: got a list {got[0]}, expected one"
    assert isinstance(got, (list, tuple)) and len(got) == len(expected), (
        f"{what}: got {got}, expected {len(expected)} masks")
    for index, (mask, want) in enumerate(zip(got, expected, strict=True)):
        if want is None:
            assert mask is None, f"{what}[{index}]: got {mask}, expected None"
        else:
            assert mask is not None, f"{what}[{index}]: got None, expected the input mask"
            np.testing.assert_array_equal(np.asarray(mask).astype(bool), want,
                                          err_msg=f"{what}[{index}]")


def output_masks(keras, adapter, rnn, merge_mode, return_sequences, return_state):
    layer = keras.layers.Bidirectional(
        getattr(keras.layers, rnn)(2, return_sequences=return_sequences,
                                   return_state=return_state), merge_mode=merge_mode)
    got = layer.compute_mask(adapter.to_tensor(X), adapter.to_tensor(MASK, dtype="bool"))
    what = (f"Bidirectional({rnn}(return_sequences={return_sequences}, return_state="
            f"{return_state}), merge_mode={merge_mode!r}).compute_mask")
    check(as_numpy(adapter, got),
          expected_mask(merge_mode, return_sequences, return_state, STATES[rnn]), what)


@pytest.mark.behavior("layers.wrappers.bidirectional.compute_mask")
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_output_masks(keras, adapter, return_sequences, merge_mode):
    output_masks(keras, adapter, "LSTM", merge_mode, return_sequences, False)


@pytest.mark.behavior("layers.wrappers.bidirectional.compute_mask")
@pytest.mark.parametrize("merge_mode", ["concat", "sum", None])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("rnn", ["LSTM", "GRU"])
def test_bidirectional_output_masks_with_return_state(keras, adapter, rnn, merge_mode,
                                                      return_sequences):
    # one None per state of each direction after the output mask(s): 2 x 2 for LSTM (h, c),
    # 2 x 1 for GRU
    output_masks(keras, adapter, rnn, merge_mode, return_sequences, True)


@pytest.mark.behavior("layers.wrappers.bidirectional.compute_mask")
@pytest.mark.parametrize("merge_mode", ["concat", None])
def test_bidirectional_mask_from_a_list_of_masks(keras, adapter, merge_mode):
    # called with initial states, the layer gets [inputs, *states] and a mask per entry: the
    # first one is the time-step mask
    layer = keras.layers.Bidirectional(keras.layers.SimpleRNN(2, return_sequences=True),
                                       merge_mode=merge_mode)
    got = layer.compute_mask(adapter.to_tensor(X),
                             [adapter.to_tensor(MASK, dtype="bool"), None, None])
    got = as_numpy(adapter, got)
    check(got, expected_mask(merge_mode, True, False, 1),
          f"Bidirectional(SimpleRNN(return_sequences=True), merge_mode={merge_mode!r})"
          ".compute_mask(x, [mask, None, None])")


@pytest.mark.behavior("layers.wrappers.bidirectional.compute_mask")
def test_bidirectional_sequence_mask_reaches_the_next_rnn(keras, adapter):
    # Embedding(mask_zero) -> Bidirectional(return_sequences) -> LSTM: the LSTM sees the mask
    # passed on, so a padded sequence gives the output of its unpadded steps alone
    layers = keras.layers
    embedding = layers.Embedding(6, 3, mask_zero=True)
    middle = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True), merge_mode="sum")
    last = layers.LSTM(2)
    ids = np.array([[4, 2, 5, 0, 0]], "int32")

    def model(length):
        return keras.models.Sequential([layers.Input(shape=(length,), dtype="int32"),
                                        embedding, middle, last])

    padded = adapter.to_numpy(model(5)(adapter.to_tensor(ids)))
    alone = adapter.to_numpy(model(3)(adapter.to_tensor(ids[:, :3])))
    np.testing.assert_allclose(padded, alone, rtol=1e-5, atol=1e-6,
                               err_msg="padded ids vs the same ids without padding")
