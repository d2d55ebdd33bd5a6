"""Files people open are safe: every writer, fed hostile names.

Campaigns, channels and owners such as ``<img src=x onerror=alert(1)>``,
``<script>alert(2)</script>``, ``"><svg onload=alert(3)>`` and ``=HYPERLINK("http://x")``
must show as text in HTML, tables and charts, and must never become formulas in CSV or
XLSX, while real numbers (negative ones too) stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from kpikit.cli import main
from kpikit.runs.results import write_figure
from kpikit.safety import html_text, neutral_frame, neutral_text, plot_text, write_xlsx
from kpikit.views.display import paragraphs, show
from kpikit.views.notebook_tables import scorecard_table
from kpikit.views.prose import summary_lines

from .hostile import (
    AT,
    CAMPAIGN,
    FORMULA,
    NFD,
    OWNER,
    SCRIPT,
    hostile_data,
    hostile_plan,
    hostile_spec,
)

NFC = unicodedata.normalize("NFC", NFD)
RAW = (CAMPAIGN, SCRIPT, OWNER, "<svg onload", "<img src=x")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _no_raw_markup(text: str) -> None:
    for raw in RAW:
        assert raw not in text, raw


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _assert_no_formula_cells(rows: list[list[str]]) -> None:
    """No text cell starts like a formula; numbers (-0.02) are numbers, not text."""
    for row in rows:
        for cell in row:
            assert not cell.startswith(TRIGGERS) or _is_number(cell), repr(cell)


# ---------------------------------------------------------------- the helpers

@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+33 1 23", "'+33 1 23"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("  =1+1", "'  =1+1"),
    (FORMULA, "'" + FORMULA), ("Tết Sale", "Tết Sale"), ("a=b", "a=b"), ("", ""),
])
def test_neutral_text_quotes_only_formula_text(text, expected):
    assert neutral_text(text) == expected


def test_numbers_are_never_neutralised():
    assert neutral_text(-5) == -5 and neutral_text(-1234.5) == -1234.5
    df = pd.DataFrame({"channel": ["-search", "social"], "change": [-0.25, 0.5],
                       "n": [-3, 4], FORMULA: ["x", "y"]})
    out = neutral_frame(df)
    assert out["change"].tolist() == [-0.25, 0.5] and out["change"].dtype == "float64"
    assert out["n"].tolist() == [-3, 4] and out["n"].dtype == "int64"
    assert out["channel"].tolist() == ["'-search", "social"]
    assert list(out.columns)[-1] == "'" + FORMULA
    assert df["channel"].tolist() == ["-search", "social"]  # the input is left as it was


def test_html_and_plot_text_escape_markup():
    assert html_text(OWNER) == "&quot;&gt;&lt;svg onload=alert(3)&gt;"
    assert plot_text("<b>R&D</b>") == "&lt;b&gt;R&amp;D&lt;/b&gt;"


# ---------------------------------------------------------------- the CLI

@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return hostile_data(folder), hostile_plan(folder)


def _expected_cpa(data_path: Path) -> dict[str, float]:
    """CPA per channel by hand: summed spend over summed conversions."""
    raw = pd.read_csv(data_path, dtype={"channel": str})
    sums = raw.groupby("channel")[["spend", "conversions"]].sum()
    return (sums["spend"] / sums["conversions"]).to_dict()


def test_compute_csv_file_has_no_formula_cells(capsys, hostile_files, tmp_path):
    data, _ = hostile_files
    out = tmp_path / "kpis.csv"
    assert main(["compute", str(data), "--by", "campaign,channel", "--kpis", "cpa",
                 "-o", str(out)]) == 0
    capsys.readouterr()
    rows = _csv_rows(out.read_text(encoding="utf-8-sig"))
    _assert_no_formula_cells(rows)
    head, body = rows[0], rows[1:]
    shown = {r[head.index("channel")]: float(r[head.index("cpa")]) for r in body}
    # names are read as NFC, like every name the loader reads
    assert "'" + FORMULA in shown and "'" + AT in shown and SCRIPT in shown and NFC in shown
    expected = _expected_cpa(data)
    assert shown["'" + FORMULA] == pytest.approx(expected[FORMULA])
    assert shown[SCRIPT] == pytest.approx(expected[SCRIPT])
    assert {r[head.index("campaign")] for r in body} == {CAMPAIGN}


def test_compute_to_stdout_has_no_formula_cells(capsys, hostile_files):
    data, _ = hostile_files
    assert main(["compute", str(data), "--by", "channel", "--kpis", "cpa"]) == 0
    rows = _csv_rows(capsys.readouterr().out)
    _assert_no_formula_cells(rows)
    assert ["'" + FORMULA, "'" + AT] == sorted(r[0] for r in rows[1:] if r[0].startswith("'"))


def test_compute_xlsx_has_text_cells_not_formulas(capsys, hostile_files, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    data, _ = hostile_files
    out = tmp_path / "kpis.xlsx"
    assert main(["compute", str(data), "--by", "channel", "--kpis", "cpa", "-o", str(out)]) == 0
    capsys.readouterr()
    ws = openpyxl.load_workbook(out).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    channels = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(2, ws.max_row + 1)}
    # the exact text is kept, as a string cell; the KPI stays a number
    assert set(channels) == {SCRIPT, FORMULA, NFC, AT}
    assert ws.cell(1, 1).value == "channel"
    expected = _expected_cpa(data)
    assert channels[FORMULA].data_type == "n"
    assert channels[FORMULA].value == pytest.approx(expected[FORMULA])


def test_negative_numbers_stay_numbers_in_csv_and_xlsx(capsys, tmp_path):
    from kpikit.cli import _write_table

    openpyxl = pytest.importorskip("openpyxl")
    df = pd.DataFrame({"channel": ["-search", "=1+2"], "change": [-1234.5, 0.25],
                       "date": pd.to_datetime(["2027-01-05", "2027-01-06"])})
    _write_table(df, str(tmp_path / "t.csv"))
    _write_table(df, str(tmp_path / "t.xlsx"))
    capsys.readouterr()
    back = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig")
    assert back["change"].tolist() == [-1234.5, 0.25]
    assert back["channel"].tolist() == ["'-search", "'=1+2"]
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws["B2"].value == -1234.5 and ws["B2"].data_type == "n"
    assert ws["A2"].value == "-search" and ws["A2"].data_type == "s"
    assert ws["A3"].value == "=1+2" and ws["A3"].data_type == "s"
    assert ws["C2"].value.date() == date(2027, 1, 5)


def test_xlsx_refuses_nothing_odd(tmp_path):
    """Control characters XML cannot hold do not crash the writer."""
    openpyxl = pytest.importorskip("openpyxl")
    write_xlsx(pd.DataFrame({"name": ["a\x01b", None], "v": [float("nan"), 2]}),
               tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert ws["A2"].value == "a\ufffdb" and ws["B2"].value is None and ws["B3"].value == 2


# ---------------------------------------------------------------- tables, charts, widgets

@pytest.fixture(scope="module")
def evaluation(hostile_files):
    from kpikit import load
    from kpikit.analysis.evaluate import evaluate
    from kpikit.plans import Plan

    data, plan = hostile_files
    frame = load(data)
    return frame, evaluate(frame, Plan.from_yaml(plan), as_of=date(2027, 1, 25))


def test_styler_tables_escape_cells_and_headers(evaluation):
    _, ev = evaluation
    page = show(scorecard_table(ev, lang="en")).to_html()
    _no_raw_markup(page)
    assert "&quot;&gt;&lt;svg onload=alert(3)&gt;" in page or \
        "&#34;&gt;&lt;svg onload=alert(3)&gt;" in page
    head = show(pd.DataFrame({SCRIPT: [1.5], "x": [CAMPAIGN]})).to_html()
    _no_raw_markup(head)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in head
    assert "&lt;img src=x onerror=alert(1)&gt;" in head


def test_chart_labels_show_markup_as_text(evaluation):
    pytest.importorskip("plotly")
    from kpikit.views import charts

    _, ev = evaluation
    scorecard = charts.scorecard_chart(ev, lang="en").to_json()
    _no_raw_markup(json.loads(scorecard).__repr__())
    assert "&lt;svg onload=alert(3)&gt;" in scorecard
    table = pd.DataFrame({"channel": [SCRIPT, FORMULA], "current": [10.0, 20.0],
                          "recommended": [12.0, 18.0], "binding": [f"{SCRIPT} max", None]})
    alloc = json.loads(charts.allocation_chart(SimpleNamespace(table=table)).to_json())
    x = alloc["data"][0]["x"]
    assert x == ["&lt;script&gt;alert(2)&lt;/script&gt;", FORMULA]
    assert alloc["data"][1]["text"][0] == "&lt;script&gt;alert(2)&lt;/script&gt; max"


def test_evaluation_lines_and_widget_html_are_escaped(evaluation):
    pytest.importorskip("ipywidgets")
    from kpikit.plans import Plan
    from kpikit.views.widgets import EvaluationExplorer

    frame, ev = evaluation
    lines = paragraphs(summary_lines(ev)).data
    _no_raw_markup(lines)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in lines
    plan = ev.plan
    assert isinstance(plan, Plan)
    explorer = EvaluationExplorer(frame, plan, as_of=date(2027, 1, 25), evaluation=ev)
    for kpi in plan.kpi_names():
        explorer.kpi.value = kpi
        _no_raw_markup(explorer.summary.value)
        _no_raw_markup(explorer.static_html())


# ---------------------------------------------------------------- report plumbing

def test_offline_drops_every_network_reference():
    from kpikit.runs.batch.report import _offline

    page = (
        '<head><script src="https://cdnjs.cloudflare.com/require.min.js"></script>'
        "<script src='https://unpkg.com/@jupyter-widgets/html-manager@^1.0.1/dist/"
        "embed-amd.js' crossorigin=\"anonymous\"></script>"
        '<script type="text/x-mathjax-config">MathJax.Hub.Config({});</script>'
        '<script type="module">const m = (await import("https://cdnjs.cloudflare.com/'
        'ajax/libs/mermaid/11/mermaid.esm.min.mjs")).default;</script>'
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Inter">'
        '<script type="text/javascript">window.Plotly = 1;</script></head>')
    out = _offline(page)
    assert "http" not in out and "window.Plotly = 1;" in out


def test_reports_drop_stderr_and_tracebacks():
    import nbformat

    from kpikit.runs.batch.report import _clean_outputs

    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=(
            "/usr/lib/python3/site-packages/pandas/core/x.py:12: FutureWarning: old\n"
            "  warnings.warn(msg)\n"
            "/work/kpikit/io.py:470: KpikitWarning: 3 rows have no date\n")),
        nbformat.v4.new_output("stream", name="stdout", text="kept\n"),
        nbformat.v4.new_output("error", ename="ParameterError", evalue="bad as_of",
                               traceback=["File /usr/lib/python3/x.py:3", "boom"]),
    ]
    book = nbformat.v4.new_notebook(cells=[cell])
    _clean_outputs(book)
    text = json.dumps(book)
    for bad in ("FutureWarning", "site-packages", "/usr/", ".py:", "stderr", "Warning:"):
        assert bad not in text, bad
    shown = [o.get("text") or o["data"]["text/plain"] for o in book.cells[0].outputs]
    assert shown == ["⚠ 3 rows have no date\n", "kept\n", "ParameterError: bad as_of"]
    assert [o["output_type"] for o in book.cells[0].outputs] == ["stream", "stream",
                                                                  "display_data"]


def test_summary_and_index_escape_and_neutralise(tmp_path):
    from kpikit.runs.batch import load_spec, plan_runs, write_index

    spec = load_spec({"output_dir": str(tmp_path), "notebooks": ["02_evaluation"],
                      "campaigns": [FORMULA, CAMPAIGN]})
    runs = plan_runs(spec)
    for r, status in zip(runs, ["failed", "ok"], strict=True):
        r.folder.mkdir(parents=True)
        (r.folder / "manifest.json").write_text(json.dumps(
            {"status": status, "error": f"-{SCRIPT}" if status == "failed" else None}),
            encoding="utf-8")
    (runs[1].folder / "report.html").write_text("<p>x</p>", encoding="utf-8")
    index, summary = write_index(spec, runs)
    rows = _csv_rows(summary.read_text(encoding="utf-8"))
    _assert_no_formula_cells(rows)
    assert rows[1][0] == "'" + FORMULA and rows[1][3] == f"'-{SCRIPT}"
    assert rows[1][5] == ""  # no report for the failed run: no path to a missing file
    page = index.read_text(encoding="utf-8")
    _no_raw_markup(page)
    links = re.findall(r"href='([^']+)'", page)
    assert links == ["#run-1-error", runs[1].folder.relative_to(tmp_path).as_posix()
                     + "/report.html"]
    assert "id='run-1-error'" in page and "-&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_lesson_export_is_neutralised(tmp_path):
    from kpikit.views.lesson import write_gappy_export

    from .hostile import DATA

    df = pd.read_csv(DATA / "sample_campaigns.csv", parse_dates=["date"])
    df = df[df["campaign"] == "Always-on Search"].assign(channel=FORMULA)
    text = write_gappy_export(df, tmp_path / "lesson").read_text(encoding="utf-8")
    rows = _csv_rows(text)
    _assert_no_formula_cells(rows)
    assert any(r[2] == "'" + FORMULA for r in rows[1:])


# ---------------------------------------------------------------- a real batch

@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    pytest.importorskip("papermill")
    from kpikit.runs.batch import load_spec, run_batch

    folder = tmp_path_factory.mktemp("hostile-batch")
    result = run_batch(load_spec(hostile_spec(folder)), jobs=2)
    return folder / "out", result


def test_batch_output_tables_have_no_formula_cells(batch):
    out, result = batch
    tables = sorted(out.glob("*/*/outputs/*.csv"))
    names = {p.name for p in tables}
    assert {"kpis.csv", "targets.csv", "availability.csv", "allocation.csv",
            "curves.csv"} <= names
    seen: set[str] = set()
    for p in tables:
        rows = _csv_rows(p.read_text(encoding="utf-8"))
        _assert_no_formula_cells(rows)
        seen.update(cell for row in rows for cell in row)
    assert "'" + FORMULA in seen and "'" + AT in seen  # owners and channels, as text
    # numbers stay numbers: the allocation's change of a channel can be negative
    alloc = pd.read_csv(next(p for p in tables if p.name == "allocation.csv"))
    assert pd.api.types.is_float_dtype(alloc["change_pct"])


def test_batch_reports_and_index_are_escaped_and_offline(batch):
    out, result = batch
    statuses = sorted(r["status"] for r in result.results)
    assert statuses == ["failed", "ok", "ok", "ok"]
    reports = sorted(out.glob("*/*/report.html"))
    assert len(reports) >= 3
    for p in reports:
        page = p.read_text(encoding="utf-8")
        _no_raw_markup(page)
        assert not re.search(r"<script[^>]*\bsrc=[\"']?https?:", page)
        assert not re.search(r"import\(\s*[\"']https?:", page)
        assert "data-mime-type=\"application/vnd.jupyter.stderr\"" not in page
        assert "Traceback" not in page and "site-packages" not in page
    index = (out / "index.html").read_text(encoding="utf-8")
    _no_raw_markup(index)
    assert "&lt;img src=x onerror=alert(1)&gt;" in index
    for href in re.findall(r"href='([^'#][^']*)'", index):
        assert (out / href).exists(), href


def test_report_figures_carry_no_data_text_in_scripts():
    """A figure is embedded base64-encoded: a name cannot end its script or be markup."""
    import base64

    import nbformat

    from kpikit.runs.batch.report import PLOTLY_MIME, _take_figures

    name = "</script><script>alert(1)</script>"
    cell = nbformat.v4.new_code_cell("fig")
    cell.outputs = [nbformat.v4.new_output("display_data", data={PLOTLY_MIME: {
        "data": [{"type": "bar", "x": [name], "y": [-3.5], "name": name}],
        "layout": {"title": {"text": name}}}})]
    figures = _take_figures(nbformat.v4.new_notebook(cells=[cell]))
    (html_,) = figures.values()
    assert "alert" not in html_ and "</script><script>" not in html_
    b64 = re.search(r'atob\("([A-Za-z0-9+/=]+)"\)', html_).group(1)
    spec = json.loads(base64.b64decode(b64).decode("utf-8"))
    assert spec["data"][0]["x"] == [name] and spec["data"][0]["y"] == [-3.5]


def test_index_in_vietnamese_links_failed_runs_to_their_error(tmp_path):
    from kpikit.runs.batch import load_spec, plan_runs, write_index

    spec = load_spec({"output_dir": str(tmp_path), "notebooks": ["02_evaluation"],
                      "parameters": {"lang": "vi"}, "campaigns": [OWNER]})
    (run,) = plan_runs(spec)
    run.folder.mkdir(parents=True)
    (run.folder / "manifest.json").write_text(json.dumps(
        {"status": "failed", "error": "DataError: tệp trống"}), encoding="utf-8")
    page = write_index(spec, [run])[0].read_text(encoding="utf-8")
    _no_raw_markup(page)
    assert "<a class='err-link' href='#run-1-error'>xem lỗi</a>" in page
    assert "id='run-1-error'>DataError: tệp trống</div>" in page and ">báo cáo<" not in page


def test_chart_files_carry_no_data_text(tmp_path):
    """outputs/charts/*.html: offline beside plotly.min.js, names never as HTML or script."""
    pytest.importorskip("plotly")
    import base64

    from kpikit.views import charts

    table = pd.DataFrame({"channel": [SCRIPT, FORMULA], "current": [10.0, 20.0],
                          "recommended": [12.0, 18.0], "binding": [f"{SCRIPT} max", None]})
    path = write_figure(charts.allocation_chart(SimpleNamespace(table=table)),
                           tmp_path / "charts" / "allocation.html")
    page = path.read_text(encoding="utf-8")
    assert (tmp_path / "charts" / "plotly.min.js").exists()
    assert 'src="plotly.min.js"' in page and "http" not in page and "alert" not in page
    spec = json.loads(base64.b64decode(re.search(r'atob\("([^"]+)"\)', page).group(1)))
    assert spec["data"][0]["x"] == ["&lt;script&gt;alert(2)&lt;/script&gt;", FORMULA]
    assert spec["data"][1]["text"] == ["&lt;script&gt;alert(2)&lt;/script&gt; max", ""]


def test_names_neutralised_in_a_csv_read_back_as_written(tmp_path):
    """kpikit reads its own neutralised CSV back to the names as they were."""
    import kpikit

    names = ['=HYPERLINK("http://x")', "+84 hotline", "-sale", "@brand", "'quoted", "A"]
    df = pd.DataFrame({"date": [f"2026-11-0{i + 1}" for i in range(6)], "campaign": names,
                       "channel": "search", "clicks": [1, 2, 3, 4, 5, 6]})
    path = tmp_path / "own.csv"
    neutral_frame(df).to_csv(path, index=False)
    assert "'=HYPERLINK" in path.read_text(encoding="utf-8")
    back = kpikit.load(path)
    assert sorted(back["campaign"]) == sorted(names)
    assert back["clicks"].sum() == 21
