"""The plugin end to end: implementation choice, expectations as strict xfails, the report."""

from __future__ import annotations

from conftest import behavior

PASSING = '''
import pytest

@pytest.mark.behavior("toy.add.integers")
def test_add(keras):
    assert keras.add(2, 3) == 5
'''


def test_unknown_implementation_is_a_one_line_usage_error(project):
    result = project.run(impl="nosuch")
    assert result.returncode == 4
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    assert errors == [
        "ERROR: unknown implementation 'nosuch'; known: reference, tfkeras, tfkeras-legacy, "
        "keras-jax, keras-torch, keras-tensorflow, keras-numpy, module:<dotted.path>"
    ]
    assert "Traceback" not in result.output
    assert result.report["run"]["status"] == "error"
    assert "unknown implementation" in result.report["run"]["error"]


def test_module_that_is_not_a_keras_namespace_is_told_so(project):
    (project.root / "not_keras.py").write_text("x = 1\n")
    result = project.run(impl="module:not_keras")
    assert result.returncode == 4
    assert "module 'not_keras' is not a Keras namespace: it has no models, layers" in (
        result.output)


def test_missing_module_is_a_usage_error(project):
    result = project.run(impl="module:no_such_module_here")
    assert result.returncode == 4
    assert "cannot import module 'no_such_module_here'" in result.output


def test_passing_run_writes_three_report_files(project):
    project.catalog([behavior("toy.add.integers")])
    project.suite("test_toy.py", PASSING)
    result = project.run("-v")
    assert result.returncode == 0, result.output
    assert {p.name for p in result.report_dir.iterdir()} >= {
        "report.json", "report.md", "report.html"}
    report = result.report
    assert report["implementation"] == {"name": "module:toy_keras", "version": "2.99.0",
                                        "backend": "toy", "device": "CPU", "keras_major": 2,
                                        "adapter": "keras.backend"}
    assert report["run"]["complete"] is True
    assert report["behaviors"]["toy.add.integers"]["status"] == "pass"
    [test] = report["tests"]
    assert test["nodeid"] == "conformance/suite/test_toy.py::test_add"
    assert test["outcome"] == "passed" and test["duration_s"] >= 0
    html = (result.report_dir / "report.html").read_text()
    assert "toy.add.integers" in html and "http" not in html.replace("http-equiv", "")
    assert "keras implementation: module:toy_keras (Keras 2.99.0" in result.output


def test_hanging_test_times_out_and_the_run_goes_on(project):
    project.catalog([behavior("toy.add.integers"), behavior("toy.hang.forever")])
    project.suite("test_toy.py", PASSING + '''
import time

@pytest.mark.behavior("toy.hang.forever")
def test_hangs(keras):
    time.sleep(60)

@pytest.mark.behavior("toy.add.integers")
def test_after_the_hang(keras):
    assert keras.add(1, 1) == 2
''')
    result = project.run("--timeout=2")
    assert result.returncode == 1
    outcomes = {t["nodeid"].split("::")[1]: t for t in result.report["tests"]}
    assert outcomes["test_hangs"]["outcome"] == "failed"
    assert outcomes["test_hangs"]["failure_kind"] == "timeout"
    assert outcomes["test_after_the_hang"]["outcome"] == "passed"


def test_exception_inside_the_implementation_fails_only_that_test(project):
    project.catalog([behavior("toy.add.integers"), behavior("toy.add.strings")])
    project.suite("test_toy.py", PASSING + '''
@pytest.mark.behavior("toy.add.strings")
def test_add_mixed(keras):
    assert keras.add("a", 1) == "a1"
''')
    result = project.run()
    assert result.returncode == 1
    statuses = {b: v["status"] for b, v in result.report["behaviors"].items()}
    assert statuses == {"toy.add.integers": "pass", "toy.add.strings": "fail"}
    failed = [t for t in result.report["tests"] if t["outcome"] == "failed"][0]
    assert failed["failure_kind"] == "TypeError"
    assert failed["reproduce"].startswith("pytest conformance/suite/test_toy.py::test_add_mixed "
                                          "--keras-impl=module:toy_keras")


def test_behaviour_fails_when_any_of_its_tests_fails(project):
    project.catalog([behavior("toy.add.integers")])
    project.suite("test_toy.py", PASSING + '''
@pytest.mark.behavior("toy.add.integers")
def test_add_wrong(keras):
    assert keras.add(2, 2) == 5
''')
    report = project.run().report
    assert report["behaviors"]["toy.add.integers"]["status"] == "fail"
    assert report["summary"]["behaviors"]["fail"] == 1
    assert report["summary"]["tests"]["passed"] == 1


def test_interrupted_run_leaves_an_incomplete_report(project):
    project.catalog([behavior("toy.add.integers")])
    project.suite("test_toy.py", PASSING + '''
@pytest.mark.behavior("toy.add.integers")
def test_ctrl_c(keras):
    raise KeyboardInterrupt
''')
    result = project.run()
    assert result.returncode == 2
    assert result.report["run"]["complete"] is False
    assert result.report["run"]["status"] == "interrupted"


def test_crashed_process_leaves_an_incomplete_report(project):
    project.catalog([behavior("toy.add.integers")])
    project.suite("test_toy.py", PASSING + '''
import os

@pytest.mark.behavior("toy.add.integers")
def test_segfault_like(keras):
    os._exit(139)
''')
    result = project.run()
    assert result.returncode == 139
    assert result.report["run"]["complete"] is False
    assert result.report["run"]["status"] == "running"
    assert "died" in result.report["run"]["note"]
