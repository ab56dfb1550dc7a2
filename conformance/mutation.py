"""The suite's mutation score: how many deliberate bugs in the reference the suite catches.

``tox -e mutation`` runs mutmut (``[tool.mutmut]`` in pyproject.toml says which reference
modules are mutated and how the suite runs); each mutant is one small change to the reference
(an operator, a constant, an argument) and counts as killed when the conformance suite fails on
it. ``python -m conformance mutation`` then reads mutmut's results (``mutants/**/*.meta``) and
writes ``reports/mutation/mutation.json`` and ``mutation.md``: per module killed / survived /
no tests / timeout / equivalent and the score, and every surviving mutant with its diff.

A survivor is triaged either by a test that kills it or by a line in
``conformance/mutation_equivalents.yaml`` (``mutant name: why no program can tell it apart``);
equivalent mutants leave the score's denominator.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

from conformance import report as report_mod

EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.yaml")
# mutmut's exit codes (mutmut.stats.status_by_exit_code, mutmut 3.x), so the report can be
# written without importing mutmut
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
          34: "skipped", 35: "suspicious", 36: "timeout", 24: "timeout", -24: "timeout",
          152: "timeout", 255: "timeout", -11: "segfault", -9: "segfault", 2: "interrupted",
          None: "not checked"}
CAUGHT = ("killed", "segfault")  # the suite failed on the mutant
# A timeout is left undecided: on a loaded machine a correct program times out too, so counting
# timeouts as caught would flatter the score. They are reported, outside the score.


def load_results(mutants_dir: Path) -> dict[str, str]:
    """{mutant name: status} from mutmut's ``*.meta`` files."""
    results = {}
    for meta in sorted(mutants_dir.rglob("*.meta")):
        data = json.loads(meta.read_text())
        for name, code in data.get("exit_code_by_key", {}).items():
            results[name] = STATUS.get(code, f"exit {code}")
    return results


def load_equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    if not path.exists():
        return {}
    document = yaml.safe_load(path.read_text()) or {}
    if not isinstance(document, dict) or not all(
            isinstance(v, str) and v.strip() for v in document.values()):
        raise ValueError(f"{path}: expected 'mutant name: reason' lines")
    return document


def module_of(mutant: str) -> str:
    """``reference_impl.losses.x_hinge__mutmut_3`` -> ``reference_impl.losses``."""
    return mutant.rsplit(".", 1)[0]


def summarize(results: dict[str, str], equivalents: dict[str, str]) -> dict:
    modules: dict[str, Counter] = {}
    survivors = []
    for name, status in sorted(results.items()):
        if status == "survived" or status == "no tests":
            if name in equivalents:
                status = "equivalent"
            else:
                survivors.append({"mutant": name, "status": status})
        modules.setdefault(module_of(name), Counter())[status] += 1

    def score(counts: Counter) -> float | None:
        caught = sum(counts[s] for s in CAUGHT)
        judged = caught + counts["survived"] + counts["no tests"]
        return round(caught / judged, 4) if judged else None

    total = sum(modules.values(), Counter())
    return {
        "modules": {m: {**dict(c), "score": score(c)} for m, c in sorted(modules.items())},
        "total": {**dict(total), "score": score(total)},
        "survivors": survivors,
        "unchecked": total["not checked"],
    }


def diff_of(mutant: str, cwd: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "mutmut", "show", mutant], cwd=cwd,
                            capture_output=True, text=True, timeout=60)
    return result.stdout.strip() or result.stderr.strip()


def write(summary: dict, out: Path, *, diffs_from: dict[str, Path] | None = None,
          note: str = "") -> list[Path]:
    """mutation.json and mutation.md; ``diffs_from`` maps a mutant to the directory of the
    mutmut run that holds it (for ``mutmut show``), ``note`` says how the runs were made."""
    if diffs_from is not None:
        for survivor in summary["survivors"]:
            survivor["diff"] = diff_of(survivor["mutant"], diffs_from[survivor["mutant"]])
    out.mkdir(parents=True, exist_ok=True)
    lines = ["# Mutation score of the suite against the reference", "",
             *([note, ""] if note else []),
             "Killed: the suite failed on the mutant (a crash counts too). "
             "Score = killed / (killed + survived + no tests); timeouts are undecided and "
             "equivalent mutants (conformance/mutation_equivalents.yaml) are left out.", "",
             "| module | killed | survived | no tests | timeout | equivalent | score |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    rows = {**summary["modules"], "**total**": summary["total"]}
    for module, c in rows.items():
        score = "-" if c["score"] is None else f"{100 * c['score']:.1f} %"
        lines.append(f"| {module} | {c.get('killed', 0)} | {c.get('survived', 0)} | "
                     f"{c.get('no tests', 0)} | {c.get('timeout', 0)} | "
                     f"{c.get('equivalent', 0)} | {score} |")
    if summary["unchecked"]:
        lines += ["", f"{summary['unchecked']} mutants were not checked (the run was cut "
                      f"short): the score covers the others."]
    lines += ["", f"## Surviving mutants ({len(summary['survivors'])})", ""]
    for s in summary["survivors"]:
        lines.append(f"- `{s['mutant']}` ({s['status']})")
        if s.get("diff"):
            lines += ["", "```diff", s["diff"], "```", ""]
    json_path, md_path = out / "mutation.json", out / "mutation.md"
    report_mod.atomic_write(json_path, json.dumps(summary, indent=1) + "\n")
    report_mod.atomic_write(md_path, "\n".join(lines) + "\n")
    return [json_path, md_path]


def main(mutants_dirs: list[Path], out: Path, diffs: bool, note: str = "") -> int:
    """Several runs (e.g. one per group of modules, each on its own copy of the tree) are
    merged: a mutant's status comes from the last directory that checked it."""
    missing = [d for d in mutants_dirs if not d.is_dir()]
    if missing:
        print(f"error: {', '.join(map(str, missing))} does not exist: run `mutmut run` first "
              f"(tox -e mutation)", file=sys.stderr)
        return 2
    results, where = {}, {}
    for directory in mutants_dirs:
        for name, status in load_results(directory).items():
            if status != "not checked" or name not in results:
                results[name], where[name] = status, directory.parent
    summary = summarize(results, load_equivalents())
    written = write(summary, out, diffs_from=where if diffs else None, note=note)
    total = summary["total"]
    print(f"mutation score {100 * (total['score'] or 0):.1f} % "
          f"({sum(total.get(s, 0) for s in CAUGHT)} killed, {total.get('survived', 0)} "
          f"survived, {total.get('no tests', 0)} without tests, "
          f"{total.get('timeout', 0)} timeouts (undecided), "
          f"{total.get('equivalent', 0)} equivalent)")
    print("\n".join(str(p) for p in written))
    return 0
