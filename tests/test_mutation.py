"""The mutation report: mutmut's results summarized per module, equivalents left out."""

from __future__ import annotations

import json

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
    summary = mutation.summarize(mutation.load_results(tmp_path / "mutants"),
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
