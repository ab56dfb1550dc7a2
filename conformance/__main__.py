"""Command line: ``python -m conformance {gate,matrix,merge,bench,render}``.

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
    g.add_argument("--baseline", required=True, help="the old report.json")
    g.add_argument("--report", required=True, help="the new report.json")
    g.add_argument("--allow-other-impl", action="store_true",
                   help="compare reports of different implementations")

    m = commands.add_parser("matrix", help="behaviours x implementations table from reports")
    m.add_argument("reports", nargs="+", help="report.json files, any number")
    m.add_argument("--out", default="reports/matrix", help="directory for matrix.md/.html")

    j = commands.add_parser("merge", help="join the shard reports of one run into one report")
    j.add_argument("reports", nargs="+", help="the shards' report.json files")
    j.add_argument("--out", required=True, help="directory for the merged report.json/.md/.html")

    b = commands.add_parser("bench", help="compare pytest-benchmark JSON files (ratios)")
    b.add_argument("results", nargs="+", help="pytest-benchmark JSON files, one per run")
    b.add_argument("--base", default=None,
                   help="implementation (or file) the ratios are relative to; default: the first")
    b.add_argument("--out", default=None,
                   help="directory for bench.md/.html and plots; default: Markdown on stdout")

    r = commands.add_parser("render", help="write report.md and report.html from report.json")
    r.add_argument("report", help="a report.json")

    args = parser.parse_args(argv)
    try:
        if args.command == "gate":
            result = gate.compare(report_mod.load(args.baseline), report_mod.load(args.report),
                                  allow_other_impl=args.allow_other_impl)
            print(gate.format_result(result, baseline=args.baseline, report=args.report))
            return 0 if result.passed else 1
        if args.command == "matrix":
            written = matrix.write([report_mod.load(p) for p in args.reports], Path(args.out))
            print("\n".join(str(p) for p in written))
            return 0
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


if __name__ == "__main__":
    sys.exit(main())
