"""The IPython shell of a run process: cells executed in order, outputs kept in the notebook.

A run needs what a kernel gives a notebook (IPython's ``display``, rich reprs, the last
expression shown, tracebacks) but none of what makes a kernel slow or fragile in a batch:
no ZeroMQ sockets, no message signing, no connection files, no second process to talk to.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable
from typing import Any

STREAM_LIMIT = 4_000_000  # characters of printed text kept per cell (memory stays bounded)


class Sink:
    """Outputs of the cell being executed."""

    outputs: list[dict[str, Any]] = []


def _stream(name: str, text: str) -> None:
    outs = Sink.outputs
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


class Capture:
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
    """This process's IPython shell, whose displays land in :class:`Sink` (no history
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
                for i, o in enumerate(Sink.outputs):
                    if o.get("_display_id") == did:
                        Sink.outputs[i] = {**out, "_display_id": did}
                return
            if did:
                out["_display_id"] = did
            Sink.outputs.append(out)

        def clear_output(self, wait: bool = False) -> None:
            Sink.outputs.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict: dict, md_dict: dict | None = None) -> None:
            Sink.outputs.append({"output_type": "execute_result",
                                 "execution_count": self.prompt_count,
                                 "data": dict(format_dict), "metadata": dict(md_dict or {})})

        def finish_displayhook(self) -> None:
            pass

    class Shell(InteractiveShell):
        def _showtraceback(self, etype: Any, evalue: Any, stb: list[str]) -> None:
            Sink.outputs.append({"output_type": "error", "ename": etype.__name__,
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


def _outputs() -> list[Any]:
    """The cell's outputs as notebook nodes (the shell's display ids dropped)."""
    import nbformat

    return [nbformat.from_dict({k: v for k, v in o.items() if k != "_display_id"})
            for o in Sink.outputs]


def execute(nb: Any, shell: Any, report: Callable[[int, Any, Any], None]) -> tuple[str, str | None]:
    """Execute the notebook's code cells in order, stop at the first error like papermill.

    ``report(i, cell, nb)`` is called before each code cell. Returns (status, error).
    """
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Capture("stdout"), Capture("stderr")
    try:
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            report(i, cell, nb)
            Sink.outputs = []
            shell.execution_count = shell.execution_count or 1
            cell.execution_count = shell.execution_count
            res = shell.run_cell(cell.source, store_history=True)
            cell.outputs = _outputs()
            err = res.error_in_exec or res.error_before_exec
            if err is not None:
                return "failed", f"{type(err).__name__}: {err}"
    finally:
        sys.stdout, sys.stderr = real
    return "ok", None


def execute_plain(nb: Any, name: str, namespace: dict[str, Any]) -> None:
    """Execute the code cells in ``namespace`` with plain ``exec`` (no shell: the one the
    runs get stays untouched), their outputs kept in the cells; raises on an error."""
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Capture("stdout"), Capture("stderr")
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            Sink.outputs = []
            exec(compile(cell.source, name, "exec"), namespace)  # noqa: S102
            cell.outputs = _outputs()
    finally:
        sys.stdout, sys.stderr = real
        Sink.outputs = []


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
