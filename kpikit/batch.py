"""Batch runs: one notebook run per campaign, in parallel, resumable, with reports.

A spec (YAML) names the campaigns (or ``all`` in the data), the notebooks, shared
and per-campaign parameters, the data and plan paths, and the output folder::

    output_dir: kpikit-out/batch
    data_path: data/sample_campaigns.csv      # relative to the spec file
    notebooks: [01_goal_setting, 02_evaluation]
    parameters: {lang: vi}                    # shared by every run
    campaigns:
      - name: Tết Sale
        plan_path: data/plan_tet_sale.yaml
        parameters: {02_evaluation: {as_of: "2027-01-25"}}   # for one notebook only
        notebooks: [01_goal_setting, 02_evaluation, 03_optimization]
      - name: Brand Awareness
        plan_path: data/plan_brand_engagement.yaml

Every run's parameters are checked against the notebook's ``parameters`` cell and
kpikit's rules before anything runs. Each run writes, into its own folder, the
executed notebook, ``report.html`` (no code, plotly inlined once, offline) and the
notebook's ``results.json``; ``manifest.json`` records the inputs' fingerprint.
A run is written in a temporary folder and moved into place when complete, so a
killed batch loses nothing and a rerun redoes only what is missing or changed.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import html
import json
import os
import re
import secrets
import shutil
import sys
import time
import traceback
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._lang import tr, using_language
from .errors import ParameterError

__all__ = ["Run", "Spec", "check_runs", "load_spec", "plan_runs", "run_batch", "safe_name"]

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
RUN_FILES = ("executed.ipynb", "report.html", "results.json", "manifest.json")


def _notebook_dir() -> Path:
    folder = os.environ.get("KPIKIT_NOTEBOOK_DIR")
    if folder:
        return Path(folder)
    if NOTEBOOK_DIR.is_dir():  # a clone, or an editable install
        return NOTEBOOK_DIR
    from importlib import resources

    return Path(str(resources.files("kpikit.notebooks")))  # installed from a wheel


def notebook_path(name: str) -> Path:
    """Path of a kpikit notebook by name (``02_evaluation``).

    Looked up in ``$KPIKIT_NOTEBOOK_DIR`` when set (a folder of copies), else in the
    clone's ``notebooks/``, else among the notebooks installed with the package.
    """
    path = _notebook_dir() / f"{name}.ipynb"
    if not path.exists():
        from .notebook import NOTEBOOKS

        names = ", ".join(NOTEBOOKS)
        raise ParameterError(tr(f"unknown notebook {name!r}. Choose from: {names}.",
                                f"không có notebook {name!r}. Chọn: {names}."))
    return path


def declared_parameters(path: Path) -> dict[str, Any]:
    """Names and default values of the notebook's ``parameters`` cell."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            out = {}
            for node in ast.parse(src).body:
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            out[t.id] = ast.literal_eval(node.value)
            return out
    raise ParameterError(tr(f"{path.name} has no cell tagged 'parameters'.",
                            f"{path.name} không có ô nào gắn thẻ 'parameters'."))


def safe_name(text: str) -> str:
    """A readable, unique, portable folder name for any campaign name.

    Letters lose their accents (``Tết Sale`` -> ``tet-sale``), anything else
    becomes ``-``, and a short hash of the exact name keeps two names that look
    alike apart (``a/b`` and ``a-b``).
    """
    plain = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower()[:40] or "campaign"
    digest = hashlib.sha1(str(text).encode("utf-8")).hexdigest()[:6]
    return f"{slug}-{digest}"


@dataclass(frozen=True)
class Run:
    """One notebook for one campaign."""

    campaign: str
    notebook: str
    parameters: dict[str, Any]
    folder: Path

    @property
    def label(self) -> str:
        return f"{self.campaign} / {self.notebook}"


