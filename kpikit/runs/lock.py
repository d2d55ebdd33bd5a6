"""One batch at a time per output folder.

A batch holds an exclusive lock on ``OUTPUT_DIR/.kpikit-batch.lock`` while it cleans,
runs and writes the index. The lock is an ``flock`` (``msvcrt.locking`` on Windows): the
operating system drops it the moment its holder dies, so a lock left by a killed batch is
simply taken over. The file also says who holds it (PID, start time, host), for the
message a second batch shows. Where the file system cannot lock (some network shares),
the PID and the process's start time decide whether the holder is still alive.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kpikit.errors import KpikitError, ProblemCode
from kpikit.i18n.lang import tr

LOCK_NAME = ".kpikit-batch.lock"


class BatchBusyError(KpikitError):
    """Another batch is running on the same output folder."""


def _start_ticks(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, Linux), to tell a live holder
    from a new process that reuses a dead one's PID."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _alive(info: dict[str, Any]) -> bool:
    pid = info.get("pid")
    if not isinstance(pid, int) or pid <= 0 or not pid_alive(pid):
        return False
    ticks = _start_ticks(pid)
    return ticks is None or info.get("ticks") in (None, ticks)


def _lock(fd: int) -> bool | None:
    """True: locked; False: held by another process; None: this file system cannot lock."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except (BlockingIOError, PermissionError):
        return False
    except OSError:
        return None


def _read(fd: int) -> dict[str, Any]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096)
    except OSError:  # Windows: the holder's locked byte cannot be read
        return {}
    try:
        info = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except ValueError:
        info = {}
    return info if isinstance(info, dict) else {}


def _write(fd: int, info: dict[str, Any]) -> None:
    data = json.dumps(info, ensure_ascii=False).encode("utf-8")
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, data)
    os.fsync(fd)


def _busy(folder: Path, info: dict[str, Any]) -> BatchBusyError:
    pid, started = info.get("pid", "?"), info.get("started", "?")
    host = info.get("host")
    # another machine's batch (a shared folder) is named with its host
    on = (tr(" on {host}", host=host)
          if host and host != socket.gethostname() else "")
    return BatchBusyError(tr("another kpikit batch is running on {folder} (PID {pid}{on}, started "
                             "{started}). Fix: wait until it ends, start this one with --wait "
                             "SECONDS to queue behind it, or give this batch another output_dir.",
                             folder=folder, pid=pid, on=on,
                             started=started), code=ProblemCode.BATCH_BUSY)


@contextmanager
def folder_lock(folder: Path, wait: float = 0.0,
                on_wait: Any = None) -> Iterator[dict[str, Any]]:
    """Hold the batch lock of ``folder``; yield what the lock file said before (the holder
    that was killed, if any). Waits up to ``wait`` seconds for a running batch, then raises
    :class:`BatchBusyError` naming it. ``on_wait(info)`` is called once when waiting starts.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        told = False
        while True:
            got = _lock(fd)
            before = _read(fd)
            if got is None:  # no locking here: trust the PID and its start time
                got = not _alive(before) or before.get("pid") == os.getpid()
            if got:
                break
            if time.monotonic() >= deadline:
                raise _busy(folder, before)
            if on_wait is not None and not told:
                on_wait(before)
                told = True
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        _write(fd, {"pid": os.getpid(), "ticks": _start_ticks(os.getpid()),
                    "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                    "host": socket.gethostname()})
        try:
            yield before
        finally:
            # emptied, never deleted: a waiter may hold this very file open, and deleting
            # it would let a third batch lock a new file beside it
            _write(fd, {})
    finally:
        os.close(fd)  # closing drops the flock
