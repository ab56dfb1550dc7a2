"""Layer values and gradients: every case is golden, recorded from tf-keras 2.21.

Sources: the Keras 2 layer pages (keras.io/2.x/api/layers: core_layers/dense, activation,
embedding, dropout; convolution_layers/convolution1d, convolution2d; pooling_layers/*;
reshaping_layers/flatten, reshape; recurrent_layers/simple_rnn, lstm, gru, bidirectional,
time_distributed; merging_layers/*) and the tf-keras 2.21 docstrings of the same classes, for
the arguments that change the numbers (activation, use_bias, padding valid/same/causal,
strides, dilation_rate, pool sizes, return_sequences, go_backwards, return_state,
recurrent_activation, reset_after, merge_mode, axis, axes, normalize); spec 002 §3.1-3.2.

fixtures/layers.json (fixtures/record_layers.py) holds, per case, the layer class and config,
the inputs, the weights (given to layer.set_weights), the outputs, a cotangent C per output,
and the gradients of S = sum_i sum(output_i * C_i) with respect to every float input and every
weight, taken in tf-keras with tf.GradientTape.

How the gradients are read through the public API (no keras.backend):

- Weights: the model Input -> layer is compiled with SGD(learning_rate=1.0) (no momentum),
  whose documented step is w <- w - learning_rate * g, and loss='mean_squared_error'. Keras 2's
  mse averages (y - t)^2 over all N elements of an output (mean over the last axis, then the
  default SUM_OVER_BATCH_SIZE reduction over the rest), so with targets
  t = y_golden - C * N / 2 its gradient with respect to the output is 2 (y - t) / N = C where
  y = y_golden: dLoss/dw is dS/dw. Several outputs (return_state, merge_mode=None) get one
  such target each; their losses add. One train_on_batch, then g = w_before - w_after.
- Inputs: a float input x enters as the weights of an Embedding(batch, x.size / batch) looked
  up at the indices 0..batch-1 and reshaped to x's shape (Embedding + Reshape, both checked
  here too), so the same SGD step moves that table by the gradient with respect to x. An
  implementation whose Embedding or Reshape is wrong fails these gradient cases too; the
  output cases and the embedding/reshape cases tell the causes apart.

Outputs are read by calling the layer on the golden inputs (a layer is callable on tensors;
the first call builds its weights, the second computes with the golden ones): inference on
one batch, the operations a model's predict would run, without building a graph around the
layer (the gradient cases build one per layer; a recurrent layer's symbolic build costs
tf-keras far more than running it). The gradient model is compiled with run_eagerly=True
(documented in Keras 2 and 3: the model's logic is not wrapped in a tf.function): the same
operations run, and tf-keras skips tracing a function per case, which makes the module about
four times faster there. Dropout has no gradient case: in training it
drops at random. Tolerances are per case in the fixture, with the reason.
"""

import math

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose
from conformance.layer_specs import build_layer

