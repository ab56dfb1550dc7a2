"""Reports stay true under pytest-xdist, shards and crashes: the same tests with the same
statuses as one serial run; a test that kills its worker is a ``crash`` of that test."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO, behavior

BEHAVIORS = ["toy.add.integers", "toy.add.floats", "toy.sub.integers", "toy.skip.always",
             "toy.param.many"]
DEVIATIONS = [{"behavior": "toy.sub.integers", "kind": "missing-api",
               "reason": "toy_keras has no sub"}]
SUITE = '''
import pytest

@pytest.mark.behavior("toy.add.integers")
def test_add(keras):
    assert keras.add(2, 3) == 5

@pytest.mark.behavior("toy.add.floats")
def test_add_floats_wrong(keras):
    total = keras.add(0.5, 0.25)  # (a message without addresses, equal in every process)
    assert total == 1.0, "0.5 + 0.25"

@pytest.mark.behavior("toy.sub.integers")
def test_sub(keras):
    assert keras.sub(3, 2) == 1

@pytest.mark.behavior("toy.skip.always")
def test_skipped(keras):
    pytest.skip("nothing to check here")

@pytest.mark.behavior("toy.param.many")
@pytest.mark.parametrize("n", range(12))
def test_many(keras, n):
    assert keras.add(n, 1) == n + 1
'''


def comparable(report: dict) -> dict:
    """What must not depend on how the run was split: tests (durations aside), behaviours,
    summary, warnings."""
    tests = [{k: v for k, v in t.items() if k != "duration_s"} for t in report["tests"]]
    return {"tests": tests, "behaviors": report["behaviors"], "summary": report["summary"],
            "warnings": report["warnings"], "complete": report["run"]["complete"]}


@pytest.fixture
def toy(project):
    project.catalog([behavior(b) for b in BEHAVIORS])
    project.expectations("module:toy_keras", DEVIATIONS)
    project.suite("test_toy.py", SUITE)
    return project


def test_parallel_run_writes_the_same_report_as_a_serial_run(toy):
    serial = toy.run()
    assert serial.returncode == 1, serial.output  # test_add_floats_wrong fails
    serial_report = serial.report
    parallel = toy.run("-n", "2")
    assert parallel.returncode == 1, parallel.output
    assert comparable(parallel.report) == comparable(serial_report)
    assert parallel.report["run"]["workers"] == 2
    statuses = {b: v["status"] for b, v in serial_report["behaviors"].items()}
    assert statuses == {"toy.add.integers": "pass", "toy.add.floats": "fail",
                        "toy.sub.integers": "deviation", "toy.skip.always": "skip",
                        "toy.param.many": "pass"}
    assert len(serial_report["tests"]) == 16


def test_a_test_that_kills_its_worker_is_a_crash_and_the_run_goes_on(toy):
    toy.catalog([behavior(b) for b in [*BEHAVIORS, "toy.abort.worker"]])
    toy.suite("test_abort.py", '''
import os
import pytest

@pytest.mark.behavior("toy.abort.worker")
def test_abort(keras):
    os.abort()
''')
    result = toy.run("-n", "2")
    assert result.returncode == 1, result.output
    report = result.report
    assert report["run"]["complete"] is True
    crashed = next(t for t in report["tests"] if t["nodeid"].endswith("::test_abort"))
    assert crashed["outcome"] == "failed" and crashed["failure_kind"] == "crash", crashed
    assert "crashed" in crashed["message"]
    assert report["behaviors"]["toy.abort.worker"]["status"] == "fail"
    assert len(report["tests"]) == 17  # every other test still ran
    assert report["behaviors"]["toy.param.many"]["status"] == "pass"


def test_a_listed_crash_is_a_deviation(toy):
    toy.catalog([behavior(b) for b in [*BEHAVIORS, "toy.abort.worker"]])
    toy.expectations("module:toy_keras", [*DEVIATIONS, {
        "behavior": "toy.abort.worker", "kind": "crash", "reason": "toy_keras aborts"}])
    toy.suite("test_abort.py", '''
import os
import pytest

@pytest.mark.behavior("toy.abort.worker")
def test_abort(keras):
    os.abort()
''')
    report = toy.run("-n", "1").report
    assert report["behaviors"]["toy.abort.worker"]["status"] == "deviation"


def merge(toy, *reports):
    return subprocess.run([sys.executable, "-m", "conformance", "merge", *map(str, reports),
                           "--out", str(toy.root / "merged")], cwd=toy.root,
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": f"{toy.root}{os.pathsep}{REPO}"})


def shard_runs(toy, count=2):
    paths = []
    for shard in range(count):
        result = toy.run(f"--shard-id={shard}", f"--num-shards={count}")
        path = toy.root / f"shard{shard}.json"
        path.write_text((result.report_dir / "report.json").read_text())
        paths.append(path)
    return paths


def test_two_shards_merge_into_the_unsharded_report(toy):
    serial = toy.run().report
    shards = shard_runs(toy)
    sizes = [len(json.loads(p.read_text())["tests"]) for p in shards]
    assert all(sizes) and sum(sizes) == 16, sizes  # both shards ran something
    for path in shards:  # as if the shards ran on another machine than the one merging them
        shard = json.loads(path.read_text())
        shard["environment"]["cpu"] = "the shards' CPU"
        path.write_text(json.dumps(shard))
    result = merge(toy, *shards)
    assert result.returncode == 0, result.stderr
    merged = json.loads((toy.root / "merged" / "report.json").read_text())
    assert comparable(merged) == comparable(serial)
    assert merged["environment"]["cpu"] == "the shards' CPU"  # not the merging machine's
    gate = subprocess.run([sys.executable, "-m", "conformance", "gate", "--baseline",
                           str(toy.root / "merged" / "report.json"), "--report",
                           str(toy.root / "merged" / "report.json")],
                          cwd=REPO, capture_output=True, text=True)
    assert gate.returncode == 0, gate.stdout + gate.stderr


def test_merge_refuses_other_implementations_missing_and_repeated_shards(toy):
    shards = shard_runs(toy)
    other = json.loads(shards[1].read_text())
    other["implementation"]["name"] = "reference"
    foreign = toy.root / "foreign.json"
    foreign.write_text(json.dumps(other))
    old_suite = json.loads(shards[1].read_text())
    old_suite["suite"]["version"] = "0.0.1"
    older = toy.root / "older.json"
    older.write_text(json.dumps(old_suite))
    cases = {
        (shards[0], foreign): "is for implementation reference",
        (shards[0], older): "is for suite version 0.0.1",
        (shards[0],): "shard(s) 1 of 2 missing",
        (shards[0], shards[0]): "shard 0 of 2 is given twice",
    }
    for files, message in cases.items():
        result = merge(toy, *files)
        assert result.returncode == 2, (files, result.stdout)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, (
            result.stderr)


def test_junit_xml_carries_behaviour_ids_and_reports_are_readable(toy):
    junit = toy.root / "junit.xml"
    result = toy.run(f"--junitxml={junit}")
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    properties = [(p.get("name"), p.get("value")) for p in cases["test_add"].iter("property")]
    assert properties == [("behavior", "toy.add.integers")]
    for name in ("report.json", "report.md", "report.html"):
        mode = (result.report_dir / name).stat().st_mode
        assert mode & stat.S_IRGRP and mode & stat.S_IROTH, oct(mode)
