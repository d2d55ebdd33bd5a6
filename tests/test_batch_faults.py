"""Batch runs under faults: a hanging cell, a killed batch, two batches on one folder,
process start failures, NFD names, Dask workers with several threads, clean outputs.

Most tests run a small stand-in for ``02_evaluation`` (same parameters, a few lines of
code; ``KPIKIT_NOTEBOOK_DIR``) so that they measure the batch machinery, not the KPIs.
The stand-in obeys environment variables: ``FAULT_LOG`` (append one line per execution),
``FAULT_STARTED`` (a folder: touch a file there when the run starts), ``FAULT_SPAWN``
(start a ``sleep 3600`` process), ``FAULT_HANG`` (a
campaign name that sleeps for an hour) and ``FAULT_GO`` (wait until that file exists).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
import yaml

from kpikit.errors import ParameterError
from kpikit.runs.batch import Run, load_spec, plan_runs, run_batch

pytest.importorskip("papermill")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
pytestmark = pytest.mark.slow

STANDIN = '''import json, os, pathlib, time
log = os.environ.get("FAULT_LOG")
if log:
    with open(log, "a", encoding="utf-8") as f:
        f.write(campaign + "\\n")
started = os.environ.get("FAULT_STARTED")
if started:
    pathlib.Path(started, str(os.getpid())).write_text(os.getcwd(), encoding="utf-8")
if os.environ.get("FAULT_SPAWN"):  # a child process of the notebook's own
    import subprocess
    subprocess.Popen(["sleep", "3600"])
go = os.environ.get("FAULT_GO")
while go and not os.path.exists(go):
    time.sleep(0.05)
if campaign == os.environ.get("FAULT_HANG"):
    time.sleep(3600)
print("ran", campaign)
pathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)
pathlib.Path(output_dir, "results.json").write_text(
    json.dumps({"campaign": campaign, "kpis": []}), encoding="utf-8")'''


def standin_notebooks(folder: Path) -> Path:
    """A notebook folder whose 02_evaluation is the stand-in (same parameters)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# stand-in"))
    params = nbformat.v4.new_code_cell(
        'data_path = None\nplan_path = None\ncampaign = None\nas_of = "2027-01-25"\n'
        'period = "campaign"\nlang = "en"\noutput_dir = "outputs"')
    params.metadata["tags"] = ["parameters"]
    nb.cells += [params, nbformat.v4.new_code_cell(STANDIN)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "02_evaluation.ipynb")
    return folder


def write_spec(tmp: Path, names: list[str], **extra) -> Path:
    spec = {"output_dir": "out", "data_path": str(DATA / "sample_campaigns.csv"),
            "notebooks": ["02_evaluation"], "parameters": {"lang": "en"},
            "campaigns": names, **extra}
    path = tmp / "batch.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def env_for(tmp: Path, **values: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               KPIKIT_NOTEBOOK_DIR=str(standin_notebooks(tmp / "nbs")))
    env.update(values)
    return env


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "kpikit.cli", "batch", *args]


