"""Compare pytest-benchmark results of several implementations: ratios, not thresholds.

Each implementation's run writes ``--benchmark-json=reports/benchmarks/<impl>.json`` (``tox -e
bench-<impl>``). ``python -m conformance bench FILES_OR_DIRS... [--base NAME] [--out DIR]`` reads
any number of them and tabulates, per operation and workload, the median time of each
implementation and its ratio to the base implementation (the first file unless ``--base``).

Times measured on different machines, or on different devices of one machine, are never put
in one ratio: the runs are split into one table per (machine, device), each with its own base,
and the output says so. With ``--out`` it writes ``bench.md`` and a self-contained
``bench.html`` whose plots (matplotlib, the optional ``bench`` extra) are embedded PNGs.
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from conformance.report import ReportError, atomic_write, render

MATPLOTLIB_HINT = "pip install 'keras-conformance[bench]' (matplotlib)"


# -- loading ------------------------------------------------------------------------------
@dataclass
class Timing:
    median: float  # seconds per call
    iqr: float
    rounds: int


@dataclass
class Run:
    """One pytest-benchmark JSON file: one implementation on one machine and device."""

    path: str
    impl: str
    version: str
    backend: str
    device: str  # the device in words: "CPU (AMD EPYC, 2 cores)", "GPU (NVIDIA H200) x1"
    machine: str  # the host: node name, OS, architecture, CPU model, core count
    datetime: str
    times: dict[tuple[str, str], Timing]  # (operation, workload) -> timing
    label: str = ""  # the column title: impl, or impl plus the file name when two share it

    @property
    def where(self) -> tuple[str, str]:
        return (self.machine, self.device)


def load(path) -> Run:
    """Read one pytest-benchmark JSON file; ReportError (one line) when it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        benchmarks = data["benchmarks"]
        machine_info = data.get("machine_info") or {}
        if not isinstance(benchmarks, list):
            raise TypeError("'benchmarks' is not a list")
        times = {}
        for b in benchmarks:
            stats = b["stats"]
            times[(b.get("group") or "benchmark", _workload(b))] = Timing(
                float(stats["median"]), float(stats.get("iqr", 0.0)), int(stats.get("rounds", 0)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"{path}: not a pytest-benchmark JSON file ({exc})") from None
    if not times:
        raise ReportError(f"{path}: holds no benchmark results (did every benchmark fail?)")
    infos = [b.get("extra_info") or {} for b in benchmarks]
    impls = {i.get("impl") for i in infos if i.get("impl")}
    devices = {(i.get("device"), i.get("device_name")) for i in infos if i.get("device")}
    if len(impls) > 1 or len(devices) > 1:
        raise ReportError(f"{path}: mixes implementations or devices ({sorted(impls)}, "
                          f"{sorted(map(str, devices))}); write one file per run")
    info = next((i for i in infos if i.get("impl")), {})
    cpu = machine_info.get("cpu") or {}
    cpu_model = cpu.get("brand_raw") or machine_info.get("processor") or "unknown CPU"
    cores = f", {cpu['count']} cores" if cpu.get("count") else ""
    device = info.get("device") or "CPU"
    if info.get("device_name"):
        device = info["device_name"]
    elif device.upper().startswith("CPU"):
        device = f"CPU ({cpu_model}{cores})"
    machine = (f"{machine_info.get('node', '?')} ({machine_info.get('system', '?')} "
               f"{machine_info.get('machine', '?')}, {cpu_model}{cores})")
    return Run(path=str(path), impl=info.get("impl") or path.stem,
               version=str(info.get("version") or ""), backend=str(info.get("backend") or ""),
               device=device, machine=machine, datetime=str(data.get("datetime", "")),
               times=times)


def _workload(b: dict) -> str:
    """The workload of one benchmark: its parameter (``test_fit[vgg_like]`` -> vgg_like), or
    the test name without ``test_`` for unparametrized benchmarks."""
    if b.get("param"):
        return str(b["param"])
    name = str(b["name"]).split("[")[0]
    return name[5:] if name.startswith("test_") else name


# -- comparing ----------------------------------------------------------------------------
@dataclass
class Cell:
    timing: Timing | None
    ratio: float | None  # timing.median / base median; None without both


@dataclass
class Row:
    operation: str
    workload: str
    device: str
    cells: list[Cell]


@dataclass
class Table:
    """The runs of one machine and device; ratios only between them."""

    machine: str
    device: str
    runs: list[Run]
    base: Run
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    geomeans: list[float | None] = field(default_factory=list)  # of each run's ratios

    @property
    def operations(self) -> list[str]:
        return list(dict.fromkeys(r.operation for r in self.rows))


@dataclass
class Comparison:
    tables: list[Table]
    base_name: str
    notes: list[str]


def compare(runs: list[Run], base: str | None = None) -> Comparison:
    """One table per (machine, device), in the order the files were given. ``base`` names an
    implementation (or a file path / file stem); default: the first file's implementation."""
    if not runs:
        raise ReportError("no benchmark files given")
    _label(runs)
    base_name = base or runs[0].label
    if not any(_is(r, base_name) for r in runs):
        raise ReportError(f"--base {base_name}: no such run; the runs are "
                          + ", ".join(r.label for r in runs))
    groups: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        groups.setdefault(run.where, []).append(run)
    notes = []
    if len(groups) > 1:
        notes.append(f"The runs come from {len(groups)} different machines or devices. Times "
                     "from different machines or devices are not comparable, so each gets its "
                     "own table and ratios are computed only within a table.")
    tables = [_table(group, base_name) for group in groups.values()]
    return Comparison(tables=tables, base_name=base_name, notes=notes)


def _label(runs: list[Run]) -> None:
    # columns share a table only within one machine and device: the same implementation run on
    # two machines keeps its plain name in each table
    counts = Counter((run.impl, run.where) for run in runs)
    for run in runs:
        shared = counts[(run.impl, run.where)] > 1
        run.label = f"{run.impl} ({Path(run.path).name})" if shared else run.impl


def _is(run: Run, name: str) -> bool:
    return name in (run.label, run.impl, run.path, Path(run.path).stem, Path(run.path).name)


def _table(runs: list[Run], base_name: str) -> Table:
    notes = []
    base = next((r for r in runs if _is(r, base_name)), None)
    if base is None:
        base = runs[0]
        notes.append(f"{base_name} did not run on this machine and device; ratios are "
                     f"relative to {base.label}.")
    runs = [base, *(r for r in runs if r is not base)]  # the base is the first column
    keys = list(dict.fromkeys(k for r in [base, *runs] for k in r.times))
    keys.sort(key=lambda k: (_operation_order(k[0]), k[0]))  # stable: workloads keep run order
    rows = []
    for operation, workload in keys:
        base_t = base.times.get((operation, workload))
        cells = []
        for run in runs:
            t = run.times.get((operation, workload))
            ratio = t.median / base_t.median if t and base_t and base_t.median > 0 else None
            cells.append(Cell(t, ratio))
        rows.append(Row(operation, workload, runs[0].device, cells))
    geomeans = []
    for i in range(len(runs)):
        ratios = [row.cells[i].ratio for row in rows if row.cells[i].ratio]
        geomeans.append(math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else None)
    missing = [f"{r.label} lacks {len(keys) - len(r.times)}"
               for r in runs if len(r.times) < len(keys)]
    if missing:
        notes.append("Some benchmarks did not run (failed or not collected): "
                     + ", ".join(missing) + " of the table's rows.")
    return Table(machine=runs[0].machine, device=runs[0].device, runs=runs, base=base,
                 rows=rows, notes=notes, geomeans=geomeans)


def _operation_order(operation: str) -> int:
    order = ["fit one epoch", "predict batch 1", "predict batch 1024", "evaluate"]
    return order.index(operation) if operation in order else len(order)


# -- formatting ---------------------------------------------------------------------------
def fmt_time(seconds: float) -> str:
    """3 significant digits in s, ms or µs."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale or unit == "µs":
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f"{ratio:.2f}x" if ratio < 100 else f"{ratio:.0f}x"


NOISY = 0.25  # an IQR above this fraction of the median marks a time as noisy


def noisy(timing: Timing | None) -> bool:
    return bool(timing and timing.median > 0 and timing.iqr > NOISY * timing.median)


def fmt_cell(cell: Cell) -> str:
    if cell.timing is None:
        return "-"
    ratio = fmt_ratio(cell.ratio)
    return (fmt_time(cell.timing.median) + ("†" if noisy(cell.timing) else "")
            + (f" ({ratio})" if ratio else ""))


def markdown(comparison: Comparison) -> str:
    lines = ["# Benchmarks", ""]
    for note in comparison.notes:
        lines += [f"**{note}**", ""]
    for table in comparison.tables:
        lines += [f"## {table.device} on {table.machine}", ""]
        for note in table.notes:
            lines += [f"*{note}*", ""]
        lines.append("| operation | workload | device | "
                     + " | ".join(_column_title(r) for r in table.runs) + " |")
        lines.append("| --- | --- | --- |" + " ---: |" * len(table.runs))
        for row in table.rows:
            lines.append(f"| {row.operation} | {row.workload} | {row.device} | "
                         + " | ".join(fmt_cell(c) for c in row.cells) + " |")
        lines.append(f"| **geometric mean ratio** | | {table.device} | "
                     + " | ".join(f"**{fmt_ratio(g)}**" if g else "-" for g in table.geomeans)
                     + " |")
        lines += ["", _legend(table), ""]
    return "\n".join(lines)


def _column_title(run: Run) -> str:
    return f"{run.label} {run.version}".strip()


def _legend(table: Table) -> str:
    return (f"Median time per call over the timed rounds (an untimed warm-up call first); "
            f"ratio = time / time of {table.base.label} on the same machine and device "
            f"(below 1: faster); † marks a time whose interquartile range exceeds "
            f"{NOISY:.0%} of its median (a noisy machine: rerun before trusting it). Runs: "
            + "; ".join(f"{r.label} ({r.backend or '?'}) at {r.datetime or '?'}"
                        for r in table.runs) + ".")


# -- plots --------------------------------------------------------------------------------
def plot(table: Table) -> bytes | None:
    """Time per workload and implementation, one panel per operation, log scale: PNG bytes,
    or None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    operations = table.operations
    ncols = 2 if len(operations) > 1 else 1
    nrows = math.ceil(len(operations) / ncols)
    workloads_of = {op: [r for r in table.rows if r.operation == op] for op in operations}
    height = max(len(rows) for rows in workloads_of.values())
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(6.2 * ncols,
                                      nrows * (0.8 + height * (0.18 + 0.07 * len(table.runs)))))
    colours = plt.get_cmap("tab10").colors
    bar = 0.8 / len(table.runs)
    for ax, op in zip(axes.flat, operations, strict=False):
        rows = workloads_of[op]
        for i, run in enumerate(table.runs):
            ys = [k + (i - (len(table.runs) - 1) / 2) * bar for k in range(len(rows))]
            values = [row.cells[i].timing.median if row.cells[i].timing else math.nan
                      for row in rows]
            ax.barh(ys, values, height=bar, color=colours[i % len(colours)], label=run.label)
        ax.set_yticks(range(len(rows)), [row.workload for row in rows], fontsize=8)
        ax.invert_yaxis()
        time_axis(ax, [c.timing.median for row in rows for c in row.cells if c.timing])
        ax.set_title(op, fontsize=10)
        ax.set_xlabel("time per call (log scale)", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", which="major", alpha=0.3)
    for ax in list(axes.flat)[len(operations):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.tight_layout()
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0),
               ncol=min(len(labels), 4), fontsize=9, frameon=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def time_axis(ax, times: list[float]) -> None:
    """A log-scale time axis with ticks at 1, 2 and 5 of each decade (at 1 only where the times
    span three decades or more), labelled in s/ms/µs: matplotlib's own labels of a panel that
    spans less than two decades are minor ones that overprint each other."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    decades = math.log10(max(times) / min(times)) if times else 0.0
    subs = (1.0,) if decades >= 3 else (1.0, 2.0, 5.0)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt_time(x)))
    ax.xaxis.set_minor_formatter(NullFormatter())


# -- files --------------------------------------------------------------------------------
def write(comparison: Comparison, directory: Path) -> tuple[list[Path], list[str]]:
    """bench.md, bench.html (plots inline) and the plots as bench-<n>.png; returns the files
    written and warnings for the user (matplotlib missing)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written, warnings, images = [], [], []
    for n, table in enumerate(comparison.tables, 1):
        png = plot(table)
        if png is None:
            images.append(None)
            continue
        path = directory / f"bench-{n}.png"
        path.write_bytes(png)
        written.append(path)
        images.append("data:image/png;base64," + base64.b64encode(png).decode("ascii"))
    if comparison.tables and all(i is None for i in images):
        warnings.append(f"plots skipped: matplotlib is not installed; {MATPLOTLIB_HINT}")
    md = markdown(comparison)
    if images and images[0] is not None:
        md += "\n" + "\n".join(f"![{t.device}](bench-{n}.png)"
                               for n, t in enumerate(comparison.tables, 1)) + "\n"
    html = render("bench.html.j2", c=comparison, images=images, fmt_time=fmt_time,
                  fmt_ratio=fmt_ratio, legend=_legend, column_title=_column_title, noisy=noisy,
                  hint=MATPLOTLIB_HINT)
    for name, text in (("bench.md", md), ("bench.html", html)):
        atomic_write(directory / name, text)
        written.insert(0 if name == "bench.md" else 1, directory / name)
    return written, warnings


def expand(paths: list[str]) -> list[Path]:
    """Files as given; a directory stands for its ``*.json`` files in name order, then those of
    its subdirectories (one per further machine, say)."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(path.glob("*.json")) + sorted(path.glob("*/*.json"))
            if not found:
                raise ReportError(f"{path}: a directory without benchmark JSON files")
            files += found
        else:
            files.append(path)
    return files


def main(results: list[str], base: str | None, out: str | None) -> int:
    """The ``bench`` subcommand: Markdown on stdout, or the files under ``out``."""
    import sys

    comparison = compare([load(p) for p in expand(results)], base)
    if out is None:
        print(markdown(comparison))
        return 0
    written, warnings = write(comparison, Path(out))
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print("\n".join(str(p) for p in written))
    return 0
