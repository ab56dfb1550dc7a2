"""The HTML report and matrix pages: one self-contained file each, with filters by status and
area, a search by behaviour id or title, per-area bars, and failing tests in <details>.

The markup is checked without a browser (stdlib HTML parser); the filters are checked in a
real headless Chromium where one is installed (``chromium --headless --dump-dom`` runs the
page's script), and skipped with the reason where none is.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conformance import matrix
from conformance import report as report_mod
from conformance.catalog import Behavior

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag=None, **attrs):
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and all(
                        _has(child, k.rstrip("_"), v) for k, v in attrs.items()):
                    yield child
                yield from child.iter(tag, **attrs)

    def find(self, tag=None, **attrs):
        return next(self.iter(tag, **attrs), None)


def _has(node, name, value):
    if name == "class":
        return value in node.attrs.get("class", "").split()
    return node.attrs.get(name) == value


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    return builder.root


# -- a small report with every status ------------------------------------------------------
MESSAGE = "AssertionError: got <class 'ValueError'>, expected \"3\" & more\nsecond line"
BEHAVIORS = [
    Behavior("core.dense.units", "layers.core", "Dense(units) has `units` outputs.", "doc §1",
             (2,)),
    Behavior("core.dense.bias", "layers.core", "Dense adds a bias <b> & \"quotes\".", "doc §2",
             (2,)),
    Behavior("opt.sgd.lr", "optimizers", "SGD(lr=...) sets the learning rate.", "doc §3", (2,)),
    Behavior("opt.adam.eps", "optimizers", "Adam's epsilon is 1e-7.", "doc §4", (2,)),
]


def _test(nodeid, outcome, bid, **extra):
    return {"nodeid": f"conformance/suite/{nodeid}", "outcome": outcome, "duration_s": 0.01,
            "behaviors": [bid], "message": None, "failure_kind": None, **extra}


def _report(name="toy", outcomes=("passed", "failed", "deviation")) -> dict:
    tests = [
        _test("test_core.py::test_units", outcomes[0], "core.dense.units"),
        _test("test_core.py::test_units_again", "passed", "core.dense.units"),
        _test("test_core.py::test_bias", outcomes[1], "core.dense.bias",
              **({"message": MESSAGE, "failure_kind": "mismatch",
                  "reproduce": "pytest conformance/suite/test_core.py::test_bias "
                               f"--keras-impl={name}"} if outcomes[1] == "failed" else {})),
        _test("test_opt.py::test_lr", outcomes[2], "opt.sgd.lr",
              **({"message": "TypeError: lr", "failure_kind": "TypeError",
                  "deviation": "deviation (TypeError): Keras 3 rejects lr"}
                 if outcomes[2] == "deviation" else {})),
    ]
    return report_mod.build(
        implementation={"name": name, "version": "1", "backend": "numpy", "device": "CPU"},
        environment=report_mod.this_environment({}), catalog={b.id: b for b in BEHAVIORS},
        tests=tests, warnings=[],
        suite_version="0", run={"status": "complete", "complete": True, "started": "t",
                                "duration_s": 1.0, "command": "pytest conformance/suite"})


@pytest.fixture
def report_page(tmp_path) -> Path:
    report_mod.write(_report(), tmp_path)
    return tmp_path / "report.html"


@pytest.fixture
def matrix_page(tmp_path) -> Path:
    reports = [_report("a"), _report("b", outcomes=("passed", "passed", "passed"))]
    matrix.write(reports, tmp_path / "m")
    return tmp_path / "m" / "matrix.html"


# -- without a browser ---------------------------------------------------------------------
def test_report_rows_carry_status_area_and_search_text(report_page):
    dom = parse(report_page.read_text())
    rows = {r.attrs["id"]: r for r in dom.iter("tr", class_="b-row")}
    assert {k: (r.attrs["data-status"], r.attrs["data-area"]) for k, r in rows.items()} == {
        "b-core.dense.units": ("pass", "layers.core"),
        "b-core.dense.bias": ("fail", "layers.core"),
        "b-opt.sgd.lr": ("deviation", "optimizers"),
        "b-opt.adam.eps": ("untested", "optimizers"),
    }
    assert rows["b-core.dense.bias"].attrs["data-search"] == (
        'core.dense.bias dense adds a bias <b> & "quotes".')  # escaped, so read back intact


def test_report_filter_controls_list_every_status_and_area(report_page):
    dom = parse(report_page.read_text())
    form = dom.find("form", id="filters")
    boxes = list(form.iter("input", name="status"))
    assert [b.attrs["value"] for b in boxes] == ["fail", "deviation", "pass", "skip", "untested"]
    assert all("checked" in b.attrs for b in boxes)
    assert [o.attrs["value"] for o in form.find("select", id="area-filter").iter("option")] == [
        "", "layers.core", "optimizers"]
    assert form.find("input", id="search").attrs["type"] == "search"
    assert form.find(id="shown").text() == "4 of 4 behaviours shown"
    assert [b.attrs["data-area"] for b in dom.iter("button", class_="area-link")] == [
        "layers.core", "optimizers"]


def test_failing_test_is_expandable_with_message_and_reproduction(report_page):
    dom = parse(report_page.read_text())
    row = dom.find("tr", id="b-core.dense.bias")
    [failed] = row.iter("details", class_="failed")
    assert "open" not in failed.attrs  # collapsed until asked
    assert "test_bias" in failed.find("summary").text() and "mismatch" in failed.text()
    assert failed.find("pre").text() == MESSAGE  # escaped in the page, intact when read
    assert "pytest conformance/suite/test_core.py::test_bias --keras-impl=toy" in failed.text()
    passing = dom.find("tr", id="b-core.dense.units").find("details", class_="passed")
    assert passing.find("summary").text() == "2 tests passed"
    deviation = dom.find("tr", id="b-opt.sgd.lr")
    assert "Keras 3 rejects lr" in deviation.find(class_="dev-reason").text()


def test_area_bars_add_up(report_page):
    dom = parse(report_page.read_text())
    bars = [b for b in dom.iter("div", class_="bar") if "big" not in b.attrs["class"]]
    assert len(bars) == 2
    for bar in bars:
        widths = [float(re.search(r"width: ([\d.]+)%", s.attrs["style"]).group(1))
                  for s in bar.iter("span")]
        assert sum(widths) == pytest.approx(100.0)
    assert [s.attrs["title"] for s in bars[0].iter("span")] == ["1 pass", "1 fail"]


@pytest.mark.parametrize("page", ["report_page", "matrix_page"])
def test_area_names_wrap_only_after_a_dot(page, request):
    # "preprocessing.image" in a narrow column must not break as "preprocessing.imag|e"
    dom = parse(request.getfixturevalue(page).read_text())
    buttons = [b for b in dom.iter("button", class_="area-link")
               if b.attrs["data-area"] == "layers.core"]
    assert buttons, "no area button for layers.core"
    for button in buttons:
        assert button.text() == "layers.core"
        assert [c.tag for c in button.children if isinstance(c, Node)] == ["wbr"]
        assert isinstance(button.children[0], str) and button.children[0].endswith(".")
    break_at_dots = report_mod._env.filters["break_at_dots"]
    assert str(break_at_dots("a.b<c>")) == "a.<wbr>b&lt;c&gt;"  # the name itself is escaped


@pytest.mark.parametrize("page", ["report_page", "matrix_page"])
def test_pages_are_self_contained(page, request):
    html = request.getfixturevalue(page).read_text()
    dom = parse(html)
    assert not list(dom.iter("link")) and all("src" not in s.attrs for s in dom.iter("script"))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert dom.find("style") is not None and "apply()" in dom.find("script").text()


def test_matrix_rows_know_their_statuses_and_disagreements(matrix_page):
    dom = parse(matrix_page.read_text())
    rows = {r.find("code").text(): r for r in dom.iter("tr", class_="b-row")}
    assert rows["core.dense.bias"].attrs["data-status"] == "fail pass"
    assert rows["core.dense.bias"].attrs["data-differ"] == "1"
    assert rows["core.dense.units"].attrs["data-differ"] == "0"
    assert [td.text() for td in rows["opt.sgd.lr"].iter("td")][1:] == ["deviation", "pass"]
    assert dom.find("input", id="differ-filter") is not None
    assert "2 behaviours where the implementations disagree" in dom.text()


# -- in a real browser ---------------------------------------------------------------------
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no headless browser: install chromium (apt-get install chromium) to check "
                "the report filters in a real browser")


def _rendered(page: Path, fragment: str = "") -> Node:
    """The DOM after the page's script ran, as Chromium dumps it."""
    result = subprocess.run(
        [_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         page.as_uri() + fragment],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return parse(result.stdout)


def _shown(dom: Node) -> list[str]:
    return [r.attrs.get("id") or r.find("code").text()
            for r in dom.iter("tr", class_="b-row") if "hidden" not in r.attrs]


def test_browser_runs_the_filters(report_page):
    dom = _rendered(report_page)
    assert dom.find("body").attrs.get("data-filtered") == "1"  # the script ran
    assert len(_shown(dom)) == 4
    dom = _rendered(report_page, "#status=fail,deviation")
    assert _shown(dom) == ["b-core.dense.bias", "b-opt.sgd.lr"]
    assert dom.find(id="shown").text() == "2 of 4 behaviours shown"


def test_browser_filters_by_area_and_search_words(report_page):
    assert _shown(_rendered(report_page, "#area=optimizers")) == ["b-opt.sgd.lr", "b-opt.adam.eps"]
    assert _shown(_rendered(report_page, "#q=DENSE%20quotes")) == ["b-core.dense.bias"]
    assert _shown(_rendered(report_page, "#q=adam&area=layers.core")) == []


def test_browser_matrix_shows_only_disagreements(matrix_page):
    dom = _rendered(matrix_page, "#differ=1")
    assert _shown(dom) == ["core.dense.bias", "opt.sgd.lr"]
