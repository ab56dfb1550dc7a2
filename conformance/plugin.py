"""The pytest plugin: choose the implementation, tie tests to behaviours, apply expectations,
write the report.

Loaded by the repository's ``conftest.py`` and, for an installed package, by the
``pytest11`` entry point, so ``pytest --pyargs conformance --keras-impl=NAME`` works anywhere.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

import conformance
from conformance import catalog as catalog_mod
from conformance import expectations as expectations_mod
from conformance import hypothesis_profiles, registry
from conformance import report as report_mod

STATE_KEY = pytest.StashKey["ConformanceRun"]()
SUITE_ROOT = Path(conformance.__file__).resolve().parent.parent  # nodeids relative to this
DEFAULT_TIMEOUT_S = 300
WRITE_EVERY_S = 5.0  # partial reports while running, so a crashed run leaves one behind


def pytest_addoption(parser):
    group = parser.getgroup("keras-conformance")
    group.addoption(
        "--keras-impl",
        default=None,
        help="implementation to check: a registered name or module:dotted.path "
        "(default: $KERAS_IMPL, else 'reference')",
    )
    group.addoption(
        "--report-dir",
        default=None,
        help="where report.json/.md/.html go (default: reports/<impl> under the rootdir)",
    )
    group.addoption(
        "--expectations",
        default=None,
        help="expectations file to apply (default: conformance/expectations/<impl>.yaml)",
    )
    group.addoption(
        "--behavior-map",
        default=None,
        help="write {test node id: [behaviour ids]} of the collected tests to this JSON file "
        "(for the catalogue self-test)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "behavior(*ids): the catalogue behaviour ids it checks")
    name = config.getoption("--keras-impl") or os.environ.get("KERAS_IMPL") or "reference"
    report_dir = Path(config.getoption("--report-dir") or
                      config.rootpath / "reports" / _safe_dir_name(name))
    try:
        impl = registry.load(name)
        behaviors = catalog_mod.load()
        deviations = expectations_mod.load(name, config.getoption("--expectations"),
                                           known_behaviors=behaviors)
    except (registry.ImplementationError, catalog_mod.CatalogError,
            expectations_mod.ExpectationsError) as exc:
        _write_error_report(name, report_dir, str(exc))
        raise pytest.UsageError(str(exc)) from None
    config.stash[STATE_KEY] = ConformanceRun(config, impl, behaviors, deviations, report_dir)


def pytest_report_header(config):
    run = config.stash.get(STATE_KEY, None)
    if run is not None:
        return [f"keras implementation: {run.impl.describe()}",
                f"hypothesis profile: {hypothesis_profiles.current()}"]


@pytest.fixture(scope="session")
def impl(pytestconfig) -> registry.Implementation:
    """The implementation under test: name, version, backend, keras_major."""
    return pytestconfig.stash[STATE_KEY].impl


@pytest.fixture(scope="session")
def keras(impl):
    """The Keras namespace under test, used as ``keras.layers.Dense`` etc."""
    return impl.keras


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    config.stash[STATE_KEY].collected(items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    run = item.config.stash.get(STATE_KEY, None)
    if run is not None:
        run.judge(item, call, report)
    return report


def pytest_sessionstart(session):
    run = session.config.stash.get(STATE_KEY, None)
    if run is not None:
        session.config.pluginmanager.register(run, "conformance-run")


class ConformanceRun:
    """One session's bookkeeping: what each test claims, how it ended, and the report."""

    def __init__(self, config, impl, behaviors, deviations, report_dir: Path):
        self.config = config
        self.impl = impl
        self.behaviors = behaviors
        self.deviations = deviations
        self.report_dir = report_dir
        self.claims: dict[str, list[str]] = {}  # canonical nodeid -> behaviour ids
        self.deviation_of: dict[str, expectations_mod.Deviation] = {}
        self.results: dict[str, dict] = {}
        self.warnings: list[str] = []
        self.active = False  # reports are written once conformance tests are collected
        self.started = time.time()
        self.last_write = 0.0

    # -- collection ---------------------------------------------------------------------
    def collected(self, items) -> None:
        used, behavior_map = set(), {}
        for item in items:
            ids = [bid for marker in item.iter_markers("behavior") for bid in marker.args]
            nodeid = canonical_nodeid(item)
            behavior_map[nodeid] = ids
            if not ids:
                if nodeid.startswith("conformance/suite/"):
                    self.warnings.append(f"{nodeid}: no @pytest.mark.behavior id")
                continue
            self.active = True
            self.claims[nodeid] = ids
            self.warnings += [f"{nodeid}: unknown behaviour id {bid!r}"
                              for bid in ids if bid not in self.behaviors]
            deviation = next((d for d in self.deviations if d.matches(nodeid, ids)), None)
            if deviation is not None:
                self.deviation_of[nodeid] = deviation
                used.add(deviation)
            if not item.get_closest_marker("timeout") and not _has_global_timeout(self.config):
                item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT_S))
        for deviation in self.deviations:
            if deviation not in used:
                self.warnings.append(f"expectations entry {deviation.target!r} matched no "
                                     f"collected test")
        if self.config.option.collectonly:
            self.active = False  # nothing runs: keep the last real report
        for message in self.warnings:
            self.config.issue_config_time_warning(pytest.PytestWarning(message), stacklevel=2)
        map_path = self.config.getoption("--behavior-map")
        if map_path:
            Path(map_path).write_text(json.dumps(behavior_map, indent=1))
        if self.active:
            self.write(final=False)

    # -- outcomes -----------------------------------------------------------------------
    def judge(self, item, call, report) -> None:
        """Turn listed deviations into strict expected failures, and note failure kinds."""
        nodeid = canonical_nodeid(item)
        if nodeid not in self.claims:
            return
        excinfo = call.excinfo
        kind = message = None
        if excinfo is not None and not excinfo.errisinstance(pytest.skip.Exception):
            text = str(excinfo.value)
            kind = expectations_mod.failure_kind(excinfo.type, text)
            message = _first_lines(excinfo.exconly())
        deviation = self.deviation_of.get(nodeid)
        if deviation is not None and call.when == "call":
            if report.passed:
                report.outcome = "failed"
                message = (f"listed deviation did not occur ({deviation.target}: expected "
                           f"{deviation.kind}); the implementation now conforms, so remove the "
                           f"entry from {expectations_mod.path_for(self.impl.name).name}")
                kind = "unexpected-pass"
                report.longrepr = message
            elif report.failed and expectations_mod.kind_matches(deviation.kind, excinfo.type,
                                                                 str(excinfo.value)):
                report.outcome = "skipped"
                report.wasxfail = f"deviation ({deviation.kind}): {deviation.reason}"
            elif report.failed:
                note = (f"listed deviation {deviation.target} expects {deviation.kind}, "
                        f"but the test failed with {kind}")
                report.sections.append(("keras-conformance", note))
                message = f"{note}: {message}"
        if report.failed:
            report.sections.append(("reproduce", self.reproduce_command(nodeid)))
        report.conformance = {"nodeid": nodeid, "kind": kind, "message": message}

    def pytest_runtest_logreport(self, report) -> None:
        info = getattr(report, "conformance", None)
        if info is None:
            return
        nodeid = info["nodeid"]
        result = self.results.setdefault(nodeid, {
            "nodeid": nodeid, "outcome": "passed", "duration_s": 0.0,
            "behaviors": self.claims.get(nodeid, []), "message": None, "failure_kind": None,
        })
        result["duration_s"] = round(result["duration_s"] + report.duration, 4)
        outcome = _outcome(report)
        if outcome != "passed" and result["outcome"] in ("passed", "skipped"):
            result["outcome"] = outcome
            result["message"] = info["message"] or _skip_reason(report)
            result["failure_kind"] = info["kind"]
            if outcome == "deviation":
                result["deviation"] = report.wasxfail
            if outcome in ("failed", "error"):
                result["reproduce"] = self.reproduce_command(nodeid)
        if time.time() - self.last_write > WRITE_EVERY_S:
            self.write(final=False)

    def reproduce_command(self, nodeid: str) -> str:
        return shlex.join(["pytest", nodeid, f"--keras-impl={self.impl.name}",
                           f"--hypothesis-profile={hypothesis_profiles.current()}"])

    # -- the report ---------------------------------------------------------------------
    def pytest_sessionfinish(self, session, exitstatus) -> None:
        if self.active:
            stopped = bool(session.shouldstop or session.shouldfail)
            status = ("interrupted" if exitstatus == pytest.ExitCode.INTERRUPTED
                      else "stopped early" if stopped else "complete")
            self.write(final=True, status=status, exit_status=int(exitstatus))

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.active:
            return
        counts = self.last_summary["behaviors"]
        terminalreporter.write_sep("=", "keras-conformance")
        terminalreporter.write_line(
            f"{self.impl.describe()}: {counts['total']} behaviours: {counts['pass']} pass, "
            f"{counts['deviation']} listed deviations, {counts['fail']} fail, "
            f"{counts['untested'] + counts['skip']} not run")
        terminalreporter.write_line(f"report: {self.report_dir}/report.{{json,md,html}}")

    def write(self, *, final: bool, status: str = "running", exit_status=None) -> None:
        finished = time.time()
        run = {
            "status": status if final else "running",
            "complete": final and status == "complete",
            "started": _iso(self.started),
            "finished": _iso(finished) if final else None,
            "duration_s": round(finished - self.started, 3),
            "exit_status": exit_status,
            "hypothesis_profile": hypothesis_profiles.current(),
            "command": shlex.join(["pytest", *self.config.invocation_params.args]),
            "expectations": [d.as_dict() for d in self.deviations],
        }
        if not final:
            run["note"] = ("written while running: if the run has ended, the test process "
                           "died before it finished")
        report = report_mod.build(
            implementation=self.impl.as_dict(), packages=self.impl.packages,
            catalog=self.behaviors, tests=list(self.results.values()), run=run,
            warnings=self.warnings, suite_version=conformance.__version__,
        )
        self.last_summary = report["summary"]
        report_mod.write(report, self.report_dir)
        self.last_write = time.time()


