"""Every notebook runs headless under papermill; bad parameters give a clear error."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

papermill = pytest.importorskip("papermill")
jsonschema = pytest.importorskip("jsonschema")

from kpikit.plans import Plan  # noqa: E402
from kpikit.runs.params import NOTEBOOKS  # noqa: E402
from kpikit.runs.results import schema  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
DATA = ROOT / "data"


@pytest.fixture(autouse=True)
def headless(monkeypatch):
    """Headless runs show widgets statically, as kpikit batch does: live widget output
    under nbclient can hang now and then (jupyter/nbclient#312). The live widgets are
    proven in a browser (test_browser.py) and by their unit tests."""
    monkeypatch.setenv("KPIKIT_STATIC", "1")


def run(name: str, tmp_path: Path, **params):
    out = tmp_path / f"{name}.out.ipynb"
    papermill.execute_notebook(str(NB_DIR / f"{name}.ipynb"), str(out), parameters=params,
                               cwd=str(tmp_path), kernel_name="python3", progress_bar=False,
                               shutdown_kernel="immediate")
    return nbformat.read(out, as_version=4)


@pytest.mark.parametrize("path", sorted(NB_DIR.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for c in nb.cells:
        if c.cell_type == "code":
            assert not c.outputs and c.execution_count is None
    # the first markdown cell documents every parameter
    doc = next(c.source for c in nb.cells if c.cell_type == "markdown")
    names = [p.name for p in NOTEBOOKS[path.stem]]
    for n in names:
        assert f"`{n}`" in doc, n
    declared = [line.split("=")[0].strip() for line in tagged[0].source.splitlines()
                if "=" in line]
    assert declared == names


def test_goal_setting_runs_on_the_sample(tmp_path):
    run("01_goal_setting", tmp_path, plan_path=str(DATA / "plan_tet_sale.yaml"), lang="vi",
        output_dir="out")
    out = tmp_path / "out"
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema("goal_setting"))
    assert doc["ok"] is True and doc["tree"]["coverage"] < 1
    assert Plan.from_yaml(out / "plan.yaml") == Plan.from_yaml(DATA / "plan_tet_sale.yaml")
    assert {t["kpi"] for t in doc["targets"]} == {"revenue", "roas", "cpa", "cvr",
                                                  "new_customers", "repeat_purchase_rate"}
    for rel in doc["files"].values():
        assert (out / rel).exists(), rel
    assert (out / "charts" / "plotly.min.js").exists()
    html = (out / "charts" / "roas.html").read_text(encoding="utf-8")
    assert 'src="plotly.min.js"' in html and "cdn.plot.ly" not in html  # offline


def test_goal_setting_suggests_a_plan_without_one(tmp_path):
    run("01_goal_setting", tmp_path, campaign="Brand Awareness", objective="engagement",
        output_dir="out")
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema("goal_setting"))
    assert doc["plan"]["objectives"][0]["type"] == "engagement"
    assert any("no owner named" in w for w in doc["warnings"])


@pytest.mark.parametrize("params, message", [
    ({"campain": "Tết Sale"}, "unknown parameter 'campain'. Did you mean 'campaign'?"),
    ({"lang": "fr"}, "lang='fr': choose from en, vi"),
    ({"data_path": "no/such.csv"}, "data_path='no/such.csv': no such file"),
])
def test_bad_parameters_are_refused_clearly(tmp_path, params, message):
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run("01_goal_setting", tmp_path, output_dir="out", **params)
    assert info.value.ename == "ParameterError"
    assert message in info.value.evalue
    assert not (tmp_path / "out" / "results.json").exists()


def test_evaluation_runs_on_the_sample(tmp_path):
    run("02_evaluation", tmp_path, as_of="2027-02-05", lang="vi", output_dir="out")
    out = tmp_path / "out"
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema("evaluation"))
    assert doc["as_of"] == "2027-02-05" and doc["plan"] == "Tết Sale 2027"
    assert {k["kpi"] for k in doc["kpis"]} == {"revenue", "roas", "cpa", "cvr",
                                               "new_customers", "repeat_purchase_rate"}
    roas = next(k for k in doc["kpis"] if k["kpi"] == "roas")
    assert roas["top_drivers"] and roas["periods"]
    assert len(doc["summary"]) == 6 and "ROAS" in doc["summary"][1]
    for rel in doc["files"].values():
        assert (out / rel).exists(), rel


def test_evaluation_refuses_bad_parameters(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run("02_evaluation", tmp_path, as_of="next week", period="Q5", output_dir="out")
    assert info.value.ename == "ParameterError"
    assert "as_of='next week': must be a date" in info.value.evalue
    assert "period='Q5'" in info.value.evalue


def test_optimization_runs_on_the_sample(tmp_path):
    run("03_optimization", tmp_path, lang="vi", output_dir="out")
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema("optimization"))
    assert doc["expected"]["recommended"] >= doc["expected"]["current"]
    assert doc["recommendations"][0].startswith("Vì sao cần điều chỉnh")  # diagnosis first
    assert sum(r["recommended"] for r in doc["allocation"]) == pytest.approx(doc["budget"])


def test_optimization_runs_on_meridian_data(tmp_path):
    run("03_optimization", tmp_path, data_path=str(DATA / "meridian_national.csv"),
        campaign=None, bounds={"Channel0": [100000, 200000]}, output_dir="out")
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema("optimization"))
    assert doc["period"] == "W" and doc["outcome"] == "revenue"
    ch0 = next(r for r in doc["allocation"] if r["channel"] == "Channel0")
    assert 100000 - 1e-6 <= ch0["recommended"] <= 200000 + 1e-6
    assert doc["expected"]["lift"] >= 0


def test_optimization_refuses_bad_parameters(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run("03_optimization", tmp_path, mode="cheapest", budget=-5, output_dir="out")
    assert info.value.ename == "ParameterError"
    assert "mode='cheapest'" in info.value.evalue and "budget=-5" in info.value.evalue


# ------------------------------------------------ parameters, results, reports

HEADING = re.compile(r"^#+ .*$", re.MULTILINE)
DIACRITIC = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]",
                       re.I)


def test_declared_parameters_is_the_one_reader_of_the_parameters_cell(tmp_path):
    from kpikit.errors import ParameterError, ProblemCode
    from kpikit.runs.params import declared_parameters, notebook_path

    assert declared_parameters(notebook_path("03_optimization")) == {
        "data_path": None, "plan_path": None, "campaign": "Tết Sale", "budget": None,
        "mode": "max-outcome", "target": None, "bounds": {}, "lang": "en",
        "output_dir": "kpikit-out/03_optimization"}
    bare = tmp_path / "bare.ipynb"
    bare.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {},
                                           "source": "x = 1"}]}), encoding="utf-8")
    with pytest.raises(ParameterError) as e:
        declared_parameters(bare)
    assert e.value.code == ProblemCode.NOTEBOOK_NO_PARAMETERS_CELL
    assert "bare.ipynb has no cell tagged 'parameters'" in str(e.value)
    with pytest.raises(ParameterError, match="Choose from: 00_kpi_basics, 01_goal_setting"):
        notebook_path("04_nothing")


def test_parameter_help_is_made_in_the_current_language():
    import kpikit

    data_path = NOTEBOOKS["02_evaluation"][0]
    with kpikit.using_language("vi"):
        assert data_path.describe() == ("data_path (tệp xuất hoặc bảng chuẩn (None: dữ liệu "
                                        "mẫu kèm theo))")
    with kpikit.using_language("en"):
        assert data_path.describe() == "data_path (export or canonical table (None: bundled " \
                                       "sample))"


EVALUATION = {"schema": "kpikit/evaluation", "currency": "VND", "kpis": [
    {"kpi": "roas", "actual": 4.5, "target": 5, "status": "off track"},
    {"kpi": "revenue", "actual": 1234567, "target": 2e6, "status": "at risk"}]}


@pytest.mark.parametrize("doc, lang, said", [
    (EVALUATION, "vi", [("ROAS: 4,50x so với 5,00x", "off track"),
                        ("Doanh thu: 1.234.567 ₫ so với 2.000.000 ₫", "at risk")]),
    (EVALUATION, "en", [("ROAS: 4.50x vs 5.00x", "off track"),
                        ("Revenue: ₫1,234,567 vs ₫2,000,000", "at risk")]),
    ({"schema": "kpikit/goal_setting", "targets": [{}, {}, {}], "contradictions": ["x"],
      "ok": False}, "vi", [("3 KPI trong kế hoạch, 1 mâu thuẫn", "at risk")]),
    ({"schema": "kpikit/goal_setting", "targets": [{}, {}], "contradictions": [], "ok": True},
     "en", [("2 KPIs planned, 0 contradiction(s)", "ok")]),
    ({"schema": "kpikit/optimization", "outcome": "revenue", "expected": {"lift": 0.204}},
     "vi", [("Doanh thu: +20,4% với cùng ngân sách", "ok")]),
    ({"schema": "kpikit/optimization", "outcome": "revenue", "expected": {"lift": None}},
     "en", [("allocation", "ok")]),
    ({"schema": "kpikit/validation", "problems": []}, "en", []),
    (None, "vi", []),
])
def test_one_headline_per_results_schema(doc, lang, said):
    from kpikit.runs.results import headline

    assert headline(doc, lang) == said


def test_headline_of_an_unstamped_document_goes_by_its_notebook():
    import kpikit
    from kpikit.runs.results import headline

    doc = {"outcome": "conversions", "expected": {"lift": -0.05}}
    assert headline(doc, "en") == []
    with kpikit.using_language("vi"):  # lang=None: the current language
        assert headline(doc, notebook="03_optimization") == [
            ("Lượt chuyển đổi: -5,0% với cùng ngân sách", "ok")]


@pytest.mark.parametrize("name", ["01_goal_setting", "02_evaluation", "03_optimization"])
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_report_headings_speak_one_language(name, lang):
    """A report keeps the headings of its language only: no ``02 · Evaluation · Đánh giá``."""
    from kpikit.runs.batch import report_markdown

    nb = nbformat.read(NB_DIR / f"{name}.ipynb", as_version=4)
    headings = [h for c in nb.cells if c.cell_type == "markdown"
                for h in HEADING.findall(report_markdown(c.source, lang))]
    assert len([h for h in headings if h.startswith("# ")]) == 1, headings
    assert len(headings) >= 5, headings
    for h in headings:
        if lang == "vi":
            assert DIACRITIC.search(h), f"not Vietnamese: {h}"
        else:
            assert not DIACRITIC.search(h), f"not English: {h}"


@pytest.mark.parametrize("name", ["01_goal_setting", "02_evaluation", "03_optimization"])
def test_notebooks_show_lines_as_prose_not_print(name):
    """print() output is monospace in a report: lines go through the display helpers. The
    one exception is a plan file shown as saved (YAML is code)."""
    nb = nbformat.read(NB_DIR / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print":
                assert ast.unparse(node) == "print(plan.to_yaml())", cell.source
