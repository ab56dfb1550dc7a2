"""Known deviations of one implementation: ``conformance/expectations/<impl>.yaml``.

An entry names a behaviour (covering all its tests) or a test node id (covering all its
parametrizations unless the id has ``[...]``), the failure kind it is expected to show
(an exception class name, ``mismatch`` for an AssertionError, ``missing-api`` for an API the
implementation lacks, ``timeout``, ``crash``) and a reason a reader can verify. One cause for
many targets is written once with ``behaviors: [...]`` or ``tests: [...]``, and deviations that
a family of implementations shares live in a shared file that each of them ``include``s. The
plugin runs them as strict expected failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

EXPECTATIONS_DIR = Path(__file__).with_name("expectations")
MISMATCH = "mismatch"
TIMEOUT = "timeout"
MISSING_API = "missing-api"  # the test looked up an API the implementation does not have
CRASH = "crash"  # the test killed its process (pytest-xdist worker)
VERDICTS = (MISMATCH, TIMEOUT, MISSING_API, CRASH)  # kinds that are not exception names


class ExpectationsError(Exception):
    """The expectations file is unreadable or malformed (one line, names the file)."""


@dataclass(frozen=True)
class Deviation:
    kind: str
    reason: str
    behavior: str | None = None
    test: str | None = None
    upstream: str | None = None
    file: str | None = field(default=None, compare=False)  # where it is listed

    @property
    def target(self) -> str:
        return self.behavior or self.test or ""

    def matches(self, nodeid: str, behavior_ids) -> bool:
        if self.behavior is not None:
            return self.behavior in behavior_ids
        if "[" in self.test:
            return nodeid == self.test
        return nodeid == self.test or nodeid.startswith(self.test + "[")

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if v is not None}


def path_for(impl_name: str) -> Path:
    return EXPECTATIONS_DIR / f"{impl_name}.yaml"


def load(impl_name: str, path: Path | None = None, known_behaviors=None) -> list[Deviation]:
    """The deviations listed for ``impl_name``; none when it has no file.

    A file may ``include`` shared files of the same directory (``include: [_keras3.yaml]``):
    deviations that one cause explains for a family of implementations are written once. The
    including file's own entries come first and replace an included entry with the same
    target."""
    path = Path(path) if path else path_for(impl_name)
    if not path.exists():
        return []
    return _load_file(path, impl_name, known_behaviors, seen=())


def _load_file(path: Path, impl_name: str, known_behaviors, seen) -> list[Deviation]:
    if path in seen:
        raise ExpectationsError(f"{path}: includes itself (through {seen[-1].name})")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExpectationsError(f"{path}: no such file (included by "
                                f"{seen[-1].name if seen else '?'})") from None
    except (OSError, yaml.YAMLError) as exc:
        raise ExpectationsError(f"{path}: cannot read: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict):
        raise ExpectationsError(f"{path}: expected a mapping with 'implementation' and "
                                f"'deviations'")
    unknown = set(document) - {"implementation", "deviations", "include", "shared"}
    if unknown:
        raise ExpectationsError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    if document.get("implementation") not in (None, impl_name):
        raise ExpectationsError(f"{path}: is for implementation "
                                f"{document.get('implementation')!r}, not {impl_name!r}")
    entries = document.get("deviations") or []
    if not isinstance(entries, list):
        raise ExpectationsError(f"{path}: 'deviations' must be a list")
    own = [deviation for i, entry in enumerate(entries)
           for deviation in _parse_group(entry, f"{path}: deviations[{i}]", known_behaviors,
                                         path.name)]
    targets = [d.target for d in own]
    duplicates = sorted({t for t in targets if targets.count(t) > 1})
    if duplicates:
        raise ExpectationsError(f"{path}: listed twice: {', '.join(duplicates)}")
    includes = document.get("include") or []
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise ExpectationsError(f"{path}: 'include' must be a list of file names")
    deviations = list(own)
    for name in includes:
        for deviation in _load_file(path.parent / name, impl_name, known_behaviors,
                                    (*seen, path)):
            if deviation.target not in {d.target for d in deviations}:
                deviations.append(deviation)
    return deviations


def _parse_group(entry, where: str, known_behaviors, file: str) -> list[Deviation]:
    """One entry, or one cause for many: ``behaviors: [...]`` / ``tests: [...]`` list the
    targets that share a kind and a reason (keras-numpy cannot fit, say)."""
    if isinstance(entry, dict) and ("behaviors" in entry or "tests" in entry):
        key, single = ("behaviors", "behavior") if "behaviors" in entry else ("tests", "test")
        targets = entry[key]
        if "behaviors" in entry and "tests" in entry or not isinstance(targets, list) or not (
                targets) or not all(isinstance(t, str) for t in targets):
            raise ExpectationsError(f"{where}: '{key}' must be a non-empty list of ids (and "
                                    f"only one of 'behaviors' or 'tests')")
        rest = {k: v for k, v in entry.items() if k != key}
        return [_parse({**rest, single: target}, f"{where}.{key}[{i}]", known_behaviors, file)
                for i, target in enumerate(targets)]
    return [_parse(entry, where, known_behaviors, file)]


def _parse(entry, where: str, known_behaviors, file: str) -> Deviation:
    if not isinstance(entry, dict):
        raise ExpectationsError(f"{where}: expected a mapping")
    unknown = set(entry) - {"behavior", "test", "kind", "reason", "upstream"}
    if unknown:
        raise ExpectationsError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if ("behavior" in entry) == ("test" in entry):
        raise ExpectationsError(f"{where}: give exactly one of 'behavior' or 'test'")
    for key in ("kind", "reason"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ExpectationsError(f"{where} ({entry.get('behavior') or entry.get('test')}): "
                                    f"'{key}' is required")
    behavior = entry.get("behavior")
    if behavior is not None and known_behaviors is not None and behavior not in known_behaviors:
        raise ExpectationsError(f"{where}: behaviour {behavior!r} is not in the catalogue")
    return Deviation(kind=entry["kind"].strip(), reason=" ".join(entry["reason"].split()),
                     behavior=behavior, test=entry.get("test"), upstream=entry.get("upstream"),
                     file=file)


def failure_kind(exc_type: type, message: str = "") -> str:
    """The kind of a failure as expectations name it."""
    if issubclass(exc_type, AssertionError):
        return MISMATCH
    if exc_type.__name__ == "Failed" and message.lstrip().startswith("Timeout"):
        return TIMEOUT  # pytest-timeout fails the test with "Timeout (>Ns) ..."
    return exc_type.__name__


def kind_matches(expected: str, exc_type: type, kind: str) -> bool:
    """True when a failure of ``exc_type``, judged ``kind``, is of the ``expected`` kind.

    The verdict kinds match exactly; an exception name matches its class or a base class."""
    if expected in VERDICTS or kind in (MISMATCH, TIMEOUT):
        return kind == expected
    return any(cls.__name__ == expected for cls in exc_type.__mro__)
