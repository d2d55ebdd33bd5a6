"""Run one notebook in a fresh process, without a Jupyter kernel.

A batch run needs what a kernel gives a notebook (IPython's ``display``, rich reprs, the
last expression shown, tracebacks) but none of what makes a kernel slow or fragile in a
batch: no ZeroMQ sockets, no message signing, no connection files, no second process to
talk to. Here the run's own process executes the cells in an IPython shell whose outputs
are collected straight into the notebook, writes ``executed.ipynb``, ``report.html`` and
``results.json`` into the run's temporary folder, and exits.

The process is either forked from the warm parent (:mod:`kpikit._warm`: everything is
imported already) or started cold (``python -m kpikit._runner FD PPID``). Either way it
talks to the batch over one socket, one JSON object a line::

    batch -> run   {"notebook": ..., "parameters": ..., "folder": ..., ...}
    run -> batch   {"pid": 123}                  started
                   {"cell": 4, "line": "..."}    about to execute code cell 4
                   {"done": true, "status": "ok", "error": null, "timings": {...}}

The run dies with the batch: ``PR_SET_PDEATHSIG`` on Linux, and everywhere a watchdog
thread that exits when the batch's end of the socket closes. The batch stops a run that
overruns its timeout by killing its process; the last ``cell`` line says where it hung.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
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


# ------------------------------------------------------------------ the shell


class _Sink:
    """Outputs of the cell being executed."""

    outputs: list[dict[str, Any]] = []
    count: int | None = None


STREAM_LIMIT = 4_000_000  # characters of printed text kept per cell (memory stays bounded)


def _stream(name: str, text: str) -> None:
    outs = _Sink.outputs
    if outs and outs[-1].get("output_type") == "stream" and outs[-1]["name"] == name:
        last = outs[-1]
    else:
        last = {"output_type": "stream", "name": name, "text": ""}
        outs.append(last)
    room = STREAM_LIMIT - len(last["text"])
    if room <= 0:
        return
    last["text"] += text[:room]
    if len(text) > room:
        last["text"] += "\n[... output cut: more than 4,000,000 characters]\n"


class _Capture:
    """sys.stdout / sys.stderr of the run: text goes into the cell's stream output."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, name: str) -> None:
        self.name = name

    def write(self, text: str) -> int:
        if text:
            _stream(self.name, str(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        # for code that writes to the descriptor itself (subprocesses, C libraries): the
        # process's own stream, which goes to the batch's log, not into the notebook
        real = sys.__stdout__ if self.name == "stdout" else sys.__stderr__
        if real is None:
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        return real.fileno()

    @property
    def closed(self) -> bool:
        return False


def make_shell() -> Any:
    """This process's IPython shell, whose displays land in :class:`_Sink` (no history
    file); made on the first call (a run's process is new: its shell is fresh)."""
    return _shell_class().instance()


@functools.cache
def _shell_class() -> Any:
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data: dict, metadata: dict | None = None, source: Any = None, *,
                    transient: dict | None = None, update: bool = False, **kw: Any) -> None:
            out = {"output_type": "display_data", "data": dict(data),
                   "metadata": dict(metadata or {})}
            did = (transient or {}).get("display_id")
            if update and did:
                for i, o in enumerate(_Sink.outputs):
                    if o.get("_display_id") == did:
                        _Sink.outputs[i] = {**out, "_display_id": did}
                return
            if did:
                out["_display_id"] = did
            _Sink.outputs.append(out)

        def clear_output(self, wait: bool = False) -> None:
            _Sink.outputs.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict: dict, md_dict: dict | None = None) -> None:
            _Sink.outputs.append({"output_type": "execute_result",
                                  "execution_count": self.prompt_count,
                                  "data": dict(format_dict), "metadata": dict(md_dict or {})})

        def finish_displayhook(self) -> None:
            pass

    class Shell(InteractiveShell):
        def _showtraceback(self, etype: Any, evalue: Any, stb: list[str]) -> None:
            _Sink.outputs.append({"output_type": "error", "ename": etype.__name__,
                                  "evalue": str(evalue), "traceback": list(stb)})

        def enable_gui(self, gui: Any = None) -> None:  # nothing to drive in a batch
            pass

    config = Config()
    config.HistoryManager.enabled = False  # no sqlite file, no saving thread

    class Made(Shell):
        # a singleton: IPython's display() prints plain text unless a shell is initialized
        @classmethod
        def instance(cls, *args: Any, **kwargs: Any) -> Any:
            return super().instance(config=config, colors="nocolor",
                                    display_pub_class=Publisher, displayhook_class=Hook)

    return Made


