"""The mutation report: mutmut's results summarized per module, equivalents left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import mutation


def test_score_counts_caught_mutants_and_leaves_equivalents_out(tmp_path):
    mutants = tmp_path / "mutants" / "reference_impl"
    mutants.mkdir(parents=True)
    (mutants / "losses.py.meta").write_text(json.dumps({"exit_code_by_key": {
        "reference_impl.losses.x_hinge__mutmut_1": 1,  # killed
        "reference_impl.losses.x_hinge__mutmut_2": 0,  # survived
        "reference_impl.losses.x_hinge__mutmut_3": 0,  # survived, but equivalent
        "reference_impl.losses.x_poisson__mutmut_1": 33,  # no test reaches it
        "reference_impl.losses.x_poisson__mutmut_2": 36,  # timeout: undecided
    }}))
    (mutants / "activations.py.meta").write_text(json.dumps({"exit_code_by_key": {
        "reference_impl.activations.xǁReLUǁcall__mutmut_1": 1,
        "reference_impl.activations.x_tanh__mutmut_1": None,  # not checked
    }}))
    summary = mutation.summarize(mutation.load_run(tmp_path / "mutants")[0],
                                 {"reference_impl.losses.x_hinge__mutmut_3": "same value"})
    losses = summary["modules"]["reference_impl.losses"]
    assert (losses["killed"], losses["survived"], losses["no tests"], losses["timeout"],
            losses["equivalent"]) == (1, 1, 1, 1, 1)
    assert losses["score"] == round(1 / 3, 4)  # 1 killed of 3 judged; the timeout is out
    assert summary["modules"]["reference_impl.activations"]["score"] == 1.0
    assert summary["unchecked"] == 1
    assert [s["mutant"] for s in summary["survivors"]] == [
        "reference_impl.losses.x_hinge__mutmut_2", "reference_impl.losses.x_poisson__mutmut_1"]
    json_path, md_path = mutation.write(summary, tmp_path / "out")
    assert json.loads(json_path.read_text())["total"]["score"] == 0.5
    assert "| reference_impl.losses | 1 | 1 | 1 | 1 | 1 | 33.3 % |" in md_path.read_text()


def test_several_runs_merge_and_a_missing_run_is_a_clear_error(tmp_path, capsys):
    def run(name, codes):
        directory = tmp_path / name / "mutants"
        (directory / "reference_impl").mkdir(parents=True)
        (directory / "reference_impl" / "losses.py.meta").write_text(
            json.dumps({"exit_code_by_key": codes}))
        return directory

    first = run("a", {"reference_impl.losses.x_mse__mutmut_1": 0,
                      "reference_impl.losses.x_mse__mutmut_2": None})
    second = run("b", {"reference_impl.losses.x_mse__mutmut_1": 1,  # killed by the later run
                       "reference_impl.losses.x_mae__mutmut_1": 1})
    third = run("c", {"reference_impl.losses.x_mae__mutmut_1": None})  # not checked there
    out = tmp_path / "out"
    assert mutation.main([first, second, third], out, diffs=False, note="two runs") == 0
    summary = json.loads((out / "mutation.json").read_text())
    assert summary["total"]["killed"] == 2 and summary["unchecked"] == 1
    assert "two runs" in (out / "mutation.md").read_text()
    assert mutation.main([first, tmp_path / "nowhere"], out, diffs=False) == 2
    assert "nowhere does not exist" in capsys.readouterr().err


def write_run(directory, codes, hashes):
    (directory / "reference_impl").mkdir(parents=True)
    (directory / "reference_impl" / "losses.py.meta").write_text(
        json.dumps({"exit_code_by_key": codes, "hash_by_function_name": hashes}))
    return directory


def test_an_older_run_counts_only_for_functions_that_did_not_change(tmp_path):
    # mutmut numbers a function's mutants by position: once x_mse changed, the old run's
    # x_mse__mutmut_3 names another mutant, and the old statuses of x_mse must not count
    old = write_run(tmp_path / "old", {"reference_impl.losses.x_mse__mutmut_1": 1,
                                       "reference_impl.losses.x_mse__mutmut_3": 1,
                                       "reference_impl.losses.x_mae__mutmut_1": 1,
                                       "reference_impl.losses.x_mae__mutmut_2": 0},
                    {"x_mse": "aaa", "x_mae": "bbb"})
    new = write_run(tmp_path / "new", {"reference_impl.losses.x_mse__mutmut_1": 0,
                                       "reference_impl.losses.x_mse__mutmut_2": None,
                                       "reference_impl.losses.x_mae__mutmut_1": None,
                                       "reference_impl.losses.x_mae__mutmut_2": 1},
                    {"x_mse": "ccc", "x_mae": "bbb"})
    origin = {}
    merged = mutation.merge_runs([mutation.load_run(old), mutation.load_run(new)], None, origin)
    assert origin["reference_impl.losses.x_mae__mutmut_1"] == 0  # its diff is in the old run
    assert merged == {"reference_impl.losses.x_mse__mutmut_1": "survived",
                      "reference_impl.losses.x_mse__mutmut_2": "not checked",
                      "reference_impl.losses.x_mae__mutmut_1": "killed",  # unchanged: kept
                      "reference_impl.losses.x_mae__mutmut_2": "killed"}
    # a rerun whose tests were narrowed to one module may miss a kill of the whole suite: a
    # kill in any run of the current source stands
    narrow = write_run(tmp_path / "narrow", {"reference_impl.losses.x_mae__mutmut_1": 0,
                                             "reference_impl.losses.x_mse__mutmut_2": 0},
                       {"x_mse": "ccc", "x_mae": "bbb"})
    merged = mutation.merge_runs([mutation.load_run(old), mutation.load_run(new),
                                  mutation.load_run(narrow)])
    assert merged["reference_impl.losses.x_mae__mutmut_1"] == "killed"
    assert merged["reference_impl.losses.x_mse__mutmut_2"] == "survived"


def test_a_checked_sample_estimates_the_unchecked_rest(tmp_path, capsys):
    names = [f"reference_impl.losses.x_mse__mutmut_{i}" for i in range(1, 13)]
    # 2 killed and 2 checked outside the sample; 8 unchecked, of which 4 drawn and checked:
    # 3 killed, 1 survived
    codes = {**dict.fromkeys(names[:2], 1), names[2]: 0, names[3]: 0,
             **dict.fromkeys(names[4:7], 1), names[7]: 0, **dict.fromkeys(names[8:], None)}
    run = write_run(tmp_path / "run" / "mutants", codes, {"x_mse": "h"})
    sample = tmp_path / "sample.json"
    sample.write_text(json.dumps({"population": names[4:], "sample": names[4:8]}))
    out = tmp_path / "out"
    assert mutation.main([run], out, diffs=False, sample=sample) == 0
    est = json.loads((out / "mutation.json").read_text())["estimate"]
    assert (est["population"], est["sample"], est["judged"], est["caught"]) == (4, 4, 4, 3)
    assert est["rate"] == 0.75 and est["low"] < 0.75 < est["high"]
    # 5 killed of 8 judged, plus the 4 unchecked at 3/4: (5 + 3) / (8 + 4)
    assert est["score"] == round(8 / 12, 4)
    assert est["score_low"] < est["score"] < est["score_high"]
    assert "Estimate with the unchecked mutants" in (out / "mutation.md").read_text()
    sample.write_text(json.dumps({"population": names[4:], "sample": ["elsewhere"]}))
    assert mutation.main([run], out, diffs=False, sample=sample) == 2
    assert "not drawn from the population" in capsys.readouterr().err


def test_current_source_defines_the_population(tmp_path, monkeypatch):
    pytest.importorskip("mutmut")  # --current asks mutmut which mutants today's source has
    source = tmp_path / "pkg" / "mod.py"
    source.parent.mkdir()
    source.write_text("def f(x):\n    return x + 1\n")
    (tmp_path / "pyproject.toml").write_text('[tool.mutmut]\nsource_paths = ["pkg/"]\n')
    monkeypatch.chdir(tmp_path)
    statuses, hashes = mutation.load_current([Path("pkg")])
    assert statuses and set(statuses.values()) == {"not checked"}
    assert all(n.startswith("pkg.mod.x_f__mutmut_") for n in statuses)
    # a run made when f was different does not count; one of the same source does
    stale = ({next(iter(statuses)): "killed"}, {"pkg.mod.x_f": "other"})
    same = ({next(iter(statuses)): "killed"}, hashes)
    assert set(mutation.merge_runs([stale], (statuses, hashes)).values()) == {"not checked"}
    assert "killed" in mutation.merge_runs([same], (statuses, hashes)).values()
    # a function that is gone from today's source leaves the report, whatever its old status
    gone = ({"pkg.mod.x_g__mutmut_1": "survived"}, {"pkg.mod.x_g": "old"})
    assert "pkg.mod.x_g__mutmut_1" not in mutation.merge_runs([gone], (statuses, hashes))
