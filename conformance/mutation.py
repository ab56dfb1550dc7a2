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
import math
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


def load_run(mutants_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """({mutant name: status}, {function: hash of its source}) of one mutmut run; the function
    of ``reference_impl.losses.x_hinge__mutmut_3`` is ``reference_impl.losses.x_hinge``."""
    results, hashes = {}, {}
    for meta in sorted(mutants_dir.rglob("*.meta")):
        data = json.loads(meta.read_text())
        parts = meta.relative_to(mutants_dir).with_suffix("").with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for function, digest in data.get("hash_by_function_name", {}).items():
            hashes[f"{module}.{function}"] = digest
        for name, code in data.get("exit_code_by_key", {}).items():
            results[name] = STATUS.get(code, f"exit {code}")
    return results, hashes


def load_current(paths: list[Path]) -> tuple[dict[str, str], dict[str, str]]:
    """The mutants mutmut would make of the source files under ``paths`` now, all 'not
    checked', with their functions' hashes: merged last, it makes the report describe today's
    source (older runs count only for unchanged functions). Needs mutmut (tox -e mutation)."""
    try:
        from mutmut.mutation.file_mutation import mutate_file_contents
    except ImportError as exc:
        raise SystemExit(f"error: --current needs mutmut ({exc}); run it in tox -e mutation"
                         ) from None
    results, hashes = {}, {}
    files = [f for p in paths for f in (sorted(p.rglob("*.py")) if p.is_dir() else [p])]
    for path in files:
        parts = path.with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mutated = mutate_file_contents(str(path), path.read_text())
        results.update((f"{module}.{n}", "not checked") for n in mutated.mutant_names)
        hashes.update((f"{module}.{f}", h) for f, h in mutated.hash_by_function_name.items())
    return results, hashes


def function_of(mutant: str) -> str:
    return mutant.rsplit("__mutmut_", 1)[0]


def merge_runs(runs: list[tuple[dict[str, str], dict[str, str]]],
               current: tuple[dict[str, str], dict[str, str]] | None = None,
               origin: dict[str, int] | None = None) -> dict[str, str]:
    """Runs in order, oldest first (e.g. a long run at one commit, then reruns at later ones,
    some with the test selection narrowed to a module). A function's source is the one of
    ``current`` (``load_current``: today's mutants, which are then exactly the report's) or
    else of the last run that has it; a run's statuses count only for functions whose source
    (hash) is the same there, since mutmut numbers a function's mutants by position and a
    changed function's numbers name other mutants. Tests only accumulate, so a mutant caught
    by any counting run is caught; otherwise its status is the last one checked. ``origin``,
    if given, gets the index in ``runs`` of the run each status came from."""
    if current is not None:
        hashes_now = current[1]
        runs = [*runs, current]
    else:
        hashes_now = {}
        for _, hashes in runs:
            hashes_now.update(hashes)
    results: dict[str, str] = {}
    for index, (statuses, hashes) in enumerate(runs):
        for name, status in statuses.items():
            function = function_of(name)
            if hashes.get(function) != hashes_now.get(function):
                continue  # stale: that function changed (or is gone) since this run
            if current is not None and name not in current[0]:
                continue
            if results.get(name) in CAUGHT:
                continue
            if status != "not checked" or name not in results:
                results[name] = status
                if origin is not None:
                    origin[name] = index
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
    est = summary.get("estimate")
    if est and est.get("score") is not None:
        left = est["sample_unchecked"]
        lines += ["", f"**Estimate with the unchecked mutants.** A uniform random sample of "
                      f"{est['sample']} of the mutants the runs did not reach was checked"
                      f"{f' ({left} of it not)' if left else ''}: "
                      f"{est['caught']} of its {est['judged']} judged mutants killed "
                      f"({100 * est['rate']:.1f} %, Wilson 95 % interval "
                      f"{100 * est['low']:.1f}-{100 * est['high']:.1f} %). Counting the "
                      f"{est['population']} still unchecked at that rate, the score is "
                      f"{100 * est['score']:.1f} % ({100 * est['score_low']:.1f}-"
                      f"{100 * est['score_high']:.1f} %)."]
    lines += ["", f"## Surviving mutants ({len(summary['survivors'])})", ""]
    for s in summary["survivors"]:
        lines.append(f"- `{s['mutant']}` ({s['status']})")
        if s.get("diff"):
            lines += ["", "```diff", s["diff"], "```", ""]
    json_path, md_path = out / "mutation.json", out / "mutation.md"
    report_mod.atomic_write(json_path, json.dumps(summary, indent=1) + "\n")
    report_mod.atomic_write(md_path, "\n".join(lines) + "\n")
    return [json_path, md_path]


def estimate(results: dict[str, str], equivalents: dict[str, str], sample: dict) -> dict:
    """The score of mutants left unchecked, estimated from a uniform random sample of them
    that was checked: ``sample`` is ``{"population": [names], "sample": [names]}`` (the sample
    drawn from the population). A Wilson 95 % interval bounds the sample's kill rate."""
    population = [n for n in sample["population"] if results.get(n) == "not checked"]
    drawn = Counter("equivalent" if n in equivalents and results.get(n) in ("survived", "no tests")
                    else results.get(n, "not checked") for n in sample["sample"])
    caught = sum(drawn[s] for s in CAUGHT)
    judged = caught + drawn["survived"] + drawn["no tests"]
    if not judged:
        return {"population": len(population), "sample": len(sample["sample"]), "judged": 0}
    rate, z = caught / judged, 1.96
    centre = (rate + z * z / (2 * judged)) / (1 + z * z / judged)
    half = z * math.sqrt(rate * (1 - rate) / judged + z * z / (4 * judged ** 2)) / (
        1 + z * z / judged)
    checked = len(sample["sample"]) - drawn["not checked"]  # a draw left unchecked is no data
    return {"population": len(population), "sample": len(sample["sample"]), "judged": judged,
            "caught": caught, "sample_unchecked": drawn["not checked"],
            "judged_share": round(judged / checked, 4),
            "rate": round(rate, 4), "low": round(centre - half, 4),
            "high": round(centre + half, 4)}


def with_estimate(summary: dict, est: dict) -> dict:
    """The total score with the unchecked population counted at the sample's rate (and at its
    interval's bounds)."""
    total = summary["total"]
    caught = sum(total.get(s, 0) for s in CAUGHT)
    judged = caught + total.get("survived", 0) + total.get("no tests", 0)
    if not est.get("judged"):
        return {**est, "score": None}
    extra = est["population"] * est["judged_share"]  # expected judgeable mutants there
    def score(rate):
        return round((caught + rate * extra) / (judged + extra), 4)
    return {**est, "score": score(est["rate"]), "score_low": score(est["low"]),
            "score_high": score(est["high"])}


def main(mutants_dirs: list[Path], out: Path, diffs: bool, note: str = "",
         sample: Path | None = None, current: list[Path] | None = None) -> int:
    """Several runs (e.g. one per group of modules, each on its own copy of the tree, or a long
    run and later reruns) are merged by ``merge_runs``."""
    missing = [d for d in [*mutants_dirs, *([sample] if sample else []), *(current or [])]
               if not d.exists()]
    if missing:
        print(f"error: {', '.join(map(str, missing))} does not exist: run `mutmut run` first "
              f"(tox -e mutation)", file=sys.stderr)
        return 2
    runs = [load_run(d) for d in mutants_dirs]
    origin: dict[str, int] = {}
    results = merge_runs(runs, load_current(current) if current else None, origin)
    # the run a survivor's status came from holds its diff (``mutmut show`` there)
    where = {name: mutants_dirs[i].parent for name, i in origin.items() if i < len(mutants_dirs)}
    equivalents = load_equivalents()
    summary = summarize(results, equivalents)
    if sample is not None:
        try:
            drawn = json.loads(sample.read_text())
            if not set(drawn["sample"]) <= set(drawn["population"]):
                raise ValueError("the sample is not drawn from the population")
        except (ValueError, KeyError, TypeError) as exc:
            print(f"error: {sample}: expected {{\"population\": [names], \"sample\": [names]}} "
                  f"({exc!r})", file=sys.stderr)
            return 2
        summary["estimate"] = with_estimate(summary, estimate(results, equivalents, drawn))
    written = write(summary, out, diffs_from=where if diffs else None, note=note)
    total = summary["total"]
    print(f"mutation score {100 * (total['score'] or 0):.1f} % "
          f"({sum(total.get(s, 0) for s in CAUGHT)} killed, {total.get('survived', 0)} "
          f"survived, {total.get('no tests', 0)} without tests, "
          f"{total.get('timeout', 0)} timeouts (undecided), "
          f"{total.get('equivalent', 0)} equivalent)")
    if summary.get("estimate", {}).get("score") is not None:
        e = summary["estimate"]
        print(f"with the {e['population']} unchecked mutants at the sample's rate: "
              f"{100 * e['score']:.1f} % ({100 * e['score_low']:.1f}-{100 * e['score_high']:.1f})")
    print("\n".join(str(p) for p in written))
    return 0
