"""Every notebook runs headless under papermill; bad parameters give a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

papermill = pytest.importorskip("papermill")
jsonschema = pytest.importorskip("jsonschema")

from kpikit.plan import Plan  # noqa: E402
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
