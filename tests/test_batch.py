"""Batch runs: strict parameters, failure isolation, resume after a kill, unsafe names,
offline reports in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from kpikit.errors import ParameterError
from kpikit.runs.batch import (
    Run,
    check_runs,
    load_spec,
    plan_runs,
    run_batch,
    safe_name,
    write_index,
)

pytest.importorskip("papermill")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def spec_file(tmp_path: Path, campaigns, notebooks=("02_evaluation",), **extra) -> Path:
    spec = {"output_dir": "out", "data_path": str(DATA / "sample_campaigns.csv"),
            "notebooks": list(notebooks), "parameters": {"lang": "en"},
            "campaigns": campaigns, **extra}
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


TET = {"name": "Tết Sale", "plan_path": str(DATA / "plan_tet_sale.yaml"),
       "parameters": {"02_evaluation": {"as_of": "2027-01-25"}}}


# ------------------------------------------------------------ before running

def test_unknown_and_mistyped_parameters_are_refused_before_anything_runs(tmp_path):
    bad = dict(TET, parameters={"02_evaluation": {"as_off": "2027-01-25", "lang": 1}})
    spec = load_spec(spec_file(tmp_path, [bad]))
    with pytest.raises(ParameterError) as info:
        run_batch(spec, jobs=1)
    msg = str(info.value)
    assert "unknown parameter 'as_off'. Did you mean 'as_of'?" in msg
    assert "lang=1 should be str" in msg
    assert not (tmp_path / "out").exists()


def test_spec_errors_are_clear(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("notebooks: []\ncampains: all\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown key 'campains'.*notebooks: must list"):
        load_spec(path)
    with pytest.raises(ParameterError, match="unknown notebook '04_magic'"):
        check_runs(plan_runs(load_spec({"notebooks": ["04_magic"], "campaigns": ["A"]})))


def test_campaign_names_become_safe_unique_folders():
    names = ['Tết "Sale"', "a/b", "a-b", "../../etc", "<script>x</script>", "line\nbreak",
             "Đồng Tháp", "   "]
    folders = [safe_name(n) for n in names]
    assert len(set(folders)) == len(names)
    for f in folders:
        assert f and "/" not in f and ".." not in f and "<" not in f and "\n" not in f
    assert folders[0].startswith("tet-sale-") and folders[6].startswith("dong-thap-")


def test_index_escapes_names_and_shows_failures(tmp_path):
    spec = load_spec({"output_dir": str(tmp_path), "notebooks": ["02_evaluation"],
                      "campaigns": ["<b>x</b> & 'y'", "Tết"]})
    runs = plan_runs(spec)
    for r, status in zip(runs, ["failed", "ok"], strict=True):
        r.folder.mkdir(parents=True)
        (r.folder / "manifest.json").write_text(json.dumps(
            {"status": status, "error": "ParameterError: <bad> value" if status == "failed"
             else None}), encoding="utf-8")
    index, summary = write_index(spec, runs)
    page = index.read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &#x27;y&#x27;" in page and "<b>x</b>" not in page
    assert "ParameterError: &lt;bad&gt; value" in page and "1 failed" in page
    assert "Tết" in summary.read_text(encoding="utf-8")


def test_index_in_vietnamese(tmp_path):
    spec = load_spec({"output_dir": str(tmp_path), "notebooks": ["02_evaluation"],
                      "parameters": {"lang": "vi"}, "campaigns": ["Tết Sale"]})
    (run,) = plan_runs(spec)
    run.folder.mkdir(parents=True)
    (run.folder / "manifest.json").write_text('{"status": "ok"}', encoding="utf-8")
    (run.folder / "report.html").write_text("<p>x</p>", encoding="utf-8")
    (run.folder / "results.json").write_text(json.dumps({"currency": "VND", "kpis": [
        {"kpi": "revenue", "actual": 1234567.0, "target": 2000000.0, "status": "off track"},
        {"kpi": "ctr", "actual": 0.0215, "target": 0.02, "status": "on track"}]}),
        encoding="utf-8")
    page = write_index(spec, [run])[0].read_text(encoding="utf-8")
    assert '<html lang="vi">' in page and "1 lượt chạy, 0 lỗi" in page
    assert "Doanh thu: 1.234.567 ₫ so với 2.000.000 ₫" in page and "chệch hướng" in page
    assert "CTR: 2,15% so với 2,00%" in page and "đúng tiến độ" in page
    assert ">báo cáo</a>" in page and ">xong</span>" in page
    summary = (tmp_path / "summary.csv").read_text(encoding="utf-8")
    assert "(chệch hướng)" in summary and "(đúng tiến độ)" in summary  # the statuses too
    assert "off track" not in summary and "on track" not in summary


# ------------------------------------------------------------------- running

@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    """One real batch: a good campaign and one whose plan cannot be measured."""
    tmp = tmp_path_factory.mktemp("batch")
    broken_plan = tmp / "broken.yaml"
    broken_plan.write_text(
        "plan: broken\nperiod: {start: 2027-01-01, end: 2027-02-28}\nobjectives:\n"
        "  - type: awareness\n    kpis:\n      - {kpi: frequency, target: 2, owner: A}\n",
        encoding="utf-8")
    broken = {"name": "Brand Awareness", "plan_path": str(broken_plan)}
    path = spec_file(tmp, [TET, broken])
    t = time.perf_counter()
    result = run_batch(load_spec(path), jobs=2)
    return tmp, path, result, time.perf_counter() - t


def test_a_failing_run_does_not_stop_the_others(batch_dir):
    tmp, _, result, _ = batch_dir
    status = {r.label: r.status for r in result.results}
    assert status == {"Tết Sale / 02_evaluation": "ok",
                      "Brand Awareness / 02_evaluation": "failed"}
    (failed,) = result.failed
    assert "frequency needs reach" in failed.error
    page = result.index.read_text(encoding="utf-8")
    assert "frequency needs reach" in page and "1 failed" in page
    good = next(r.folder for r in result.results if r.status == "ok")
    for f in ("executed.ipynb", "report.html", "results.json", "manifest.json"):
        assert (good / f).exists()
    html = (good / "report.html").read_text(encoding="utf-8")
    assert 'src="http' not in html  # nothing fetched from the network
    assert "import kpikit" not in html  # no code cells
    assert "Interactive explorer" in html  # the widget's static view
    # the prose of the run's language only, and nothing about running the notebook
    assert "The bar is the actual to date" in html and "Thanh là thực tế" not in html
    assert "Headless:" not in html and "<!-- vi -->" not in html and "<!-- en -->" not in html
    # plotly.js once per report; the kernel sent each figure as JSON only
    assert html.count("window.PlotlyConfig") == 1 and html.count("Plotly.newPlot(") >= 10
    executed = (good / "executed.ipynb").read_text(encoding="utf-8")
    assert "window.PlotlyConfig" not in executed and "Plotly.newPlot(" not in executed
    assert executed.count('"application/vnd.plotly.v1+json"') >= 10


def test_cli_exit_code_and_failure_list(batch_dir):
    tmp, path, _, _ = batch_dir
    proc = subprocess.run([sys.executable, "-m", "kpikit.cli", "batch", str(path), "--jobs",
                           "1"], capture_output=True, text=True, cwd=tmp)
    assert proc.returncode == 1
    assert "1 run(s) failed" in proc.stderr and "Brand Awareness / 02_evaluation" in proc.stderr
    assert proc.stdout.strip().endswith("index.html")


def test_rerun_skips_complete_runs_and_redoes_changed_ones(batch_dir):
    tmp, path, result, _ = batch_dir
    spec = load_spec(path)
    tet = next(r.folder for r in result.results if "Tết" in r.label)
    written = {f.name: f.stat().st_mtime_ns for f in tet.iterdir() if f.is_file()}
    env_before = {k: os.environ.get(k) for k in ("KPIKIT_STATIC", "KPIKIT_BATCH")}
    again = run_batch(spec, jobs=1)  # in this process: the failed run is redone here
    assert {r.label: r.status for r in again.results}[
        "Tết Sale / 02_evaluation"] == "skipped"
    assert {f.name: f.stat().st_mtime_ns for f in tet.iterdir() if f.is_file()} == written
    # the kernels' settings did not leak into the caller's environment
    assert {k: os.environ.get(k) for k in env_before} == env_before
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["campaigns"][0]["parameters"]["02_evaluation"]["as_of"] = "2027-02-01"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    changed = run_batch(load_spec(path), jobs=1)
    assert {r.label: r.status for r in changed.results}[
        "Tết Sale / 02_evaluation"] == "ok"
    results = json.loads((changed.results[0].folder / "results.json").read_text(
        encoding="utf-8")) if changed.results[0].status == "ok" else None
    if results:
        assert results["as_of"] == "2027-02-01"


def test_report_charts_render_offline_in_chromium(batch_dir):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Chromium is not installed (CI installs it)")
    _, _, result, _ = batch_dir
    good = next(r.folder for r in result.results if r.status in ("ok", "skipped")
                and "Tết" in r.label)
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--proxy-server=127.0.0.1:9", "--virtual-time-budget=10000",
         "--dump-dom", (good / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120).stdout
    # every plotly figure draws an <svg class="main-svg">: no network, charts still there
    assert dom.count('class="main-svg"') >= 10


def in_place(out: Path) -> list[Path]:
    """Run folders moved into place (not the hidden temporary ones)."""
    return [p.parent for p in out.glob("*/*/manifest.json")
            if not p.parent.name.startswith(".")]


def test_killed_batch_loses_nothing_and_resumes(tmp_path):
    brand = {"name": "Brand Awareness", "plan_path": str(DATA / "plan_brand_engagement.yaml"),
             "parameters": {"02_evaluation": {"as_of": "2027-03-15"}}}
    path = spec_file(tmp_path, [TET, brand], notebooks=("01_goal_setting", "02_evaluation"))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "kpikit.cli", "batch", str(path),
                             "--jobs", "1"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    out = tmp_path / "out"
    deadline = time.time() + 180
    # kill once a run is in place and the next one is under way (its temporary folder)
    while time.time() < deadline and not (in_place(out) and list(out.glob("*/.*.tmp-*"))):
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = in_place(out)
    assert 1 <= len(done) < 4
    for folder in done:  # what is in place is complete
        for f in ("executed.ipynb", "report.html", "results.json"):
            assert (folder / f).exists()
    result = run_batch(load_spec(path), jobs=1)
    statuses = [r.status for r in result.results]
    assert statuses.count("skipped") == len(done) and statuses.count("ok") == 4 - len(done)
    assert not list(out.glob("*/.*tmp-*")) and not list(out.glob("*/.*old-*"))
    assert len(in_place(out)) == 4


def test_runs_are_plain_values():
    r = Run("A", "02_evaluation", {"lang": "en"}, Path("x"))
    assert r.label == "A / 02_evaluation"


def test_dask_executor_on_a_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = spec_file(tmp_path, [TET])
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        result = run_batch(load_spec(path), executor="dask", scheduler=cluster.scheduler_address)
    assert [r.status for r in result.results] == ["ok"]
    assert (result.results[0].folder / "report.html").exists()
    with pytest.raises(ParameterError, match="needs scheduler"):
        run_batch(load_spec(path), executor="dask")


def test_demo_produces_the_report(tmp_path):
    """The README's first command: the demo batch ends with the path of index.html."""
    proc = subprocess.run([sys.executable, "-m", "kpikit.cli", "demo", "--output-dir",
                           str(tmp_path / "demo")], capture_output=True, text=True,
                          cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    index = Path(proc.stdout.strip().splitlines()[-1])
    assert index == tmp_path / "demo" / "index.html" and index.exists()
    page = index.read_text(encoding="utf-8")
    # one report link per run in the runs table (the alerts above it link reports too)
    runs_table = page[page.index("<table>"):]
    assert "5 runs, 0 failed" in page and runs_table.count(">report</a>") == 5
    assert page.index("class='alerts'") < page.index("<table>")  # the demo's alerts come first


# ------------------------------------------------------------ warm kernels

LEAK_CELLS = [
    ("code", "step = 0\ndata_path = ''\noutput_dir = 'outputs'", ["parameters"]),
    ("code", """import json, os, pathlib, sys
import pandas as pd
import kpikit
seen = {"pid": os.getpid(), "cwd": os.getcwd(),
        "global": "LEAK" in globals(), "env": os.environ.get("KPIKIT_LEAK"),
        "module_attr": getattr(kpikit, "_leak", None), "sys_module": "leaky" in sys.modules,
        "pandas_option": pd.get_option("display.max_rows")}
data = kpikit.load(data_path)
seen["spend"] = float(data["spend"].sum())
# now leave every kind of trace a careless notebook could leave
LEAK = step
os.environ["KPIKIT_LEAK"] = str(step)
kpikit._leak = step
sys.modules["leaky"] = kpikit
pd.set_option("display.max_rows", 3)
data["spend"] *= 1000
pathlib.Path(output_dir).mkdir()
pathlib.Path(output_dir, "results.json").write_text(json.dumps(seen))""", []),
]


def leak_notebook(folder: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    for _kind, src, tags in LEAK_CELLS:
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "leak.ipynb")
    return folder / "leak.ipynb"


def test_warm_kernels_leak_no_state_between_runs(tmp_path, monkeypatch):
    """Three runs through one warm parent: each sees a fresh kernel, untouched data."""
    from kpikit.runs import batch
    from kpikit.runs.kernels import warm_parent

    if not warm_parent.available():
        pytest.skip("warm kernels need fork and Unix sockets")
    monkeypatch.setattr("kpikit.runs.params.NOTEBOOK_DIR", tmp_path / "nbs")
    leak_notebook(tmp_path / "nbs")
    csv = tmp_path / "d.csv"
    csv.write_text("date,campaign,channel,impressions,clicks,spend\n"
                   "2026-01-01,A,search,100,10,250.5\n2026-01-02,A,search,120,12,249.5\n",
                   encoding="utf-8")
    runs = [Run("A", "leak", {"step": i, "data_path": str(csv), "output_dir": "outputs"},
                tmp_path / "out" / f"run{i}") for i in (1, 2, 3)]
    with batch.warm_kernels(runs) as warm:
        assert warm is not None
        results = [batch.execute_run(r, True, warm) for r in runs]
    assert [r.status for r in results] == ["ok"] * 3, results
    seen = [json.loads((r.folder / "results.json").read_text()) for r in runs]
    manifests = [json.loads((r.folder / "manifest.json").read_text()) for r in runs]
    assert {m["kernel"] for m in manifests} == {"warm"}
    assert len({s["pid"] for s in seen} | {os.getpid()}) == 4  # one new process per run
    for s in seen:
        assert s["global"] is False and s["env"] is None and s["module_attr"] is None
        assert s["sys_module"] is False and s["pandas_option"] == 60
        assert s["spend"] == 500.0  # the preloaded table is copied, not shared
        assert ".tmp-" in s["cwd"]  # each run works in its own folder
    assert "KPIKIT_LEAK" not in os.environ
    assert warm.proc.poll() is not None  # the parent is gone with the block


def test_batch_falls_back_to_plain_kernels(tmp_path, monkeypatch):
    from kpikit.runs import batch

    monkeypatch.setenv("KPIKIT_WARM", "0")
    monkeypatch.setattr("kpikit.runs.params.NOTEBOOK_DIR", tmp_path / "nbs")
    leak_notebook(tmp_path / "nbs")
    csv = tmp_path / "d.csv"
    csv.write_text("date,campaign,channel,impressions,clicks,spend\n2026-01-01,A,search,1,1,2\n",
                   encoding="utf-8")
    run = Run("A", "leak", {"step": 1, "data_path": str(csv), "output_dir": "outputs"},
              tmp_path / "out" / "run1")
    with batch.warm_kernels([run]) as warm:
        assert warm is None
        assert batch.execute_run(run, True, warm)["status"] == "ok"
    assert json.loads((run.folder / "manifest.json").read_text())["kernel"] == "plain"


def test_report_draws_json_figures_and_keeps_figures_with_their_own_html(tmp_path):
    import nbformat
    import plotly.graph_objects as go
    import plotly.io as pio

    from kpikit.runs.batch import export_html

    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    mime = {"application/vnd.plotly.v1+json": fig.to_plotly_json()}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("fig", outputs=[
        nbformat.v4.new_output("display_data", data=mime),
        nbformat.v4.new_output("display_data", data=mime)])])
    export_html(nb, tmp_path / "json.html", "t")
    html = (tmp_path / "json.html").read_text(encoding="utf-8")
    assert html.count("window.PlotlyConfig") == 1 and html.count("Plotly.newPlot(") == 2
    assert "kpikit-figure-" in html and ">kpikit-figure-" not in html  # no placeholder left
    # a notebook run outside the batch: its figures carry HTML and plotly.js already
    own = {**mime, "text/html": pio.to_html(fig, include_plotlyjs=True, full_html=False)}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("fig", outputs=[
        nbformat.v4.new_output("display_data", data=own)])])
    export_html(nb, tmp_path / "own.html", "t")
    html = (tmp_path / "own.html").read_text(encoding="utf-8")
    assert html.count("window.PlotlyConfig") == 1 and html.count("Plotly.newPlot(") == 1


