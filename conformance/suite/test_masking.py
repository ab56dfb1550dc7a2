"""Masking: padded time steps that downstream layers and the loss skip.

Keras 2 API: keras.io/2.x/api/layers/core_layers/embedding (mask_zero: "whether or not the input
value 0 is a special 'padding' value that should be masked out"), .../core_layers/masking
("for each timestep in the input tensor, if all values at that timestep are equal to
mask_value, then the timestep will be masked (skipped) in all downstream layers (as long as
they support masking)"), the guide "Masking and padding with Keras" (tensorflow.org/guide/keras/
understanding_masking_and_padding, tf-keras 2: mask-generating layers Embedding and Masking;
RNN layers, GlobalAveragePooling1D and the loss consume the mask; TimeDistributed, Dense,
Bidirectional pass it on).

Values are golden, recorded from tf-keras 2.21 (fixtures/record_masking.py: the model as data,
explicit weights, ids padded at the end, at the start and in the middle), or relations that
hold exactly (a masked sequence gives the last output of the same sequence with the masked
steps removed).
"""

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import golden
from conformance.assertions import assert_allclose
from conformance.layer_specs import build_sequential

build = build_sequential  # the recorder builds the same way


def golden_model(keras, name):
    case = golden.case("masking", name)
    model = build(keras, case["model"])
    model.set_weights(case.input("weights"))
    return model, case


def run(model, adapter, data):
    """model(data) eagerly (as documented for a model called on arrays): predict would trace
    a new graph function for every small model, ten times slower on tf.keras."""
    return adapter.to_numpy(model(adapter.to_tensor(data)))


def check_predict(keras, adapter, name, what):
    __tracebackhide__ = True
    model, case = golden_model(keras, name)
    got = run(model, adapter, case.input("data"))
    assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol,
                    what=f"{what} [masking.json: {name}]")


# -- mask-generating layers ----------------------------------------------------------------
@pytest.mark.behavior("layers.masking.embedding_mask_zero.compute_mask")
def test_embedding_mask_zero_masks_index_zero(keras, adapter):
    ids = np.array([[3, 1, 0, 0], [0, 2, 0, 5]], dtype="int32")
    layer = keras.layers.Embedding(6, 2, mask_zero=True)
    layer(ids)
    mask = adapter.to_numpy(layer.compute_mask(adapter.to_tensor(ids)))
    np.testing.assert_array_equal(mask.astype(bool), ids != 0,
                                  err_msg="Embedding(mask_zero=True).compute_mask(ids)")
    plain = keras.layers.Embedding(6, 2)
    plain(ids)
    assert plain.compute_mask(adapter.to_tensor(ids)) is None, "mask_zero=False: no mask"


@pytest.mark.behavior("layers.masking.masking_layer.compute_mask")
def test_masking_layer_masks_steps_that_all_equal_mask_value(keras, adapter):
    x = np.random.default_rng(1).uniform(1, 2, size=(2, 4, 3)).astype("float32")
    x[0, 1] = -1.0  # every feature equal to mask_value: masked
    x[1, 2, 0] = -1.0  # one feature only: kept
    layer = keras.layers.Masking(mask_value=-1.0)
    out = adapter.to_numpy(layer(x))
    mask = adapter.to_numpy(layer.compute_mask(adapter.to_tensor(x))).astype(bool)
    np.testing.assert_array_equal(mask, [[True, False, True, True], [True, True, True, True]],
                                  err_msg="Masking(-1.0).compute_mask(x)")
    expected = x * mask[..., None]  # masked steps come out as zeros, the others unchanged
    assert_allclose(out, expected, rtol=0, atol=0, what="Masking(-1.0)(x)")


# -- recurrent layers skip masked steps ----------------------------------------------------
@pytest.mark.behavior("layers.masking.embedding_mask_zero.simple_rnn")
@pytest.mark.parametrize("name", ["simplernn_last", "simplernn_seq"])
def test_simple_rnn_honours_embedding_mask(keras, adapter, name):
    check_predict(keras, adapter, name, "Embedding(mask_zero=True) -> SimpleRNN")


@pytest.mark.behavior("layers.masking.embedding_mask_zero.lstm")
@pytest.mark.parametrize("name", ["lstm_last", "lstm_seq"])
def test_lstm_honours_embedding_mask(keras, adapter, name):
    check_predict(keras, adapter, name, "Embedding(mask_zero=True) -> LSTM")


@pytest.mark.behavior("layers.masking.embedding_mask_zero.gru")
@pytest.mark.parametrize("name", ["gru_last", "gru_seq"])
def test_gru_honours_embedding_mask(keras, adapter, name):
    check_predict(keras, adapter, name, "Embedding(mask_zero=True) -> GRU")


