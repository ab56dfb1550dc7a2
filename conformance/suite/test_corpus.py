"""Replay of the generated model corpus recorded from real Keras 2 (fixtures/corpus/).

Each recorded model (conformance/corpus/generator.py: random Sequential stacks and functional
graphs with branches, a merge layer, a shared layer applied twice, two inputs or two outputs,
over Dense, Activation, Conv1D/2D, pooling, global pooling, Flatten, Reshape, Dropout at
inference, Embedding, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed(Dense) and the merge
layers) is rebuilt through the public API and given the recorded weights (layer.set_weights).
test_corpus_layer_outputs predicts once with a model whose outputs are every layer call's
output and compares them in graph order: a disagreement names the first layer call that
diverges, its class and config, the max difference and a command that reproduces it.
test_corpus_training_step (models without Dropout) compiles a fresh build with the recorded
optimizer and loss and takes one train_on_batch: the loss and every layer's weights after it
are compared. Sources: the Keras 2 layer pages (keras.io/2.x/api/layers),
the functional API guide (keras.io/2.x/guides/functional_api: multiple inputs and outputs,
shared layers) and Model.train_on_batch (keras.io/2.x/api/models/model_training_apis).

Which models run: KERAS_CONFORMANCE_CORPUS=all (every model; the corpus-* tox envs), a number
N (the first N), or unset: a sample (the first 30 models, plus the first model exercising
each behaviour the sample would otherwise miss), so the default suite stays fast.
"""

from __future__ import annotations

import json
import os

import pytest

from conformance.corpus import replay, store

SAMPLE = 30


def _selected() -> list[dict]:
    path = store.corpus_dir() / "index.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["models"]
    except (OSError, ValueError, KeyError, TypeError):
        return []  # test_corpus_loads reports the error
    wanted = os.environ.get("KERAS_CONFORMANCE_CORPUS", "")
    if wanted == "all":
        return entries
    if wanted.isdigit():
        return entries[:int(wanted)]
    chosen = entries[:SAMPLE]
    covered = {b for e in chosen for b in _claims(e)}
    for entry in entries[SAMPLE:]:
        new = set(_claims(entry)) - covered
        if new:
            chosen.append(entry)
            covered |= new
    return chosen


def _claims(entry) -> list[str]:
    training = replay.training_behaviors(entry) if entry["optimizer"] is not None else []
    return replay.behaviors(entry) + training


def _params():
    return [pytest.param(e["id"], marks=pytest.mark.behavior(*replay.behaviors(e)), id=e["id"])
            for e in _selected()]


def _training_params():
    return [pytest.param(e["id"], marks=pytest.mark.behavior(*replay.training_behaviors(e)),
                         id=e["id"]) for e in _selected() if e["optimizer"] is not None]


@pytest.mark.behavior("corpus.layer_outputs")
def test_corpus_loads():
    """The corpus is present, recorded by tf-keras 2.x, and complete (else one clear error)."""
    corpus = store.load()
    assert len(corpus.models) >= 1


def _reproduce(impl, test, model_id):
    return (f"pytest conformance/suite/test_corpus.py -p no:cacheprovider "
            f"--keras-impl={impl.name} -k '{test} and {model_id}'  or  python -m conformance "
            f"fuzz --replay {model_id} --impl {impl.name}")


@pytest.mark.parametrize("model_id", _params())
def test_corpus_layer_outputs(keras, impl, model_id):
    corpus = store.load()
    model = corpus.models[model_id]
    replay.check_outputs(keras, model, corpus.tolerance(model),
                         _reproduce(impl, "test_corpus_layer_outputs", model_id))


@pytest.mark.parametrize("model_id", _training_params())
def test_corpus_training_step(keras, impl, model_id):
    corpus = store.load()
    model = corpus.models[model_id]
    replay.check_training(keras, model, corpus.tolerance(model),
                          _reproduce(impl, "test_corpus_training_step", model_id))
