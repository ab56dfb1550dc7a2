"""The report document: schema_version 1 and the fields DESIGN.md lists."""

from __future__ import annotations

from conformance import report as report_mod
from conftest import behavior

SUITE = '''
import pytest

@pytest.mark.behavior("toy.add.integers")
def test_add(keras):
    assert keras.add(2, 3) == 5

@pytest.mark.behavior("toy.add.integers", "toy.skip.me")
def test_skipped(keras):
    pytest.skip("not today")
'''


def test_report_has_every_documented_field(project):
    project.catalog([behavior("toy.add.integers"), behavior("toy.skip.me", area="other"),
                     behavior("toy.never.tested")])
    project.suite("test_toy.py", SUITE)
    result = project.run()
    report = report_mod.load(result.report_dir / "report.json")  # validates
    assert report["schema_version"] == 1
    assert set(report) == {"schema_version", "suite", "implementation", "environment", "run",
                           "summary", "behaviors", "tests", "warnings"}
    assert set(report["implementation"]) == {"name", "version", "backend", "device",
                                             "keras_major", "adapter"}
    assert {"python", "platform", "cpu", "packages", "settings"} <= set(report["environment"])
    assert report["environment"]["cpu"], "the CPU model names the machine the run used"
    assert {"pytest", "hypothesis", "numpy"} <= set(report["environment"]["packages"])
    assert {"status", "complete", "started", "finished", "duration_s", "exit_status",
            "hypothesis_profile", "command"} <= set(report["run"])
    for test in report["tests"]:
        assert {"nodeid", "outcome", "duration_s", "behaviors", "message",
                "failure_kind"} <= set(test)
    behaviors = report["behaviors"]
    assert behaviors["toy.add.integers"]["status"] == "pass"  # a skip does not fail it
    assert behaviors["toy.skip.me"]["status"] == "skip"
    assert behaviors["toy.never.tested"]["status"] == "untested"
    assert behaviors["toy.add.integers"]["tests"] == [
        "conformance/suite/test_toy.py::test_add", "conformance/suite/test_toy.py::test_skipped"]
    assert report["summary"]["areas"]["other"] == {
        "behaviors": 1, "fail": 0, "deviation": 0, "pass": 0, "skip": 1, "untested": 0}
    assert report["summary"]["pass_rate"] == 1.0
    assert "not today" in next(t for t in report["tests"] if t["outcome"] == "skipped")["message"]


def test_behaviour_status_is_the_worst_of_its_tests():
    assert report_mod.behavior_status(["passed", "passed"]) == "pass"
    assert report_mod.behavior_status(["passed", "deviation"]) == "deviation"
    assert report_mod.behavior_status(["deviation", "failed"]) == "fail"
    assert report_mod.behavior_status(["passed", "error"]) == "fail"
    assert report_mod.behavior_status(["skipped", "passed"]) == "pass"
    assert report_mod.behavior_status([]) == "untested"


def test_markdown_and_html_say_the_run_was_incomplete(tmp_path):
    report = report_mod.build(
        implementation={"name": "x", "version": "1", "backend": "b", "device": "CPU"},
        environment=report_mod.this_environment({}), catalog={}, tests=[], warnings=[],
        suite_version="0",
        run={"status": "running", "complete": False, "started": "t", "duration_s": 1.0,
             "note": "the test process died"},
    )
    report_mod.write(report, tmp_path)
    assert "**incomplete**" in (tmp_path / "report.md").read_text()
    assert "Incomplete run" in (tmp_path / "report.html").read_text()


def test_environment_records_the_settings_that_change_how_keras_computes(monkeypatch):
    for name in report_mod.SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    monkeypatch.setenv("XLA_FLAGS", "--xla_backend_optimization_level=0")
    monkeypatch.setenv("HOME_UNRELATED", "x")
    env = report_mod.this_environment({"numpy": "2.0"})
    assert env["settings"] == {"TF_ENABLE_ONEDNN_OPTS": "1",
                               "XLA_FLAGS": "--xla_backend_optimization_level=0"}
    assert env["packages"] == {"numpy": "2.0"}
