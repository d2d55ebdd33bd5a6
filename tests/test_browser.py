"""Widgets proven in a real browser: JupyterLab and Voila driven by Playwright in Debian's
Chromium.

JupyterLab opens notebooks 00 and 01, runs every cell, moves a slider and checks that the
shown value and the chart change; Voila serves the lesson without code and answers a
slider. Screenshots go to ``test-artifacts/`` (not committed; CI keeps them). Skips only
where Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("KPIKIT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(os.environ.get("KPIKIT_ARTIFACTS", ROOT / "test-artifacts"))

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium is not at {CHROMIUM} (CI installs Debian's chromium)",
                allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:  # the server answers (a 404 is an answer)
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def serve(cmd: list[str], cwd: Path, url: str, log: Path, **extra_env: str) -> subprocess.Popen:
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(cwd / ".jupyter"),
               JUPYTER_RUNTIME_DIR=str(cwd / ".runtime"), **extra_env)
    env.pop("KPIKIT_STATIC", None)
    env.pop("KPIKIT_BATCH", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_http(url, proc)
    except Exception:
        stop(proc)
        raise AssertionError(log.read_text(errors="replace")[-3000:]) from None
    return proc


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, 15)
        proc.wait(15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder with copies of the notebooks: their outputs land here, not in the repo."""
    d = tmp_path_factory.mktemp("browser")
    for name in ("00_kpi_basics", "01_goal_setting"):
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", d)
    # JupyterLab settings of a plain user, minus the news prompt; every cell rendered
    # (off-screen cells are otherwise skipped, and a browser cannot see into them)
    settings = d / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    for folder, name, body in (
            ("notebook-extension", "tracker", '{"windowingMode": "none"}'),
            ("apputils-extension", "notification", '{"fetchNews": "false"}')):
        (settings / folder).mkdir(parents=True, exist_ok=True)
        (settings / folder / f"{name}.jupyterlab-settings").write_text(body)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="module")
def lab(workdir) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
                  "--ServerApp.ip=127.0.0.1", "--ServerApp.allow_root=True",
                  "--IdentityProvider.token=",
                  "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
                  f"--ServerApp.root_dir={workdir}", "--LabApp.news_url=None",
                  "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                 workdir, f"{base}/api/status", workdir / "lab.log")
    yield base
    stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shutdown_kernels(base: str) -> None:
    """Stop the kernels a closed page left running (they would slow the next test)."""
    import json

    with urllib.request.urlopen(f"{base}/api/kernels", timeout=10) as r:
        kernels = json.loads(r.read())
    for k in kernels:
        req = urllib.request.Request(f"{base}/api/kernels/{k['id']}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()


def run_all(page, url: str) -> None:
    """Open a notebook alone (``?reset``: no tabs restored from an earlier test), run all."""
    page.goto(url + "?reset", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_function("""() => { const e = document.querySelector(
        '.jp-Notebook-ExecutionIndicator'); return e && e.getAttribute('data-status') ===
        'idle'; }""", timeout=90_000)
    page.locator(".jp-NotebookPanel:visible .jp-Notebook").first.click()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def nudge(page, slider_class: str, presses: int = 3) -> None:
    """Move a slider with the keyboard, as a user tabbing to it would."""
    handle = page.locator(f".{slider_class} .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")


def chart_svg(page, container: str) -> str:
    loc = page.locator(f"{container} .js-plotly-plot .main-svg").first
    loc.wait_for(timeout=60_000)
    return loc.inner_html()


def test_lesson_in_jupyterlab(lab, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    run_all(page, f"{lab}/lab/tree/00_kpi_basics.ipynb")
    ctr = page.locator(".kpikit-playground .kpikit-ctr").first
    ctr.wait_for(timeout=300_000)  # a cold or busy machine: JupyterLab can take minutes
    before = ctr.inner_text()
    assert before == "2.50%"  # 1,250 clicks / 50,000 impressions
    nudge(page, "kpikit-slider-clicks")  # +3 steps of 50 clicks
    # 1,400 / 50,000: each press is one step of 50 clicks, each redraws in the kernel
    page.wait_for_function("() => document.querySelector('.kpikit-playground .kpikit-ctr')"
                           ".innerText === '2.80%'", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "lab_00_playground.png"))

    # the KPI tree: one driver moves, the goal and its chart follow
    goal = page.locator(".kpikit-tree .kpikit-goal-change").first
    goal.wait_for(timeout=60_000)
    svg_before = chart_svg(page, ".jp-OutputArea-output:has(.kpikit-tree)")
    nudge(page, "kpikit-slider-ctr", presses=5)
    page.wait_for_function("() => document.querySelector('.kpikit-tree .kpikit-goal-change')"
                           ".innerText === '+5.0%'", timeout=20_000)
    page.wait_for_timeout(1500)
    assert chart_svg(page, ".jp-OutputArea-output:has(.kpikit-tree)") != svg_before
    page.locator(".kpikit-tree").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "lab_00_tree.png"))
    page.close()
    shutdown_kernels(lab)