@pytest.mark.behavior("layers.masking.rnn.sequence_output_carries_last")
@pytest.mark.parametrize("name", ["simplernn_seq", "lstm_seq", "gru_seq"])
def test_masked_steps_repeat_the_previous_output(keras, adapter, name):
    # return_sequences: a masked step's output is the previous step's (zeros before the
    # first unmasked step), as the states do not move.
    model, case = golden_model(keras, name)
    ids = case.input("data")
    got = run(model, adapter, ids)
    for row in range(len(ids)):
        for t in range(ids.shape[1]):
            if ids[row, t] == 0:
                previous = got[row, t - 1] if t else np.zeros_like(got[row, t])
                assert_allclose(got[row, t], previous, rtol=0, atol=0,
                                what=f"{name}: masked step {t} of row {row} vs step {t - 1}")


@functools.cache
def masked_and_short_models(keras, layer_name):
    """Masking -> RNN and the same RNN alone (shared weights), on sequences of any length: built
    once per layer type, as building recurrent models dominates this test on tf-keras."""
    layers = keras.layers
    rnn = getattr(layers, layer_name)(3)
    masked = keras.models.Sequential([layers.Input(shape=(None, 2)), layers.Masking(0.0), rnn])
    short = keras.models.Sequential([layers.Input(shape=(None, 2)), rnn])
    return masked, short


@pytest.mark.behavior("layers.masking.rnn.last_output_equals_truncated")
@given(data=st.data())
def test_last_output_of_masked_sequence_equals_truncated_sequence(keras, adapter, data):
    layer_name = data.draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), label="layer")
    steps = data.draw(st.integers(2, 5), label="steps")
    keep = data.draw(st.lists(st.booleans(), min_size=steps, max_size=steps)
                     .filter(any), label="unmasked steps")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    x = np.random.default_rng(seed).uniform(0.1, 1, size=(1, steps, 2)).astype("float32")
    x[0, ~np.array(keep)] = 0.0
    masked, short = masked_and_short_models(keras, layer_name)
    assert_allclose(run(masked, adapter, x), run(short, adapter, x[:, np.array(keep)]),
                    rtol=1e-5, atol=1e-6,
                    what=f"Masking -> {layer_name}: masked sequence vs the unmasked steps only")


@pytest.mark.behavior("layers.masking.rnn.call_mask_argument")
@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_mask_given_at_call_time(keras, adapter, name):
    # the layers' documented call argument: mask, a (batch, timesteps) boolean tensor
    x = np.random.default_rng(4).uniform(-1, 1, size=(2, 5, 3)).astype("float32")
    mask = np.array([[True, True, False, True, False], [False, True, True, True, True]])
    layer = getattr(keras.layers, name)(4)
    got = adapter.to_numpy(layer(adapter.to_tensor(x),
                                 mask=adapter.to_tensor(mask, dtype="bool")))
    for row in range(2):
        alone = adapter.to_numpy(layer(adapter.to_tensor(x[row:row + 1, mask[row]])))
        assert_allclose(got[row:row + 1], alone, rtol=1e-5, atol=1e-6,
                        what=f"{name}(x, mask=m), row {row}, vs the unmasked steps alone")


@pytest.mark.behavior("layers.masking.rnn.custom_cell")
def test_rnn_of_a_custom_cell_skips_masked_steps(keras, adapter):
    # the Keras 2 docs' MinimalRNNCell (K.dot written as @) inside RNN, after Masking
    from conformance.suite.test_stateful_rnn import minimal_rnn_cell

    x = np.random.default_rng(6).uniform(0.1, 1, size=(2, 5, 3)).astype("float32")
    x[0, 3:] = 0.0
    x[1, 1] = 0.0
    layers = keras.layers
    rnn = layers.RNN(minimal_rnn_cell(keras)(4), return_sequences=True)
    model = keras.models.Sequential([layers.Input(shape=(5, 3)), layers.Masking(0.0), rnn])
    got = run(model, adapter, x)
    keep = np.any(x != 0, axis=-1)
    for row in range(2):
        alone = run(keras.models.Sequential([layers.Input(shape=(int(keep[row].sum()), 3)),
                                             rnn]), adapter, x[row:row + 1, keep[row]])
        assert_allclose(got[row, keep[row]], alone[0], rtol=1e-5, atol=1e-6,
                        what=f"RNN(MinimalRNNCell) after Masking, row {row}: unmasked steps")
        for t in np.flatnonzero(~keep[row]):
            previous = got[row, t - 1] if t else np.zeros(4)
            assert_allclose(got[row, t], previous, rtol=0, atol=0,
                            what=f"row {row}, masked step {t}: the previous output")


