"""A run process: serve one notebook, then exit.

The process is either forked from a warm parent (:mod:`.warm_parent`: everything is
imported already) or started cold by the caller's entry module. It executes the notebook
in its temporary folder (the working folder), saves ``executed.ipynb``, then calls the
caller's ``finish(nb, folder, request)`` (for a batch: the report and ``results.json``),
and reports to the batch over its socket (:mod:`.wire`).

The run dies with the batch: ``PR_SET_PDEATHSIG`` on Linux, and everywhere a watchdog
thread that exits when the batch's end of the socket closes. The batch stops a run that
overruns its timeout by killing its process; the last ``cell`` line says where it hung.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kpikit.runs.kernels.shell import execute, make_shell, parameterize
from kpikit.runs.kernels.wire import Lines, die_with_parent, send

#: what a run does after its notebook, in its folder: ``finish(nb, folder, request)``
#: returns the seconds of its steps (``{"export": 0.4, "write": 0.01}``)
Finish = Callable[[Any, Path, dict[str, Any]], dict[str, float]]

_FINISHED = threading.Event()


def _watchdog(sock: socket.socket, folder: str) -> None:
    """Exit as soon as the batch's end closes: the batch died (then nobody will move the
    run's temporary folder into place, so it goes) or gave up on this run."""
    try:
        while sock.recv(64):
            pass
    except OSError:
        pass
    if not _FINISHED.is_set() and ".tmp-" in Path(folder).name:
        _abandon(folder)
    os._exit(1)


def _abandon(folder: str) -> None:
    """The batch died: remove the run's folder, then end the run's process group."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    if os.getpgrp() == os.getpid():  # the group this run leads: it and its children
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(1)


def run_notebook(request: dict[str, Any], shell: Any, report: Any,
                 finish: Finish) -> dict[str, Any]:
    """Execute, save and finish one run inside its temporary folder (the cwd)."""
    import nbformat

    from kpikit.files import atomic_write_text

    timings: dict[str, float] = {}
    t = time.perf_counter()
    nb = nbformat.read(request["notebook"], as_version=4)
    parameterize(nb, request["parameters"])
    timings["start"] = round(request.get("start_seconds", 0.0) + time.perf_counter() - t, 3)
    t = time.perf_counter()
    status, error = execute(nb, shell, report)
    timings["execute"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    folder = Path.cwd()
    atomic_write_text(folder / "executed.ipynb", nbformat.writes(nb))
    saved = time.perf_counter() - t
    steps = finish(nb, folder, request)
    # saving the executed notebook counts with the export, as it always has
    timings.update({k: round(v + (saved if k == "export" else 0.0), 3)
                    for k, v in steps.items()})
    cpu = os.times()  # a forked or new process counts from zero: this run's CPU time
    timings["cpu"] = round(cpu.user + cpu.system, 3)
    return {"status": status, "error": error, "timings": timings}


def child(sock: socket.socket, finish: Finish, shell: Any = None,
          started: float | None = None) -> None:
    """Serve one run on ``sock`` in this (new) process, then exit."""
    code = 0
    try:
        t0 = time.perf_counter() if started is None else started
        send(sock, {"pid": os.getpid()})
        lines = Lines(sock)
        request = lines.read(None)
        if request is None:
            os._exit(1)
        sock.settimeout(None)
        threading.Thread(target=_watchdog, args=(sock, request["folder"]),
                         daemon=True).start()
        if ".tmp-" in Path(request["folder"]).name:
            # a cold run whose batch died gets SIGTERM (PR_SET_PDEATHSIG): nobody will
            # move its temporary folder into place, so it goes
            signal.signal(signal.SIGTERM, lambda *_: _abandon(request["folder"]))
        os.chdir(request["folder"])
        os.environ.clear()
        os.environ.update(request["env"])
        if shell is None:
            shell = make_shell()
        request["start_seconds"] = time.perf_counter() - t0

        def report(i: int, cell: Any, nb: Any) -> None:
            first = next((s for s in cell.source.splitlines() if s.strip()), "")
            # number the cell as in the notebook the user has (without papermill's one)
            injected = sum(1 for c in nb.cells[:i]
                           if "injected-parameters" in c.metadata.get("tags", []))
            send(sock, {"cell": i + 1 - injected, "line": first[:120]})

        try:
            done = run_notebook(request, shell, report, finish)
        except BaseException as e:  # noqa: BLE001 - reported to the batch, never raised
            import traceback

            done = {"status": "failed", "error": f"{type(e).__name__}: {e}",
                    "traceback": traceback.format_exc()[-4000:]}
        _FINISHED.set()  # from here on the batch owns the folder
        send(sock, {"done": True, **done})
    except BaseException:  # noqa: BLE001 - the batch sees the end of file
        code = 1
    finally:
        for stream in (sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def cold_main(argv: list[str], finish: Finish) -> None:
    """A cold run process: ``argv`` is ``FD PARENT_PID`` (see :func:`.driver.cold`)."""
    started = time.perf_counter()
    fd, parent = int(argv[0]), int(argv[1])
    die_with_parent(parent, signal.SIGTERM)
    child(socket.socket(fileno=fd), finish, None, started)
