"""Golden fixtures: values recorded from real Keras 2 (tf-keras 2.x) by ``fixtures/record.py``.

A fixture file is ``fixtures/<family>.json``::

    {"schema_version": 1, "family": "losses",
     "provenance": {"producer": "tf-keras", "version": "2.21.0", "tensorflow": ..., "numpy": ...,
                    "platform": "Linux-...", "machine": "x86_64", "cpu": "AMD EPYC",
                    "date": ..., "command": ...},
     "cases": {"<name>": {"inputs": {...}, "expected": ..., "rtol": 1e-6, "atol": 1e-7,
                          "tolerance": "why these tolerances", ...any other field}}}

Arrays are stored as ``{"dtype": "float32", "shape": [2, 3], "data": [flat values]}`` and come
back as NumPy arrays, also inside lists and dicts. Anything wrong with a file (missing,
unreadable, malformed, a case or field missing) raises :class:`GoldenError` with one line that
names the file, so a broken fixture never reads as an implementation's deviation.
"""

from __future__ import annotations

import functools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SCHEMA_VERSION = 1
# The platform (OS, machine, CPU) beside the versions: float results can depend on both.
PROVENANCE_KEYS = ("producer", "version", "tensorflow", "numpy", "platform", "machine", "cpu",
                   "date", "command")
RECORD_COMMAND = "TF_USE_LEGACY_KERAS=1 python fixtures/record.py"
_REPO_ROOT = Path(__file__).resolve().parent.parent


class GoldenError(Exception):
    """A golden fixture is missing or malformed (the message is one line naming the file)."""


def fixtures_dir() -> Path:
    """``$KERAS_CONFORMANCE_FIXTURES`` if set, else the checkout's ``fixtures/``."""
    return Path(os.environ.get("KERAS_CONFORMANCE_FIXTURES", _REPO_ROOT / "fixtures"))


@dataclass(frozen=True)
class Case:
    """One recorded case: its inputs, expected values, tolerances and other fields."""

    where: str  # "fixtures/losses.json: case 'mse'", for messages
    inputs: dict
    expected: object
    rtol: float
    atol: float
    tolerance: str
    fields: dict = field(default_factory=dict)

    def __getitem__(self, key):
        __tracebackhide__ = True
        try:
            return self.fields[key]
        except KeyError:
            raise GoldenError(f"{self.where}: has no field {key!r}") from None

    def input(self, key):
        __tracebackhide__ = True
        try:
            return self.inputs[key]
        except KeyError:
            raise GoldenError(f"{self.where}: has no input {key!r}") from None


@dataclass(frozen=True)
class Golden:
    path: Path
    provenance: dict
    cases: dict

    def case(self, name: str) -> Case:
        __tracebackhide__ = True
        try:
            return self.cases[name]
        except KeyError:
            raise GoldenError(
                f"{_shown(self.path)}: no case {name!r}; re-record with `{RECORD_COMMAND}`"
            ) from None


def case(family: str, name: str) -> Case:
    """The case ``name`` of ``fixtures/<family>.json``."""
    __tracebackhide__ = True
    return load(family).case(name)


@functools.cache
def load(family: str, directory: str | None = None) -> Golden:
    """Read and validate ``<directory>/<family>.json`` (default: :func:`fixtures_dir`)."""
    __tracebackhide__ = True
    path = Path(directory or fixtures_dir()) / f"{family}.json"
    shown = _shown(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoldenError(f"{shown}: missing; record it with `{RECORD_COMMAND}`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GoldenError(f"{shown}: unreadable: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict):
        raise GoldenError(f"{shown}: expected a JSON object at the top")
    if document.get("schema_version") != SCHEMA_VERSION:
        raise GoldenError(f"{shown}: schema_version must be {SCHEMA_VERSION}, "
                          f"got {document.get('schema_version')!r}")
    provenance = _provenance(document.get("provenance"), shown)
    cases = document.get("cases")
    if not isinstance(cases, dict) or not cases:
        raise GoldenError(f"{shown}: 'cases' must be a non-empty object")
    return Golden(path, provenance, {name: _case(raw, f"{shown}: case {name!r}")
                                     for name, raw in cases.items()})


def _provenance(raw, shown: str) -> dict:
    if not isinstance(raw, dict):
        raise GoldenError(f"{shown}: 'provenance' must be an object")
    missing = [k for k in PROVENANCE_KEYS if not isinstance(raw.get(k), str) or not raw[k]]
    if missing:
        raise GoldenError(f"{shown}: provenance lacks {', '.join(missing)}")
    # The oracle rule: golden data comes from real Keras 2, never from the reference.
    if raw["producer"] != "tf-keras" or not raw["version"].startswith("2."):
        raise GoldenError(f"{shown}: recorded by {raw['producer']} {raw['version']}; golden data "
                          f"must come from tf-keras 2.x")
    return raw


def _case(raw, where: str) -> Case:
    if not isinstance(raw, dict):
        raise GoldenError(f"{where}: must be an object")
    for key in ("rtol", "atol"):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value >= 0
        ):
            raise GoldenError(f"{where}: {key} must be a non-negative number, got {value!r}")
    if not isinstance(raw.get("tolerance"), str) or not raw["tolerance"].strip():
        raise GoldenError(f"{where}: 'tolerance' must say why rtol/atol were chosen")
    if "expected" not in raw:
        raise GoldenError(f"{where}: has no 'expected'")
    inputs = raw.get("inputs", {})
    if not isinstance(inputs, dict):
        raise GoldenError(f"{where}: 'inputs' must be an object")
    others = {k: _decode(v, f"{where}: {k}") for k, v in raw.items()
              if k not in ("inputs", "expected", "rtol", "atol", "tolerance")}
    return Case(
        where=where,
        inputs={k: _decode(v, f"{where}: inputs.{k}") for k, v in inputs.items()},
        expected=_decode(raw["expected"], f"{where}: expected"),
        rtol=float(raw["rtol"]),
        atol=float(raw["atol"]),
        tolerance=raw["tolerance"],
        fields=others,
    )


def _is_array(value) -> bool:
    return isinstance(value, dict) and set(value) == {"dtype", "shape", "data"}


def _decode(value, where: str):
    if _is_array(value):
        return _array(value, where)
    if isinstance(value, list):
        return [_decode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _decode(v, f"{where}.{k}") for k, v in value.items()}
    return value


def _array(raw: dict, where: str) -> np.ndarray:
    shape, data = raw["shape"], raw["data"]
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise GoldenError(f"{where}: bad array shape {shape!r}")
    if not isinstance(data, list) or len(data) != math.prod(shape):
        raise GoldenError(f"{where}: array data has {len(data) if isinstance(data, list) else '?'}"
                          f" values for shape {tuple(shape)}")
    try:
        return np.asarray(data, dtype=np.dtype(raw["dtype"])).reshape(shape)
    except (TypeError, ValueError) as exc:
        raise GoldenError(f"{where}: bad array: {' '.join(str(exc).split())}") from None


def _shown(path: Path) -> str:
    """The path relative to the checkout when inside it (as in 'fixtures/losses.json')."""
    try:
        return str(Path(path).resolve().relative_to(_REPO_ROOT))
    except ValueError:
        return str(path)
