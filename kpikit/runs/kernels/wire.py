"""The line between a batch and a run process, and how processes live and die.

One JSON object a line over a socket pair (no file on disk, nothing to sign)::

    batch -> run   {"notebook": ..., "parameters": ..., "folder": ..., ...}
    run -> batch   {"pid": 123}                  started
                   {"cell": 4, "line": "..."}    about to execute code cell 4
                   {"done": true, "status": "ok", "error": null, "timings": {...}}
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from typing import Any

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None, sig: int | None = None) -> None:
    """Have the kernel send ``sig`` to this process when its parent dies (Linux), and exit
    now if the parent is already gone (``parent`` is the pid it was started by)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(sig or signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the watchdogs still work
            pass
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed


def kill_group(pid: int | None) -> None:
    """SIGKILL the process group a run process leads (itself and whatever its notebook
    started: a ``sleep`` in a subprocess, a server). Never the caller's own group."""
    if not pid or pid <= 1 or not hasattr(os, "killpg"):
        return
    try:
        if pid != os.getpgrp():
            os.killpg(pid, signal.SIGKILL)
    except OSError:  # already gone
        pass


def send(sock: socket.socket, obj: dict[str, Any]) -> None:
    """One JSON line to the other end."""
    sock.sendall(json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8") + b"\n")


class Lines:
    """Read JSON lines from a socket, with a deadline per read."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def read(self, timeout: float | None) -> dict[str, Any] | None:
        """The next object; None at end of file. Raises TimeoutError past ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buf:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
            else:
                self.sock.settimeout(None)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                raise
            except OSError:
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)
