"""The batch's run processes: what they load, what a run writes after its notebook, and
the command lines that start them (:mod:`kpikit.runs.kernels` runs them, knowing nothing
of batches).

    python -m kpikit.runs.batch run FD PARENT_PID
    python -m kpikit.runs.batch warm FD BATCH_PID NOTEBOOK,... SCRATCH [DATA ...]

(``-m kpikit.runs.batch`` runs ``__main__.py``, which calls :func:`main`.)
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kpikit.runs.batch import report
from kpikit.runs.kernels import child, warm_parent

_ENTRY = (sys.executable, "-m", "kpikit.runs.batch")
#: starts a cold run process (the kernels add the socket's descriptor and the PID)
COLD_COMMAND = (*_ENTRY, "run")


def finish_run(nb: Any, folder: Path, request: dict[str, Any]) -> dict[str, float]:
    """After the notebook, in the run's folder: the report, ``results.json`` next to it,
    and the figure pages pointed at the batch's one plotly.js. Returns seconds per step."""
    from kpikit.files import atomic_write_text

    t = time.perf_counter()
    report.export_html(nb, folder / "report.html", request["title"], request["lang"])
    steps = {"export": time.perf_counter() - t}
    t = time.perf_counter()
    results = folder / "outputs" / "results.json"
    if results.exists():
        atomic_write_text(folder / "results.json", results.read_text(encoding="utf-8"))
    if request.get("shared_js"):
        report.share_plotlyjs(folder / "outputs", Path(request["shared_js"]),
                              Path(request["final"]))
    steps["write"] = time.perf_counter() - t
    return steps


def start_warm_parent(data_files: Sequence[str], notebooks: Sequence[str],
                      scratch: str | os.PathLike[str] | None = None,
                      per_process: bool = False) -> warm_parent.WarmParent | None:
    """A warm parent that preloads ``data_files`` and rehearses ``notebooks`` (their
    rehearsal folder in ``scratch``); ``per_process``: this process's one (a Dask worker's).
    None where warm runs are unavailable or switched off (``KPIKIT_WARM=0``)."""
    if not warm_parent.switched_on():
        return None
    args = [",".join(notebooks), str(scratch or ""), *data_files]
    if per_process:
        return warm_parent.process_parent((*_ENTRY, "warm"), args)
    return warm_parent.WarmParent((*_ENTRY, "warm"), args)


def _shipped_notebooks(names: Sequence[str]) -> list[Path]:
    """kpikit's own notebooks among ``names``: those shipped with the package, never the
    copies in ``$KPIKIT_NOTEBOOK_DIR`` (which may be anyone's code)."""
    from kpikit.runs.params import NOTEBOOK_DIR, NOTEBOOKS

    shipped = NOTEBOOK_DIR
    if not shipped.is_dir():  # installed from a wheel
        from importlib import resources

        shipped = Path(str(resources.files("kpikit.notebooks")))
    return [shipped / f"{n}.ipynb" for n in names
            if n in NOTEBOOKS and (shipped / f"{n}.ipynb").is_file()]


def _exercise() -> None:
    """Without a kpikit notebook to rehearse: exercise the evaluation's paths once."""
    import plotly.io as pio

    from kpikit.analysis.evaluate import evaluate
    from kpikit.data_in.sample import load_sample
    from kpikit.plans import Plan
    from kpikit.runs.params import bundled_plan
    from kpikit.views.notebook_tables import evaluation_figures

    sample = load_sample()
    plan = Plan.from_yaml(bundled_plan())
    ev = evaluate(sample, plan, as_of=plan.period[0], lang="en")
    for fig in evaluation_figures(sample, ev, lang="en").values():
        pio.to_json(fig)


def _prepare(data_files: list[str], notebooks: list[str], scratch: str) -> None:
    """The warm parent's start: import what notebooks use, load the batch's data, build
    the report exporter, rehearse the notebooks on the bundled sample."""
    import IPython.core.interactiveshell  # noqa: F401
    import ipywidgets  # noqa: F401
    import nbformat  # noqa: F401  (plotly's renderers import it: seconds)
    import plotly.graph_objects  # noqa: F401
    import plotly.io as pio
    import scipy.stats  # noqa: F401

    from kpikit import plans  # noqa: F401
    from kpikit.analysis import optimize  # noqa: F401
    from kpikit.data_in.load import preload

    for f in data_files:
        try:
            preload(f)
        except Exception:  # the run itself will report a bad file, with its message
            pass
    pio.renderers["notebook"]  # noqa: B018  (builds the renderer registry; not activated)
    report.warm_up()  # compiles the report templates once, for every child

    def export(nb: Any, target: Path, name: str) -> None:
        report.export_html(nb, target, name, "en")

    if not warm_parent.rehearse(_shipped_notebooks(notebooks), scratch, export):
        _exercise()


def main(argv: list[str]) -> None:
    """``run FD PARENT_PID`` (a cold run) or ``warm FD BATCH_PID NOTEBOOKS SCRATCH DATA...``."""
    if argv[0] == "run":
        child.cold_main(argv[1:], finish_run)
        return
    fd, batch_pid = int(argv[1]), int(argv[2])
    notebooks = [n for n in argv[3].split(",") if n]
    scratch, data = argv[4], argv[5:]
    warm_parent.warm_main(fd, batch_pid, lambda: _prepare(data, notebooks, scratch),
                          finish_run)


def _stale_warm_folders() -> None:
    """Remove what killed warm parents left in the temporary folder: ``kpikit-warm-*``
    (older versions; no parent listens on their socket any more) and
    ``.kpikit-rehearsal-PID-*`` (Dask workers' parents) whose process is gone."""
    import shutil
    import socket
    import tempfile

    root = Path(tempfile.gettempdir())
    for folder in root.glob("kpikit-warm-*"):
        sock = folder / "parent.sock"
        try:
            st = folder.stat()
            # a young one may belong to a batch still warming up (no socket yet)
            if st.st_uid != os.getuid() or time.time() - st.st_mtime < 600:
                continue
            if sock.exists():
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(1.0)
                    s.connect(str(sock))
                continue  # a live parent of a running batch
        except (OSError, AttributeError):
            pass
        shutil.rmtree(folder, ignore_errors=True)
    for folder in root.glob(".kpikit-rehearsal-*-*"):
        try:
            pid = int(folder.name.split("-")[2])
            if folder.stat().st_uid != os.getuid():
                continue
            os.kill(pid, 0)
            continue  # its parent is still warming up
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError, AttributeError):
            continue


def clean_leftovers(root: Path) -> None:
    """Remove what a killed batch left behind: its runs' temporary and replaced folders,
    and Jupyter's ``kernel-ipc-*`` socket files that older versions left in run folders.

    Call it only while holding the folder's lock (:func:`kpikit.runs.lock.folder_lock`): the
    temporary folders of a running batch look just the same.
    """
    import shutil

    if root.exists():
        for pattern in ("*/.*.tmp-*", "*/.*.old-*", ".kpikit-rehearsal-*"):
            for p in root.glob(pattern):
                shutil.rmtree(p, ignore_errors=True)
        for p in root.glob("*/*/kernel-ipc-*"):
            try:
                p.unlink()
            except OSError:
                pass
    _stale_warm_folders()