def test_report_prose_follows_the_runs_language(tmp_path):
    import nbformat

    from kpikit.runs.batch import export_html, notebook_path, report_markdown

    cell = ("## Pacing · Tiến độ\n\n<!-- en -->\nActual to date.\n\n<!-- vi -->\n"
            "Thực tế đến nay.\n\n<!-- notebook -->\nHeadless: papermill ...\n<!-- all -->\n"
            "Tết.")
    assert report_markdown(cell, "vi") == "## Pacing · Tiến độ\n\nThực tế đến nay.\n\nTết.\n"
    assert report_markdown(cell, "en") == "## Pacing · Tiến độ\n\nActual to date.\n\nTết.\n"
    assert report_markdown("no marks", "vi") == "no marks\n"
    # a language added as a catalog only reads the English prose; one the cell has, its own
    assert report_markdown(cell, "fr") == "## Pacing · Tiến độ\n\nActual to date.\n\nTết.\n"
    assert report_markdown(cell + "\n<!-- fr -->\nÀ ce jour.", "fr") == (
        "## Pacing · Tiến độ\n\nTết.\nÀ ce jour.\n")
    intros = {"00_kpi_basics": ("A lesson for trainers", "Bài học cho giảng viên"),
              "01_goal_setting": ("to a KPI plan", "đến một kế hoạch KPI"),
              "02_evaluation": ("Actual against target, as of a date",
                                "Thực tế so với chỉ tiêu tại một ngày"),
              "03_optimization": ("when a KPI misses, adjust", "khi một KPI trượt")}
    for name, (en, vi) in intros.items():
        nb = nbformat.read(notebook_path(name), as_version=4)
        export_html(nb, tmp_path / f"{name}.html", name, "vi")
        html = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
        assert vi in html and en not in html, name
        assert "Parameters" not in html and "Headless:" not in html, name


