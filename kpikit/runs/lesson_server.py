"""Serving the KPI basics lesson to a class (``kpikit lesson``): Voila, without code.

The server gets a private folder with one copy of the lesson notebook per language
(``lesson/vi/00_kpi_basics.ipynb`` speaks Vietnamese whoever opens it), the lesson's Voila
template (the documentation cell left out; ``/?lang=xx`` sent on to that language's copy),
and a pool of kernels per copy that have drawn the lesson before any student arrives.
A pooled kernel cannot read the student's address (it ran before the request), so the
language is chosen by which copy is opened, not inside the kernel. Kernels of closed tabs
are stopped once idle.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import LANGS, resolve_lang, tr, using_language

__all__ = [
    "CULL_IDLE_SECONDS", "OTHER_POOL_SIZE", "POOL_SIZE", "REFILL_DELAY_SECONDS",
    "VOILA_TEMPLATE", "lesson_copies", "lesson_folder", "lesson_url", "serve",
    "serve_lesson", "voila_command",
]

#: name of the lesson's Voila template: the lab template minus the cells tagged
#: ``kpikit-docs`` (the notebook's documentation: parameters, papermill command). Voila
#: cannot drop a markdown cell by tag itself (voila-dashboards/voila#171), and a prelaunch
#: hook cannot be combined with pre-started kernels.
VOILA_TEMPLATE = "kpikit-lesson"
#: kernels started ahead for the server's language: one per student of a class that
#: arrives at once (each holds ~280 MiB). Measured on 2 cores: 10 students on a pool of
#: 10, first widget within 25 s; on a pool of 3 some pages took a kernel still drawing and
#: Voila 0.5 lost their widgets. ``KPIKIT_LESSON_POOL`` sets it for a larger class.
POOL_SIZE = 10
#: kernels started ahead for each other language: a student who switches language gets a
#: drawn lesson at once without doubling the memory of the pool
OTHER_POOL_SIZE = 1
#: a kernel nobody is connected to (a closed tab) is stopped after this many seconds idle
CULL_IDLE_SECONDS = 600
#: a pool kernel handed to a student is replaced this many seconds later, not at once:
#: ten students arriving together otherwise wait while ten new kernels start on the
#: same cores (measured: first widget after 59 s with a 1 s delay, 2 cores)
REFILL_DELAY_SECONDS = 30
#: the largest lesson notebook read (the shipped one is ~15 kB)
_NOTEBOOK_LIMIT = 5 * 2**20


def _redirect_page(default: str, name: str) -> str:
    """The page at ``/``: sends the student to the copy of their language at once.

    Jinja reads ``?lang=xx`` from the query of the request; anything else (or nothing)
    gives the server's language.
    """
    choices = ", ".join(f'"lang={code}"' for code in LANGS)
    return (
        f'{{%- set ns = namespace(lang="{default}") -%}}\n'
        '{%- for part in (query or "").split("&") -%}\n'
        f"{{%- if part in ({choices},) -%}}{{%- set ns.lang = part[5:] -%}}{{%- endif -%}}\n"
        "{%- endfor -%}\n"
        "<!doctype html>\n<html><head><meta charset='utf-8'>\n"
        f"<meta http-equiv='refresh' content='0; url={{{{ base_url }}}}voila/render/"
        f"{{{{ ns.lang }}}}/{name}'>\n"
        "<title>KPI</title></head><body></body></html>\n")


def _template_files(default: str, name: str) -> dict[str, str]:
    redirect = _redirect_page(default, name)
    return {
        "conf.json": '{"base_template": "lab"}\n',
        "index.html.j2": (
            "{%- extends 'voila/templates/lab/index.html.j2' -%}\n"
            "{%- block any_cell scoped -%}\n"
            "{%- if 'kpikit-docs' not in cell.metadata.get('tags', []) -%}\n"
            "{{ super() }}\n"
            "{%- endif -%}\n"
            "{%- endblock any_cell -%}\n"),
        # the folder's listing is never shown: the tree page (new and classic) redirects
        "tree-lab.html": redirect,
        "tree.html": redirect,
    }


def _env_int(name: str, default: int, low: int, high: int) -> int:
    given = os.environ.get(name, "").strip()
    if not given:
        return default
    if not given.isdigit() or not low <= int(given) <= high:
        raise ParameterError(tr("{name}={given!r}: write a whole number from {low} to {high}.",
                                name=name, given=given, low=low, high=high),
            code=ProblemCode.PARAMETER_INVALID)
    return int(given)


def lesson_copies(notebook: str | Path, root: str | Path, *,
                  output_dir: str | Path | None = None) -> dict[str, Path]:
    """Write one copy of ``notebook`` per language into ``root/<lang>/``; return them.

    Each copy gets, after its ``parameters`` cell, a cell that sets ``lang`` (and
    ``output_dir`` when given, made absolute so that every copy writes to the same
    folder), the way papermill injects parameters.
    """
    from kpikit.files import atomic_write_text, read_limited

    src = Path(notebook)
    try:
        nb = json.loads(read_limited(src, "notebook", _NOTEBOOK_LIMIT).decode("utf-8"))
        cells = nb["cells"]
        at = next(i for i, c in enumerate(cells)
                  if "parameters" in c.get("metadata", {}).get("tags", []))
    except (ValueError, KeyError, TypeError, StopIteration, AttributeError):
        raise ParameterError(tr("{src}: not a lesson notebook (JSON with a cell tagged "
                                "'parameters'). Fix: use the notebook shipped with kpikit.",
                                src=src), code=ProblemCode.NOTEBOOK_UNKNOWN
        ) from None
    out: dict[str, Path] = {}
    for lang in LANGS:
        lines = [f"lang = {lang!r}\n"]
        if output_dir is not None:
            lines.append(f"output_dir = {str(Path(output_dir).resolve())!r}\n")
        injected = {"cell_type": "code", "execution_count": None, "id": f"kpikit-{lang}",
                    "metadata": {"tags": ["injected-parameters"]}, "outputs": [],
                    "source": lines}
        copy = dict(nb, cells=[*cells[:at + 1], injected, *cells[at + 1:]])
        path = Path(root) / lang / src.name
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(copy, ensure_ascii=False, indent=1) + "\n")
        out[lang] = path
    return out


def lesson_url(port: int, lang: str | None = None) -> str:
    """The address students open; ``lang`` picks a language other than the server's."""
    base = f"http://127.0.0.1:{port}/"
    return base if lang is None else f"{base}?lang={resolve_lang(lang)}"