V = "layers.values."
# golden case -> behaviours it checks
CASES = {
    "dense": ["dense"],
    "dense_tanh": ["dense.activation"],
    "dense_relu": ["dense.activation"],
    "dense_softmax": ["dense.activation"],
    "dense_no_bias": ["dense.use_bias"],
    "dense_rank3": ["dense.rank3"],
    "activation_tanh": ["activation"],
    "activation_softmax_rank3": ["activation"],
    "conv1d": ["conv1d"],
    "conv1d_relu": ["conv1d"],
    "conv1d_same": ["conv1d.padding.same"],
    "conv1d_same_even_kernel": ["conv1d.padding.same"],
    "conv1d_causal": ["conv1d.padding.causal"],
    "conv1d_causal_dilated": ["conv1d.padding.causal", "conv1d.dilation_rate"],
    "conv1d_strides": ["conv1d.strides"],
    "conv1d_same_strides": ["conv1d.strides", "conv1d.padding.same"],
    "conv1d_dilation": ["conv1d.dilation_rate"],
    "conv2d": ["conv2d"],
    "conv2d_no_bias_tanh": ["conv2d"],
    "conv2d_same": ["conv2d.padding.same"],
    "conv2d_same_strides": ["conv2d.padding.same", "conv2d.strides"],
    "conv2d_strides": ["conv2d.strides"],
    "conv2d_dilation": ["conv2d.dilation_rate"],
    "max_pooling1d": ["max_pooling1d"],
    "max_pooling1d_same": ["max_pooling1d.padding.same"],
    "max_pooling1d_strides": ["max_pooling1d.strides"],
    "average_pooling1d": ["average_pooling1d"],
    "average_pooling1d_same": ["average_pooling1d.padding.same"],
    "average_pooling1d_strides": ["average_pooling1d.strides"],
    "average_pooling1d_same_strides": ["average_pooling1d.padding.same",
                                       "average_pooling1d.strides"],
    "max_pooling2d": ["max_pooling2d"],
    "max_pooling2d_same": ["max_pooling2d.padding.same"],
    "max_pooling2d_strides": ["max_pooling2d.strides"],
    "average_pooling2d": ["average_pooling2d"],
    "average_pooling2d_same": ["average_pooling2d.padding.same"],
    "average_pooling2d_strides": ["average_pooling2d.strides"],
    "global_max_pooling1d": ["global_max_pooling1d"],
    "global_average_pooling1d": ["global_average_pooling1d"],
    "global_max_pooling2d": ["global_max_pooling2d"],
    "global_average_pooling2d": ["global_average_pooling2d"],
    "embedding": ["embedding"],
    "flatten": ["flatten"],
    "reshape": ["reshape"],
    "reshape_inferred": ["reshape"],
    "dropout_inference": ["dropout.inference"],
    "simple_rnn": ["simple_rnn"],
    "simple_rnn_return_sequences": ["simple_rnn.return_sequences"],
    "simple_rnn_go_backwards": ["simple_rnn.go_backwards"],
    "simple_rnn_return_state": ["simple_rnn.return_state"],
    "simple_rnn_relu": ["simple_rnn.activation"],
    "lstm": ["lstm"],
    "lstm_return_sequences": ["lstm.return_sequences"],
    "lstm_go_backwards": ["lstm.go_backwards"],
    "lstm_go_backwards_last": ["lstm.go_backwards"],
    "lstm_return_state": ["lstm.return_state"],
    "lstm_activations": ["lstm.activations"],
    "gru": ["gru"],
    "gru_reset_before": ["gru.reset_after_false"],
    "gru_return_sequences": ["gru.return_sequences"],
    "gru_reset_before_return_sequences": ["gru.reset_after_false", "gru.return_sequences"],
    "gru_go_backwards": ["gru.go_backwards"],
    "gru_return_state": ["gru.return_state"],
    "gru_reset_before_return_state": ["gru.reset_after_false", "gru.return_state"],
    "gru_activations": ["gru.activations"],
    "bidirectional_concat": ["bidirectional.merge_mode.concat"],
    "bidirectional_sum": ["bidirectional.merge_mode.sum"],
    "bidirectional_mul": ["bidirectional.merge_mode.mul"],
    "bidirectional_ave": ["bidirectional.merge_mode.ave"],
    "bidirectional_none": ["bidirectional.merge_mode.none"],
    "bidirectional_return_sequences": ["bidirectional.return_sequences"],
    "bidirectional_sum_return_sequences": ["bidirectional.return_sequences",
                                           "bidirectional.merge_mode.sum"],
    "time_distributed_dense": ["time_distributed.dense"],
    "time_distributed_model": ["time_distributed.model"],
    "add": ["merge.add"],
    "add_three": ["merge.add"],
    "subtract": ["merge.subtract"],
    "multiply": ["merge.multiply"],
    "average": ["merge.average"],
    "maximum": ["merge.maximum"],
    "minimum": ["merge.minimum"],
    "concatenate": ["merge.concatenate"],
    "concatenate_axis1": ["merge.concatenate.axis"],
    "dot": ["merge.dot"],
    "dot_axes_pair": ["merge.dot.axes"],
    "dot_last_axes": ["merge.dot.axes"],
    "dot_normalize": ["merge.dot.normalize"],
    "dot_normalize_rank3": ["merge.dot.normalize", "merge.dot.axes"],
    "conv1d_causal_strides": ["conv1d.padding.causal", "conv1d.strides"],
    "conv2d_same_dilation": ["conv2d.padding.same", "conv2d.dilation_rate"],
    "max_pooling1d_strides_over_pool": ["max_pooling1d.strides"],
    "max_pooling2d_same_strides": ["max_pooling2d.padding.same", "max_pooling2d.strides"],
    "average_pooling2d_same_strides": ["average_pooling2d.padding.same",
                                       "average_pooling2d.strides"],
    "simple_rnn_no_bias": ["simple_rnn"],
    "lstm_no_bias": ["lstm"],
    "gru_no_bias": ["gru"],
    "gru_go_backwards_return_state": ["gru.go_backwards", "gru.return_state"],
    "bidirectional_gru_reset_before": ["bidirectional.return_sequences",
                                       "bidirectional.merge_mode.concat"],
    "time_distributed_conv2d": ["time_distributed.conv2d"],
}
NO_GRADIENTS = {"dropout_inference"}  # training-mode Dropout is random
LEARNING_RATE = 1.0


