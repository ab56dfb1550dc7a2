"""`python -m conformance bench`: loading pytest-benchmark files, ratios, never mixing machines
or devices, Markdown/HTML output and plots."""

import json
import math
import re
import sys

import pytest

from conformance import bench
from conformance.__main__ import main
from conformance.report import ReportError

MACHINE = {"node": "box", "system": "Linux", "machine": "x86_64",
           "cpu": {"brand_raw": "AMD EPYC 9654", "count": 2}}


def _bench_file(tmp_path, name, medians, *, impl=None, device="CPU", device_name=None,
                machine=MACHINE, group_of=None):
    """A pytest-benchmark JSON file: ``medians`` maps "operation/workload" to seconds."""
    benchmarks = []
    for key, median in medians.items():
        operation, workload = key.split("/")
        benchmarks.append({
            "group": operation, "name": f"test_x[{workload}]", "param": workload,
            "fullname": f"benchmarks/test_bench_workloads.py::test_x[{workload}]",
            "extra_info": {"impl": impl or name, "version": "1.0", "backend": "numpy",
                           "device": device, "device_name": device_name},
            "stats": {"median": median, "iqr": median / 10, "rounds": 3},
        })
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"machine_info": machine, "benchmarks": benchmarks,
                                "datetime": "2026-01-01T00:00:00"}))
    return path


@pytest.fixture
def two_runs(tmp_path):
    ref = _bench_file(tmp_path, "reference", {"fit one epoch/mlp": 2.0, "evaluate/mlp": 0.5,
                                              "evaluate/cnn": 1.0})
    tfk = _bench_file(tmp_path, "tfkeras", {"fit one epoch/mlp": 1.0, "evaluate/mlp": 1.0})
    return ref, tfk


def test_load_reads_medians_device_and_machine(two_runs):
    run = bench.load(two_runs[0])
    assert run.impl == "reference" and run.version == "1.0" and run.backend == "numpy"
    assert run.times[("evaluate", "cnn")].median == 1.0
    assert run.times[("evaluate", "cnn")].rounds == 3
    assert run.device == "CPU (AMD EPYC 9654, 2 cores)"  # the CPU model, not only "CPU"
    assert "box" in run.machine and "AMD EPYC 9654" in run.machine


def test_load_prefers_the_recorded_accelerator_name(tmp_path):
    path = _bench_file(tmp_path, "tfkeras", {"evaluate/mlp": 1.0}, device="GPU x1",
                       device_name="GPU (NVIDIA H200) x1")
    assert bench.load(path).device == "GPU (NVIDIA H200) x1"


def test_unparametrized_benchmarks_are_named_after_the_test(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"machine_info": MACHINE, "benchmarks": [
        {"group": "fit one epoch", "name": "test_mlp_784_500_500_10", "param": None,
         "extra_info": {"impl": "reference", "device": "CPU"}, "stats": {"median": 1.0}}]}))
    assert list(bench.load(path).times) == [("fit one epoch", "mlp_784_500_500_10")]


@pytest.mark.parametrize("text, why", [
    ("not json", "not a pytest-benchmark JSON file"),
    ('{"machine_info": {}}', "not a pytest-benchmark JSON file"),
    ('{"benchmarks": [{"name": "x"}]}', "not a pytest-benchmark JSON file"),
    ('{"benchmarks": []}', "holds no benchmark results"),
])
def test_malformed_files_are_one_line_errors(tmp_path, text, why):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ReportError, match=why):
        bench.load(path)


def test_a_file_mixing_devices_is_refused(tmp_path):
    path = _bench_file(tmp_path, "mixed", {"evaluate/a": 1.0, "evaluate/b": 1.0})
    data = json.loads(path.read_text())
    data["benchmarks"][1]["extra_info"]["device"] = "GPU x1"
    path.write_text(json.dumps(data))
    with pytest.raises(ReportError, match="mixes implementations or devices"):
        bench.load(path)


def test_ratios_are_relative_to_the_first_run_by_default(two_runs):
    comparison = bench.compare([bench.load(p) for p in two_runs])
    [table] = comparison.tables
    assert table.base.impl == "reference" and comparison.notes == []
    cells = {(r.operation, r.workload): [c.ratio for c in r.cells] for r in table.rows}
    assert cells[("fit one epoch", "mlp")] == [1.0, 0.5]
    assert cells[("evaluate", "mlp")] == [1.0, 2.0]
    assert cells[("evaluate", "cnn")] == [1.0, None]  # tfkeras did not run it
    assert table.geomeans[1] == pytest.approx(1.0)  # sqrt(0.5 * 2.0)
    assert any("tfkeras lacks 1" in n for n in table.notes)


