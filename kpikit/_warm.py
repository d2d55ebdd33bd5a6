"""Warm, single-use kernels for batch runs.

A plain kernel pays for its start-up on every run: a new Python, ipykernel, then pandas,
plotly, scipy and kpikit imported by the notebook's first cell, and the first call of each
pandas/plotly path. Here one *warm parent* pays that once: it imports everything, loads the
batch's data files, runs a throw-away evaluation of the bundled sample (no campaign's data),
then forks one fresh kernel per run on request. Each kernel is a new process that serves a
single notebook and exits, so nothing a run does (globals, module attributes, environment,
working folder, caches) can reach another run; the parent itself never runs notebook code.

Jupyter launches ``_warmclient.py`` as the kernel command; it relays the request over a
Unix socket (see that file). POSIX only: where ``os.fork`` is missing, batch uses plain
kernels.

    python -m kpikit._warm SOCKET [DATA_FILE ...]
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import warnings
from pathlib import Path

CLIENT = Path(__file__).with_name("_warmclient.py")


def available() -> bool:
    """Whether warm kernels can run here (they need ``fork`` and Unix sockets)."""
    return hasattr(os, "fork") and hasattr(socket, "AF_UNIX")


def kernel_command(sock: str, connection_file: str) -> list[str]:
    """The kernel command line Jupyter runs for a warm kernel."""
    return [sys.executable, "-I", "-S", str(CLIENT), sock, "-f", connection_file]


def _warm_up(data_files: list[str]) -> None:
    """Import what notebooks use, load the batch's data, exercise the hot paths once."""
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import ipywidgets  # noqa: F401
    import nbformat  # noqa: F401  (plotly's renderers import it: seconds)
    import plotly.graph_objects  # noqa: F401
    import plotly.io as pio
    import scipy.stats  # noqa: F401

    import kpikit
    from kpikit import charts, goals, optimize, widgets  # noqa: F401
    from kpikit import notebook as nb
    from kpikit.evaluate import evaluate
    from kpikit.io import preload
    from kpikit.plan import Plan

    for f in data_files:
        try:
            preload(f)
        except Exception:  # the run itself will report a bad file, with its message
            pass
    sample = kpikit.load_sample()
    plan = Plan.from_yaml(nb.bundled_plan())
    ev = evaluate(sample, plan, as_of=plan.period[0], lang="en")
    for fig in nb.evaluation_figures(sample, ev, lang="en").values():
        pio.to_json(fig)
    pio.renderers["notebook"]  # noqa: B018  (builds the renderer registry; not activated)


def _lifeline(conn: socket.socket) -> None:
    """Exit when the stand-in process (Jupyter's handle on this kernel) goes away."""
    try:
        while conn.recv(64):
            pass
    except OSError:
        pass
    os._exit(1)


def _kernel(conn: socket.socket, request: dict) -> None:
    """In the forked child: become a fresh ipykernel for one notebook."""
    code = 0
    try:
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        threading.Thread(target=_lifeline, args=(conn,), daemon=True).start()
        from ipykernel.kernelapp import IPKernelApp

        sys.argv = ["ipykernel_launcher", *request["argv"]]
        IPKernelApp.launch_instance(argv=request["argv"])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def serve(sock: str, data_files: list[str]) -> None:
    """Warm up, then fork a kernel for each request on ``sock`` until terminated.

    Exits too when the process that started it has gone (a killed batch).
    """
    parent = os.getppid()
    try:
        _warm_up(data_files)
    except Exception:
        import traceback

        Path(sock + ".failed").write_text(traceback.format_exc(), encoding="utf-8")
        raise
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped automatically
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmp = sock + ".tmp"
    listener.bind(tmp)
    listener.listen(64)
    os.rename(tmp, sock)  # clients see the socket only once it accepts
    listener.settimeout(1.0)
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                if os.getppid() != parent:  # the batch is gone: so are we
                    return
                continue
            conn.settimeout(None)
            try:
                request = json.loads(conn.makefile("rb").readline())
            except ValueError:
                conn.close()
                continue
            with warnings.catch_warnings():  # forking with BLAS threads idle is safe here
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:
                listener.close()
                _kernel(conn, request)
            conn.sendall(f"{pid}\n".encode())
            conn.close()
    finally:
        listener.close()
        for p in (sock, tmp):
            try:
                os.unlink(p)
            except OSError:
                pass


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
