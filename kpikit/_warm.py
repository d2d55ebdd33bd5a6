"""Warm, single-use run processes for batch runs.

A fresh Python pays for its start-up on every run: the interpreter, then pandas, plotly,
scipy, IPython, nbconvert and kpikit, and the first call of each pandas/plotly path. Here
one *warm parent* pays that once: it imports everything, loads the batch's data files,
runs a throw-away evaluation of the bundled sample (no campaign's data) and builds the
report exporter, then forks one fresh process per run on request. Each child serves a
single notebook (:mod:`kpikit._runner`) and exits, so nothing a run does (globals, module
attributes, environment, working folder, caches) can reach another run. The parent never
runs a campaign's notebook: it only rehearses kpikit's own notebooks once on the bundled
sample, in a scratch namespace (:func:`_rehearse`).

The batch talks to the parent over a socket it inherits (no file on disk): each request is
one descriptor, the run's own socket, passed with ``SCM_RIGHTS``. The parent exits when the
batch's end closes, and on Linux the kernel kills it with the batch (``PR_SET_PDEATHSIG``);
each child is tied to the parent the same way and also watches its run socket. POSIX only:
where ``fork`` or descriptor passing is missing, batch runs start cold.

    python -m kpikit._warm FD BATCH_PID NOTEBOOK,... SCRATCH_FOLDER [DATA_FILE ...]
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import sys
import threading
import time
import warnings
from pathlib import Path

_PROCESS_LOCK = threading.Lock()


def available() -> bool:
    """Whether warm runs work here (``fork`` and descriptor passing over Unix sockets)."""
    return (hasattr(os, "fork") and hasattr(socket, "AF_UNIX")
            and hasattr(socket, "recv_fds"))


def _warm_up(data_files: list[str]) -> None:
    """Import what notebooks use, load the batch's data."""
    import IPython.core.interactiveshell  # noqa: F401
    import ipywidgets  # noqa: F401
    import nbformat  # noqa: F401  (plotly's renderers import it: seconds)
    import plotly.graph_objects  # noqa: F401
    import plotly.io as pio
    import scipy.stats  # noqa: F401

    from kpikit import batch, charts, goals, optimize, widgets  # noqa: F401
    from kpikit.io import preload

    for f in data_files:
        try:
            preload(f)
        except Exception:  # the run itself will report a bad file, with its message
            pass
    pio.renderers["notebook"]  # noqa: B018  (builds the renderer registry; not activated)
    batch._html_exporter()  # compiles the report templates once, for every child
    batch._plotlyjs_script()


def _exercise() -> None:
    """Without a kpikit notebook to rehearse: exercise the evaluation's paths once."""
    import plotly.io as pio

    import kpikit
    from kpikit.evaluate import evaluate
    from kpikit.plan import Plan
    from kpikit.runs.params import bundled_plan
    from kpikit.views.notebook_tables import evaluation_figures

    sample = kpikit.load_sample()
    plan = Plan.from_yaml(bundled_plan())
    ev = evaluate(sample, plan, as_of=plan.period[0], lang="en")
    for fig in evaluation_figures(sample, ev, lang="en").values():
        pio.to_json(fig)


def _reap(children: dict[int, tuple[int | None, str]]) -> None:
    """Kill the run processes still alive and remove their temporary folders (the batch is
    gone: nobody will move them into place)."""
    import select
    import shutil

    from ._runner import kill_group

    for pid, (pidfd, _) in children.items():
        try:
            if pidfd is not None:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        kill_group(pid)  # and what its notebook started
    for _pid, (pidfd, folder) in children.items():
        if pidfd is not None:  # readable once the process has exited
            select.select([pidfd], [], [], 5.0)
            os.close(pidfd)
        if folder and ".tmp-" in os.path.basename(folder):
            shutil.rmtree(folder, ignore_errors=True)


# what this parent must clean up if the batch dies: its rehearsal folder, and its run
# processes (pid: (pidfd, temporary folder))
_LEFT: dict = {"rehearsal": None, "children": {}}


def _stop(*_: object) -> None:
    """SIGTERM (the batch died): kill the runs, remove their folders, exit. Done here in the
    handler, not by unwinding: an exception raised inside a finaliser would be ignored."""
    import shutil

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _reap(_LEFT["children"])
    if _LEFT["rehearsal"]:
        shutil.rmtree(_LEFT["rehearsal"], ignore_errors=True)
    os._exit(0)