def voila_command(notebook: str | Path, folder: str | Path, *, port: int, lang: str,
                  no_browser: bool = False) -> tuple[list[str], dict[str, str]]:
    """The Voila command (and its environment) that serves the lesson to a class.

    Writes into ``folder`` (a private temporary folder) the lesson's template and one
    copy of ``notebook`` per language (:func:`lesson_copies`; the export the lesson writes
    goes to ``kpikit-out/<notebook>`` under the current folder). Kernels are pre-started
    for each copy: ``KPIKIT_LESSON_POOL`` (default :data:`POOL_SIZE`; 0 turns the pools
    off) for ``lang``, :data:`OTHER_POOL_SIZE` for the others. A kernel left idle without a
    page (``KPIKIT_LESSON_CULL`` seconds, default :data:`CULL_IDLE_SECONDS`) is stopped,
    so closed tabs do not keep theirs.
    """
    from kpikit.files import atomic_write_text

    lang = resolve_lang(lang)
    pool = _env_int("KPIKIT_LESSON_POOL", POOL_SIZE, 0, 32)
    cull = _env_int("KPIKIT_LESSON_CULL", CULL_IDLE_SECONDS, 10, 7 * 24 * 3600)
    root = Path(folder)
    name = Path(notebook).name
    tdir = root / "voila" / "templates" / VOILA_TEMPLATE
    tdir.mkdir(parents=True, exist_ok=True)
    for file, body in _template_files(lang, name).items():
        atomic_write_text(tdir / file, body)
    served = root / "lesson"
    copies = lesson_copies(notebook, served,
                           output_dir=Path.cwd() / "kpikit-out" / Path(notebook).stem)
    env = dict(os.environ)
    # the copy decides the language: a server-wide variable would override it
    env.pop("KPIKIT_LESSON_LANG", None)
    # Voila looks for templates in the Jupyter data path and for voila.json in the config
    # path; the lesson's folder comes first in both
    for var in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
        env[var] = os.pathsep.join(p for p in (str(root), os.environ.get(var, "")) if p)
    cmd = [sys.executable, "-m", "voila", str(served), f"--port={port}",
           "--Voila.ip=127.0.0.1", f"--template={VOILA_TEMPLATE}", "--strip_sources=True",
           "--show_tracebacks=False",
           f"--MappingKernelManager.cull_idle_timeout={cull}",
           f"--MappingKernelManager.cull_interval={max(5, min(60, cull // 4))}",
           "--MappingKernelManager.cull_connected=False"]
    # one pool per copy, keyed by its path under the served folder (a nested setting:
    # the command line takes it only in a deprecated form, so it goes in voila.json)
    pools = {"default": {"pool_size": 0}}
    for code, path in copies.items():
        pools[path.relative_to(served).as_posix()] = {
            "pool_size": pool if code == lang else min(OTHER_POOL_SIZE, pool)}
    atomic_write_text(root / "voila.json", json.dumps(
        {"VoilaKernelManager": {"kernel_pools_config": pools if pool else {}}}, indent=1))
    if pool:
        cmd += ["--preheat_kernel=True", f"--pool_size={pool}",
                f"--VoilaKernelManager.fill_delay={REFILL_DELAY_SECONDS}"]
    if no_browser:
        cmd.append("--no-browser")
    return cmd, env


