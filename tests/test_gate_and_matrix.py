"""The gate and the matrix on real reports written by real runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, behavior

SUITE = '''
import pytest

@pytest.mark.behavior("toy.add.integers")
def test_add(keras):
    assert keras.add(2, 3) == 5

@pytest.mark.behavior("toy.add.strings")
def test_add_strings(keras):
    assert keras.add("a", "b") == "ab"
'''


def cli(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "conformance", *args], capture_output=True,
                          text=True, env=env, cwd=REPO)


@pytest.fixture
def reports(project, tmp_path):
    """A baseline where both behaviours pass, and a new run where one regressed."""
    project.catalog([behavior("toy.add.integers"), behavior("toy.add.strings")])
    project.suite("test_toy.py", SUITE)
    result = project.run()
    assert result.returncode == 0, result.output
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(result.report))
    project.suite("test_toy.py", SUITE.replace('== "ab"', '== "ba"'))
    result = project.run()
    assert result.returncode == 1
    return baseline, result.report_dir / "report.json"


def test_gate_lists_regressions_and_exits_1(reports):
    baseline, new = reports
    result = cli("gate", "--baseline", str(baseline), "--report", str(new))
    assert result.returncode == 1, result.stderr
    assert "1 regression(s):\n  toy.add.strings: pass -> fail" in result.stdout


def test_gate_lists_improvements_and_exits_0(reports):
    baseline, new = reports
    result = cli("gate", "--baseline", str(new), "--report", str(baseline))
    assert result.returncode == 0, result.stderr
    assert "1 improvement(s):\n  toy.add.strings: fail -> pass" in result.stdout


def test_gate_same_report_passes(reports):
    baseline, _ = reports
    result = cli("gate", "--baseline", str(baseline), "--report", str(baseline))
    assert result.returncode == 0
    assert "no change" in result.stdout


def test_missing_behaviour_is_a_regression(reports, tmp_path):
    baseline, new = reports
    report = json.loads(new.read_text())
    del report["behaviors"]["toy.add.integers"]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(report))
    result = cli("gate", "--baseline", str(baseline), "--report", str(edited))
    assert result.returncode == 1
    assert "toy.add.integers: pass -> missing" in result.stdout


@pytest.mark.parametrize("content, message", [
    ("{not json", "not a readable JSON report"),
    ("[]", "not a report"),
    ('{"schema_version": 99}', "schema_version 99, expected 1"),
    ('{"schema_version": 1, "implementation": {"name": "x"}}', "missing or malformed"),
])
def test_malformed_file_exits_2_with_one_line(reports, tmp_path, content, message):
    baseline, _ = reports
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = cli("gate", "--baseline", str(baseline), "--report", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_unreadable_file_exits_2(reports, tmp_path):
    baseline, _ = reports
    result = cli("gate", "--baseline", str(baseline), "--report", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_reports_of_different_implementations_are_mismatched(reports, tmp_path):
    baseline, new = reports
    report = json.loads(new.read_text())
    report["implementation"]["name"] = "tfkeras"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(report))
    result = cli("gate", "--baseline", str(baseline), "--report", str(other))
    assert result.returncode == 2
    assert "baseline is for 'module:toy_keras' but the report is for 'tfkeras'" in result.stderr


def test_incomplete_report_cannot_pass_the_gate(reports, tmp_path):
    baseline, _ = reports
    report = json.loads(baseline.read_text())
    report["run"].update(complete=False, status="interrupted")
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps(report))
    result = cli("gate", "--baseline", str(baseline), "--report", str(partial))
    assert result.returncode == 2
    assert "incomplete" in result.stderr


def test_matrix_has_a_row_per_behaviour_and_a_column_per_report(reports, tmp_path):
    baseline, new = reports
    report = json.loads(new.read_text())
    report["implementation"]["name"] = "other-impl"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(report))
    out = tmp_path / "matrix"
    result = cli("matrix", str(baseline), str(other), "--out", str(out))
    assert result.returncode == 0, result.stderr
    markdown = (out / "matrix.md").read_text()
    assert "| behaviour | module:toy_keras | other-impl |" in markdown
    assert "| `toy.add.strings` | pass | fail |" in markdown
    assert "| `toy.add.integers` | pass | pass |" in markdown
    assert "<td class=\"fail\">fail</td>" in (out / "matrix.html").read_text()


def test_gate_all_checks_every_baseline_and_fails_on_any_regression(reports, tmp_path):
    baseline, new = reports
    baselines, fresh = tmp_path / "baselines", tmp_path / "fresh"
    baselines.mkdir()
    name = json.loads(baseline.read_text())["implementation"]["name"]
    (baselines / f"{name}.json").write_text(baseline.read_text())
    (fresh / name).mkdir(parents=True)
    (fresh / name / "report.json").write_text(new.read_text())
    result = cli("gate", "--all", str(baselines), "--reports-dir", str(fresh))
    assert result.returncode == 1, result.stdout
    assert "toy.add.strings: pass -> fail" in result.stdout
    assert result.stdout.strip().endswith("gate (all): FAILED (regressions)")
    # improvements pass and say how to take them into the baseline
    (fresh / name / "report.json").write_text(baseline.read_text())
    (baselines / f"{name}.json").write_text(new.read_text())
    result = cli("gate", "--all", str(baselines), "--reports-dir", str(fresh))
    assert result.returncode == 0, result.stdout
    assert f"to take them into the baseline: cp {fresh / name / 'report.json'}" in result.stdout
    # a baseline without a fresh report is unreadable input, not a pass
    (baselines / "other.json").write_text(baseline.read_text())
    result = cli("gate", "--all", str(baselines), "--reports-dir", str(fresh))
    assert result.returncode == 2 and "no such file" in result.stdout, result.stdout