def _rehearse(notebooks: list[str], scratch: str = "") -> int:
    """Run the batch's kpikit notebooks once on the bundled sample, in a scratch namespace
    and a scratch folder, and export their report: the first call of every path they take
    (pandas, plotly, the report templates) is then paid here once, not in every run.

    Not a run: the notebooks shipped with kpikit (never the copies in
    ``$KPIKIT_NOTEBOOK_DIR``, which may be anyone's code) on its own sample data, no
    campaign's data; the namespace, outputs and folder are thrown away and the environment
    restored. The shell the runs get is not touched (its namespace stays empty).
    """
    import shutil
    import tempfile

    import nbformat

    from . import _runner, batch
    from .batch import export_html
    from .runs.params import NOTEBOOKS

    shipped = batch.NOTEBOOK_DIR
    if not shipped.is_dir():  # installed from a wheel
        from importlib import resources

        shipped = Path(str(resources.files("kpikit.notebooks")))

    env, cwd = dict(os.environ), os.getcwd()
    real = sys.stdout, sys.stderr
    done = 0
    # the PID in the name lets the next batch remove it if this process is SIGKILLed
    # in the batch's output folder when there is one (a batch killed with its whole process
    # group leaves it there, hidden, for the next batch to remove; nothing in /tmp), and
    # with the PID in the name, so that a stale one can be told from a live one
    folder = tempfile.mkdtemp(prefix=f".kpikit-rehearsal-{os.getpid()}-",
                              dir=scratch if scratch and os.path.isdir(scratch) else None)
    _LEFT["rehearsal"] = folder
    try:
        os.environ.update(KPIKIT_STATIC="1", KPIKIT_BATCH="1")
        os.chdir(folder)
        for name in notebooks:
            if name not in NOTEBOOKS or not (shipped / f"{name}.ipynb").is_file():
                continue
            try:
                nb = nbformat.read(shipped / f"{name}.ipynb", as_version=4)
                namespace: dict = {"__name__": "__main__"}
                sys.stdout, sys.stderr = _runner._Capture("stdout"), _runner._Capture("stderr")
                for cell in nb.cells:
                    if cell.cell_type != "code":
                        continue
                    _runner._Sink.outputs = []
                    exec(compile(cell.source, name, "exec"), namespace)  # noqa: S102
                    cell.outputs = [nbformat.from_dict(_runner._clean_output(o))
                                    for o in _runner._Sink.outputs]
                sys.stdout, sys.stderr = real
                export_html(nb, Path(folder) / "report.html", name, "en")
                done += 1
            except Exception:  # a rehearsal that fails only leaves that path cold
                pass
            finally:
                sys.stdout, sys.stderr = real
    finally:
        _runner._Sink.outputs = []
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        shutil.rmtree(folder, ignore_errors=True)
        _LEFT["rehearsal"] = None
    return done


def serve(ctl: socket.socket, data_files: list[str], notebooks: list[str],
          scratch: str = "") -> None:
    """Warm up, say ``ready``, then fork a run process per descriptor received on ``ctl``
    until the batch closes it (or dies: then the runs still going are killed and their
    temporary folders removed)."""
    import json

    from . import _runner

    signal.signal(signal.SIGTERM, _stop)  # PR_SET_PDEATHSIG: the batch died
    children: dict[int, tuple[int | None, str]] = _LEFT["children"]
    try:
        try:
            _warm_up(data_files)
            shell = _runner.make_shell()  # fresh in every child: it runs no code here
            if not _rehearse(notebooks, scratch):
                _exercise()
            gc.collect()
            gc.freeze()  # the children's collections then leave the parent's pages shared
        except Exception:
            import traceback

            traceback.print_exc()
            _runner.send(ctl, {"ready": False})
            return
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
        _runner.send(ctl, {"ready": True})
        while True:
            try:
                msg, fds, _, _ = socket.recv_fds(ctl, 65536, 1)
            except OSError:
                return
            if not msg:  # the batch closed its end (done, or died)
                return
            if not fds:
                continue
            folder = json.loads(msg).get("folder", "")
            started, me = time.perf_counter(), os.getpid()
            try:
                with warnings.catch_warnings():  # forking with BLAS threads idle is safe
                    warnings.simplefilter("ignore", DeprecationWarning)
                    pid = os.fork()
            except OSError:  # out of processes or memory: this run's start fails (the
                os.close(fds[0])  # batch retries it cold); the others go on
                continue
            if pid == 0:
                try:
                    ctl.close()  # else the batch would not see this parent die
                    os.setpgid(0, 0)  # its own group: killed as one, with what it starts
                    _runner.die_with_parent(me)
                    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
                        signal.signal(sig, signal.SIG_DFL)
                    signal.signal(signal.SIGINT, signal.default_int_handler)
                    _runner.child(socket.socket(fileno=fds[0]), shell, started)
                finally:
                    os._exit(1)
            os.close(fds[0])
            try:
                pidfd: int | None = os.pidfd_open(pid)
            except (AttributeError, OSError):
                pidfd = None
            # forget the runs that have ended, so the table stays small
            for old in [p for p, (fd, _) in children.items() if _ended(p, fd)]:
                fd = children.pop(old)[0]
                if fd is not None:
                    os.close(fd)
            children[pid] = (pidfd, folder)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _reap(children)