@contextmanager
def lesson_folder() -> Iterator[str]:
    """A private folder named by this process, removed when the server stops; folders of
    servers that were killed (their PID gone) are reclaimed here."""
    import shutil
    import tempfile

    from kpikit.runs.lock import pid_alive

    root = Path(tempfile.gettempdir())
    for old in root.glob("kpikit-lesson-*"):
        pid = old.name.split("-")[2] if old.name.count("-") >= 3 else ""
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = tempfile.mkdtemp(prefix=f"kpikit-lesson-{os.getpid()}-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def serve(cmd: list[str], env: dict[str, str]) -> int:
    """Run the server until Ctrl+C or SIGTERM; it dies with this process (Linux)."""
    import signal
    import subprocess

    from kpikit.runs.kernels.wire import die_with_parent

    parent = os.getpid()
    proc = subprocess.Popen(cmd, env=env, preexec_fn=(  # arms a death signal only
        (lambda: die_with_parent(parent, signal.SIGTERM)) if os.name == "posix" else None))

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def serve_lesson(notebook: str | Path, *, lang: str | None = None, port: int = 8866,
                 no_browser: bool = False) -> int:
    """Serve the lesson ``notebook`` without code (Voila) until Ctrl+C or SIGTERM.

    Students open ``http://127.0.0.1:PORT/`` (the server's ``lang``) or add ``?lang=xx``;
    both languages have kernels started ahead (see :func:`voila_command`).
    """
    lang = resolve_lang(lang)
    if not _has_module("voila"):
        raise ParameterError(tr("the lesson is served by Voila, which is not installed. Fix: pip "
                                "install voila (python3 run.py lesson installs it)."),
            code=ProblemCode.DEPENDENCY_MISSING)
    url = lesson_url(port)
    others = ", ".join(lesson_url(port, code) for code in LANGS if code != lang)
    with using_language(lang):
        hello = tr("Serving the KPI lesson in English at {url} ; Ctrl+C stops it. Other "
                   "languages: {others}", url=url, others=others)
    # the lesson's template and copies live in a private folder for the server's lifetime
    with lesson_folder() as folder:
        cmd, env = voila_command(notebook, folder, port=port, lang=lang,
                                 no_browser=no_browser)
        print(hello, file=sys.stderr, flush=True)
        return serve(cmd, env)
