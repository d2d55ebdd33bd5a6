"""The lesson as students get it: ``kpikit lesson`` (Voila) in a real Chromium.

One server in Vietnamese: the page shows no code and no documentation, Vietnamese numbers,
dates and months, icons that need no emoji font, and a quiz that reads ``2,5`` as 2.5.
``?lang=`` in the address switches the language with the kernel pools on (each language
is its own copy with its own pool, the page drawn by a pre-started kernel) and off. A
closed tab's kernel is culled once idle. Then ten students open the lesson at once (ten browser
contexts) and the time to the first rendered heading and to the first live widget is
measured; the figures go to
``test-artifacts/lesson_first_render.json``. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
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
#: a cold machine can need minutes for the first start: waits are on readiness, never short
READY_S = 300
#: the first render of every one of ten students at once must come within this (seconds);
#: measured on 2 shared cores, see the module's artifact for the figures
TEN_STUDENTS_MAX_S = 120

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("voila")
if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium is not at {CHROMIUM} (CI installs Debian's chromium)",
                allow_module_level=True)

EMOJI = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes() -> dict[int, tuple[int, list[str]]]:
    """pid -> (parent pid, fields of /proc/pid/stat after the command name)."""
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[int(d.name)] = (int(fields[1]), fields)
    return out


def _tree(root: int) -> dict[int, list[str]]:
    """The stat fields of ``root`` and all its descendants (kernels run in sessions of
    their own, so a process group would miss them)."""
    procs = _processes()
    keep, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in procs and pid not in keep:
            keep[pid] = procs[pid][1]
            todo += [c for c, (parent, _) in procs.items() if parent == pid]
    return keep


def _tree_cpu(root: int) -> int:
    """CPU ticks used so far by the server and its kernels."""
    return sum(int(f[11]) + int(f[12]) for f in _tree(root).values())


def _kernels_rss_mib(root: int) -> list[float]:
    """Resident memory (MiB) of the server's kernels."""
    out = []
    for pid, f in _tree(root).items():
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ipykernel" in cmd:
            out.append(int(f[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20)
    return out


class Server:
    """``kpikit lesson`` on a free localhost port, in its own process group."""

    def __init__(self, workdir: Path, lang: str, **env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"voila-{self.port}.log"
        full = dict(os.environ, KPIKIT_NOTEBOOK_DIR=str(workdir),
                    JUPYTER_CONFIG_DIR=str(workdir / ".jupyter"),
                    JUPYTER_RUNTIME_DIR=str(workdir / ".runtime"),
                    IPYTHONDIR=str(workdir / ".ipython"), **env)
        for name in ("KPIKIT_STATIC", "KPIKIT_BATCH", "KPIKIT_LANG"):
            full.pop(name, None)
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kpikit.cli", "lesson", "--lang", lang,
                 f"--port={self.port}", "--no-browser"], cwd=workdir, env=full, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, pool: int) -> float:
        """Wait until the server answers, its pool is full and its kernels are done
        pre-rendering (the group's CPU goes quiet); return the seconds it took."""
        t0 = time.time()
        deadline = t0 + READY_S
        answered = False
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(self.log.read_text(errors="replace")[-3000:])
            if not answered:
                try:
                    urllib.request.urlopen(f"{self.base}/voila/static/up", timeout=2)
                    answered = True
                except urllib.error.HTTPError:
                    answered = True  # an answer, even a 403/404
                except OSError:
                    pass
            log = self.log.read_text(errors="replace")
            # one pool per language: the server's of ``pool`` kernels, one for the other
            if answered and (pool == 0 or (f"filled with {pool} kernel" in log
                                           and log.count("is filled with") >= 2)):
                break
            time.sleep(0.5)
        else:
            raise AssertionError("not ready:\n" + self.log.read_text(errors="replace")[-3000:])
        # five quiet seconds in a row: a pool kernel can pause between cells while it draws,
        # and a page handed a kernel still drawing can miss its last widgets (Voila 0.5; see
        # README, "Teaching"): a class is let in once the server has gone quiet
        quiet, last = 0, _tree_cpu(self.proc.pid)
        while quiet < 5 and time.time() < deadline:
            time.sleep(1)
            now = _tree_cpu(self.proc.pid)
            quiet = quiet + 1 if now - last < 10 else 0  # under 0.1 CPU-second a second
            last = now
        return time.time() - t0

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(10)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A copy of the lesson notebook: its files are written here, not in the repo."""
    d = tmp_path_factory.mktemp("lesson")
    shutil.copy(ROOT / "notebooks" / "00_kpi_basics.ipynb", d)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="module")
def vi_server(workdir) -> Iterator[Server]:
    server = Server(workdir, "vi", KPIKIT_LESSON_POOL="2")
    try:
        server.wait_ready(pool=2)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, url: str, *, whole: bool = True):
    """A page of the lesson, waited for until its last widget is drawn (``whole``), or
    only its first live widget, the playground."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    # Voila executes the notebook while it streams the page: wait for the last widget
    page.goto(url, wait_until="commit", timeout=READY_S * 1000)
    try:
        if not whole:
            page.locator(".kpikit-playground .kpikit-ctr").first.wait_for(
                timeout=READY_S * 1000)
            return page
        page.locator(".kpikit-answer-0 input").first.wait_for(timeout=READY_S * 1000)
        page.locator(".kpikit-horizon .xtick").first.wait_for(timeout=READY_S * 1000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "lesson_not_drawn.png"), full_page=True)
        raise AssertionError("the lesson was not drawn; the page said:\n"
                             + page.inner_text("body")[-1500:] + "\nconsole:\n"
                             + "\n".join(console[-15:])) from None
    return page


