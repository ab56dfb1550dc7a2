"""The behaviour catalogue: ``conformance/catalog.yaml``, validated on load."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CATALOG_PATH = Path(__file__).with_name("catalog.yaml")
ID_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
REQUIRED = ("id", "area", "title", "source", "keras")


class CatalogError(Exception):
    """The catalogue file is unreadable or malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Behavior:
    id: str
    area: str
    title: str
    source: str
    keras: tuple[int, ...]
    notes: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        return {"id": self.id, "area": self.area, "title": self.title, "source": self.source,
                "keras": list(self.keras), "notes": self.notes}


def load(path: Path = CATALOG_PATH) -> dict[str, Behavior]:
    """Behaviours by id, in file order."""
    try:
        # libyaml's loader where PyYAML has it: the pure-Python one takes ~0.5 s for the
        # catalogue, once in every pytest session and xdist worker (and every mutmut mutant)
        document = yaml.load(Path(path).read_text(encoding="utf-8"),
                             Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read the catalogue: {_one_line(exc)}") from None
    if not isinstance(document, dict) or document.get("schema_version") != 1:
        raise CatalogError(f"{path}: expected a mapping with schema_version: 1")
    behaviors: dict[str, Behavior] = {}
    for index, entry in enumerate(document.get("behaviors") or []):
        behavior = _parse(entry, f"{path}: behaviors[{index}]")
        if behavior.id in behaviors:
            raise CatalogError(f"{path}: duplicate behaviour id {behavior.id!r}")
        behaviors[behavior.id] = behavior
    return behaviors


def _parse(entry, where: str) -> Behavior:
    if not isinstance(entry, dict):
        raise CatalogError(f"{where}: expected a mapping, got {type(entry).__name__}")
    missing = [key for key in REQUIRED if not entry.get(key)]
    if missing:
        raise CatalogError(f"{where} ({entry.get('id', '?')}): missing {', '.join(missing)}")
    if not ID_PATTERN.match(str(entry["id"])):
        raise CatalogError(f"{where}: id {entry['id']!r} is not dotted lower_case words")
    versions = entry["keras"]
    if not isinstance(versions, list) or not all(v in (2, 3) for v in versions):
        raise CatalogError(f"{where} ({entry['id']}): keras must be a list of 2 and/or 3")
    known = {*REQUIRED, "notes"}
    return Behavior(
        id=str(entry["id"]),
        area=str(entry["area"]),
        title=str(entry["title"]).strip(),
        source=str(entry["source"]).strip(),
        keras=tuple(versions),
        notes=str(entry.get("notes") or "").strip(),
        extra={k: v for k, v in entry.items() if k not in known},
    )


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
