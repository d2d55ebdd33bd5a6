"""The batch's side of a run process: start it (forked warm, else cold), follow it, kill it.

A run that overruns its timeout is killed with its whole process group; the last ``cell``
line it sent says where it hung. A process that does not start is tried once more, cold.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from kpikit.i18n.lang import tr
from kpikit.runs.kernels.wire import Lines, kill_group, send

_LIVE: set[Proc] = set()
_LIVE_LOCK = threading.Lock()


def kill_all() -> None:
    """Kill every run process this process is following (the batch was interrupted)."""
    with _LIVE_LOCK:
        procs = list(_LIVE)
    for proc in procs:
        proc.kill()


class Proc:
    """A run process as the batch sees it: its socket, and how to kill it."""

    def __init__(self, sock: socket.socket, popen: Any = None, log: Any = None) -> None:
        self.sock, self.popen, self.log = sock, popen, log
        self.pid: int | None = None
        self.pidfd: int | None = None
        with _LIVE_LOCK:
            _LIVE.add(self)

    def started(self, pid: int) -> None:
        self.pid = pid
        if self.popen is None:
            try:  # a pidfd cannot hit another process if this one ends and its pid is reused
                self.pidfd = os.pidfd_open(pid)
            except (AttributeError, OSError):
                self.pidfd = None

    def kill(self) -> None:
        """SIGKILL the run process and wait (5 s at most) until it is gone."""
        import select

        try:
            if self.popen is not None:
                self.popen.kill()
                self.popen.wait(5)
            elif self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
                select.select([self.pidfd], [], [], 5.0)
            elif self.pid is not None:
                os.kill(self.pid, signal.SIGKILL)
        except (OSError, Exception):  # noqa: BLE001 - already gone
            pass
        kill_group(self.leader)

    @property
    def leader(self) -> int | None:
        """The run's process group (it leads one: see :func:`cold` and the warm parent)."""
        return self.popen.pid if self.popen is not None else self.pid

    def tail(self) -> str:
        if self.log is None:
            return ""
        try:
            self.log.seek(0)
            return self.log.read()[-1500:].decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def close(self) -> None:
        with _LIVE_LOCK:
            _LIVE.discard(self)
        try:
            self.sock.close()  # a run still alive sees the end of file and exits
        except OSError:
            pass
        # the run is over: whatever its notebook started and left running goes with it
        kill_group(self.leader)
        if self.popen is not None:
            import subprocess

            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        if self.log is not None:
            self.log.close()


def cold(command: Sequence[str]) -> Proc:
    """A run process started from scratch: ``command`` (``[python, -m, module, ...]``)
    followed by the socket's descriptor and this process's PID (see
    :func:`.child.cold_main`)."""
    import subprocess
    import tempfile

    ours, theirs = socket.socketpair()
    log = tempfile.TemporaryFile()  # unlinked: nothing left on disk
    try:
        popen = subprocess.Popen(
            [*command, str(theirs.fileno()), str(os.getpid())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            process_group=0)  # its own group: killed as one, with what it starts
    except OSError:
        ours.close()
        log.close()
        raise
    finally:
        theirs.close()
    return Proc(ours, popen, log)


def _cell_text(cell: dict[str, Any] | None) -> str:
    if not cell:
        return "?"
    return f"{cell['cell']} ({cell.get('line', '')!r})"


def _follow(proc: Proc, lines: Lines, timeout: float) -> dict[str, Any]:
    """Wait for the run's end, at most ``timeout`` seconds; kill it past that."""
    deadline = time.monotonic() + timeout
    cell: dict[str, Any] | None = None
    while True:
        try:
            msg = lines.read(max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            proc.kill()
            where = _cell_text(cell)
            return {"status": "failed", "timed_out": True, "cell": cell, "error": tr(
                "timed out after {timeout:g} s in cell {where}; the run was stopped and its "
                "process killed. Fix: make that cell faster, or give the run more time "
                "(--timeout, or timeout: in the spec).", timeout=timeout, where=where)}
        except ValueError:
            msg = None
        if msg is None:
            proc.kill()
            where = _cell_text(cell)
            tail = proc.tail()
            return {"status": "failed", "cell": cell, "error": tr(
                "the run's process ended unexpectedly in cell {where} (killed, or out of "
                "memory?). Fix: run it again; if it fails again, check that cell. {tail}",
                where=where, tail=tail).strip()}
        if "cell" in msg:
            cell = msg
        elif msg.get("done"):
            msg.pop("done")
            return msg


def drive(request: dict[str, Any], warm: Any, timeout: float, cold_command: Sequence[str],
          start_timeout: float = 60.0) -> dict[str, Any]:
    """Run ``request`` in a new process (forked by ``warm``, else started cold with
    ``cold_command``) and follow it.

    A process that does not start is tried once more (cold); a notebook that fails is not.
    The result says which kind of process ran it (``kernel``) and the attempts.
    """
    info: dict[str, Any] = {"attempts": 0}
    why: list[str] = []
    for attempt in (1, 2):
        info["attempts"] = attempt
        sock = warm.spawn(request["folder"]) if warm is not None and attempt == 1 else None
        try:
            proc = Proc(sock) if sock is not None else cold(cold_command)
        except OSError as e:
            why.append(f"{type(e).__name__}: {e}")
            continue
        info["kernel"] = "warm" if sock is not None else "plain"
        try:
            try:
                lines = Lines(proc.sock)
                proc.sock.settimeout(start_timeout)  # a parent that never forks: no hang
                send(proc.sock, request)
                first = lines.read(start_timeout)
            except (OSError, TimeoutError, ValueError):
                first = None
            if not first or "pid" not in first:
                proc.kill()
                why.append(tr("no sign of life within {start_timeout:g} s",
                              start_timeout=start_timeout)
                           + (f" ({proc.tail()})" if proc.tail() else ""))
                continue
            proc.started(int(first["pid"]))
            return {**info, "start_failures": why, **_follow(proc, lines, timeout)}
        finally:
            proc.close()
    said = "; ".join(why)
    python = sys.executable
    return {**info, "start_failures": why, "status": "failed", "error": tr(
        "the run's process did not start (tried twice): {said}. Fix: check that kpikit imports in "
        "this Python ({python} -c 'import kpikit').", said=said, python=python)}