def test_vietnamese_lesson_shows_no_code_and_reads_2_5(vi_server, browser):
    page = _open(browser, f"{vi_server.base}/")
    try:
        body = page.inner_text("body")
        source = page.content()
        # the lesson, in Vietnamese, from its own title on
        assert page.locator("h1").first.inner_text().strip() == "KPI cơ bản"
        assert "Tám bước" in body and "Câu hỏi cần trả lời" in body
        # no documentation cell, no parameters, no command, no code, no function names
        for code in ("papermill", "data_path", "output_dir", "Parameters", "KPI basics",
                     "import kpikit", "lesson.", "sum(", "recommend_kpis", ".ipynb",
                     "The eight steps"):
            assert code not in body, code
        assert "papermill" not in source and "kpikit-docs" not in source
        # formulas in words
        assert "CTR = Lượt nhấp (tất cả) ÷ Lượt hiển thị" in body
        # the availability table and the month axis, written the Vietnamese way
        table = page.inner_text(".kpikit-availability")
        assert re.search(r"\d,\d%", table) and not re.search(r"\d\.\d%", table)
        assert "None" not in table and "01/10/2026" in table
        ticks = page.eval_on_selector_all(".kpikit-horizon .xtick text",
                                          "els => els.map(e => e.textContent)")
        assert any(re.fullmatch(r"\d\d/20\d\d", t) for t in ticks), ticks
        assert not any(re.search(r"[A-Z][a-z]{2} 20\d\d", t) for t in ticks), ticks
        # step 7: the statistics are folded away until asked for
        stats = page.locator("details.kpikit-stats").first
        assert not stats.evaluate("d => d.open") and "p=" not in body
        # a student types 2,5 (the Vietnamese 2.5) and presses Check
        box = page.locator(".kpikit-answer-0 input").first
        box.scroll_into_view_if_needed()
        box.fill("2,5")
        box.press("Tab")
        page.locator(".kpikit-check-0").first.click()
        fb = page.locator(".kpikit-feedback-0").first
        page.wait_for_function("() => document.querySelector('.kpikit-feedback-0')"
                               ".innerText.includes('Đúng rồi')", timeout=60_000)
        assert fb.locator("svg.kpikit-icon").count() == 1  # an icon with no font needed
        assert not EMOJI.search(page.inner_text("body"))
        fb.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "lesson_vi_quiz.png"))
        page.screenshot(path=str(ARTIFACTS / "lesson_vi_full.png"), full_page=True)
    finally:
        page.close()


