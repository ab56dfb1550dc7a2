"""The pytest plugin: choose the implementation, tie tests to behaviours, apply expectations,
write the report.

Loaded by the repository's ``conftest.py`` and, for an installed package, by the
``pytest11`` entry point, so ``pytest --pyargs conformance --keras-impl=NAME`` works anywhere.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shlex
import shutil
import tempfile
import time
import types
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
WRITE_EVERY_S = 15.0  # partial reports while running, so a crashed run leaves one behind
# (each write renders JSON, Markdown and HTML: ~0.15 s for 2200 tests, on a 2-core runner)
CLAIMS_KEY = "conformance_claims"  # xdist workerinput: where workers write their claims


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


@pytest.fixture(scope="session")
def adapter(impl):
    """NumPy <-> the implementation's tensors (``to_tensor``, ``variable``, ``to_numpy``):
    plumbing around the API under test, never the behaviour itself."""
    return impl.adapter


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
    _tune_gc()


def _tune_gc() -> None:
    """Fewer, cheaper garbage collections: the framework's import leaves hundreds of thousands
    of long-lived objects that every full collection would scan again (freeze moves them out of
    its reach), and tracing a model allocates objects by the thousand. On tfkeras-legacy the
    suite took 113 s with Python's defaults, 95 s so; no test depends on when a collection runs."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist controller: tell each worker where to leave its collected claims."""
    run = node.config.stash.get(STATE_KEY, None)
    if run is not None:
        node.workerinput[CLAIMS_KEY] = str(run.claims_file)