@dataclass(frozen=True)
class Spec:
    """A parsed batch spec."""

    output_dir: Path
    notebooks: tuple[str, ...]
    campaigns: tuple[dict[str, Any], ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    data_path: Path | None = None
    source: str = "spec"


def _rel(base: Path, value: Any) -> Path | None:
    if value is None:
        return None
    p = Path(str(value))
    return p if p.is_absolute() else (base / p)


def load_spec(path_or_dict: str | os.PathLike[str] | Mapping[str, Any],
              base: Path | None = None) -> Spec:
    """Read and check a batch spec (YAML file or dict); paths are relative to the file.

    The file is read with :mod:`kpikit._yaml` (bounded size, aliases and nesting; duplicate
    keys and non-UTF-8 encodings refused with their line).
    """
    from ._yaml import clip, load_file

    if isinstance(path_or_dict, Mapping):
        raw, base, source = dict(path_or_dict), base or Path.cwd(), "spec"
    else:
        path = Path(path_or_dict)
        if not path.exists():
            raise ParameterError(tr(f"{path}: no such spec file.",
                                    f"{path}: không có tệp đặc tả này."))
        raw = load_file(path, path.name).data  # an OptionFileError names file, line and fix
        base, source = path.resolve().parent, path.name
    problems = []
    if not isinstance(raw, dict):
        raise ParameterError(tr(f"{source}: must be a mapping with output_dir, notebooks, "
                                "campaigns.",
                                f"{source}: phải là một ánh xạ gồm output_dir, notebooks, "
                                "campaigns."))
    allowed = {"output_dir", "data_path", "notebooks", "parameters", "campaigns"}
    for k in raw:
        if k not in allowed:
            keys = ", ".join(sorted(allowed))
            problems.append(tr(f"unknown key {clip(k)} (choose from {keys})",
                               f"khóa không hợp lệ {clip(k)} (chọn trong {keys})"))
    notebooks = raw.get("notebooks") or []
    if not isinstance(notebooks, list) or not notebooks:
        problems.append(tr("notebooks: must list at least one notebook, e.g. [02_evaluation]",
                           "notebooks: phải liệt kê ít nhất một notebook, ví dụ "
                           "[02_evaluation]"))
        notebooks = []
    campaigns = raw.get("campaigns", "all")
    items: list[dict[str, Any]] = []
    if campaigns == "all":
        items = [{"name": "all"}]
    elif isinstance(campaigns, list):
        for i, c in enumerate(campaigns):
            c = {"name": c} if isinstance(c, str) else c
            if not isinstance(c, dict) or not str(c.get("name", "")).strip():
                problems.append(tr(f"campaigns[{i}]: needs a name",
                                   f"campaigns[{i}]: cần có tên (name)"))
                continue
            extra = set(c) - {"name", "plan_path", "parameters", "notebooks"}
            if extra:
                key = sorted(extra, key=str)[0]
                problems.append(tr(f"campaigns[{i}]: unknown key {clip(key)} (choose from name, "
                                   "plan_path, parameters, notebooks)",
                                   f"campaigns[{i}]: khóa không hợp lệ {clip(key)} (chọn trong "
                                   "name, plan_path, parameters, notebooks)"))
            items.append(c)
    else:
        problems.append(tr("campaigns: must be 'all' or a list of names or mappings",
                           "campaigns: phải là 'all' hoặc một danh sách tên hay ánh xạ"))
    for key in ("parameters",):
        if key in raw and not isinstance(raw[key], dict):
            problems.append(tr(f"{key}: must be a mapping of name: value",
                               f"{key}: phải là một ánh xạ tên: giá trị"))
    paths = [(k, raw.get(k)) for k in ("output_dir", "data_path")]
    paths += [(f"campaigns[{i}].plan_path", c.get("plan_path")) for i, c in enumerate(items)]
    for key, value in paths:
        # a path must be text: Path(str([...])) would name a folder no one meant
        if value is not None and (not isinstance(value, (str, os.PathLike))
                                  or not str(value).strip() or "\0" in str(value)):
            problems.append(tr(f"{key}: must be a file or folder path, not {clip(value)}",
                               f"{key}: phải là đường dẫn tệp hay thư mục, không phải "
                               f"{clip(value)}"))
    if problems:
        shown = problems[:25]
        if len(problems) > 25:
            shown.append(tr(f"and {len(problems) - 25} more", f"và {len(problems) - 25} lỗi nữa"))
        raise ParameterError(f"{source}: " + "; ".join(shown) + ".")
    resolved = []
    for c in items:
        c = dict(c)
        if c.get("plan_path"):
            c["plan_path"] = str(_rel(base, c["plan_path"]))
        resolved.append(c)
    return Spec(output_dir=_rel(base, raw.get("output_dir", "kpikit-out/batch")),
                notebooks=tuple(str(n) for n in notebooks), campaigns=tuple(resolved),
                parameters=dict(raw.get("parameters") or {}),
                data_path=_rel(base, raw.get("data_path")), source=source)


def _notebook_names() -> set[str]:
    from .notebook import NOTEBOOKS

    return set(NOTEBOOKS)


def plan_runs(spec: Spec) -> list[Run]:
    """Expand a spec into runs (``all`` campaigns are read from the data)."""
    campaigns = list(spec.campaigns)
    if campaigns == [{"name": "all"}]:
        from . import load, load_sample

        data = load(spec.data_path) if spec.data_path else load_sample()
        campaigns = [{"name": n} for n in sorted(data["campaign"].unique())]
    runs = []
    seen: set[str] = set()
    for c in campaigns:
        folder_name = safe_name(c["name"])
        if folder_name in seen:  # pragma: no cover - the hash makes this very unlikely
            raise ParameterError(tr(f"two campaigns map to the folder {folder_name!r}.",
                                    f"hai chiến dịch trùng thư mục {folder_name!r}."))
        seen.add(folder_name)
        for nb in c.get("notebooks") or spec.notebooks:
            params: dict[str, Any] = {}
            if spec.data_path is not None:
                params["data_path"] = str(spec.data_path)
            if c.get("plan_path"):
                params["plan_path"] = c["plan_path"]
            params["campaign"] = c["name"]
            # plain names go to every notebook; a notebook's name holds its own ones
            for source in (spec.parameters, c.get("parameters") or {}):
                params.update({k: v for k, v in source.items() if not isinstance(v, dict)
                               or k not in _notebook_names()})
                params.update(source.get(nb) or {})
            folder = spec.output_dir / folder_name / nb
            params["output_dir"] = "outputs"
            runs.append(Run(c["name"], nb, params, folder))
    return runs


def check_runs(runs: Sequence[Run]) -> None:
    """Refuse unknown parameters and bad values of every run, before anything runs."""
    from .notebook import check_values

    problems = []
    for r in runs:
        declared = declared_parameters(notebook_path(r.notebook))
        for k, v in r.parameters.items():
            if k not in declared:
                continue  # check_values names it, with the closest valid name
            d = declared[k]
            if d is not None and v is not None and type(d) is not type(v) and not (
                    isinstance(d, (int, float)) and isinstance(v, (int, float))):
                kind = type(d).__name__
                problems.append(tr(f"{r.label}: {k}={v!r} should be {kind} like the "
                                   f"notebook's default {d!r}.",
                                   f"{r.label}: {k}={v!r} phải có kiểu {kind} như giá trị "
                                   f"mặc định {d!r} của notebook."))
        _, bad = check_values(r.notebook, r.parameters, declared)
        problems += [f"{r.label}: {b}" for b in bad if "output_dir" not in b]
    if problems:
        said = " ".join(problems)
        raise ParameterError(tr(f"the batch was not started: {said}",
                                f"lô chưa được chạy: {said}"))


# ------------------------------------------------------------------ running


def fingerprint(run: Run) -> str:
    """Hash of everything a run depends on: notebook, parameters and input files."""
    h = hashlib.sha256()
    h.update(notebook_path(run.notebook).read_bytes())
    h.update(json.dumps(run.parameters, sort_keys=True, default=str).encode())
    for key in ("data_path", "plan_path"):
        p = run.parameters.get(key)
        if p and Path(p).exists():
            h.update(Path(p).read_bytes())
    from . import __version__

    h.update(__version__.encode())
    return h.hexdigest()


def is_complete(run: Run) -> bool:
    """True when the run's folder holds a finished, successful run of the same inputs."""
    m = run.folder / "manifest.json"
    if not m.exists():
        return False
    try:
        manifest = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (manifest.get("status") == "ok" and manifest.get("fingerprint") == fingerprint(run)
            and all((run.folder / f).exists() for f in RUN_FILES))


_REMOTE = [
    # <script src="https://..."> (require.js, MathJax, the widgets' html-manager from unpkg)
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>.*?</script\s*>",
               re.IGNORECASE | re.DOTALL),
    # ES modules that import from a CDN (nbconvert's mermaid loader)
    re.compile(r"<script\b[^>]*type=[\"']?module[^>]*>(?:(?!</script).)*?import\s*\(\s*"
               r"[\"'`]?(?:https?:)?//(?:(?!</script).)*</script\s*>", re.IGNORECASE | re.DOTALL),
    re.compile(r"<script\b[^>]*type=\"text/x-mathjax-config\"[^>]*>.*?</script\s*>",
               re.IGNORECASE | re.DOTALL),
    # stylesheets, fonts or preloads from the network
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE),
]