def test_address_switches_language_without_the_pool(workdir, browser):
    server = Server(workdir, "vi", KPIKIT_LESSON_POOL="0")
    try:
        server.wait_ready(pool=0)
        page = _open(browser, f"{server.base}/?lang=en")
        assert page.locator("h1").first.inner_text().strip() == "KPI basics"
        body = page.inner_text("body")
        assert "The eight steps" in body and "Tám bước" not in body
        assert "CTR = Clicks (all) ÷ Impressions" in body
        page.close()
    finally:
        server.stop()


def test_address_switches_language_with_the_pool_on(workdir, browser):
    """The pooled kernels drew the lesson before anyone asked; ``?lang=vi`` still gives
    Vietnamese, from a pre-started kernel of the Vietnamese copy."""
    server = Server(workdir, "en", KPIKIT_LESSON_POOL="2")
    try:
        server.wait_ready(pool=2)
        for query, title, marker, ctr in (("?lang=vi", "KPI cơ bản", "Tám bước", "2,50%"),
                                          ("", "KPI basics", "The eight steps", "2.50%")):
            page = _open(browser, f"{server.base}/{query}", whole=False)
            assert page.locator("h1").first.inner_text().strip() == title
            body = page.inner_text("body")
            assert marker in body
            assert page.locator(".kpikit-playground .kpikit-ctr").first.inner_text() == ctr
            assert "import kpikit" not in body and "papermill" not in page.content()
            page.close()
        log = server.log.read_text(errors="replace")
        # both pages came from the pools, not from kernels started for the request
        assert "Using pre-heated kernel" in log and "for vi/00_kpi_basics.ipynb" in log
        assert "for en/00_kpi_basics.ipynb" in log
    finally:
        server.stop()


