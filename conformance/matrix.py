"""Merge any number of reports into one behaviours x implementations table."""

from __future__ import annotations

from pathlib import Path

from conformance import report as report_mod


def build(reports: list[dict]) -> dict:
    """Rows are behaviours (union over reports, catalogue order of the first that has them);
    columns are the reports' implementations, in the order given."""
    columns = [{"name": r["implementation"]["name"],
                "version": r["implementation"].get("version"),
                "backend": r["implementation"].get("backend"),
                "device": r["implementation"].get("device"),
                "complete": r["run"].get("complete", False),
                "summary": r["summary"]["behaviors"]} for r in reports]
    rows: dict[str, dict] = {}
    for index, r in enumerate(reports):
        for bid, behavior in r["behaviors"].items():
            row = rows.setdefault(bid, {"id": bid, "area": behavior.get("area", ""),
                                        "title": behavior.get("title", ""),
                                        "statuses": ["-"] * len(reports)})
            row["statuses"][index] = behavior["status"]
    return {"columns": columns, "rows": sorted(rows.values(), key=lambda r: (r["area"], r["id"]))}


def write(reports: list[dict], directory: Path, stem: str = "matrix") -> list[Path]:
    table = build(reports)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in ("md", "html"):
        path = directory / f"{stem}.{suffix}"
        report_mod.atomic_write(path, report_mod.render(f"matrix.{suffix}.j2", m=table))
        written.append(path)
    return written