def _clean_output(out: dict[str, Any]) -> dict[str, Any]:
    out.pop("_display_id", None)
    return out


def execute(nb: Any, shell: Any, report: Any) -> tuple[str, str | None]:
    """Execute the notebook's code cells in order, stop at the first error like papermill.

    ``report(i, cell, nb)`` is called before each code cell. Returns (status, error).
    """
    import nbformat

    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Capture("stdout"), _Capture("stderr")
    try:
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            report(i, cell, nb)
            _Sink.outputs = []
            shell.execution_count = shell.execution_count or 1
            cell.execution_count = shell.execution_count
            res = shell.run_cell(cell.source, store_history=True)
            cell.outputs = [nbformat.from_dict(_clean_output(o)) for o in _Sink.outputs]
            err = res.error_in_exec or res.error_before_exec
            if err is not None:
                return "failed", f"{type(err).__name__}: {err}"
    finally:
        sys.stdout, sys.stderr = real
    return "ok", None


# ------------------------------------------------------------------- the run


def _share_plotlyjs(outputs: Path, shared: Path, final: Path) -> None:
    """Point the run's figure pages at the batch's one ``plotly.min.js`` (3.6 MB) instead
    of a copy per run; ``final`` is where the run's folder will be once in place."""
    copies = list(outputs.rglob("plotly.min.js")) if outputs.is_dir() else []
    if not copies:
        return
    import filecmp

    from ._files import atomic_write_text

    # (a copy written by another plotly version would not fit these pages)
    if not shared.exists() or not filecmp.cmp(shared, copies[0], shallow=False):
        import shutil

        from ._files import atomic_write

        atomic_write(shared, lambda p: shutil.copyfile(copies[0], p))
    for js in copies:
        here = final / js.parent.relative_to(outputs.parent)
        rel = Path(os.path.relpath(shared, here)).as_posix()
        for page in js.parent.glob("*.html"):
            text = page.read_text(encoding="utf-8")
            if 'src="plotly.min.js"' in text:
                atomic_write_text(page, text.replace('src="plotly.min.js"', f'src="{rel}"'))
        js.unlink()