@pytest.mark.behavior("layers.masking.rnn.go_backwards")
def test_go_backwards_honours_mask(keras, adapter):
    check_predict(keras, adapter, "lstm_go_backwards_seq",
                  "Embedding(mask_zero=True) -> LSTM(go_backwards=True, return_sequences=True)")


@pytest.mark.behavior("layers.masking.masking_layer.lstm")
def test_masking_layer_feeds_lstm(keras, adapter):
    check_predict(keras, adapter, "masking_lstm_seq",
                  "Masking(0.) -> LSTM(return_sequences=True)")


# -- wrappers and pooling ------------------------------------------------------------------
@pytest.mark.behavior("layers.masking.bidirectional")
@pytest.mark.parametrize("name", ["bidirectional_lstm_seq", "bidirectional_gru_last"])
def test_bidirectional_honours_mask(keras, adapter, name):
    # tf-keras 2: inside Bidirectional, sequence outputs are zeros at masked steps
    # (zero_output_for_mask), in both directions.
    check_predict(keras, adapter, name, "Embedding(mask_zero=True) -> Bidirectional(RNN)")


@pytest.mark.behavior("layers.masking.time_distributed")
def test_time_distributed_passes_the_mask_on(keras, adapter):
    check_predict(keras, adapter, "time_distributed_lstm",
                  "Embedding(mask_zero=True) -> TimeDistributed(Dense) -> LSTM")


@pytest.mark.behavior("layers.masking.global_average_pooling1d")
@pytest.mark.parametrize("name", ["gap1d", "dense_gap1d"])
def test_global_average_pooling_excludes_masked_steps(keras, adapter, name):
    check_predict(keras, adapter, name,
                  "Embedding(mask_zero=True) [-> Dense] -> GlobalAveragePooling1D")
    model, case = golden_model(keras, name)
    if name == "gap1d":  # the relation: the mean of the embeddings of the unmasked steps
        ids = case.input("data")
        vectors = case.input("weights")[0][ids].astype(np.float64)
        keep = (ids != 0)[..., None]
        expected = (vectors * keep).sum(axis=1) / keep.sum(axis=1)
        assert_allclose(run(model, adapter, ids), expected, rtol=1e-6, atol=1e-7,
                        what="GlobalAveragePooling1D vs mean over unmasked steps")


@pytest.mark.behavior("layers.masking.nested_model")
def test_masks_flow_into_and_out_of_a_nested_model(keras, adapter):
    # a model used as a layer: the mask reaches its layers, and its output keeps theirs
    ids = np.array([[3, 1, 0, 0], [0, 2, 4, 0]], dtype="int32")
    layers = keras.layers
    embedding = layers.Embedding(5, 3, mask_zero=True)
    lstm = layers.LSTM(2, return_sequences=True)
    inner = keras.models.Sequential([layers.Input(shape=(4, 3)), lstm])
    outer = keras.models.Sequential([layers.Input(shape=(4,), dtype="int32"), embedding, inner,
                                     layers.GlobalAveragePooling1D()])
    tensor = adapter.to_tensor(ids, dtype="int32")
    # the same layers, not nested: called directly, the LSTM given the Embedding's mask
    sequences = adapter.to_numpy(lstm(embedding(tensor), mask=embedding.compute_mask(tensor)))
    sequences = sequences.astype(np.float64)
    keep = (ids != 0)[..., None]
    assert_allclose(run(outer, adapter, ids), (sequences * keep).sum(axis=1) / keep.sum(axis=1),
                    rtol=1e-5, atol=1e-6,
                    what="Embedding(mask_zero) -> Sequential([LSTM]) -> GlobalAveragePooling1D")


# -- the loss of a masked sequence output --------------------------------------------------
def loss_model(keras):
    case = golden.case("masking", "loss_mse_sequence")
    model = build(keras, case["model"])
    model.set_weights(case.input("weights"))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse",
                  metrics=["mae"])
    return model, case


def evaluated_loss_model(keras):
    """loss_model for the tests that only evaluate and predict. Built for each test: a model
    cached across tests (to save its build and trace on tf-keras) broke on Keras 3's JAX
    backend, whose variables were uninitialized by the time a later test evaluated it
    ("'NoneType' object is not callable" in Variable.value), depending on which tests the
    worker had run in between; tests stay independent."""
    return loss_model(keras)