def test_base_can_be_chosen_by_implementation_name(two_runs):
    [table] = bench.compare([bench.load(p) for p in two_runs], base="tfkeras").tables
    assert table.base.impl == "tfkeras"
    assert [r.impl for r in table.runs] == ["tfkeras", "reference"]  # the base comes first
    row = next(r for r in table.rows if r.workload == "mlp" and r.operation == "evaluate")
    assert [c.ratio for c in row.cells] == [1.0, 0.5]


def test_an_unknown_base_names_the_runs(two_runs):
    with pytest.raises(ReportError, match="--base jax: no such run; the runs are reference, "
                                          "tfkeras"):
        bench.compare([bench.load(p) for p in two_runs], base="jax")


def test_rows_follow_the_operation_order(two_runs):
    [table] = bench.compare([bench.load(p) for p in two_runs]).tables
    assert table.operations == ["fit one epoch", "evaluate"]


def test_runs_of_different_machines_are_never_in_one_ratio(tmp_path):
    other = {**MACHINE, "node": "elsewhere", "cpu": {"brand_raw": "Intel Xeon", "count": 8}}
    runs = [bench.load(_bench_file(tmp_path, "reference", {"evaluate/mlp": 2.0})),
            bench.load(_bench_file(tmp_path, "tfkeras", {"evaluate/mlp": 1.0})),
            bench.load(_bench_file(tmp_path, "jax", {"evaluate/mlp": 4.0}, machine=other))]
    comparison = bench.compare(runs)
    assert [len(t.runs) for t in comparison.tables] == [2, 1]
    assert "not comparable" in comparison.notes[0]
    lonely = comparison.tables[1]
    assert lonely.rows[0].cells[0].ratio == 1.0  # its own base, not reference's 2.0
    assert "reference did not run on this machine and device" in lonely.notes[0]
    md = bench.markdown(comparison)
    assert md.count("## ") == 2 and "not comparable" in md


def test_devices_of_one_machine_are_never_in_one_ratio(tmp_path):
    runs = [bench.load(_bench_file(tmp_path, "tfkeras-cpu", {"evaluate/mlp": 2.0},
                                   impl="tfkeras")),
            bench.load(_bench_file(tmp_path, "tfkeras-gpu", {"evaluate/mlp": 0.1},
                                   impl="tfkeras", device="GPU x1",
                                   device_name="GPU (NVIDIA H200) x1"))]
    comparison = bench.compare(runs)
    assert [t.device for t in comparison.tables] == ["CPU (AMD EPYC 9654, 2 cores)",
                                                     "GPU (NVIDIA H200) x1"]
    assert all(t.rows[0].cells[0].ratio == 1.0 for t in comparison.tables)
    # one implementation in two tables: each column is plainly "tfkeras"; --base can still
    # name a file
    assert [r.label for r in runs] == ["tfkeras", "tfkeras"]
    assert bench.compare(runs, base="tfkeras-gpu").tables[1].base is runs[1]


def test_two_runs_of_one_implementation_in_one_table_say_which_file(tmp_path):
    (tmp_path / "b").mkdir()
    runs = [bench.load(_bench_file(tmp_path, "jax", {"evaluate/mlp": 2.0})),
            bench.load(_bench_file(tmp_path / "b", "jax-again", {"evaluate/mlp": 1.0},
                                   impl="jax"))]
    [table] = bench.compare(runs).tables
    assert [r.label for r in table.runs] == ["jax (jax.json)", "jax (jax-again.json)"]


def test_every_markdown_row_names_the_device(two_runs):
    md = bench.markdown(bench.compare([bench.load(p) for p in two_runs]))
    rows = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line]
    body = rows[1:]  # without the header
    assert len(body) == 4  # 3 workloads and the geometric mean
    assert all("CPU (AMD EPYC 9654, 2 cores)" in line for line in body)
    assert "| evaluate | mlp | CPU (AMD EPYC 9654, 2 cores) | 500 ms (1.00x) | 1 s (2.00x) |" in md


