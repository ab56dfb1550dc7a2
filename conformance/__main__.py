"""Command line: ``python -m conformance {gate,matrix,merge,bench,mutation,render,fuzz}``.

Exit codes: 0 success, 1 the gate found regressions, 2 a file is unreadable, mismatched or
malformed (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance import bench, gate, matrix, merge
from conformance import report as report_mod


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    g = commands.add_parser("gate", help="fail when a behaviour that passed in the baseline "
                                         "no longer passes")
    g.add_argument("--baseline", help="the old report.json")
    g.add_argument("--report", help="the new report.json")
    g.add_argument("--all", metavar="BASELINES_DIR",
                   help="gate every <impl>.json there against reports/<impl>/report.json "
                        "(or under --reports-dir)")
    g.add_argument("--reports-dir", default="reports",
                   help="with --all: where the fresh reports are (default: reports)")
    g.add_argument("--allow-other-impl", action="store_true",
                   help="compare reports of different implementations")

    m = commands.add_parser("matrix", help="behaviours x implementations table from reports")
    m.add_argument("reports", nargs="+", help="report.json files, any number")
    m.add_argument("--out", default="reports/matrix", help="directory for matrix.md/.html")
    m.add_argument("--stem", default="matrix",
                   help="file name without suffix (reports/MATRIX.md: --out reports --stem MATRIX)")

    j = commands.add_parser("merge", help="join the shard reports of one run into one report")
    j.add_argument("reports", nargs="+", help="the shards' report.json files")
    j.add_argument("--out", required=True, help="directory for the merged report.json/.md/.html")

    b = commands.add_parser("bench", help="compare pytest-benchmark JSON files (ratios)")
    b.add_argument("results", nargs="+",
                   help="pytest-benchmark JSON files (one per run) or directories of them")
    b.add_argument("--base", default=None,
                   help="implementation (or file) the ratios are relative to; default: the first")
    b.add_argument("--out", default=None,
                   help="directory for bench.md/.html and plots; default: Markdown on stdout")

    u = commands.add_parser("mutation", help="mutation score report from a `mutmut run`")
    u.add_argument("--mutants", action="append", default=None,
                   help="mutmut's mutants/ directory (default: mutants); repeat it to merge "
                        "several runs")
    u.add_argument("--note", default="", help="a paragraph on how the runs were made")
    u.add_argument("--out", default="reports/mutation", help="directory for mutation.json/.md")
    u.add_argument("--no-diffs", action="store_true", help="leave out the survivors' diffs")
    u.add_argument("--current", action="append", default=None,
                   help="source file or folder (repeatable) whose mutants today's report "
                        "covers: results of older runs count only for functions unchanged "
                        "since (needs mutmut)")
    u.add_argument("--sample", default=None,
                   help='JSON {"population": [names], "sample": [names]}: a uniform random '
                        "sample of the unchecked mutants that was checked; the report adds the "
                        "score estimated with the rest at the sample's rate")

    r = commands.add_parser("render", help="write report.md and report.html from report.json")
    r.add_argument("report", help="a report.json")

    from conformance.corpus import fuzz as fuzz_mod  # `fuzz`: random models (corpus)

    fuzz_mod.add_parser(commands)

    args = parser.parse_args(argv)
    if args.command == "fuzz":
        return fuzz_mod.main(args)
    try:
        if args.command == "gate":
            if args.all:
                return gate_all(Path(args.all), Path(args.reports_dir))
            if not (args.baseline and args.report):
                parser.error("gate needs --baseline and --report, or --all BASELINES_DIR")
            result = gate.compare(report_mod.load(args.baseline), report_mod.load(args.report),
                                  allow_other_impl=args.allow_other_impl)
            print(gate.format_result(result, baseline=args.baseline, report=args.report))
            return 0 if result.passed else 1
        if args.command == "matrix":
            written = matrix.write([report_mod.load(p) for p in args.reports], Path(args.out),
                                   stem=args.stem)
            print("\n".join(str(p) for p in written))
            return 0
        if args.command == "mutation":
            from conformance import mutation

            return mutation.main([Path(d) for d in args.mutants or ["mutants"]], Path(args.out),
                                 diffs=not args.no_diffs, note=args.note,
                                 sample=Path(args.sample) if args.sample else None,
                                 current=[Path(c) for c in args.current or []])
        if args.command == "merge":
            merged = merge.merge([report_mod.load(p) for p in args.reports], args.reports)
            written = report_mod.write(merged, Path(args.out))
            print("\n".join(str(p) for p in written))
            return 0
        if args.command == "bench":
            return bench.main(args.results, args.base, args.out)
        report = report_mod.load(args.report)
        written = report_mod.write(report, Path(args.report).parent)
        print("\n".join(str(p) for p in written[1:]))
        return 0
    except report_mod.ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def gate_all(baselines: Path, reports: Path) -> int:
    """Gate each committed baseline against its implementation's fresh report; every one is
    checked and printed before the exit status (1 on any regression, 2 on any unreadable or
    missing report) is decided."""
    files = sorted(baselines.glob("*.json"))
    if not files:
        print(f"error: no baselines (*.json) in {baselines}", file=sys.stderr)
        return 2
    worst = 0
    for baseline in files:
        report = reports / baseline.stem / "report.json"
        print(f"== {baseline.stem}: {report} against {baseline}")
        try:
            result = gate.compare(report_mod.load(baseline), report_mod.load(report))
        except report_mod.ReportError as exc:
            print(f"error: {exc}")
            worst = 2
            continue
        print(gate.format_result(result, baseline=str(baseline), report=str(report)))
        worst = max(worst, 0 if result.passed else 1)
    print("gate (all): " + {0: "passed", 1: "FAILED (regressions)", 2: "FAILED (unreadable)"}[
        worst])
    return worst


if __name__ == "__main__":
    sys.exit(main())