@pytest.mark.behavior("training.masking.loss_excludes_masked_steps")
def test_masked_steps_do_not_count_in_the_loss(keras):
    model, case = evaluated_loss_model(keras)
    ids, y = case.input("data"), case.input("y")
    got = model.evaluate(ids, y, batch_size=4, verbose=0)
    expected = case.expected["evaluate"]
    assert_allclose(got[0], expected[0], rtol=case.rtol, atol=case.atol,
                    what="evaluate(...)[0], masked sequence output, loss='mse'")
    # the relation: sum of the squared errors at unmasked steps / number of unmasked steps
    errors = ((model.predict(ids, verbose=0) - y) ** 2).mean(axis=-1)
    keep = ids != 0
    assert_allclose(got[0], (errors * keep).sum() / keep.sum(), rtol=1e-5, atol=1e-6,
                    what="loss vs mean squared error over the unmasked steps")
    by_sample = model.evaluate(ids, y, batch_size=1, verbose=0)  # each batch: its own mean
    assert_allclose(by_sample[0], case.expected["evaluate_batch_1"][0], rtol=case.rtol,
                    atol=case.atol, what="evaluate(batch_size=1)[0]")


@pytest.mark.behavior("training.masking.loss_sample_weight")
def test_sample_weights_multiply_the_mask(keras):
    # tf-keras 2: sum(loss * sample_weight * mask) / (number of unmasked steps)
    # metrics get the mask only, not the sample weights (compile_utils.MetricsContainer)
    model, case = evaluated_loss_model(keras)
    got = model.evaluate(case.input("data"), case.input("y"),
                         sample_weight=case.input("sample_weight"), batch_size=4, verbose=0)
    assert_allclose(got, case.expected["evaluate_sample_weight"], rtol=case.rtol,
                    atol=case.atol, what="evaluate(sample_weight=...) -> [loss, mae], masked")


@pytest.mark.behavior("training.masking.metrics_exclude_masked_steps")
def test_masked_steps_do_not_count_in_metrics(keras):
    model, case = evaluated_loss_model(keras)
    ids, y = case.input("data"), case.input("y")
    got = model.evaluate(ids, y, batch_size=4, verbose=0)
    assert_allclose(got[1], case.expected["evaluate"][1], rtol=case.rtol, atol=case.atol,
                    what="evaluate(...)[1] ('mae'), masked sequence output")
    errors = np.abs(model.predict(ids, verbose=0) - y).mean(axis=-1)
    keep = ids != 0
    assert_allclose(got[1], (errors * keep).sum() / keep.sum(), rtol=1e-5, atol=1e-6,
                    what="'mae' vs mean absolute error over the unmasked steps")


@pytest.mark.behavior("training.masking.fit")
def test_fit_on_masked_sequences(keras):
    model, case = loss_model(keras)
    history = model.fit(case.input("data"), case.input("y"), batch_size=4, epochs=1,
                        shuffle=False, verbose=0)
    assert_allclose(history.history["loss"], case.expected["fit_loss"], rtol=case.rtol,
                    atol=case.atol, what="fit(...).history['loss']")
    for got, expected in zip(model.get_weights(), case.expected["weights_after_fit"],
                             strict=True):
        assert_allclose(got, expected, rtol=case.rtol, atol=case.atol,
                        what="weights after one epoch of SGD(0.5) on masked sequences")


@pytest.mark.behavior("layers.masking.rnn.custom_cell.leading_and_last")
def test_rnn_of_a_custom_cell_leading_masked_steps_and_last_output(keras, adapter):
    # masked steps before the first unmasked one output zeros (there is no previous output
    # yet) and keep the initial state; the last output (return_sequences=False) is the output
    # of the last unmasked step
    from conformance.suite.test_stateful_rnn import minimal_rnn_cell

    x = np.random.default_rng(7).uniform(0.1, 1, size=(2, 5, 3)).astype("float32")
    keep = np.array([[False, False, True, True, True], [True, True, True, False, False]])
    layers = keras.layers
    cell = minimal_rnn_cell(keras)(4)
    sequences = layers.RNN(cell, return_sequences=True)
    last = layers.RNN(cell)  # the same cell: the same weights
    mask = adapter.to_tensor(keep, dtype="bool")
    got = adapter.to_numpy(sequences(adapter.to_tensor(x), mask=mask))
    assert got.dtype == np.float32, f"RNN(cell) output dtype {got.dtype}, expected float32"
    assert_allclose(got[0, :2], np.zeros((2, 4)), rtol=0, atol=0,
                    what="RNN(MinimalRNNCell), leading masked steps")
    final = adapter.to_numpy(last(adapter.to_tensor(x), mask=mask))
    for row in range(2):
        alone = adapter.to_numpy(sequences(adapter.to_tensor(x[row:row + 1, keep[row]])))
        assert_allclose(got[row, keep[row]], alone[0], rtol=1e-5, atol=1e-6,
                        what=f"row {row}: unmasked steps vs the steps alone")
        assert_allclose(final[row], alone[0, -1], rtol=1e-5, atol=1e-6,
                        what=f"RNN(MinimalRNNCell)(x, mask) row {row}: last unmasked output")