def test_optimisation_headline_names_the_outcome_in_the_runs_language(tmp_path):
    from kpikit.runs.batch.index import _headline

    spec = load_spec({"output_dir": str(tmp_path), "notebooks": ["03_optimization"],
                      "parameters": {"lang": "vi"}, "campaigns": ["Tết Sale"]})
    (run,) = plan_runs(spec)
    said = _headline(run, {"outcome": "revenue", "expected": {"lift": 0.204}})
    assert said == [("Doanh thu: +20,4% với cùng ngân sách", "ok")]


# ------------------------------------------------------------ the package's shape

def test_executors_are_chosen_by_name(tmp_path):
    from kpikit import using_language
    from kpikit.runs.batch import EXECUTORS, get_executor

    assert list(EXECUTORS) == ["local", "papermill", "dask"]
    with pytest.raises(ParameterError, match=r"executor='threads': unknown executor\. "
                                             r"Choose from: local, papermill, dask\."):
        get_executor("threads")
    with using_language("vi"), pytest.raises(ParameterError,
                                             match="Chọn: local, papermill, dask"):
        get_executor("threads")
    with pytest.raises(ParameterError, match="executor='dask' needs scheduler"):
        get_executor("dask")
    spec = load_spec({"output_dir": str(tmp_path / "out"), "notebooks": ["02_evaluation"],
                      "campaigns": ["A"]})
    with pytest.raises(ParameterError, match="unknown executor"):
        run_batch(spec, executor="threads")
    assert not (tmp_path / "out").exists()  # refused before anything ran


