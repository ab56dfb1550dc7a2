"""Expectations run as strict expected failures; malformed files are one-line usage errors."""

from __future__ import annotations

from conftest import behavior

IMPL = "module:toy_keras"
SUITE = '''
import pytest

@pytest.mark.behavior("toy.add.integers")
def test_add(keras):
    assert keras.add(2, 3) == 5

@pytest.mark.behavior("toy.sub.integers")
def test_sub(keras):
    assert keras.sub(5, 3) == 2          # toy_keras has no sub: AttributeError

@pytest.mark.behavior("toy.add.floats")
@pytest.mark.parametrize("x", [0.5, 1.5])
def test_add_floats(keras, x):
    assert keras.add(x, x) == 2 * x + 1  # wrong on purpose: a mismatch
'''


def _project(project, deviations):
    project.catalog([behavior("toy.add.integers"), behavior("toy.sub.integers"),
                     behavior("toy.add.floats")])
    project.suite("test_toy.py", SUITE)
    project.expectations(IMPL, deviations)
    return project.run()


def _outcomes(report):
    return {t["nodeid"].split("::")[1]: t["outcome"] for t in report["tests"]}


def test_listed_deviations_are_expected_failures(project):
    result = _project(project, [
        {"behavior": "toy.sub.integers", "kind": "AttributeError", "reason": "no sub"},
        {"test": "conformance/suite/test_toy.py::test_add_floats", "kind": "mismatch",
         "reason": "adds one"},
    ])
    assert result.returncode == 0, result.output
    assert _outcomes(result.report) == {"test_add": "passed", "test_sub": "deviation",
                                        "test_add_floats[0.5]": "deviation",
                                        "test_add_floats[1.5]": "deviation"}
    behaviors = result.report["behaviors"]
    assert behaviors["toy.sub.integers"]["status"] == "deviation"
    assert "no sub" in behaviors["toy.sub.integers"]["deviation"]
    assert result.report["summary"]["behaviors"] == {
        "total": 3, "fail": 0, "deviation": 2, "pass": 1, "skip": 0, "untested": 0}


def test_deviation_that_passes_is_reported_as_a_failure(project):
    result = _project(project, [
        {"behavior": "toy.add.integers", "kind": "mismatch", "reason": "stale entry"},
        {"behavior": "toy.sub.integers", "kind": "AttributeError", "reason": "no sub"},
        {"behavior": "toy.add.floats", "kind": "mismatch", "reason": "adds one"},
    ])
    assert result.returncode == 1
    test = next(t for t in result.report["tests"] if t["nodeid"].endswith("::test_add"))
    assert test["outcome"] == "failed"
    assert test["failure_kind"] == "unexpected-pass"
    assert "listed deviation did not occur" in test["message"]


def test_deviation_failing_with_another_kind_is_a_failure(project):
    result = _project(project, [
        {"behavior": "toy.sub.integers", "kind": "ValueError", "reason": "wrong kind"},
        {"behavior": "toy.add.floats", "kind": "mismatch", "reason": "adds one"},
    ])
    assert result.returncode == 1
    test = next(t for t in result.report["tests"] if t["nodeid"].endswith("::test_sub"))
    assert test["outcome"] == "failed"
    assert "expects ValueError, but the test failed with missing-api" in test["message"]
    assert "missing API toy_keras.sub" in test["message"]


def test_one_parametrization_can_be_listed(project):
    result = _project(project, [
        {"behavior": "toy.sub.integers", "kind": "AttributeError", "reason": "no sub"},
        {"test": "conformance/suite/test_toy.py::test_add_floats[0.5]", "kind": "mismatch",
         "reason": "adds one"},
    ])
    outcomes = _outcomes(result.report)
    assert outcomes["test_add_floats[0.5]"] == "deviation"
    assert outcomes["test_add_floats[1.5]"] == "failed"


def test_entry_matching_no_test_is_warned_about(project):
    result = _project(project, [
        {"behavior": "toy.sub.integers", "kind": "AttributeError", "reason": "no sub"},
        {"behavior": "toy.add.floats", "kind": "mismatch", "reason": "adds one"},
        {"test": "conformance/suite/test_toy.py::test_gone", "kind": "mismatch", "reason": "x"},
    ])
    assert result.returncode == 0
    assert ("expectations entry 'conformance/suite/test_toy.py::test_gone' matched no "
            "collected test") in result.report["warnings"]
    assert "matched no collected test" in result.output


def test_malformed_expectations_are_a_one_line_usage_error(project):
    project.catalog([behavior("toy.add.integers")])
    project.suite("test_toy.py", SUITE)
    cases = {
        "deviations: [": "cannot read",
        "implementation: other\ndeviations: []": "is for implementation 'other'",
        "deviations:\n  - behavior: toy.add.integers\n    kind: mismatch": "'reason' is required",
        "deviations:\n  - behavior: toy.nope\n    kind: mismatch\n    reason: r":
            "behaviour 'toy.nope' is not in the catalogue",
        "deviations:\n  - kind: mismatch\n    reason: r": "exactly one of 'behavior' or 'test'",
    }
    for text, message in cases.items():
        project.expectations(IMPL, None, raw=text)
        result = project.run()
        assert result.returncode == 4, text
        [error] = [line for line in result.output.splitlines() if line.startswith("ERROR")]
        assert message in error, (text, error)
        assert result.report["run"]["status"] == "error"
