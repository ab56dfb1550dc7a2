"""Compare pytest-benchmark results of several implementations: ratios, not thresholds.

Each implementation's run writes ``--benchmark-json=reports/benchmarks/<impl>.json``; this
reads any number of them and tabulates the median time per workload with its ratio to the
first file given (the reference, usually). Runs compared should come from the same machine.
"""

from __future__ import annotations

import json
from pathlib import Path

from conformance.report import ReportError


def load(path) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        benchmarks = data["benchmarks"]
        machine = data.get("machine_info", {})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"{path}: not a pytest-benchmark JSON file ({exc})") from None
    impl = next((b.get("extra_info", {}).get("impl") for b in benchmarks
                 if b.get("extra_info", {}).get("impl")), path.stem)
    device = next((b.get("extra_info", {}).get("device") for b in benchmarks
                   if b.get("extra_info", {}).get("device")), "CPU")
    return {
        "impl": impl,
        "device": device,
        "machine": f"{machine.get('node', '?')}, {machine.get('cpu', {}).get('brand_raw', '?')}",
        "medians": {b["name"].split("[")[0]: b["stats"]["median"] for b in benchmarks},
    }


def table(results: list[dict]) -> str:
    base = results[0]
    workloads = sorted({w for r in results for w in r["medians"]})
    header = "| workload | " + " | ".join(f"{r['impl']} ({r['device']})" for r in results) + " |"
    lines = [header, "| --- |" + " ---: |" * len(results)]
    for workload in workloads:
        cells = []
        for r in results:
            median = r["medians"].get(workload)
            if median is None:
                cells.append("-")
                continue
            ratio = median / base["medians"][workload] if workload in base["medians"] else None
            cells.append(f"{median * 1e3:.2f} ms" + (f" ({ratio:.2f}x)" if ratio else ""))
        lines.append(f"| {workload} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Median time per call; ratios relative to {base['impl']}. "
                 f"Machines: " + "; ".join(sorted({r["machine"] for r in results})) + ".")
    return "\n".join(lines)
