"""The model corpus machinery: generator (valid, deterministic specs), store (validation),
replay (first diverging layer named) and live fuzzing (shrinks to a minimal model), checked
with the reference against a deliberately broken copy of it."""

from __future__ import annotations

import json
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_impl
from conformance.corpus import fuzz, generator, replay, store


def test_seeded_generation_is_deterministic_and_ids_are_stable():
    a, b = generator.generate(generator.Seeded(7)), generator.generate(generator.Seeded(7))
    assert a == b
    assert generator.model_id(7, a) == generator.model_id(7, b)
    assert generator.model_id(7, a).startswith("m0007-")
    assert json.loads(json.dumps(a)) == a  # plain JSON


@pytest.mark.parametrize("k", range(40))
def test_seeded_specs_build_and_predict_on_the_reference(k):
    spec = generator.generate(generator.Seeded(k))
    rec = replay.record(reference_impl, spec, k)
    assert len(rec["outputs"]) == len(spec["nodes"])
    assert all(np.all(np.isfinite(y)) for y in rec["outputs"])


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_drawn_specs_are_valid(data):
    spec = generator.generate(generator.Drawn(data))
    model, _, probe = replay.build(reference_impl, spec)
    assert len(probe.outputs) == len(spec["nodes"])


def _broken_reference():
    """reference_impl whose Dense adds 0.01 to its output."""

    class BrokenDense(reference_impl.layers.Dense):
        def call(self, inputs):
            return super().call(inputs) + 0.01

    layers = types.SimpleNamespace(**{n: getattr(reference_impl.layers, n)
                                      for n in dir(reference_impl.layers)
                                      if not n.startswith("_")})
    layers.Dense = BrokenDense
    namespace = types.SimpleNamespace(**{n: getattr(reference_impl, n)
                                         for n in dir(reference_impl) if not n.startswith("_")})
    namespace.layers = layers
    return namespace


def test_replay_names_the_first_diverging_layer():
    spec = next(s for s in (generator.generate(generator.Seeded(k)) for k in range(200))
                if s["graph"] == "sequential" and len(s["nodes"]) >= 3
                and any(e["class"] == "Dense" for e in s["layers"][1:])
                and s["layers"][0]["class"] != "Dense")
    first_dense = next(n for n in spec["nodes"]
                       if next(e for e in spec["layers"] if e["name"] == n["layer"])["class"]
                       == "Dense")
    with pytest.raises(replay.Divergence) as info:
        fuzz.compare_live(reference_impl, _broken_reference(), spec)
    message = str(info.value)
    assert f"first diverging layer: {first_dense['layer']} = Dense(" in message
    assert f"call {first_dense['name']}" in message


def test_fuzz_shrinks_a_disagreement_to_one_dense_layer():
    found = fuzz.live(reference_impl, _broken_reference(), examples=40, seed=1)
    assert found is not None, "the broken Dense went unnoticed"
    spec, message = found
    assert [e["class"] for e in spec["layers"]] == ["Dense"], spec
    assert spec["graph"] == "sequential"
    assert "first diverging layer: l0 = Dense(" in message


def test_fuzz_finds_nothing_between_equal_implementations():
    assert fuzz.live(reference_impl, reference_impl, examples=5, seed=0) is None


@pytest.fixture
def corpus_copy(tmp_path):
    src = store.corpus_dir()
    if not (src / "index.json").exists():
        pytest.skip("no recorded corpus")
    dst = tmp_path / "corpus"  # the first three models of the recorded corpus
    dst.mkdir()
    index = json.loads((src / "index.json").read_text())
    index["models"] = index["models"][:3]
    (dst / "index.json").write_text(json.dumps(index))
    prefixes = tuple(m["id"] + "/" for m in index["models"])
    with np.load(src / "arrays.npz") as npz:
        np.savez_compressed(dst / "arrays.npz",
                            **{k: npz[k] for k in npz.files if k.startswith(prefixes)})
    store.load.cache_clear()
    yield dst
    store.load.cache_clear()


def test_recorded_corpus_loads_and_replays_on_the_reference(corpus_copy):
    corpus = store.load(corpus_copy)
    assert corpus.provenance["producer"] == "tf-keras"
    first = next(iter(corpus.models.values()))
    replay.check(reference_impl, first, corpus.tolerance(first))


def test_corpus_from_another_producer_is_refused(corpus_copy):
    index = json.loads((corpus_copy / "index.json").read_text())
    index["provenance"]["producer"] = "reference"
    (corpus_copy / "index.json").write_text(json.dumps(index))
    with pytest.raises(store.CorpusError, match="must come from tf-keras 2.x"):
        store.load(corpus_copy)


def test_corpus_missing_an_array_is_one_clear_error(corpus_copy):
    with np.load(corpus_copy / "arrays.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    dropped = sorted(k for k in arrays if "/y/" in k)[0]
    del arrays[dropped]
    np.savez_compressed(corpus_copy / "arrays.npz", **arrays)
    with pytest.raises(store.CorpusError, match="lacks array"):
        store.load(corpus_copy)


def test_corpus_unreadable_index_is_one_clear_error(corpus_copy):
    (corpus_copy / "index.json").write_text("{not json")
    with pytest.raises(store.CorpusError, match="unreadable corpus index"):
        store.load(corpus_copy)