def test_a_registered_executor_gets_the_runs_to_do(tmp_path, monkeypatch):
    from kpikit.runs.batch import EXECUTORS, Executor, RunResult, run_many

    seen = []

    def fake(todo, options, record):
        seen.append((len(todo), options.jobs, options.force))
        for r in todo:
            record(RunResult(r, "ok", None, 0.5))

    monkeypatch.setitem(EXECUTORS, "fake", Executor("fake", fake))
    runs = [Run(c, "02_evaluation", {}, tmp_path / c) for c in ("A", "B", "C")]
    progress = []
    results = run_many(runs, jobs=3, executor="fake",
                       progress=lambda done, total, res: progress.append((done, total)))
    assert seen == [(3, 3, False)]
    assert [r.label for r in results] == ["A / 02_evaluation", "B / 02_evaluation",
                                          "C / 02_evaluation"]
    assert progress == [(1, 3), (2, 3), (3, 3)]


def test_run_results_are_frozen_values():
    import dataclasses

    from kpikit.runs.batch import RunResult

    res = RunResult(Run("Tết", "02_evaluation", {}, Path("out/tet")), "failed", "boom", 1.5)
    assert (res.label, res.folder, res.error, res.seconds) == (
        "Tết / 02_evaluation", Path("out/tet"), "boom", 1.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.status = "ok"
    # callers written against the mapping earlier versions returned still read it
    assert res["status"] == "failed" and res["folder"] == str(Path("out/tet"))
    assert res.get("seconds") == 1.5 and res.get("nope") is None


def test_index_and_progress_follow_the_current_language(tmp_path, capsys):
    from kpikit import using_language
    from kpikit.runs.batch import RunResult, demo_spec, print_progress

    spec = load_spec({"output_dir": str(tmp_path), "notebooks": ["02_evaluation"],
                      "campaigns": ["A"]})  # no lang: the current language
    (run,) = plan_runs(spec)
    with using_language("vi"):
        page = write_index(spec, [run])[0].read_text(encoding="utf-8")
        print_progress(1, 2, RunResult(run, "ok", None, 2.0))
        print_progress(2, 2, RunResult(run, "failed", "x"), lang="en")
        assert demo_spec(tmp_path / "demo").parameters["lang"] == "vi"
    assert '<html lang="vi">' in page and "1 lượt chạy, 0 lỗi" in page
    assert "chưa có" in page and "chưa chạy" in page  # a run not written yet
    err = capsys.readouterr().err
    assert "[1/2] xong    A / 02_evaluation (2.0s)" in err
    assert "[2/2] failed  A / 02_evaluation" in err
    assert demo_spec(tmp_path / "demo").parameters["lang"] == "en"


def _runs_import_graph() -> dict[str, set[str]]:
    """Module -> the kpikit.runs modules it imports (inside functions too)."""
    import ast

    files = {}
    for path in (ROOT / "kpikit" / "runs").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                mod = ".".join(base + ([node.module] if node.module else []))
                for a in node.names:  # "from . import processes" imports a module
                    deps.add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in files else mod)
        graph[name] = {d for d in deps if d in files and d != name}
    return graph


def test_batch_and_kernels_import_no_circle():
    """runner -> kernels, never back; no import circle among the modules of kpikit.runs."""
    graph = _runs_import_graph()
    kernels = [m for m in graph if m.startswith("kpikit.runs.kernels")]
    assert len(kernels) >= 5
    for m in kernels:
        assert not [d for d in graph[m] if d.startswith("kpikit.runs.batch")], m
    assert "kpikit.runs.kernels.driver" in graph["kpikit.runs.batch.runner"]

    def walk(node: str, path: list[str]) -> None:
        for dep in graph[node]:
            assert dep not in path, " -> ".join([*path, node, dep])
            walk(dep, [*path, node])

    for module in graph:
        walk(module, [])
