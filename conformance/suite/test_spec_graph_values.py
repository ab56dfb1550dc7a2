"""The spec sources' functional-API graphs by value: predictions and one SGD training step.

Source: 001_501f18418165f02c.txt (the headline two-input two-output model, the Inception
block, the residual connection, the shared vision model, visual and video question answering).
test_spec_graphs.py checks their documented shapes and parameter counts; here the same
builders (conformance/spec_models.py) run at reduced sizes - the documented layers, filters
and units, on smaller images, vocabularies and sequences (headline: vocab 30, 6 words, 8-d
embedding; Inception on 3x3 images; residual on 4x4; VQA and video QA: 30x30 images, 3
frames, LSTM(8), 10 answers; the shared vision model as documented) - with weights and data
from fixed seeds (spec_models.seeded_weights / seeded_arrays), and must give tf-keras 2.21's
predictions, train_on_batch loss and weights after one SGD(learning_rate=0.05) step
(fixtures/spec_graphs.json, recorded by fixtures/record_training.py). Large tensors are pinned
by an even stride of 128 of their values and the sum of their absolute values.

Every graph but the residual one is compiled with run_eagerly=True (documented in Keras 2 and
3: the model's logic is not wrapped in a tf.function) before it predicts or trains: the same
operations run, and tf-keras does not trace a function for one predict and one train step (the
trace took 3-10 times as long as the step; the video QA model's, over a TimeDistributed CNN
and an LSTM, most). The residual graph predicts and trains with the default (traced) functions.
"""

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose
from conformance.spec_models import build_small_graph, seeded_arrays, seeded_weights, strided_probe

GRAPHS = ["headline", "inception", "residual", "shared_vision", "vqa", "video_qa"]
TRACED = {"residual"}  # predict and train_on_batch with the default tf.function (see above)


def build(keras, name):
    """The model of golden case ``name``, built as the recorder does, with its weights set."""
    case = golden.case("spec_graphs", name)
    model = build_small_graph(keras, name)
    shapes = [list(w.shape) for w in model.get_weights()]
    assert shapes == case["weight_shapes"], (
        f"get_weights() shapes: got {shapes}, expected {case['weight_shapes']} [{name}]")
    model.set_weights(seeded_weights(shapes, case["seed"]))
    x = seeded_arrays(case.input("x"), case["seed"])
    y = seeded_arrays(case.input("y"), case["seed"] + 100)
    return case, model, x, y


def assert_pinned(got, probes, abs_sums, case, what):
    __tracebackhide__ = True
    assert len(got) == len(probes), f"{what}: got {len(got)} arrays, expected {len(probes)}"
    for index, (array, probe, abs_sum) in enumerate(zip(got, probes, abs_sums, strict=True)):
        assert_allclose(strided_probe(array), probe, rtol=case.rtol, atol=case.atol,
                        what=f"{what} {index} (strided values)")
        assert_allclose(np.sum(np.abs(array), dtype="float64"), abs_sum, rtol=case.rtol,
                        atol=case.atol, what=f"{what} {index} (sum of |values|)")


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.behavior(
    f"examples.graphs.{n}.values")) for n in GRAPHS])
def test_spec_graph_predicts_keras2_values(keras, name):
    case, model, x, _ = build(keras, name)
    if name not in TRACED:
        model.compile(run_eagerly=True)
    predicted = model.predict(x, verbose=0)
    predicted = list(predicted) if isinstance(predicted, list | tuple) else [predicted]
    assert_pinned(predicted, case.expected["predict_probe"], case.expected["predict_abs_sum"],
                  case, f"{name}: predict output")


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.behavior(
    f"examples.graphs.{n}.train_step")) for n in GRAPHS])
def test_spec_graph_one_sgd_step_matches_keras2(keras, name):
    case, model, x, y = build(keras, name)
    model.compile(optimizer=keras.optimizers.SGD(**case["config"]), loss=case["loss"],
                  loss_weights=case["loss_weights"],
                  **({} if name in TRACED else {"run_eagerly": True}))
    logs = model.train_on_batch(x, y)
    # Keras 2: the loss alone for one output and no metrics, else a list that starts with it.
    loss = logs[0] if isinstance(logs, list | tuple) else logs
    what = f"{name}: train_on_batch with SGD(**{case['config']}), loss={case['loss']!r}"
    assert_allclose(loss, case.expected["train_on_batch_loss"], rtol=case.rtol, atol=case.atol,
                    what=f"{what}: returned loss")
    assert_pinned(model.get_weights(), case.expected["weights_after_probe"],
                  case.expected["weights_after_abs_sum"], case, f"{what}: weight")
