"""Join the reports of shards of one run (``--shard-id`` / ``--num-shards``, on any machines)
into the report a single run would have written.

Shards must be of the same implementation (name and version) and suite version, each test must
appear in one shard only, and when the reports say which shard they are, every shard must be
there once. Anything else is refused with one line (:class:`ReportError`).
"""

from __future__ import annotations

from conformance import report as report_mod
from conformance.catalog import Behavior
from conformance.report import ReportError


def merge(reports: list[dict], names: list[str]) -> dict:
    """One report from the shard reports ``reports`` (read from the files ``names``)."""
    if not reports:
        raise ReportError("merge needs at least one report")
    first, first_name = reports[0], names[0]
    for r, name in zip(reports[1:], names[1:], strict=True):
        for what, get in (("implementation", _impl), ("suite version", _suite)):
            if get(r) != get(first):
                raise ReportError(f"{name} is for {what} {get(r)}, but {first_name} is for "
                                  f"{get(first)}: shards of different runs cannot be merged")
    _check_shards(reports, names)
    tests, seen = [], {}
    for r, name in zip(reports, names, strict=True):
        for test in r["tests"]:
            if test["nodeid"] in seen:
                raise ReportError(f"test {test['nodeid']} is in both {seen[test['nodeid']]} and "
                                  f"{name}: the shards overlap")
            seen[test["nodeid"]] = name
            tests.append(test)
    catalog = {}
    for r in reports:
        for bid, b in r["behaviors"].items():
            if b.get("area") != "uncatalogued":
                catalog.setdefault(bid, Behavior(
                    id=bid, area=b["area"], title=b["title"], source=b.get("source", ""),
                    keras=tuple(b.get("keras", ())), notes=b.get("notes", "")))
    runs = [r["run"] for r in reports]
    run = {
        "status": "complete" if all(x.get("complete") for x in runs) else "incomplete shards",
        "complete": all(x.get("complete") for x in runs),
        "started": min(x.get("started") or "" for x in runs),
        "finished": max(x.get("finished") or "" for x in runs),
        "duration_s": round(max(x.get("duration_s", 0.0) for x in runs), 3),
        "exit_status": max((x.get("exit_status") or 0) for x in runs),
        "hypothesis_profile": first["run"].get("hypothesis_profile"),
        "command": f"python -m conformance merge ({len(reports)} shard reports)",
        "merged_from": [{"file": name, "command": x.get("command"), "shard": x.get("shard"),
                         "status": x.get("status")} for name, x in zip(names, runs, strict=True)],
        "expectations": first["run"].get("expectations", []),
    }
    return report_mod.build(
        implementation=first["implementation"], environment=first["environment"],
        catalog=catalog, tests=tests, run=run,
        warnings=sorted({w for r in reports for w in r.get("warnings", [])}),
        suite_version=first["suite"]["version"],
    )


def _impl(report: dict) -> str:
    impl = report["implementation"]
    return f"{impl['name']} {impl.get('version')}"


def _suite(report: dict) -> str:
    return str(report.get("suite", {}).get("version"))


def _check_shards(reports: list[dict], names: list[str]) -> None:
    shards = [r["run"].get("shard") for r in reports]
    if not any(shards):
        return
    if not all(shards):
        unsharded = [n for n, s in zip(names, shards, strict=True) if not s]
        raise ReportError(f"{unsharded[0]} is not a shard report, the others are")
    counts = {s["count"] for s in shards}
    if len(counts) > 1:
        raise ReportError(f"the reports split the run into different numbers of shards: "
                          f"{sorted(counts)}")
    count = counts.pop()
    ids = [s["id"] for s in shards]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ReportError(f"shard {duplicated[0]} of {count} is given twice")
    missing = sorted(set(range(count)) - set(ids))
    if missing:
        raise ReportError(f"shard(s) {', '.join(map(str, missing))} of {count} missing: a merged "
                          f"report would leave their tests out")