async def _students(base: str, n: int) -> list[dict[str, float]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            contexts = [await b.new_context(viewport={"width": 1280, "height": 900})
                        for _ in range(n)]
            pages = [await c.new_page() for c in contexts]

            async def student(page) -> dict[str, float]:
                # what the page's console said, shown if the lesson is not drawn
                console: list[str] = []
                page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
                t0 = time.perf_counter()
                await page.goto(f"{base}/", wait_until="commit", timeout=READY_S * 1000)
                await page.locator("h1").first.wait_for(timeout=READY_S * 1000)
                heading = time.perf_counter() - t0
                await page.locator(".kpikit-playground .kpikit-ctr").first.wait_for(
                    timeout=READY_S * 1000)
                widget = time.perf_counter() - t0
                try:
                    await page.locator(".kpikit-answer-0 input").first.wait_for(
                        timeout=READY_S * 1000)
                except Exception:
                    raise AssertionError(
                        f"no quiz after {time.perf_counter() - t0:.0f} s; the page said:\n"
                        + (await page.inner_text("body"))[-800:] + "\nconsole:\n"
                        + "\n".join(console[-20:])) from None
                return {"heading_s": heading, "widget_s": widget,
                        "whole_s": time.perf_counter() - t0,
                        "ctr": await page.locator(".kpikit-playground .kpikit-ctr").first
                        .inner_text()}

            return await asyncio.gather(*(student(p) for p in pages))
        finally:
            await b.close()


@pytest.mark.parametrize("pool", [10])
def test_ten_students_open_the_lesson_at_once(workdir, pool):
    n = 10
    server = Server(workdir, "vi", KPIKIT_LESSON_POOL=str(pool))
    try:
        ready = server.wait_ready(pool)
        kernels_before = _kernels_rss_mib(server.proc.pid)
        started = time.perf_counter()
        results = _in_own_thread(lambda: asyncio.run(_students(server.base, n)))
        wall = time.perf_counter() - started
        kernels_after = _kernels_rss_mib(server.proc.pid)
    finally:
        server.stop()
    assert all(r["ctr"] == "2,50%" for r in results)  # every student got a live lesson
    heading = sorted(r["heading_s"] for r in results)
    widget = sorted(r["widget_s"] for r in results)
    whole = sorted(r["whole_s"] for r in results)
    figures = {
        "students": n, "pool_size": pool, "server_ready_s": round(ready, 1),
        "first_heading_median_s": round(statistics.median(heading), 2),
        "first_heading_max_s": round(heading[-1], 2),
        "first_widget_median_s": round(statistics.median(widget), 2),
        "first_widget_max_s": round(widget[-1], 2),
        "whole_lesson_median_s": round(statistics.median(whole), 2),
        "whole_lesson_max_s": round(whole[-1], 2), "wall_s": round(wall, 2),
        "kernel_rss_mib_waiting": [round(x) for x in sorted(kernels_before)],
        "kernel_rss_mib_drawn": [round(x) for x in sorted(kernels_after)],
        "cpus": os.cpu_count(),
    }
    (ARTIFACTS / "lesson_first_render.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures))
    assert widget[-1] < TEN_STUDENTS_MAX_S, figures


#: a kernel startup file that answers the page's request for all widget states late (after
#: the 4 s the widget manager waits, jupyter-widgets/ipywidgets#3633) and notes that it did
_SLOW_STATES = """
import pathlib, time
import ipywidgets.widgets.widget as _widget

_answer = _widget.Widget._handle_control_comm_msg.__func__


def _late(cls, msg):
    time.sleep({delay})
    pathlib.Path({marker!r}).write_text("late")
    return _answer(cls, msg)


_widget.Widget._handle_control_comm_msg = classmethod(_late)
"""


def test_whole_lesson_drawn_when_the_widget_states_come_late(tmp_path, browser):
    """Under load (ten pages on two cores) the kernel's reply with every widget's state can
    come after the page stopped waiting for it; the page then fetches the widgets one by
    one. The whole lesson, quiz and last chart included, must still be drawn."""
    shutil.copy(ROOT / "notebooks" / "00_kpi_basics.ipynb", tmp_path)
    marker = tmp_path / "late.txt"
    startup = tmp_path / ".ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-late.py").write_text(_SLOW_STATES.format(delay=6, marker=str(marker)))
    server = Server(tmp_path, "vi", KPIKIT_LESSON_POOL="1")
    try:
        server.wait_ready(pool=1)
        page = _open(browser, f"{server.base}/")  # fails unless the quiz and chart are drawn
        assert page.locator(".kpikit-playground .kpikit-ctr").first.inner_text() == "2,50%"
        page.close()
    finally:
        server.stop()
    assert marker.read_text() == "late"  # the slow path was really taken


def test_a_closed_tab_does_not_keep_its_kernel(workdir, browser):
    server = Server(workdir, "vi", KPIKIT_LESSON_POOL="0", KPIKIT_LESSON_CULL="10")
    try:
        server.wait_ready(pool=0)
        assert _kernels_rss_mib(server.proc.pid) == []
        page = _open(browser, f"{server.base}/")
        assert len(_kernels_rss_mib(server.proc.pid)) == 1  # the student's kernel
        page.close()
        deadline = time.time() + READY_S
        while _kernels_rss_mib(server.proc.pid) and time.time() < deadline:
            time.sleep(1)
        # stopped within the idle timeout plus a cull interval, not at the server's end
        assert _kernels_rss_mib(server.proc.pid) == [], server.log.read_text()[-2000:]
        assert "Culling 'idle' kernel" in server.log.read_text()
    finally:
        server.stop()


def _in_own_thread(call):
    """Run ``call`` in a thread of its own: a sync Playwright browser of another test in
    this session keeps an event loop running in the main thread, where asyncio.run fails."""
    import threading

    out: dict = {}

    def target() -> None:
        try:
            out["value"] = call()
        except BaseException as e:  # noqa: BLE001 - handed back to the test's thread
            out["error"] = e

    t = threading.Thread(target=target, name="students")
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]
