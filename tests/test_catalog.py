"""Catalogue integrity: every test names known behaviours, every behaviour has a test."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance import catalog, expectations
from conftest import REPO


@pytest.fixture(scope="module")
def claims(tmp_path_factory) -> dict[str, list[str]]:
    """{node id: behaviour ids} of the whole suite, as pytest collects it."""
    out = tmp_path_factory.mktemp("collect") / "map.json"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance/suite", "--collect-only", "-q",
         "-p", "no:cacheprovider", "--keras-impl=reference", f"--behavior-map={out}",
         f"--report-dir={out.parent}"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(out.read_text())


def test_catalogue_loads():
    behaviors = catalog.load()
    assert behaviors, "the catalogue is empty"
    for behavior in behaviors.values():
        assert behavior.title.endswith("."), f"{behavior.id}: title is not a sentence"


def test_every_test_names_known_behaviours(claims):
    known = catalog.load()
    unknown = {f"{node}: {bid}" for node, ids in claims.items() for bid in ids
               if bid not in known}
    assert not unknown, "tests name behaviours missing from the catalogue:\n" + "\n".join(
        sorted(unknown))


def test_every_behaviour_has_a_test(claims):
    claimed = {bid for ids in claims.values() for bid in ids}
    untested = sorted(set(catalog.load()) - claimed)
    assert not untested, "catalogued behaviours without a test:\n" + "\n".join(untested)


def test_every_suite_test_has_a_behaviour_id(claims):
    unmarked = sorted(node for node, ids in claims.items() if not ids)
    assert not unmarked, "suite tests without @pytest.mark.behavior:\n" + "\n".join(unmarked)


@pytest.mark.parametrize("path", sorted(expectations.EXPECTATIONS_DIR.glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_expectations_files_are_valid(path):
    deviations = expectations.load(path.stem, path, known_behaviors=catalog.load())
    for deviation in deviations:
        assert len(deviation.reason) > 20, f"{deviation.target}: reason too short to verify"