def test_goal_setting_in_jupyterlab(lab, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    run_all(page, f"{lab}/lab/tree/01_goal_setting.ipynb")
    badge_sel = ".widget-hbox:has(.kpikit-tick) .widget-html-content b"
    page.wait_for_selector(badge_sel, timeout=180_000)
    first = page.locator(badge_sel).first
    before = first.inner_text()
    svg_before = chart_svg(page, ".kpikit-plan-chart")
    handle = page.locator(".widget-hbox:has(.kpikit-tick) .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("([s, t]) => document.querySelector(s).innerText !== t",
                           arg=[badge_sel, before], timeout=30_000)
    page.wait_for_timeout(1500)
    assert first.inner_text() != before
    assert chart_svg(page, ".kpikit-plan-chart") != svg_before
    page.screenshot(path=str(ARTIFACTS / "lab_01_plan_builder.png"))
    page.close()
    shutdown_kernels(lab)


def test_lesson_in_voila_vietnamese(workdir, browser, monkeypatch):
    """The trainer's command, ``kpikit lesson --lang vi``: Voila, no code, Vietnamese."""
    pytest.importorskip("voila")
    from kpikit.runs import batch

    port = free_port()
    # serve the copy in workdir, so that the lesson's files are written there
    monkeypatch.setenv("KPIKIT_NOTEBOOK_DIR", str(workdir))
    assert batch.notebook_path("00_kpi_basics").parent == workdir
    proc = serve([sys.executable, "-m", "kpikit.cli", "lesson", "--lang", "vi",
                  f"--port={port}", "--no-browser"], workdir,
                 f"http://127.0.0.1:{port}/voila/static/up", workdir / "voila.log")
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        # Voila executes the notebook while it streams the page: wait for the widgets
        page.goto(f"http://127.0.0.1:{port}/", wait_until="commit", timeout=60_000)
        ctr = page.locator(".kpikit-playground .kpikit-ctr").first
        ctr.wait_for(timeout=180_000)
        assert ctr.inner_text() == "2,50%"  # Vietnamese decimal comma
        body = page.inner_text("body")
        assert "Tám bước" in body and "Chọn KPI phù hợp" in body
        assert "import kpikit" not in body  # the lesson is served without code
        nudge(page, "kpikit-slider-clicks")
        page.wait_for_function("() => document.querySelector('.kpikit-playground "
                               ".kpikit-ctr').innerText === '2,80%'", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "voila_00_vi.png"), full_page=True)
        page.close()
    finally:
        stop(proc)
    assert (workdir / "kpikit-out" / "00_kpi_basics" / "export_with_gaps.csv").exists()


# ------------------------------------------------------------ hostile names in reports

def _hostile_checks(page) -> dict:
    """What an injection would leave in the page: elements, handlers, scripts."""
    return page.evaluate("""() => ({
        img: document.querySelectorAll("img[src='x'], img[onerror]").length,
        svg: document.querySelectorAll("svg[onload], [onload], [onerror]").length,
        scripts: [...document.scripts].filter(s => /alert\\s*\\(/.test(s.textContent)).length,
        text: document.body.innerText,
        chartText: [...document.querySelectorAll("svg.main-svg text")]
            .map(t => t.textContent).join("\\n"),
    })""")


def _wait_for_charts(page) -> None:
    """Every figure placeholder of a report drawn by plotly (readiness, not a sleep)."""
    page.wait_for_function("""() => [...document.querySelectorAll("[id^='kpikit-figure-']")]
        .every(d => d.classList.contains("js-plotly-plot")
               && d.querySelector("svg.main-svg"))""", timeout=120_000)


@pytest.mark.slow
def test_hostile_names_are_text_in_index_and_reports(tmp_path, browser):
    """A batch whose data, plan and spec carry hostile names: opened in Chromium, the
    index and every report fire no dialog, hold no injected element, ask the network for
    nothing, and show the names as text."""
    from kpikit.runs.batch import load_spec, run_batch, safe_name

    from .hostile import AT, CAMPAIGN, FORMULA, NFD, OWNER, SCRIPT, hostile_spec

    result = run_batch(load_spec(hostile_spec(tmp_path)), jobs=2)
    assert sorted(r["status"] for r in result.results) == ["failed", "ok", "ok", "ok"]
    out = tmp_path / "out"
    reports = sorted(out.glob("*/*/report.html"))
    assert len(reports) == 4  # the failed run keeps its report up to the error
    context = browser.new_context()
    dialogs: list[str] = []
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    shown: dict[str, dict] = {}
    try:
        for path in [out / "index.html", *reports]:
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(path.as_uri(), wait_until="load")
            _wait_for_charts(page)
            name = path.relative_to(out).as_posix()
            shown[name] = _hostile_checks(page)
            shot = name.replace("/", "__").replace(".html", ".png")
            page.screenshot(path=str(ARTIFACTS / f"hostile__{shot}"), full_page=True)
            page.close()
    finally:
        context.close()
    assert dialogs == []
    remote = [u for u in requests if not u.startswith(("file://", "data:"))]
    assert remote == []
    for name, s in shown.items():
        assert (s["img"], s["svg"], s["scripts"]) == (0, 0, 0), name
    index = shown["index.html"]["text"]
    assert CAMPAIGN in index and SCRIPT in index  # the failed run's name and its error
    good = safe_name(CAMPAIGN)
    by_nb = {n.split("/")[1]: s for n, s in shown.items() if n.startswith(good + "/")}
    evaluation = by_nb["02_evaluation"]
    for text in (CAMPAIGN, OWNER, FORMULA, AT):
        assert text in evaluation["text"], text
    assert OWNER in evaluation["chartText"]  # the scorecard names each KPI's owner
    optimisation = by_nb["03_optimization"]
    seen = unicodedata.normalize("NFC", optimisation["text"] + optimisation["chartText"])
    for text in (SCRIPT, FORMULA, NFD):  # Vietnamese in NFD or NFC reads the same
        assert unicodedata.normalize("NFC", text) in seen, text
    assert SCRIPT in optimisation["chartText"]  # a response curve per channel, titled