def _params(names):
    return [pytest.param(n, marks=pytest.mark.behavior(*(V + b for b in CASES[n])), id=n)
            for n in names]


def _what(case, name):
    spec = case["layer"]
    inner = f"({spec['layer'].get('class', 'Sequential')}, ...)" if "layer" in spec else ""
    return f"layers.{spec['class']}{inner}(**{spec['config']}) [{name}]"


def _single(values):
    return values if len(values) > 1 else values[0]


def _outputs(got) -> list:
    return [np.asarray(y) for y in (got if isinstance(got, list | tuple) else [got])]


@pytest.mark.parametrize("name", _params(CASES))
def test_layer_outputs_match_keras2(keras, adapter, name):
    case = golden.case("layers", name)
    xs = [adapter.to_tensor(x, dtype=x.dtype.name) for x in case.input("x")]
    layer = build_layer(keras, case["layer"])
    layer(_single(xs))  # builds the weights (see the module docstring)
    layer.set_weights(case.input("weights"))
    got = _outputs(adapter.to_numpy(layer(_single(xs))))
    expected = case.expected["outputs"]
    assert len(got) == len(expected), f"{len(got)} outputs, expected {len(expected)}"
    for i, (y, e) in enumerate(zip(got, expected, strict=True)):
        assert_allclose(y, e, rtol=case.rtol, atol=case.atol,
                        what=f"output {i} of {_what(case, name)}")


@pytest.mark.parametrize("name", _params([n for n in CASES if n not in NO_GRADIENTS]))
def test_layer_gradients_match_keras2(keras, name):
    case = golden.case("layers", name)
    xs = case.input("x")
    batch = xs[0].shape[0]
    integer = xs[0].dtype.kind == "i"
    if integer:  # an integer input has no gradient: the layer sees it directly
        inputs = [keras.Input(shape=x.shape[1:], dtype="int32") for x in xs]
        tensors, tables, feed = inputs, [], xs
    else:  # each float input is the table of an Embedding looked up at 0..batch-1
        inputs = [keras.Input(shape=(1,), dtype="int32") for _ in xs]
        tables = [keras.layers.Embedding(batch, math.prod(x.shape[1:])) for x in xs]
        tensors = [keras.layers.Reshape(x.shape[1:])(table(i))
                   for x, table, i in zip(xs, tables, inputs, strict=True)]
        feed = [np.arange(batch, dtype="int32").reshape(batch, 1) for _ in xs]
    layer = build_layer(keras, case["layer"])
    model = keras.models.Model(inputs, layer(_single(tensors)))
    float_xs = [] if integer else xs
    for table, x in zip(tables, float_xs, strict=True):
        table.set_weights([x.reshape(batch, -1)])
    weights = case.input("weights")
    layer.set_weights(weights)

    # mse over N elements has gradient 2 (y - t) / N: t = y - C N / 2 makes it C.
    targets = [(y.astype("float64") - c.astype("float64") * y.size / 2).astype("float32")
               for y, c in zip(case.expected["outputs"], case.input("cotangents"), strict=True)]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
                  loss="mean_squared_error", run_eagerly=True)
    model.train_on_batch(_single(feed), _single(targets))

    tol = dict(rtol=case["gradient_rtol"], atol=case["gradient_atol"])
    after = layer.get_weights()
    expected = case.expected["weight_gradients"]
    assert len(after) == len(expected), f"{len(after)} weights, expected {len(expected)}"
    for i, (w0, w1, g) in enumerate(zip(weights, after, expected, strict=True)):
        assert_allclose((w0 - w1) / LEARNING_RATE, g, **tol,
                        what=f"dS/d{case['weight_names'][i]} of {_what(case, name)}")
    for i, (table, x, g) in enumerate(zip(tables, float_xs, case.expected["input_gradients"],
                                          strict=True)):
        moved = (x.reshape(batch, -1) - table.get_weights()[0]) / LEARNING_RATE
        assert_allclose(moved.reshape(x.shape), g, **tol,
                        what=f"dS/d(input {i}) of {_what(case, name)}")
