"""The compliance report: one JSON document per run, rendered as Markdown and HTML.

``build`` turns test outcomes into the report dict (schema_version 1), ``write`` stores the
three files atomically, ``load`` reads and validates a report file for the gate and the matrix.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections import Counter
from pathlib import Path

import jinja2
import markupsafe

SCHEMA_VERSION = 1
# Test outcomes in the report. A "deviation" is a failure listed in the expectations.
TEST_OUTCOMES = ("passed", "failed", "error", "deviation", "skipped")
# Behaviour statuses, worst first: a behaviour takes the worst status of its tests.
BEHAVIOR_STATUSES = ("fail", "deviation", "pass", "skip", "untested")
_TEST_TO_STATUS = {"passed": "pass", "failed": "fail", "error": "fail",
                   "deviation": "deviation", "skipped": "skip"}


class ReportError(Exception):
    """A report file is unreadable or malformed (one line, names the file)."""


def behavior_status(test_outcomes) -> str:
    statuses = {_TEST_TO_STATUS[o] for o in test_outcomes}
    for status in BEHAVIOR_STATUSES:
        if status in statuses:
            return status
    return "untested"


# settings that change how an implementation computes or how fast (oneDNN kernels, XLA's
# optimisation level, thread pools), recorded so that two reports can be told apart
SETTINGS = ("KERAS_BACKEND", "TF_USE_LEGACY_KERAS", "TF_ENABLE_ONEDNN_OPTS", "XLA_FLAGS",
            "TF_NUM_INTEROP_THREADS", "TF_NUM_INTRAOP_THREADS", "OPENBLAS_NUM_THREADS")


def this_environment(packages: dict) -> dict:
    """Where the run happened: Python, OS, CPU model, packages and the SETTINGS that are set."""
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpu": cpu_model(), "packages": packages,
            "settings": {name: os.environ[name] for name in SETTINGS if name in os.environ}}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def build(*, implementation: dict, environment: dict, catalog: dict, tests: list[dict],
          run: dict, warnings: list[str], suite_version: str) -> dict:
    """The report dict. ``environment`` is this_environment(...) of the machine that ran the
    tests; ``catalog`` maps id -> Behavior; ``tests`` are per-test dicts.

    Tests are sorted by node id, so serial, parallel and merged sharded runs of the same tests
    give the same document (durations and run details aside)."""
    tests = sorted(tests, key=lambda t: t["nodeid"])
    tests_by_behavior: dict[str, list[dict]] = {bid: [] for bid in catalog}
    for test in tests:
        for bid in test["behaviors"]:
            tests_by_behavior.setdefault(bid, []).append(test)
    behaviors = {}
    for bid, its_tests in tests_by_behavior.items():
        entry = catalog[bid].as_dict() if bid in catalog else {"id": bid, "area": "uncatalogued",
                                                                 "title": "(not in catalogue)"}
        entry["status"] = behavior_status(t["outcome"] for t in its_tests)
        entry["tests"] = [t["nodeid"] for t in its_tests]
        deviations = sorted({t["deviation"] for t in its_tests if t.get("deviation")})
        if deviations:
            entry["deviation"] = "; ".join(deviations)
        behaviors[bid] = entry
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": {"name": "keras-conformance", "version": suite_version},
        "implementation": implementation,
        "environment": environment,
        "run": run,
        "summary": _summary(behaviors, tests),
        "behaviors": behaviors,
        "tests": tests,
        "warnings": warnings,
    }


def _summary(behaviors: dict, tests: list[dict]) -> dict:
    def counts(statuses, names):
        c = Counter(statuses)
        return {name: c.get(name, 0) for name in names}

    areas = {}
    for area in sorted({b["area"] for b in behaviors.values()}):
        in_area = [b["status"] for b in behaviors.values() if b["area"] == area]
        areas[area] = {"behaviors": len(in_area), **counts(in_area, BEHAVIOR_STATUSES)}
    tested = [b for b in behaviors.values() if b["status"] not in ("untested", "skip")]
    passed = sum(b["status"] == "pass" for b in tested)
    return {
        "behaviors": {"total": len(behaviors),
                      **counts([b["status"] for b in behaviors.values()], BEHAVIOR_STATUSES)},
        "tests": {"total": len(tests), **counts([t["outcome"] for t in tests], TEST_OUTCOMES)},
        "pass_rate": round(passed / len(tested), 4) if tested else None,
        "areas": areas,
    }


# -- files ------------------------------------------------------------------------------
_env = jinja2.Environment(
    loader=jinja2.PackageLoader("conformance", "templates"),
    # the templates are named *.html.j2: escape those (a message may hold "<class ...>")
    autoescape=jinja2.select_autoescape(["html", "html.j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


# dotted ids may wrap at their dots (preprocessing.<wbr>image), not inside a word
_env.filters["break_at_dots"] = lambda text: markupsafe.Markup(".<wbr>").join(str(text).split("."))


def render(template: str, **context) -> str:
    return _env.get_template(template).render(**context)


def write(report: dict, directory: Path) -> list[Path]:
    """Write report.json, report.md and report.html atomically into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "report.json": json.dumps(report, indent=1, sort_keys=False, default=str) + "\n",
        "report.md": render("report.md.j2", r=report),
        "report.html": render("report.html.j2", r=report),
    }
    for name, text in files.items():
        atomic_write(directory / name, text)
    return [directory / name for name in files]


def atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, READABLE & ~_umask())  # mkstemp makes 0600; reports are for everyone
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


READABLE = 0o644


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(path) -> dict:
    """Read and validate a report file written by ``write``."""
    path = Path(path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: not a readable JSON report: {exc}") from None
    if not isinstance(report, dict):
        raise ReportError(f"{path}: not a report (expected a JSON object)")
    if report.get("schema_version") != SCHEMA_VERSION:
        raise ReportError(f"{path}: schema_version {report.get('schema_version')!r}, "
                          f"expected {SCHEMA_VERSION}")
    for key, kind in (("implementation", dict), ("behaviors", dict), ("tests", list),
                      ("run", dict), ("summary", dict)):
        if not isinstance(report.get(key), kind):
            raise ReportError(f"{path}: missing or malformed '{key}'")
    for bid, behavior in report["behaviors"].items():
        if not isinstance(behavior, dict) or behavior.get("status") not in BEHAVIOR_STATUSES:
            raise ReportError(f"{path}: behaviour {bid!r} has no valid status")
    if not isinstance(report["implementation"].get("name"), str):
        raise ReportError(f"{path}: implementation has no name")
    return report