def _offline(body: str) -> str:
    """Drop what would make an opened report ask the network for anything: scripts loaded
    from (or importing from) a CDN (require.js, MathJax, mermaid, the widgets'
    html-manager from unpkg) and remote stylesheets. plotly.js is inlined instead."""
    for pattern in _REMOTE:
        body = pattern.sub("", body)
    return body


_WARNING_LINE = re.compile(r"^\S.*?:\d+: (\w+): (.*)$")
# a Python source reference: a path to a .py file, site-packages, 'File "x.py", line 3'
_SOURCE_REF = re.compile(r"(?:File \"[^\"]*\", line \d+,?\s*)|(?:(?:[A-Za-z]:)?[\\/]?"
                         r"(?:[\w.\-]+[\\/])*[\w.\-]+\.pyc?\b(?::\d+)?)|(?:\S*site-packages\S*)")


def _reader_text(text: str) -> str:
    """``text`` without Python source references (paths of .py files, line numbers)."""
    return _SOURCE_REF.sub("…", text)


def _clean_outputs(nb: Any) -> None:
    """Outputs a report reader should see, and nothing of Python's inner workings.

    stderr streams go (third-party warnings, with source paths and line numbers); kpikit's
    own warnings in them (a data problem the reader must know about) stay, as one line each
    with the message only. A failed cell shows its error's type and message, without the
    traceback.
    """
    for cell in nb.cells:
        outputs = []
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream" and out.get("name") == "stderr":
                kept = []
                for line in str(out.get("text", "")).splitlines():
                    m = _WARNING_LINE.match(line)
                    if m and m.group(1) == "KpikitWarning":
                        kept.append("⚠ " + _reader_text(m.group(2)))
                if kept:
                    outputs.append({"output_type": "stream", "name": "stdout",
                                    "text": "\n".join(kept) + "\n"})
                continue
            if kind == "error":
                # shown as the reader's message (escaped HTML), not as an error output:
                # no traceback, and nothing rendered as a stderr stream
                said = _reader_text(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")
                out = {"output_type": "display_data", "metadata": {}, "data": {
                    "text/plain": said,
                    "text/html": "<pre class='kpikit-error' style='color:#c0392b;"
                                 f"white-space:pre-wrap'>{html.escape(said)}</pre>"}}
            outputs.append(out)
        if "outputs" in cell:
            cell["outputs"] = outputs


@functools.cache
def _html_exporter() -> Any:
    """One HTML exporter per process: building one compiles its templates (0.1 s)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


PLOTLY_MIME = "application/vnd.plotly.v1+json"


def _take_figures(nb: Any) -> dict[str, str]:
    """Swap each plotly output that has only its JSON for a placeholder; return the
    placeholders with the HTML that draws each figure.

    Batch kernels send figures as JSON only (:func:`kpikit.notebook.setup`). The
    exporter then copies, renders and parses a notebook without them, and each figure
    is drawn once with ``Plotly.newPlot`` into its own div (plotly.js inlined once).
    Outputs that carry their own HTML (a notebook run outside the batch) stay as they are.
    """
    figures: dict[str, str] = {}
    token = f"kpikit-figure-{secrets.token_hex(6)}"
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            fig = data.get(PLOTLY_MIME)
            if not isinstance(fig, dict) or "text/html" in data:
                continue
            key = f"{token}-{len(figures)}"
            spec = {"data": fig.get("data", []), "layout": fig.get("layout", {})}
            height = spec["layout"].get("height") or 525
            figures[key] = _figure_html(key, spec, fig.get("config") or {"displaylogo": False},
                                        height)
            out["data"] = {"text/html": f"<div>{key}</div>"}
    return figures


def _figure_html(key: str, spec: dict[str, Any], config: dict[str, Any],
                 height: Any) -> str:
    """A div and the script that draws ``spec`` into it (see :func:`kpikit._safe.plotly_embed`:
    the figure travels base64-encoded, so no text from the data reaches the page's HTML)."""
    import plotly.io as pio

    from ._safe import plotly_embed

    payload = pio.to_json({"data": spec["data"], "layout": spec["layout"],
                           "config": {**config, "responsive": True}}, validate=False)
    h = f"{int(height)}px" if isinstance(height, (int, float)) else "525px"
    return plotly_embed(key, payload, h)


@functools.cache
def _plotlyjs_script() -> str:
    """plotly.js (3.6 MB) as an inline script; read once per process."""
    from plotly.offline import get_plotlyjs

    return ('<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: '
              "'local'};</script>\n<script charset=\"utf-8\" type=\"text/javascript\">"
              + get_plotlyjs() + "</script>\n")


def _with_plotlyjs(body: str) -> str:
    """``body`` with plotly.js inlined once in its head (offline, one copy per file)."""
    script = _plotlyjs_script()
    at = body.find("</head>")
    return body[:at] + script + body[at:] if at >= 0 else script + body


_PART = re.compile(r"^[ \t]*<!--\s*(en|vi|notebook|all)\s*-->[ \t]*\n?", re.MULTILINE)


def report_markdown(source: str, lang: str) -> str:
    """A markdown cell as a report in ``lang`` shows it.

    A cell may mark its parts with ``<!-- en -->``, ``<!-- vi -->``, ``<!-- notebook -->``
    (how to run the notebook: not for report readers) and ``<!-- all -->``; text before
    the first mark is for everyone. JupyterLab shows every part (the marks are comments);
    a report keeps the shared parts and those of its language.
    """
    pieces = _PART.split(source)
    keep = [pieces[0]]
    for mark, text in zip(pieces[1::2], pieces[2::2], strict=True):
        if mark in ("all", lang):
            keep.append(text)
    return "".join(keep).strip() + "\n"


def export_html(executed: Path | Any, target: Path, title: str, lang: str = "en") -> None:
    """HTML without code cells whose plotly charts render offline, its prose in ``lang``.

    ``executed`` is the executed notebook's path or the notebook itself (whose plotly
    outputs and markdown are replaced in memory; save it first). Figures sent as JSON only
    are drawn here and plotly.js is inlined once, unless the notebook already carries it.
    Markdown keeps the parts of ``lang`` (:func:`report_markdown`).
    """
    import nbformat

    from ._files import atomic_write_text

    nb = nbformat.read(executed, as_version=4) if isinstance(executed, Path) else executed
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown" and "<!--" in cell.get("source", ""):
            cell["source"] = report_markdown(cell["source"], lang)
    _clean_outputs(nb)
    # widgets show a static view in reports; their saved state would only add a script
    # that fetches the widget manager from unpkg, and a copy of every name in the data
    nb.metadata.pop("widgets", None)
    figures = _take_figures(nb)
    body, _ = _html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = _offline(body)
    if figures:
        body = re.sub("<div>(kpikit-figure-[0-9a-f]{12}-[0-9]+)</div>",
                      lambda m: figures.get(m.group(1), m.group(0)), body)
        if "window.PlotlyConfig" not in body:
            body = _with_plotlyjs(body)
    atomic_write_text(target, body)


def _kernel_manager(warm: str | None) -> Any:
    """A kernel manager for one run: a plain kernel, or a fresh fork of the warm parent."""
    from jupyter_client.manager import KernelManager

    from . import _warm

    class WarmKernelManager(KernelManager):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            return _warm.kernel_command(str(warm), os.path.realpath(self.connection_file))

    # IPC transport: a local kernel needs no TCP ports (and logs no warning)
    cls = WarmKernelManager if warm else KernelManager
    return cls(kernel_name="python3", transport="ipc")


def _ready(warm: str | None, timeout: float = 180.0) -> str | None:
    """The warm parent's socket once it listens, or None (plain kernels) if it failed."""
    if not warm:
        return None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(warm):
            return warm
        if os.path.exists(warm + ".failed"):
            return None
        time.sleep(0.05)
    return None


def execute_run(run: Run, force: bool = False, warm: str | None = None) -> dict[str, Any]:
    """Execute one run (in this process); never raises for a failing notebook.

    ``warm`` is the socket of a warm kernel parent (:mod:`kpikit._warm`); without it, or
    when that parent failed to start, the run gets a plain kernel. Its messages speak the
    run's ``lang``.
    """
    with using_language(_lang(run)):
        return _execute_run(run, force, warm)


@contextmanager
def _kernel_env(**values: str) -> Iterator[None]:
    """Environment variables for the kernels started inside; restored afterwards, so a
    batch run in this process (``jobs=1``) leaves the caller's environment as it was."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _execute_run(run: Run, force: bool, warm: str | None) -> dict[str, Any]:
    if not force and is_complete(run):
        return {"label": run.label, "status": "skipped", "folder": str(run.folder)}
    tmp = run.folder.parent / f".{run.folder.name}.tmp-{os.getpid()}-{time.time_ns()}"
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    manifest: dict[str, Any] = {"campaign": run.campaign, "notebook": run.notebook,
                                "parameters": run.parameters,
                                "fingerprint": fingerprint(run)}
    status, error = "ok", None
    try:
        import papermill

        warm = _ready(warm)
        km = _kernel_manager(warm)
        executed = None
        try:
            # saved once at the end (or on failure), not after every cell: the folder is
            # swapped into place only when complete anyway
            # widgets show a static view in reports; figures go out as JSON only and
            # export_html draws them
            with _kernel_env(KPIKIT_STATIC="1", KPIKIT_BATCH="1"):
                executed = papermill.execute_notebook(
                    str(notebook_path(run.notebook)), str(tmp / "executed.ipynb"),
                    parameters=run.parameters, cwd=str(tmp), kernel_name="python3",
                    progress_bar=False, log_output=False, shutdown_kernel="immediate",
                    km=km, request_save_on_cell_execute=False)
        except papermill.PapermillExecutionError as e:
            status, error = "failed", f"{e.ename}: {e.evalue}"
        finally:
            if km.has_kernel:  # a kernel handed to papermill is ours to stop
                km.shutdown_kernel(now=True)
        if (tmp / "executed.ipynb").exists():
            export_html(executed if executed is not None else tmp / "executed.ipynb",
                        tmp / "report.html", f"{run.campaign} · {run.notebook}", _lang(run))
        results = tmp / "outputs" / "results.json"
        if results.exists():
            shutil.copy2(results, tmp / "results.json")
        elif status == "ok":
            status, error = "failed", tr("the notebook wrote no results.json",
                                         "notebook không ghi results.json")
    except Exception as e:  # a broken run must never stop the batch
        status, error = "failed", f"{type(e).__name__}: {e}"
        manifest["traceback"] = traceback.format_exc()[-4000:]
    manifest.update(status=status, error=error, kernel="warm" if warm else "plain",
                    seconds=round(time.perf_counter() - started, 2))
    from ._files import atomic_write_text

    atomic_write_text(tmp / "manifest.json", json.dumps(manifest, ensure_ascii=False,
                                                        indent=1, default=str))
    # swap the finished folder into place: readers see the old run or the new one
    old = run.folder.parent / f".{run.folder.name}.old-{os.getpid()}-{time.time_ns()}"
    if run.folder.exists():
        run.folder.rename(old)
    tmp.rename(run.folder)
    shutil.rmtree(old, ignore_errors=True)
    return {"label": run.label, "status": status, "error": error, "folder": str(run.folder),
            "seconds": manifest["seconds"]}


def _outcome(future: Any, run: Run) -> dict[str, Any]:
    """A finished future's result, or a failed result when the worker itself died."""
    try:
        return future.result()
    except Exception as e:
        return {"label": run.label, "status": "failed", "error": f"{type(e).__name__}: {e}",
                "folder": str(run.folder)}


def _clean_leftovers(root: Path) -> None:
    """Remove temporary folders a killed batch left behind."""
    if root.exists():
        for p in root.glob("*/.*.tmp-*"):
            shutil.rmtree(p, ignore_errors=True)
        for p in root.glob("*/.*.old-*"):
            shutil.rmtree(p, ignore_errors=True)


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: per run status, and where the index is."""

    results: tuple[dict[str, Any], ...]
    index: Path
    summary: Path

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["status"] == "failed"]


def run_batch(spec: Spec, *, jobs: int | None = None, force: bool = False,
              progress: Callable[[int, int, dict], None] | None = None,
              executor: str = "local", scheduler: str | None = None) -> BatchResult:
    """Run every run of ``spec``; write the index.

    ``executor="local"`` spreads runs over ``jobs`` processes (default: the cores);
    ``executor="dask"`` sends them to the Dask distributed scheduler at ``scheduler``
    (``tcp://host:8786``), whose workers must have kpikit and the files' paths.
    """
    if executor not in ("local", "dask"):
        raise ParameterError(tr(f"executor={executor!r}: choose local or dask.",
                                f"executor={executor!r}: chọn local hoặc dask."))
    if executor == "dask" and not scheduler:
        raise ParameterError(tr("executor='dask' needs scheduler='tcp://host:port'.",
                                "executor='dask' cần scheduler='tcp://host:port'."))
    runs = plan_runs(spec)
    check_runs(runs)
    spec.output_dir.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(spec.output_dir)
    results = run_many(runs, jobs=jobs, force=force, progress=progress, executor=executor,
                       scheduler=scheduler)
    index, summary = write_index(spec, runs)
    return BatchResult(tuple(results), index, summary)


@contextmanager
def warm_kernels(runs: Sequence[Run]) -> Iterator[str | None]:
    """Start a warm kernel parent for ``runs`` (see :mod:`kpikit._warm`); yield its socket.

    Yields None where warm kernels are unavailable (no ``fork``) or switched off with the
    environment variable ``KPIKIT_WARM=0``; runs then get plain kernels.
    """
    import subprocess
    import tempfile

    from . import _warm

    if not _warm.available() or os.environ.get("KPIKIT_WARM", "1") == "0":
        yield None
        return
    folder = tempfile.mkdtemp(prefix="kpikit-warm-")
    sock = os.path.join(folder, "parent.sock")
    data = sorted({str(Path(r.parameters["data_path"]).resolve()) for r in runs
                   if isinstance(r.parameters.get("data_path"), str)})
    with open(os.path.join(folder, "parent.log"), "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "kpikit._warm", sock, *data],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        yield sock
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(folder, ignore_errors=True)


def run_many(runs: Sequence[Run], *, jobs: int | None = None, force: bool = False,
             progress: Callable[[int, int, dict], None] | None = None,
             executor: str = "local", scheduler: str | None = None) -> list[dict[str, Any]]:
    """Execute checked runs (skipping complete ones unless ``force``); return their results.

    Local runs get warm single-use kernels (:func:`warm_kernels`); Dask workers, on other
    machines, start plain ones.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: list[dict[str, Any]] = []

    def record(res: dict[str, Any]) -> None:
        results.append(res)
        if progress:
            progress(len(results), len(runs), res)

    todo = [r for r in runs if force or not is_complete(r)]
    for r in runs:
        if r not in todo:
            record({"label": r.label, "status": "skipped", "folder": str(r.folder)})
    if todo and executor == "dask":
        try:
            from distributed import Client
            from distributed import as_completed as dask_completed
        except ImportError:
            raise ParameterError(tr(
                "executor='dask' needs dask's distributed scheduler. Fix: pip install "
                "'kpikit[dask]' (dask and distributed).",
                "executor='dask' cần bộ lập lịch phân tán của dask. Cách sửa: pip install "
                "'kpikit[dask]' (dask và distributed).")) from None
        with Client(scheduler, timeout="30s") as client:
            futures = {client.submit(execute_run, r, force, pure=False): r for r in todo}
            for f in dask_completed(list(futures)):
                record(_outcome(f, futures[f]))
    elif todo:
        with warm_kernels(todo) as warm:
            if jobs == 1 or len(todo) == 1:
                for r in todo:
                    record(execute_run(r, force, warm))
            else:
                import multiprocessing

                # spawn, not fork: forking a process that runs threads (a kernel client, a
                # Dask client) can deadlock the child
                ctx = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(max_workers=min(jobs, len(todo)),
                                         mp_context=ctx) as pool:
                    futures = {pool.submit(execute_run, r, force, warm): r for r in todo}
                    for f in as_completed(futures):
                        record(_outcome(f, futures[f]))
    return results


# -------------------------------------------------------------------- index

_STATUS_COLOURS = {"on track": "#27ae60", "achieved": "#1e8449", "at risk": "#e67e22",
                   "off track": "#c0392b", "missed": "#922b21", "too early": "#95a5a6",
                   "no data": "#bdc3c7", "ok": "#27ae60", "failed": "#c0392b"}


_INDEX_TEXT = {
    "en": {"title": "kpikit batch", "summary": "{n} runs, {f} failed. Generated {t}.",
           "head": ("Campaign", "Notebook", "Status", "Headline"), "report": "report",
           "planned": "{n} KPIs planned, {b} contradiction(s)",
           "lift": "{o}: {l} for the same budget", "allocation": "allocation",
           "vs": "vs", "ok": "ok", "failed": "failed", "missing": "missing",
           "skipped": "skipped", "error": "error", "time": "%Y-%m-%d %H:%M"},
    "vi": {"title": "kpikit: chạy hàng loạt", "summary": "{n} lượt chạy, {f} lỗi. Tạo lúc {t}.",
           "head": ("Chiến dịch", "Notebook", "Trạng thái", "Chỉ số chính"),
           "report": "báo cáo", "planned": "{n} KPI trong kế hoạch, {b} mâu thuẫn",
           "lift": "{o}: {l} với cùng ngân sách", "allocation": "phân bổ", "vs": "so với",
           "ok": "xong", "failed": "lỗi", "missing": "chưa có", "skipped": "bỏ qua",
           "error": "xem lỗi",
           "time": "%d/%m/%Y %H:%M"},
}


def _lang(run: Run) -> str:
    """The run's ``lang`` parameter; without one, the current language (one channel)."""
    from ._lang import LANGS, language

    lang = run.parameters.get("lang") or language()
    return lang if lang in LANGS else "en"


def _headline(run: Run, results: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(text, status) pairs that summarise a run's results.json, in the run's language."""
    if not results:
        return []
    lang = _lang(run)
    t = _INDEX_TEXT[lang]
    if run.notebook == "02_evaluation":
        from .catalog import KPIS
        from .format import format_value

        cur = results.get("currency")
        out = []
        for k in results.get("kpis", [])[:4]:
            name = KPIS[k["kpi"]].short_label(lang) if k["kpi"] in KPIS else k["kpi"]
            text = (f"{name}: {format_value(k.get('actual'), k['kpi'], lang=lang, currency=cur)}"
                    f" {t['vs']} "
                    f"{format_value(k.get('target'), k['kpi'], lang=lang, currency=cur)}")
            out.append((text, k.get("status", "")))
        return out
    if run.notebook == "01_goal_setting":
        n = len(results.get("targets", []))
        bad = len(results.get("contradictions", []))
        return [(t["planned"].format(n=n, b=bad), "ok" if results.get("ok") else "at risk")]
    if run.notebook == "03_optimization":
        from .format import format_change

        e = results.get("expected", {})
        lift = e.get("lift")
        return [(t["lift"].format(o=_outcome_label(results.get("outcome"), lang),
                                  l=format_change(lift, lang))
                 if isinstance(lift, (int, float)) else t["allocation"], "ok")]
    return []


def _outcome_label(outcome: Any, lang: str) -> str:
    """An outcome measure or KPI (``revenue``) as its reader's word (``Doanh thu``)."""
    from .catalog import KPIS, MEASURES

    if outcome in KPIS:
        return KPIS[outcome].short_label(lang)
    if outcome in MEASURES:
        return MEASURES[outcome].label(lang)
    return str(outcome)


def _status_word(status: str, lang: str) -> str:
    from .evaluate import STATUS_TEXT

    if status in STATUS_TEXT:
        return STATUS_TEXT[status][1 if lang == "vi" else 0]
    return _INDEX_TEXT[lang].get(status, status)


def write_index(spec: Spec, runs: Sequence[Run]) -> tuple[Path, Path]:
    """Write ``index.html`` and ``summary.csv`` listing every run (failures with their error)."""
    import csv
    import io
    from urllib.parse import quote

    from ._files import atomic_write_text

    rows = []
    for r in runs:
        manifest, results = {}, None
        try:
            manifest = json.loads((r.folder / "manifest.json").read_text(encoding="utf-8"))
            if (r.folder / "results.json").exists():
                results = json.loads((r.folder / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {"status": "missing", "error": tr("not run yet", "chưa chạy")}
        rows.append((r, manifest, results))
    from ._safe import neutral_row

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["campaign", "notebook", "status", "error", "headline", "report", "seconds"])
    for r, m, res in rows:
        head = "; ".join(f"{t} ({_status_word(s, _lang(r))})" for t, s in _headline(r, res))
        report = r.folder / "report.html"
        # names and errors come from the data: a spreadsheet must not run them as formulas
        w.writerow(neutral_row([
            r.campaign, r.notebook, m.get("status", "missing"),
            _reader_text(str(m.get("error") or "")), head,
            report.relative_to(spec.output_dir).as_posix() if report.exists() else "",
            m.get("seconds", "")]))
    summary = atomic_write_text(spec.output_dir / "summary.csv", buf.getvalue())
    esc = html.escape
    lang = spec.parameters.get("lang", "en") if spec.parameters.get("lang") in _INDEX_TEXT \
        else "en"
    tx = _INDEX_TEXT[lang]
    body = []
    for n, (r, m, res) in enumerate(rows):
        st = m.get("status", "missing")
        rel = (r.folder / "report.html").relative_to(spec.output_dir).as_posix()
        rl = _lang(r)
        items = "".join(
            f"<li><span class='dot' style='background:{_STATUS_COLOURS.get(s, '#999')}'></span>"
            f"{esc(t)} <small>{esc(_status_word(s, rl))}</small></li>"
            for t, s in _headline(r, res))
        # a failed run links to its error, shown in this page; a report is linked only
        # when its file exists
        anchor = f"run-{n + 1}-error"
        err = (f"<div class='err' id='{anchor}'>{esc(_reader_text(str(m.get('error'))))}</div>"
               if m.get("error") else "")
        links = []
        if (r.folder / "report.html").exists():
            links.append(f"<a href='{esc(quote(rel))}'>{esc(tx['report'])}</a>")
        if err:
            links.append(f"<a class='err-link' href='#{anchor}'>{esc(tx['error'])}</a>")
        link = " · ".join(links)
        body.append(
            f"<tr><td>{esc(r.campaign)}</td><td>{esc(r.notebook)}</td>"
            f"<td><span class='badge' style='background:{_STATUS_COLOURS.get(st, '#999')}'>"
            f"{esc(_status_word(st, lang))}</span></td><td><ul>{items}</ul>{err}</td>"
            f"<td>{link}</td></tr>")
    failed = sum(1 for _, m, _ in rows if m.get("status") == "failed")
    page = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(tx['title'])}</title>
<style>
body {{ font-family: Inter, Segoe UI, Arial, sans-serif; margin: 2rem; color: #1f2d3d; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: .5rem .7rem; border-bottom: 1px solid #e3e8ee;
         vertical-align: top; }}
.badge {{ color: white; padding: .15rem .5rem; border-radius: .6rem; font-size: .85rem; }}
.dot {{ display: inline-block; width: .6rem; height: .6rem; border-radius: 50%;
        margin-right: .4rem; }}
ul {{ margin: 0; padding-left: 0; list-style: none; }}
.err {{ color: #c0392b; font-family: monospace; white-space: pre-wrap; }}
</style></head><body>
<h1>{esc(tx['title'])}</h1>
<p>{esc(tx['summary'].format(n=len(rows), f=failed, t=time.strftime(tx['time'])))}</p>
<table><tr>{''.join(f'<th>{esc(h)}</th>' for h in tx['head'])}<th></th></tr>
{''.join(body)}
</table></body></html>
"""
    index = atomic_write_text(spec.output_dir / "index.html", page)
    return index, summary


def demo_spec(output_dir: str | os.PathLike[str] = "kpikit-out/demo",
              lang: str = "en") -> Spec:
    """The demo batch on the bundled sample data and plans, its reports in ``lang``."""
    from .notebook import bundled_plan

    return load_spec({
        "output_dir": str(Path(output_dir).resolve()),
        "notebooks": ["01_goal_setting", "02_evaluation"],
        "parameters": {"lang": lang},
        "campaigns": [
            {"name": "Tết Sale", "plan_path": str(bundled_plan("plan_tet_sale.yaml")),
             "parameters": {"02_evaluation": {"as_of": "2027-02-05"}},
             "notebooks": ["01_goal_setting", "02_evaluation", "03_optimization"]},
            {"name": "Brand Awareness",
             "plan_path": str(bundled_plan("plan_brand_engagement.yaml")),
             "parameters": {"02_evaluation": {"as_of": "2027-03-15"}}},
        ],
    })


def print_progress(done: int, total: int, res: dict, lang: str = "en") -> None:
    """A one-line progress report per finished run."""
    extra = f" ({res['seconds']:.1f}s)" if res.get("seconds") is not None else ""
    word = _status_word(res["status"], lang if lang in _INDEX_TEXT else "en")
    print(f"[{done}/{total}] {word:<7} {res['label']}{extra}", file=sys.stderr, flush=True)
