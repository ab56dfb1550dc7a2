"""The recorded corpus on disk: ``fixtures/corpus/index.json`` + ``fixtures/corpus/arrays.npz``.

index.json::

    {"schema_version": 1, "provenance": {...as in fixtures/*.json, producer tf-keras 2.x},
     "tolerances": {"feedforward": {"rtol", "atol", "train_rtol", "train_atol", "reason"},
                    "recurrent": {...}},
     "models": [{"id": "m0000-1a2b3c4d", "seed": 0, "spec": {...}, "nodes": ["n0", ...],
                 "weights": {"l0": 2, ...}, "batch": 2, "tolerance": "feedforward",
                 "optimizer": "adam" | null, "loss": "mean_squared_error" | null}]}

arrays.npz (float32, int32 for token inputs), per model id: ``<id>/x<i>`` inputs,
``<id>/w/<layer>/<j>`` weights, ``<id>/y/<node>`` every layer call's output, and when it
trains: ``<id>/t<i>`` targets, ``<id>/loss``, ``<id>/after/<layer>/<j>`` weights after one
train_on_batch. Anything missing or malformed raises :class:`CorpusError` (one line), never a
wrong verdict.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from conformance.golden import PROVENANCE_KEYS

SCHEMA_VERSION = 1
_ROOT = Path(__file__).resolve().parent.parent.parent


class CorpusError(Exception):
    """The recorded corpus is missing or malformed (one line, naming the file)."""


def corpus_dir() -> Path:
    base = os.environ.get("KERAS_CONFORMANCE_FIXTURES", _ROOT / "fixtures")
    return Path(base) / "corpus"


@dataclass(frozen=True)
class Model:
    entry: dict
    arrays: dict  # name (without "<id>/") -> array

    @property
    def id(self) -> str:
        return self.entry["id"]

    @property
    def spec(self) -> dict:
        return self.entry["spec"]

    def inputs(self) -> list:
        return [self.arrays[f"x{i}"] for i in range(len(self.spec["inputs"]))]

    def weights(self, prefix="w") -> dict:
        return {name: [self.arrays[f"{prefix}/{name}/{j}"] for j in range(count)]
                for name, count in self.entry["weights"].items()}

    def outputs(self) -> list:
        return [self.arrays[f"y/{n}"] for n in self.entry["nodes"]]

    def targets(self) -> list:
        return [self.arrays[f"t{i}"] for i in range(len(self.spec["outputs"]))]


@dataclass(frozen=True)
class Corpus:
    path: Path
    provenance: dict
    tolerances: dict
    models: dict  # id -> Model

    def tolerance(self, model: Model) -> dict:
        return self.tolerances[model.entry["tolerance"]]


def expected_keys(entry: dict) -> list[str]:
    spec = entry["spec"]
    keys = [f"x{i}" for i in range(len(spec["inputs"]))]
    keys += [f"w/{n}/{j}" for n, c in entry["weights"].items() for j in range(c)]
    keys += [f"y/{n}" for n in entry["nodes"]]
    if entry["optimizer"] is not None:
        keys += [f"t{i}" for i in range(len(spec["outputs"]))] + ["loss"]
        keys += [f"after/{n}/{j}" for n, c in entry["weights"].items() for j in range(c)]
    return keys


@functools.cache
def load(path: Path | None = None) -> Corpus:
    path = Path(path or corpus_dir())
    index_path, arrays_path = path / "index.json", path / "arrays.npz"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorpusError(f"{index_path}: unreadable corpus index: {exc}") from None
    try:
        if index.get("schema_version") != SCHEMA_VERSION:
            raise CorpusError(f"{index_path}: schema_version {index.get('schema_version')!r}, "
                              f"expected {SCHEMA_VERSION}")
        prov = index["provenance"]
        missing = [k for k in PROVENANCE_KEYS if k not in prov]
        if missing:
            raise CorpusError(f"{index_path}: provenance lacks {', '.join(missing)}")
        if prov["producer"] != "tf-keras" or not str(prov["version"]).startswith("2."):
            raise CorpusError(f"{index_path}: recorded by {prov['producer']} {prov['version']}; "
                              f"corpus data must come from tf-keras 2.x")
        tolerances = index["tolerances"]
        entries = index["models"]
    except (KeyError, TypeError, AttributeError) as exc:
        raise CorpusError(f"{index_path}: malformed corpus index ({exc!r})") from None
    try:
        with np.load(arrays_path, allow_pickle=False) as npz:
            flat = {k: npz[k] for k in npz.files}
    except (OSError, ValueError) as exc:
        raise CorpusError(f"{arrays_path}: unreadable corpus arrays: {exc}") from None
    models = {}
    for entry in entries:
        try:
            mid = entry["id"]
            keys = expected_keys(entry)
            if entry["tolerance"] not in tolerances:
                raise CorpusError(f"{index_path}: model {mid}: unknown tolerance "
                                  f"{entry['tolerance']!r}")
        except (KeyError, TypeError) as exc:
            raise CorpusError(f"{index_path}: malformed model entry ({exc!r})") from None
        absent = [k for k in keys if f"{mid}/{k}" not in flat]
        if absent:
            raise CorpusError(f"{arrays_path}: model {mid} lacks array(s) "
                              f"{', '.join(absent[:3])}{' ...' if len(absent) > 3 else ''}")
        models[mid] = Model(entry, {k: flat[f"{mid}/{k}"] for k in keys})
    return Corpus(path, prov, tolerances, models)


def model_ids(path: Path | None = None) -> list[str]:
    """The ids in the index (for test parametrization; [] when there is no corpus)."""
    index_path = Path(path or corpus_dir()) / "index.json"
    try:
        return [m["id"] for m in json.loads(index_path.read_text(encoding="utf-8"))["models"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
