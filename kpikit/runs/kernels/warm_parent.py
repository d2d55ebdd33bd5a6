"""Warm, single-use run processes.

A fresh Python pays for its start-up on every run: the interpreter, then pandas, plotly,
scipy, IPython, nbconvert and kpikit, and the first call of each pandas/plotly path. Here
one *warm parent* pays that once (the caller's ``prepare``: imports, data files, a
rehearsal of its notebooks on sample data, see :func:`rehearse`), then forks one fresh
process per run on request. Each child serves a single notebook (:mod:`.child`) and
exits, so nothing a run does (globals, module attributes, environment, working folder,
caches) can reach another run. The parent never runs a campaign's notebook.

The batch talks to the parent over a socket it inherits (no file on disk): each request is
one descriptor, the run's own socket, passed with ``SCM_RIGHTS``. The parent exits when the
batch's end closes, and on Linux the kernel kills it with the batch (``PR_SET_PDEATHSIG``);
each child is tied to the parent the same way and also watches its run socket. POSIX only:
where ``fork`` or descriptor passing is missing, runs start cold.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kpikit.runs.kernels.child import Finish, child
from kpikit.runs.kernels.shell import execute_plain, make_shell
from kpikit.runs.kernels.wire import Lines, die_with_parent, kill_group, send

_PROCESS_LOCK = threading.Lock()


def available() -> bool:
    """Whether warm runs work here (``fork`` and descriptor passing over Unix sockets)."""
    return (hasattr(os, "fork") and hasattr(socket, "AF_UNIX")
            and hasattr(socket, "recv_fds"))


def switched_on() -> bool:
    """Warm runs are available and not switched off (``KPIKIT_WARM=0``)."""
    return available() and os.environ.get("KPIKIT_WARM", "1") != "0"


def _reap(children: dict[int, tuple[int | None, str]]) -> None:
    """Kill the run processes still alive and remove their temporary folders (the batch is
    gone: nobody will move them into place)."""
    import select
    import shutil

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


def rehearse(notebooks: Sequence[Path], scratch: str,
             export: Callable[[Any, Path, str], None]) -> int:
    """Run ``notebooks`` once each in a scratch namespace and a scratch folder and
    ``export(nb, target, name)`` them: the first call of every path they take (pandas,
    plotly, the report templates) is then paid here once, not in every run.

    Give it trusted notebooks on sample data only (the caller's own, never a campaign's).
    The namespace, outputs and folder are thrown away and the environment restored; the
    shell the runs get is not touched. Returns how many rehearsals succeeded.
    """
    import shutil
    import tempfile

    import nbformat

    env, cwd = dict(os.environ), os.getcwd()
    done = 0
    # in the batch's output folder when there is one (a batch killed with its whole process
    # group leaves it there, hidden, for the next batch to remove; nothing in /tmp), and
    # with the PID in the name, so that a stale one can be told from a live one
    folder = tempfile.mkdtemp(prefix=f".kpikit-rehearsal-{os.getpid()}-",
                              dir=scratch if scratch and os.path.isdir(scratch) else None)
    _LEFT["rehearsal"] = folder
    try:
        os.environ.update(KPIKIT_STATIC="1", KPIKIT_BATCH="1")
        os.chdir(folder)
        for path in notebooks:
            try:
                nb = nbformat.read(path, as_version=4)
                execute_plain(nb, path.stem, {"__name__": "__main__"})
                export(nb, Path(folder) / "report.html", path.stem)
                done += 1
            except Exception:  # a rehearsal that fails only leaves that path cold
                pass
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        shutil.rmtree(folder, ignore_errors=True)
        _LEFT["rehearsal"] = None
    return done


def serve(ctl: socket.socket, prepare: Callable[[], None], finish: Finish) -> None:
    """``prepare()``, say ``ready``, then fork a run process per descriptor received on
    ``ctl`` until the batch closes it (or dies: then the runs still going are killed and
    their temporary folders removed). Each run ends with ``finish`` (:mod:`.child`)."""
    import json

    signal.signal(signal.SIGTERM, _stop)  # PR_SET_PDEATHSIG: the batch died
    children: dict[int, tuple[int | None, str]] = _LEFT["children"]
    try:
        try:
            # made first: displays while preparing take the same paths as in a run; it
            # runs no code here, so it is fresh in every child
            shell = make_shell()
            prepare()
            gc.collect()
            gc.freeze()  # the children's collections then leave the parent's pages shared
        except Exception:
            import traceback

            traceback.print_exc()
            send(ctl, {"ready": False})
            return
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
        send(ctl, {"ready": True})
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
                    die_with_parent(me)
                    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
                        signal.signal(sig, signal.SIG_DFL)
                    signal.signal(signal.SIGINT, signal.default_int_handler)
                    child(socket.socket(fileno=fds[0]), finish, shell, started)
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


def warm_main(fd: int, batch_pid: int, prepare: Callable[[], None], finish: Finish) -> None:
    """The warm parent's process: serve on descriptor ``fd`` for the batch ``batch_pid``."""
    # SIGTERM, not SIGKILL: the parent still kills its runs and removes their folders
    die_with_parent(batch_pid, signal.SIGTERM)
    serve(socket.socket(fileno=fd), prepare, finish)


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
    run processes, stop it. Safe to share between threads.

    ``command`` starts the parent's process; it is given two more arguments, the
    descriptor of its socket and this process's PID, then ``args`` (see :func:`warm_main`).
    """

    def __init__(self, command: Sequence[str], args: Sequence[str] = (),
                 ready_timeout: float = 120.0) -> None:
        import subprocess
        import tempfile

        self.ready_timeout = ready_timeout
        self._lock = threading.Lock()
        self._ready: bool | None = None
        ours, theirs = socket.socketpair()
        # its log is an unlinked file: nothing left on disk whatever happens to the batch
        self._log = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                [*command, str(theirs.fileno()), str(os.getpid()), *args],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=self._log,
                stderr=self._log)
        finally:
            theirs.close()
        self.ctl = ours

    def ready(self) -> bool:
        """Block until the parent has warmed up; False if it failed or took too long."""
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


def process_parent(command: Sequence[str], args: Sequence[str] = ()) -> WarmParent | None:
    """One warm parent for this process (a Dask worker), kept for its lifetime; the first
    call's ``command`` and ``args`` start it (:class:`WarmParent`).

    Started from a thread that lives as long as the process: ``PR_SET_PDEATHSIG`` fires
    when the *thread* that started a child ends, and a worker's task threads may end.
    """
    if not switched_on():
        return None
    with _PROCESS_LOCK:
        if not _PROCESS_WARM or not _PROCESS_WARM[0].alive:
            box: list[WarmParent] = []
            made = threading.Event()

            def hold() -> None:
                try:
                    box.append(WarmParent(command, args))
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