# -- helpers ----------------------------------------------------------------------------
def canonical_nodeid(item) -> str:
    """``conformance/suite/test_x.py::test_y[...]`` wherever the suite is installed."""
    path = Path(item.path).resolve()
    try:
        relative = path.relative_to(SUITE_ROOT).as_posix()
    except ValueError:
        return item.nodeid
    return relative + item.nodeid[item.nodeid.index("::"):] if "::" in item.nodeid else relative


def _outcome(report) -> str:
    if hasattr(report, "wasxfail") and report.skipped:
        return "deviation"
    if report.failed:
        return "failed" if report.when == "call" else "error"
    return "skipped" if report.skipped else "passed"


def _skip_reason(report) -> str | None:
    if report.skipped and isinstance(report.longrepr, tuple):
        return report.longrepr[2]
    return None


def _first_lines(text: str, limit: int = 600) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " ..."


def _has_global_timeout(config) -> bool:
    for getter in (lambda: config.getoption("timeout"), lambda: config.getini("timeout")):
        try:
            if getter():
                return True
        except (ValueError, KeyError):
            pass
    return False


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _safe_dir_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "unnamed"


def _write_error_report(name: str, report_dir: Path, error: str) -> None:
    """A run that could not start still leaves a report saying why."""
    try:
        report = report_mod.build(
            implementation={"name": name, "version": None, "backend": None, "device": None},
            packages={}, catalog={}, tests=[], warnings=[],
            run={"status": "error", "complete": False, "error": error,
                 "started": _iso(time.time()), "duration_s": 0.0},
            suite_version=conformance.__version__,
        )
        report_mod.write(report, report_dir)
    except OSError:
        pass  # the usage error below is what the user needs to see