@pytest.mark.parametrize("seconds, text", [
    (2.5, "2.5 s"), (0.0123, "12.3 ms"), (7.2e-5, "72 µs"), (1234.0, "1234 s"), (0.0, "0 µs"),
])
def test_times_have_three_significant_digits_and_a_unit(seconds, text):
    assert bench.fmt_time(seconds) == text


def test_html_is_self_contained_with_inline_plots(two_runs, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    written, warnings = bench.write(bench.compare([bench.load(p) for p in two_runs]), out)
    assert warnings == []
    assert [p.name for p in written] == ["bench.md", "bench.html", "bench-1.png"]
    html = (out / "bench.html").read_text()
    assert html.count('src="data:image/png;base64,') == 1
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from a network
    assert (out / "bench-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![CPU (AMD EPYC 9654, 2 cores)](bench-1.png)" in (out / "bench.md").read_text()


def _tick_labels(times):
    """The labelled major ticks of a time axis drawn for ``times`` (seconds)."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        ax.barh(range(len(times)), times)
        bench.time_axis(ax, times)
        fig.canvas.draw()
        low, high = ax.get_xlim()
        return [t.get_text() for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)
                if low <= x <= high and t.get_text()]
    finally:
        plt.close(fig)


def test_a_narrow_time_axis_is_labelled_at_1_2_and_5_in_time_units():
    # 3 ms .. 40 ms: about one decade, where matplotlib alone labels minor ticks that overlap
    labels = _tick_labels([0.003, 0.04])
    assert {"5 ms", "10 ms", "20 ms"} <= set(labels), labels
    assert all(re.fullmatch(r"[125]0{0,2} (s|ms|µs)", text) for text in labels), labels


def test_a_wide_time_axis_is_labelled_once_per_decade():
    labels = _tick_labels([2e-5, 0.5])  # 20 µs .. 0.5 s: more than four decades
    assert {"100 µs", "1 ms", "10 ms", "100 ms"} <= set(labels), labels
    assert not any(text.startswith(("2", "5")) for text in labels), labels


def test_without_matplotlib_the_tables_are_still_written(two_runs, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    written, warnings = bench.write(bench.compare([bench.load(p) for p in two_runs]),
                                    tmp_path / "out")
    assert [p.name for p in written] == ["bench.md", "bench.html"]
    assert "keras-conformance[bench]" in warnings[0]
    assert "matplotlib is not installed" in (tmp_path / "out" / "bench.html").read_text()


def test_cli_prints_markdown_and_writes_files(two_runs, tmp_path, capsys):
    assert main(["bench", *map(str, two_runs), "--base", "tfkeras"]) == 0
    assert "ratio = time / time of tfkeras" in capsys.readouterr().out
    assert main(["bench", *map(str, two_runs), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "bench.html").exists()


def test_cli_error_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["bench", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_geometric_mean_ignores_missing_cells(tmp_path):
    runs = [bench.load(_bench_file(tmp_path, "a", {"evaluate/x": 1.0, "evaluate/y": 1.0})),
            bench.load(_bench_file(tmp_path, "b", {"evaluate/x": 4.0}))]
    [table] = bench.compare(runs).tables
    assert math.isclose(table.geomeans[1], 4.0)


def test_a_directory_stands_for_its_json_files(two_runs, tmp_path):
    assert bench.expand([str(tmp_path)]) == sorted(two_runs)
    # and then for those of its subdirectories (another machine's runs), not deeper
    (tmp_path / "amd" / "old").mkdir(parents=True)
    amd = _bench_file(tmp_path / "amd", "reference", {"evaluate/mlp": 3.0})
    _bench_file(tmp_path / "amd" / "old", "reference", {"evaluate/mlp": 9.0})
    assert bench.expand([str(tmp_path)]) == [*sorted(two_runs), amd]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ReportError, match="without benchmark JSON files"):
        bench.expand([str(empty)])


def test_noisy_times_are_marked(tmp_path):
    path = _bench_file(tmp_path, "a", {"evaluate/x": 1.0})
    data = json.loads(path.read_text())
    data["benchmarks"][0]["stats"]["iqr"] = 0.3  # 30 % of the median
    path.write_text(json.dumps(data))
    md = bench.markdown(bench.compare([bench.load(path)]))
    assert "| 1 s† (1.00x) |" in md and "† marks a time" in md
    assert not bench.noisy(bench.Timing(1.0, 0.25, 3))
