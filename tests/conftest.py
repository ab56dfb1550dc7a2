"""Fixtures for the project's own tests: a throwaway copy of the conformance package with a
catalogue, expectations and suite of the test's choosing, run by a real pytest subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import conformance.hypothesis_profiles  # noqa: F401  (dev / ci / thorough, as in the suite)

REPO = Path(__file__).resolve().parent.parent

# A third-party "implementation": the smallest module that is a Keras namespace.
TOY_KERAS = '''
import types
__version__ = "2.99.0"
models = types.SimpleNamespace()
layers = types.SimpleNamespace()
backend = types.SimpleNamespace(backend=lambda: "toy")
def add(a, b):
    return a + b
'''


@dataclass
class Run:
    returncode: int
    output: str
    report_dir: Path

    @property
    def report(self) -> dict:
        return json.loads((self.report_dir / "report.json").read_text())


class Project:
    """A directory holding a copy of ``conformance`` whose catalogue, expectations and suite
    the test writes; ``run`` starts pytest on it in a subprocess."""

    def __init__(self, root: Path):
        self.root = root
        self.package = root / "conformance"
        shutil.copytree(REPO / "conformance", self.package,
                        ignore=shutil.ignore_patterns("__pycache__", "test_*.py"))
        for f in (self.package / "expectations").glob("*.yaml"):
            f.unlink()
        (root / "toy_keras.py").write_text(TOY_KERAS)
        (root / "conftest.py").write_text('pytest_plugins = ["conformance.plugin"]\n')
        self.catalog([])

    def catalog(self, behaviors: list[dict]) -> None:
        text = yaml.safe_dump({"schema_version": 1, "behaviors": behaviors})
        (self.package / "catalog.yaml").write_text(text)

    def expectations(self, impl: str, deviations, raw: str | None = None) -> None:
        text = raw if raw is not None else yaml.safe_dump(
            {"implementation": impl, "deviations": deviations})
        (self.package / "expectations" / f"{impl}.yaml").write_text(text)

    def suite(self, name: str, source: str) -> None:
        (self.package / "suite" / name).write_text(textwrap.dedent(source))

    def run(self, *args: str, impl: str = "module:toy_keras", timeout: float = 120) -> Run:
        env = {k: v for k, v in os.environ.items() if k not in ("KERAS_IMPL", "PYTEST_ADDOPTS")}
        env["PYTHONPATH"] = os.pathsep.join([str(self.root), str(REPO)])
        report_dir = self.root / "out"
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "conformance/suite", "-p", "no:cacheprovider",
             f"--keras-impl={impl}", f"--report-dir={report_dir}", "-q", *args],
            cwd=self.root, env=env, capture_output=True, text=True, timeout=timeout,
        )
        return Run(proc.returncode, proc.stdout + proc.stderr, report_dir)


def behavior(bid: str, area: str = "toy") -> dict:
    return {"id": bid, "area": area, "title": f"{bid} holds.", "source": "toy docs",
            "keras": [2]}


@pytest.fixture
def project(tmp_path) -> Project:
    return Project(tmp_path)