def _ended(pid: int, pidfd: int | None) -> bool:
    if pidfd is not None:
        import select

        return bool(select.select([pidfd], [], [], 0)[0])
    try:
        os.kill(pid, 0)
    except OSError:
        return True
    return False


class WarmParent:
    """The batch's handle on a warm parent: start it, wait until it is ready, ask it for
    run processes, stop it. Safe to share between threads."""

    def __init__(self, data_files: list[str], notebooks: list[str] | None = None,
                 scratch: str | os.PathLike[str] | None = None,
                 ready_timeout: float = 120.0) -> None:
        import subprocess
        import tempfile
        import threading

        self.ready_timeout = ready_timeout
        self._lock = threading.Lock()
        self._ready: bool | None = None
        ours, theirs = socket.socketpair()
        # its log is an unlinked file: nothing left on disk whatever happens to the batch
        self._log = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kpikit._warm", str(theirs.fileno()), str(os.getpid()),
                 ",".join(notebooks or []), str(scratch or ""), *data_files],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=self._log,
                stderr=self._log)
        finally:
            theirs.close()
        self.ctl = ours

    def ready(self) -> bool:
        """Block until the parent has warmed up; False if it failed or took too long."""
        from ._runner import Lines

        with self._lock:
            if self._ready is None:
                try:
                    msg = Lines(self.ctl).read(self.ready_timeout)
                except (TimeoutError, ValueError):
                    msg = None
                self._ready = bool(msg and msg.get("ready"))
                if not self._ready:
                    self._shutdown()
            return self._ready

    def log(self) -> str:
        """The end of the parent's output (why it failed)."""
        try:
            self._log.seek(0)
            return self._log.read()[-3000:].decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def spawn(self, folder: str) -> socket.socket | None:
        """A new run process's socket, or None when the parent is gone."""
        import json

        if not self.ready():
            return None
        ours, theirs = socket.socketpair()
        try:
            with self._lock:
                socket.send_fds(self.ctl, [json.dumps({"folder": folder}).encode()],
                                [theirs.fileno()])
        except OSError:
            ours.close()
            return None
        finally:
            theirs.close()
        return ours

    def _shutdown(self) -> None:
        import subprocess

        try:
            self.ctl.close()  # the parent's cue to exit
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def close(self) -> None:
        """Stop the parent (runs are finished by now) and free its log."""
        with self._lock:
            self._ready = False
            self._shutdown()
        self._log.close()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and self._ready is not False


_PROCESS_WARM: list[WarmParent] = []


def process_parent(data_files: list[str] | None = None,
                   notebooks: list[str] | None = None) -> WarmParent | None:
    """One warm parent for this process (a Dask worker), kept for its lifetime; the first
    call's data files are preloaded and its notebooks rehearsed.

    Started from a thread that lives as long as the process: ``PR_SET_PDEATHSIG`` fires
    when the *thread* that started a child ends, and a worker's task threads may end.
    """
    import threading

    if not available() or os.environ.get("KPIKIT_WARM", "1") == "0":
        return None
    with _PROCESS_LOCK:
        if not _PROCESS_WARM or not _PROCESS_WARM[0].alive:
            box: list[WarmParent] = []
            made = threading.Event()

            def hold() -> None:
                try:
                    box.append(WarmParent(list(data_files or []), list(notebooks or [])))
                finally:
                    made.set()
                if box:
                    box[0].proc.wait()

            threading.Thread(target=hold, name="kpikit-warm", daemon=True).start()
            made.wait()
            if not box:
                return None
            _PROCESS_WARM[:] = box
        parent = _PROCESS_WARM[0]
    return parent if parent.ready() else None


def main(argv: list[str]) -> None:
    from . import _runner

    fd, batch_pid = int(argv[0]), int(argv[1])
    # SIGTERM, not SIGKILL: the parent still kills its runs and removes their folders
    _runner.die_with_parent(batch_pid, signal.SIGTERM)
    notebooks = [n for n in argv[2].split(",") if n]
    serve(socket.socket(fileno=fd), argv[4:], notebooks, argv[3])


if __name__ == "__main__":
    main(sys.argv[1:])