def parameterize(nb: Any, parameters: dict[str, Any]) -> None:
    """Put ``parameters`` in a cell tagged ``injected-parameters`` right after the cell
    tagged ``parameters``, as papermill does (the values were checked before the batch)."""
    import nbformat

    lines = ["# Parameters"] + [f"{k} = {v!r}" for k, v in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines) + "\n")
    cell.metadata["tags"] = ["injected-parameters"]
    cell.pop("id", None)  # nbformat gives one; keep the notebook's own minor version valid
    at = next((i + 1 for i, c in enumerate(nb.cells)
               if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    nb.cells.insert(at, cell)
    nb.metadata["papermill"] = {"parameters": parameters}


def run_notebook(request: dict[str, Any], shell: Any, report: Any) -> dict[str, Any]:
    """Execute, save, export and collect one run inside its temporary folder (the cwd)."""
    import nbformat

    from ._files import atomic_write_text
    from .batch import export_html

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
    export_html(nb, folder / "report.html", request["title"], request["lang"])
    timings["export"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    results = folder / "outputs" / "results.json"
    if results.exists():
        atomic_write_text(folder / "results.json", results.read_text(encoding="utf-8"))
    if request.get("shared_js"):
        _share_plotlyjs(folder / "outputs", Path(request["shared_js"]), Path(request["final"]))
    timings["write"] = round(time.perf_counter() - t, 3)
    cpu = os.times()  # a forked or new process counts from zero: this run's CPU time
    timings["cpu"] = round(cpu.user + cpu.system, 3)
    return {"status": status, "error": error, "timings": timings}


def _abandon(folder: str) -> None:
    """The batch died: remove the run's folder, then end the run's process group."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    if os.getpgrp() == os.getpid():  # the group this run leads: it and its children
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(1)


def child(sock: socket.socket, shell: Any = None, started: float | None = None) -> None:
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
            done = run_notebook(request, shell, report)
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


# ------------------------------------------------------------- the batch side


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


def cold() -> Proc:
    """A run process started from scratch (no warm parent)."""
    import subprocess
    import tempfile

    ours, theirs = socket.socketpair()
    log = tempfile.TemporaryFile()  # unlinked: nothing left on disk
    try:
        popen = subprocess.Popen(
            [sys.executable, "-m", "kpikit._runner", str(theirs.fileno()), str(os.getpid())],
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
    from ._lang import tr

    deadline = time.monotonic() + timeout
    cell: dict[str, Any] | None = None
    while True:
        try:
            msg = lines.read(max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            proc.kill()
            where = _cell_text(cell)
            return {"status": "failed", "timed_out": True, "cell": cell, "error": tr(
                f"timed out after {timeout:g} s in cell {where}; the run was stopped and "
                "its process killed. Fix: make that cell faster, or give the run more time "
                "(--timeout, or timeout: in the spec).",
                f"quá thời gian {timeout:g} giây ở ô {where}; lượt chạy đã bị dừng và tiến "
                "trình của nó bị hủy. Cách sửa: làm ô đó chạy nhanh hơn, hoặc cho lượt chạy "
                "thêm thời gian (--timeout, hoặc timeout: trong tệp đặc tả).")}
        except ValueError:
            msg = None
        if msg is None:
            proc.kill()
            where = _cell_text(cell)
            tail = proc.tail()
            return {"status": "failed", "cell": cell, "error": tr(
                f"the run's process ended unexpectedly in cell {where} (killed, or out of "
                f"memory?). Fix: run it again; if it fails again, check that cell. {tail}",
                f"tiến trình của lượt chạy kết thúc bất ngờ ở ô {where} (bị hủy, hoặc hết "
                f"bộ nhớ?). Cách sửa: chạy lại; nếu vẫn lỗi, hãy kiểm tra ô đó. {tail}"
            ).strip()}
        if "cell" in msg:
            cell = msg
        elif msg.get("done"):
            msg.pop("done")
            return msg


def drive(request: dict[str, Any], warm: Any, timeout: float,
          start_timeout: float = 60.0) -> dict[str, Any]:
    """Run ``request`` in a new process (forked by ``warm``, else cold) and follow it.

    A process that does not start is tried once more (cold); a notebook that fails is not.
    The result says which kind of process ran it (``kernel``) and the attempts.
    """
    from ._lang import tr

    info: dict[str, Any] = {"attempts": 0}
    why: list[str] = []
    for attempt in (1, 2):
        info["attempts"] = attempt
        sock = warm.spawn(request["folder"]) if warm is not None and attempt == 1 else None
        try:
            proc = Proc(sock) if sock is not None else cold()
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
                why.append(tr(f"no sign of life within {start_timeout:g} s",
                              f"không phản hồi trong {start_timeout:g} giây")
                           + (f" ({proc.tail()})" if proc.tail() else ""))
                continue
            proc.started(int(first["pid"]))
            return {**info, "start_failures": why, **_follow(proc, lines, timeout)}
        finally:
            proc.close()
    said = "; ".join(why)
    return {**info, "start_failures": why, "status": "failed", "error": tr(
        f"the run's process did not start (tried twice): {said}. Fix: check that kpikit "
        f"imports in this Python ({sys.executable} -c 'import kpikit').",
        f"tiến trình của lượt chạy không khởi động được (đã thử hai lần): {said}. Cách "
        f"sửa: kiểm tra kpikit có nhập được trong Python này không ({sys.executable} -c "
        "'import kpikit').")}


def main(argv: list[str]) -> None:
    """Cold start: ``python -m kpikit._runner FD PARENT_PID``."""
    started = time.perf_counter()
    fd, parent = int(argv[0]), int(argv[1])
    die_with_parent(parent, signal.SIGTERM)
    sock = socket.socket(fileno=fd)
    child(sock, None, started)


if __name__ == "__main__":
    main(sys.argv[1:])