class ConformanceRun:
    """One session's bookkeeping: what each test claims, how it ended, and the report.

    Serial runs do everything in one process. Under pytest-xdist the workers collect, run and
    judge the tests and attach the verdict to each report (``report.conformance``, which xdist
    carries to the controller); only the controller keeps results and writes the report. The
    workers also write their collected claims to a file the controller names, so that a test
    whose worker died, and which therefore has no verdict, still counts for its behaviours."""

    def __init__(self, config, impl, behaviors, deviations, report_dir: Path):
        self.config = config
        self.impl = impl
        self.behaviors = behaviors
        self.deviations = deviations
        self.report_dir = report_dir
        self.worker = getattr(config, "workerinput", None) is not None
        self.claims: dict[str, list[str]] = {}  # canonical nodeid -> behaviour ids
        self.canonical: dict[str, str] = {}  # pytest nodeid -> canonical nodeid
        self.deviation_of: dict[str, expectations_mod.Deviation] = {}
        self.results: dict[str, dict] = {}
        self.warnings: list[str] = []
        self.active = False  # reports are written once conformance tests are collected
        self.started = time.time()
        self.last_write = 0.0
        self.last_summary = None
        if self.worker:
            self.claims_file = Path(config.workerinput[CLAIMS_KEY]) if (
                CLAIMS_KEY in config.workerinput) else None
        else:
            self.claims_file = Path(tempfile.mkdtemp(prefix="conformance-")) / "claims.json"

    # -- collection ---------------------------------------------------------------------
    def collected(self, items) -> None:
        behavior_map, order = {}, []
        for item in items:
            ids = [bid for marker in item.iter_markers("behavior") for bid in marker.args]
            nodeid = canonical_nodeid(item)
            behavior_map[nodeid] = ids
            order.append([item.nodeid, nodeid, ids])
            if not ids:
                if nodeid.startswith("conformance/suite/"):
                    self.warnings.append(f"{nodeid}: no @pytest.mark.behavior id")
                continue
            # CI systems show them: junitxml writes user properties per test case.
            item.user_properties += [("behavior", bid) for bid in ids]
            if not item.get_closest_marker("timeout") and not _has_global_timeout(self.config):
                item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT_S))
        self.claim(order)
        for message in self.warnings:
            self.config.issue_config_time_warning(pytest.PytestWarning(message), stacklevel=2)
        map_path = self.config.getoption("--behavior-map")
        if map_path:
            Path(map_path).write_text(json.dumps(behavior_map, indent=1))
        if self.worker and self.claims_file is not None:
            report_mod.atomic_write(self.claims_file, json.dumps(order))
        if self.config.option.collectonly:
            self.active = False  # nothing runs: keep the last real report
        if self.active:
            self.write(final=False)

    def claim(self, order) -> None:
        """Record ``[pytest nodeid, canonical nodeid, behaviour ids]`` of the collected tests
        and match them with the expectations."""
        used = set()
        for pytest_id, nodeid, ids in order:
            self.canonical[pytest_id] = nodeid
            if not ids:
                continue
            self.active = True
            self.claims[nodeid] = ids
            self.warnings += [f"{nodeid}: unknown behaviour id {bid!r}"
                              for bid in ids if bid not in self.behaviors]
            deviation = next((d for d in self.deviations if d.matches(nodeid, ids)), None)
            if deviation is not None:
                self.deviation_of[nodeid] = deviation
                used.add(deviation)
        self.warnings += [f"expectations entry {d.target!r} matched no collected test"
                          for d in self.deviations if d not in used]

    def read_worker_claims(self) -> None:
        """Controller: take the claims a worker wrote (once; every worker collects the same)."""
        if self.claims or self.worker or not self.claims_file.exists():
            return
        try:
            self.claim(json.loads(self.claims_file.read_text()))
        except (OSError, ValueError):
            return

    # -- outcomes -----------------------------------------------------------------------
    def judge(self, item, call, report) -> None:
        """Turn listed deviations into strict expected failures, and note failure kinds."""
        nodeid = canonical_nodeid(item)
        if nodeid not in self.claims:
            return
        excinfo = call.excinfo
        kind = message = None
        if excinfo is not None and not excinfo.errisinstance(pytest.skip.Exception):
            kind = expectations_mod.failure_kind(excinfo.type, str(excinfo.value))
            message = _first_lines(excinfo.exconly())
            api = missing_api(excinfo)
            if api is not None:
                kind = expectations_mod.MISSING_API
                message = f"missing API {api}: {message}"
        deviation = self.deviation_of.get(nodeid)
        if deviation is not None and call.when == "call":
            if report.passed:
                report.outcome = "failed"
                listed_in = deviation.file or expectations_mod.path_for(self.impl.name).name
                message = (f"listed deviation did not occur ({deviation.target}: expected "
                           f"{deviation.kind}); the implementation now conforms, so remove the "
                           f"entry from {listed_in}")
                kind = "unexpected-pass"
                report.longrepr = message
            elif report.failed and expectations_mod.kind_matches(deviation.kind, excinfo.type,
                                                                 kind):
                report.outcome = "skipped"
                report.wasxfail = f"deviation ({deviation.kind}): {deviation.reason}"
            elif report.failed:
                note = (f"listed deviation {deviation.target} expects {deviation.kind}, "
                        f"but the test failed with {kind}")
                report.sections.append(("keras-conformance", note))
                message = f"{note}: {message}"
        if report.failed:
            report.sections.append(("reproduce", self.reproduce_command(nodeid)))
        report.conformance = {"nodeid": nodeid, "kind": kind, "message": message,
                              "behaviors": self.claims[nodeid]}

    def pytest_runtest_logreport(self, report) -> None:
        if self.worker:
            return  # the controller keeps the results
        info = getattr(report, "conformance", None)
        if info is None:
            info = self.crash_info(report)
            if info is None:
                return
        self.active = True
        nodeid = info["nodeid"]
        result = self.results.setdefault(nodeid, {
            "nodeid": nodeid, "outcome": "passed", "duration_s": 0.0,
            "behaviors": info["behaviors"], "message": None, "failure_kind": None,
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

    def crash_info(self, report) -> dict | None:
        """pytest-xdist reports a test whose worker died with ``when == "???"``; record it as
        a ``crash`` of that test (or as its listed deviation, if the list expects a crash)."""
        if report.when != "???" or not report.failed:
            return None
        self.read_worker_claims()
        nodeid = self.canonical.get(report.nodeid, report.nodeid)
        if nodeid not in self.claims:
            return None
        message = _first_lines(str(report.longrepr))
        deviation = self.deviation_of.get(nodeid)
        if deviation is not None and deviation.kind == expectations_mod.CRASH:
            report.outcome = "skipped"
            report.wasxfail = f"deviation ({deviation.kind}): {deviation.reason}"
        return {"nodeid": nodeid, "kind": expectations_mod.CRASH, "message": message,
                "behaviors": self.claims[nodeid]}

    def reproduce_command(self, nodeid: str) -> str:
        return shlex.join(["pytest", nodeid, f"--keras-impl={self.impl.name}",
                           f"--hypothesis-profile={hypothesis_profiles.current()}"])

    # -- the report ---------------------------------------------------------------------
    def pytest_sessionfinish(self, session, exitstatus) -> None:
        if self.worker:
            return
        self.read_worker_claims()
        if self.active:
            stopped = bool(session.shouldstop or session.shouldfail)
            status = ("interrupted" if exitstatus == pytest.ExitCode.INTERRUPTED
                      else "stopped early" if stopped else "complete")
            self.write(final=True, status=status, exit_status=int(exitstatus))
        shutil.rmtree(self.claims_file.parent, ignore_errors=True)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.active or self.last_summary is None:
            return
        counts = self.last_summary["behaviors"]
        terminalreporter.write_sep("=", "keras-conformance")
        terminalreporter.write_line(
            f"{self.impl.describe()}: {counts['total']} behaviours: {counts['pass']} pass, "
            f"{counts['deviation']} listed deviations, {counts['fail']} fail, "
            f"{counts['untested'] + counts['skip']} not run")
        terminalreporter.write_line(f"report: {self.report_dir}/report.{{json,md,html}}")

    def write(self, *, final: bool, status: str = "running", exit_status=None) -> None:
        if self.worker:
            return
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
            "workers": _workers(self.config),
            "expectations": [d.as_dict() for d in self.deviations],
        }
        shard = _shard(self.config)
        if shard is not None:
            run["shard"] = shard
        if not final:
            run["note"] = ("written while running: if the run has ended, the test process "
                           "died before it finished")
        report = report_mod.build(
            implementation=self.impl.as_dict(),
            environment=report_mod.this_environment(self.impl.packages),
            catalog=self.behaviors, tests=list(self.results.values()), run=run,
            warnings=sorted(set(self.warnings)), suite_version=conformance.__version__,
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


def missing_api(excinfo) -> str | None:
    """The API a test looked up and the implementation lacks, or None.

    An AttributeError (or ImportError) raised by the line of the suite that names the missing
    attribute is the test reaching for an API that is not there, not a bug inside the
    implementation: the report calls it ``missing-api`` and names it."""
    exc = excinfo.value
    if isinstance(exc, ImportError) and not isinstance(exc, ModuleNotFoundError):
        name = exc.name or ""
        return f"{name} (import)" if _raised_by_suite_line(excinfo, None) else None
    if not isinstance(exc, AttributeError):
        return None
    name = getattr(exc, "name", None)
    if not name:
        found = re.search(r"has no attribute '(\w+)'", str(exc))
        name = found.group(1) if found else None
    if not name or not _raised_by_suite_line(excinfo, name):
        return None
    owner = getattr(exc, "obj", None)
    if owner is None:
        return name
    where = owner.__name__ if isinstance(owner, types.ModuleType) else type(owner).__name__
    return f"{where}.{name}"


def _raised_by_suite_line(excinfo, name: str | None) -> bool:
    """True when the exception comes straight from a suite line that looks the API up: that
    line (``.name``, ``getattr(...)`` or an import) is the innermost frame, or only module
    ``__getattr__`` hooks (lazy loaders such as tf.keras's) stand between it and the raise."""
    suite = SUITE_ROOT / "conformance" / "suite"
    entries = list(excinfo.traceback)
    for index in range(len(entries) - 1, -1, -1):
        entry = entries[index]
        if suite in Path(str(entry.path)).parents:
            inner = entries[index + 1:]
            if any(e.name not in ("__getattr__", "__getattribute__") for e in inner):
                return False
            line = str(entry.statement)
            return name is None or "getattr(" in line or "import" in line or re.search(
                rf"\.{re.escape(name)}\b", line) is not None
    return False


def _workers(config) -> int:
    return int(getattr(config.option, "numprocesses", 0) or 0)


def _shard(config) -> dict | None:
    """pytest-shard's ``--shard-id`` / ``--num-shards``, when the run is one shard."""
    count = getattr(config.option, "num_shards", None)
    if not count or int(count) <= 1:
        return None
    return {"id": int(config.option.shard_id), "count": int(count)}


def _outcome(report) -> str:
    if hasattr(report, "wasxfail") and report.skipped:
        return "deviation"
    if report.failed:  # "???": pytest-xdist's report for a test whose worker died
        return "failed" if report.when in ("call", "???") else "error"
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
            environment=report_mod.this_environment({}), catalog={}, tests=[], warnings=[],
            run={"status": "error", "complete": False, "error": error,
                 "started": _iso(time.time()), "duration_s": 0.0},
            suite_version=conformance.__version__,
        )
        report_mod.write(report, report_dir)
    except OSError:
        pass  # the usage error below is what the user needs to see