def session_members(sid: int) -> list[tuple[int, str]]:
    """(pid, command) of the live processes in session ``sid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            try:
                cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                cmd = "?"
            out.append((int(stat.parent.name), cmd))
    return out


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


def manifests(out: Path) -> dict[str, dict]:
    """The manifests of the run folders in place (not of hidden temporary ones)."""
    return {m.parent.parent.name: json.loads(m.read_text(encoding="utf-8"))
            for m in out.glob("*/*/manifest.json") if not m.parent.name.startswith(".")}


# ------------------------------------------------------------------- never hang

def test_a_hanging_run_is_stopped_and_the_index_is_written(tmp_path):
    path = write_spec(tmp_path, ["Hang", "Quick"], timeout={"02_evaluation": 4})
    started = time.monotonic()
    proc = subprocess.Popen(cli(str(path), "--jobs", "2"), cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True,
                            env=env_for(tmp_path, FAULT_HANG="Hang", FAULT_SPAWN="1"))
    _, stderr = proc.communicate(timeout=240)
    assert time.monotonic() - started < 120
    assert proc.returncode == 1, stderr[-2000:]
    out = tmp_path / "out"
    by = {m["campaign"]: m for m in manifests(out).values()}
    assert by["Quick"]["status"] == "ok"
    hung = by["Hang"]
    assert hung["status"] == "failed" and hung["timed_out"] is True
    assert hung["timeout"] == 4.0
    # the cell that hung: the stand-in's code cell is cell 3 of the notebook
    assert "timed out after 4 s in cell 3" in hung["error"]
    assert "import json, os, pathlib, time" in hung["error"]
    assert "Hang / 02_evaluation" in stderr and "timed out" in stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "1 failed" in page and "timed out after 4 s" in page
    rows = (out / "summary.csv").read_text(encoding="utf-8")
    assert "Hang,02_evaluation,failed" in rows and "Quick,02_evaluation,ok" in rows
    if sys.platform.startswith("linux"):  # nothing left running, not even the sleeps
        assert not wait_for_empty(proc.pid, 10)


def test_command_line_timeout_overrides_the_spec_and_bad_values_are_refused(tmp_path):
    path = write_spec(tmp_path, ["Hang"], timeout=3600)
    spec = load_spec(path)
    assert spec.timeouts == {"default": 3600.0}
    assert plan_runs(spec)[0].timeout == 3600.0
    for bad in ("soon", -1, {"02_evaluaton": 5}, {"02_evaluation": 0}, True):
        with pytest.raises(ParameterError, match="timeout"):
            load_spec(write_spec(tmp_path, ["Hang"], timeout=bad))
    with pytest.raises(ParameterError, match="timeout=0"):
        run_batch(spec, timeout=0)
    path = write_spec(tmp_path, ["Hang"], timeout=3600)
    proc = subprocess.run(cli(str(path), "--timeout", "3"), cwd=tmp_path, capture_output=True,
                          text=True, timeout=240, env=env_for(tmp_path, FAULT_HANG="Hang"))
    assert proc.returncode == 1 and "timed out after 3 s" in proc.stderr
    bad = subprocess.run(cli(str(path), "--timeout", "never"), capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert bad.returncode == 2 and "--timeout" in bad.stderr


def test_a_run_process_that_does_not_start_is_tried_once_more(tmp_path, monkeypatch):
    import socket

    from kpikit.runs import batch
    from kpikit.runs.kernels import warm_parent

    if not warm_parent.available():
        pytest.skip("warm runs need fork and descriptor passing")
    monkeypatch.setenv("KPIKIT_NOTEBOOK_DIR", str(standin_notebooks(tmp_path / "nbs")))
    calls = []

    def broken_spawn(self, folder):  # a process that dies before saying anything
        calls.append(folder)
        ours, theirs = socket.socketpair()
        theirs.close()
        return ours

    monkeypatch.setattr(warm_parent.WarmParent, "spawn", broken_spawn)
    run = Run("A", "02_evaluation", {"campaign": "A", "output_dir": "outputs"},
              tmp_path / "out" / "a")
    with batch.warm_kernels([run]) as warm:
        res = batch.execute_run(run, True, warm)
    assert res.status == "ok", res
    m = json.loads((run.folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["attempts"] == 2 and len(m["start_failures"]) == 1 and len(calls) == 1
    assert m["kernel"] == "plain"  # the retry started cold
    # a failing notebook is not retried
    bad = Run("B", "02_evaluation", {"campaign": "B", "output_dir": 5}, tmp_path / "out" / "b")
    res = batch.execute_run(bad, True, None)
    m = json.loads((bad.folder / "manifest.json").read_text(encoding="utf-8"))
    assert res.status == "failed" and m["attempts"] == 1 and "TypeError" in m["error"]


# ------------------------------------------------------ never leave anything behind

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="lists processes in /proc")
def test_sigkill_of_the_batch_leaves_no_process_and_no_temporary_folder(tmp_path):
    import tempfile

    started = tmp_path / "started"
    started.mkdir()
    path = write_spec(tmp_path, ["A", "B", "C", "D"])
    env = env_for(tmp_path, FAULT_STARTED=str(started), FAULT_GO=str(tmp_path / "never"),
                  FAULT_SPAWN="1")
    proc = subprocess.Popen(cli(str(path), "--jobs", "2"), cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_for(lambda: len(list(started.iterdir())) >= 2, 120, "two runs to start")
        members = session_members(proc.pid)
        # the batch, the warm parent, two runs and the sleep each started
        assert len(members) >= 6, members
        pids = [pid for pid, _ in members]
        os.kill(proc.pid, signal.SIGKILL)  # the batch alone, as the OOM killer would
        proc.wait()
        left = wait_for_empty(proc.pid, 10)
        assert not left, left
    finally:
        for pid, _ in session_members(proc.pid):
            os.kill(pid, signal.SIGKILL)
    out = tmp_path / "out"
    assert not list(out.glob("*/.*tmp-*")), list(out.glob("*/.*"))
    for pid in pids:  # (other kpikit users may have folders there: only ours count)
        assert not list(Path(tempfile.gettempdir()).glob(f"kpikit-*{pid}-*"))
    # the next batch runs everything, once
    env.pop("FAULT_GO")
    env.pop("FAULT_SPAWN")
    rerun = subprocess.run(cli(str(path), "--jobs", "2"), cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=240)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert {m["status"] for m in manifests(out).values()} == {"ok"}
    assert len(manifests(out)) == 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="lists processes in /proc")
@pytest.mark.parametrize("when", ["warming up", "cold runs"])
def test_sigkill_at_any_stage_leaves_nothing_behind(tmp_path, when):
    import tempfile

    started = tmp_path / "started"
    started.mkdir()
    path = write_spec(tmp_path, ["A", "B", "C"])
    env = env_for(tmp_path, FAULT_STARTED=str(started), FAULT_GO=str(tmp_path / "never"),
                  FAULT_SPAWN="1")
    if when == "cold runs":
        env["KPIKIT_WARM"] = "0"
    proc = subprocess.Popen(cli(str(path), "--jobs", "2"), cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        if when == "warming up":  # the warm parent rehearses, no run has started
            pids = wait_for(lambda: [p for p, cmd in session_members(proc.pid)
                                     if "kpikit.runs.batch warm" in cmd], 60, "the warm parent")
            # it rehearses in a hidden folder of the output folder
            wait_for(lambda: list((tmp_path / "out").glob(
                f".kpikit-rehearsal-{pids[0]}-*")), 60, "the rehearsal")
            assert not any(started.iterdir())
        else:
            wait_for(lambda: len(list(started.iterdir())) >= 2, 120, "two cold runs")
            pids = []
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        left = wait_for_empty(proc.pid, 10)
        assert not left, left
    finally:
        for pid, _ in session_members(proc.pid):
            os.kill(pid, signal.SIGKILL)
    assert not list((tmp_path / "out").glob("*/.*tmp-*"))
    assert not list((tmp_path / "out").glob(".kpikit-rehearsal-*"))
    for pid in pids:
        assert not list(Path(tempfile.gettempdir()).glob(f"*kpikit-*{pid}-*"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="lists processes in /proc")
def test_ctrl_c_stops_the_runs_and_says_how_to_resume(tmp_path):
    started = tmp_path / "started"
    started.mkdir()
    path = write_spec(tmp_path, ["A", "B", "C"])
    env = env_for(tmp_path, FAULT_STARTED=str(started), FAULT_GO=str(tmp_path / "never"))
    proc = subprocess.Popen(cli(str(path), "--jobs", "2"), cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        wait_for(lambda: len(list(started.iterdir())) >= 2, 120, "two runs to start")
        os.kill(proc.pid, signal.SIGINT)  # the batch alone: its runs must be stopped by it
        _, err = proc.communicate(timeout=60)
    finally:
        for pid, _ in session_members(proc.pid):
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert "Interrupted. Finished runs are kept; run the same command again" in err
    assert "Traceback" not in err
    assert not wait_for_empty(proc.pid, 10)
    assert not list((tmp_path / "out").glob("*/.*tmp-*"))


def wait_for_empty(sid: int, seconds: float) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = session_members(sid)
        if not left:
            return []
        time.sleep(0.2)
    return session_members(sid)


def test_outputs_hold_only_outputs_and_one_plotly_js_per_batch(tmp_path):
    """Real notebooks: no kernel-ipc sockets anywhere, plotly.min.js once per batch, and
    the figure pages load that one copy; leftovers of older versions are cleaned."""
    brand = {"name": "Brand Awareness", "plan_path": str(DATA / "plan_brand_engagement.yaml"),
             "parameters": {"02_evaluation": {"as_of": "2027-03-15"}}}
    tet = {"name": "Tết Sale", "plan_path": str(DATA / "plan_tet_sale.yaml"),
           "parameters": {"02_evaluation": {"as_of": "2027-01-25"}}}
    path = write_spec(tmp_path, [tet, brand])
    out = tmp_path / "out"
    stale = out / "x" / "02_evaluation"
    stale.mkdir(parents=True)
    (stale / "kernel-ipc-1").write_text("")
    (out / "x" / ".02_evaluation.tmp-1-2").mkdir()
    (out / ".kpikit-rehearsal-1-abc").mkdir()  # a warm parent killed with its group
    result = run_batch(load_spec(path), jobs=2)
    assert [r.status for r in result.results] == ["ok", "ok"], result.results
    assert not list(out.rglob("kernel-ipc-*")) and not list(out.glob("*/.*tmp-*"))
    assert not list(out.glob(".kpikit-rehearsal-*"))
    copies = list(out.rglob("plotly.min.js"))
    assert copies == [out / "plotly.min.js"]
    pages = list(out.glob("*/02_evaluation/outputs/charts/*.html"))
    assert len(pages) >= 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        (src,) = re.findall(r'src="([^"]*plotly\.min\.js)"', text)
        assert (page.parent / src).resolve() == out / "plotly.min.js"
    for r in result.results:  # the report still inlines plotly.js itself, once
        html = (r.folder / "report.html").read_text(encoding="utf-8")
        assert html.count("window.PlotlyConfig") == 1
        assert sorted(p.name for p in r.folder.iterdir()) == [
            "executed.ipynb", "manifest.json", "outputs", "report.html", "results.json"]


# -------------------------------------------------------- two batches, one folder

def test_two_batches_on_one_folder_lose_nothing_and_run_nothing_twice(tmp_path):
    started, log, go = tmp_path / "started", tmp_path / "runs.log", tmp_path / "go"
    started.mkdir()
    names = [f"C{i}" for i in range(4)]
    path = write_spec(tmp_path, names)
    env = env_for(tmp_path, FAULT_STARTED=str(started), FAULT_LOG=str(log),
                  FAULT_GO=str(go))
    first = subprocess.Popen(cli(str(path), "--jobs", "2"), cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: any(started.iterdir()), 120, "the first batch's runs")
        refused = subprocess.run(cli(str(path)), cwd=tmp_path, env=env, capture_output=True,
                                 text=True, timeout=120)
        assert refused.returncode == 2
        assert f"another kpikit batch is running on {tmp_path / 'out'} (PID {first.pid}" \
            in refused.stderr and "started 20" in refused.stderr and "--wait" in refused.stderr
        second = subprocess.Popen(cli(str(path), "--wait", "300"), cwd=tmp_path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = second.stderr.readline()
        assert f"Waiting for the batch already running here (PID {first.pid}" in line
        go.write_text("")
        assert first.wait(240) == 0
        out2, err2 = second.communicate(timeout=240)
        assert second.returncode == 0, err2
    finally:
        go.write_text("")
        for p in (first,):
            if p.poll() is None:
                p.kill()
    ran = log.read_text(encoding="utf-8").split()
    assert sorted(ran) == names  # each run once, none lost
    assert err2.count("skipped") == 4
    assert {m["status"] for m in manifests(tmp_path / "out").values()} == {"ok"}


def test_a_lock_left_by_a_killed_batch_is_taken_over(tmp_path):
    from kpikit.runs.lock import LOCK_NAME, folder_lock

    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (out / LOCK_NAME).write_text(json.dumps({"pid": int(dead), "started": "earlier"}))
    with folder_lock(out) as before:
        assert before["pid"] == int(dead)
        assert json.loads((out / LOCK_NAME).read_text())["pid"] == os.getpid()
    assert (out / LOCK_NAME).read_text() == "{}"


# ------------------------------------------------------------------------ names

def test_nfd_spec_names_are_the_data_names_and_case_stays_distinct(tmp_path):
    nfd = unicodedata.normalize("NFD", "Tết Sale")
    assert nfd != "Tết Sale"
    spec = load_spec({"output_dir": str(tmp_path / "out"), "notebooks": ["02_evaluation"],
                      "data_path": str(DATA / "sample_campaigns.csv"),
                      "campaigns": [{"name": nfd, "plan_path": str(DATA / "plan_tet_sale.yaml"),
                                     "parameters": {"02_evaluation": {"as_of": "2027-01-25"}}},
                                    "tết sale"]})
    runs = plan_runs(spec)
    assert [r.campaign for r in runs] == ["Tết Sale", "tết sale"]
    assert runs[0].parameters["campaign"] == "Tết Sale"
    assert runs[0].folder != runs[1].folder
    with pytest.raises(ParameterError, match="listed twice"):
        plan_runs(load_spec({"output_dir": str(tmp_path), "notebooks": ["02_evaluation"],
                             "campaigns": [nfd, "Tết Sale"]}))
    result = run_batch(spec.__class__(**{**spec.__dict__, "campaigns": spec.campaigns[:1]}),
                       jobs=1)
    assert [r.status for r in result.results] == ["ok"], result.results
    got = json.loads((result.results[0].folder / "results.json").read_text())
    assert got["kpis"]  # the campaign was found in the data


# ------------------------------------------------------------------------- Dask

@pytest.mark.parametrize("workers,threads", [(1, 2), (2, 1)])
def test_dask_workers_with_threads_run_every_notebook_once(tmp_path, monkeypatch, workers,
                                                          threads):
    distributed = pytest.importorskip("distributed")
    log = tmp_path / "runs.log"
    monkeypatch.setenv("KPIKIT_NOTEBOOK_DIR", str(standin_notebooks(tmp_path / "nbs")))
    monkeypatch.setenv("FAULT_LOG", str(log))
    names = [f"Campaign {i}" for i in range(10)]
    spec = load_spec(write_spec(tmp_path, names))
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=threads,
                                  processes=True, dashboard_address=None) as cluster:
        result = run_batch(spec, executor="dask", scheduler=cluster.scheduler_address)
    assert [r.status for r in result.results] == ["ok"] * 10, result.failed
    assert sorted(log.read_text(encoding="utf-8").splitlines()) == sorted(names)
    cwd = {json.loads((r.folder / "results.json").read_text())["campaign"]
           for r in result.results}
    assert cwd == set(names)  # every run wrote its own results
    assert not list((tmp_path / "out").rglob("kernel-ipc-*"))


# -------------------------------------------------------------------- papermill

def test_papermill_executor_runs_each_notebook_in_a_jupyter_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("KPIKIT_NOTEBOOK_DIR", str(standin_notebooks(tmp_path / "nbs")))
    result = run_batch(load_spec(write_spec(tmp_path, ["A", "B"])), executor="papermill")
    assert [r.status for r in result.results] == ["ok", "ok"], result.failed
    for r in result.results:
        m = json.loads((r.folder / "manifest.json").read_text(encoding="utf-8"))
        assert m["kernel"] == "jupyter" and m["status"] == "ok"
        got = json.loads((r.folder / "results.json").read_text(encoding="utf-8"))
        assert got["campaign"] == r.run.campaign
        html = (r.folder / "report.html").read_text(encoding="utf-8")
        assert "ran " + r.run.campaign in html and "import json" not in html
