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
from concurrent.futures import as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._lang import LANGS, tr, using_language
from .catalog import word_for
from .errors import ParameterError, ProblemCode
from .runs.params import NOTEBOOK_DIR, declared_parameters, notebook_path  # noqa: F401

__all__ = ["Run", "Spec", "check_runs", "load_spec", "plan_runs", "run_batch", "safe_name"]

RUN_FILES = ("executed.ipynb", "report.html", "results.json", "manifest.json")


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
    timeout: float | None = None  # seconds; None: DEFAULT_TIMEOUT

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
    timeouts: dict[str, float] = field(default_factory=dict)  # notebook or "default": s
    #: the spec's raw ``alerts`` rules and ``notify`` block (see kpikit.alerts, kpikit.notify)
    alerts: tuple[Any, ...] | None = None
    notify: dict[str, Any] | None = None


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
                                    f"{path}: không có tệp đặc tả này."),
                                 code=ProblemCode.FILE_NOT_FOUND)
        loaded = load_file(path, path.name)  # an OptionFileError names file, line and fix
        raw = loaded.data
        if isinstance(raw, dict) and "alerts" in raw:
            from .alerts import as_written

            # "above: 150.000" is 150.0 to YAML: keep the text, refused when ambiguous
            raw = dict(raw, alerts=as_written(raw["alerts"], loaded))
        base, source = path.resolve().parent, path.name
    problems = []
    if not isinstance(raw, dict):
        raise ParameterError(tr(f"{source}: must be a mapping with output_dir, notebooks, "
                                "campaigns.",
                                f"{source}: phải là một ánh xạ gồm output_dir, notebooks, "
                                "campaigns."), code=ProblemCode.SPEC_INVALID)
    allowed = {"output_dir", "data_path", "notebooks", "parameters", "campaigns", "timeout",
               "alerts", "notify"}
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
    timeouts = _spec_timeouts(raw.get("timeout"), notebooks, problems)
    if problems:
        shown = problems[:25]
        if len(problems) > 25:
            shown.append(tr(f"and {len(problems) - 25} more", f"và {len(problems) - 25} lỗi nữa"))
        raise ParameterError(f"{source}: " + "; ".join(shown) + ".", code=ProblemCode.SPEC_INVALID)
    from .alerts import parse_rules
    from .notify import parse_notify

    parse_rules(raw.get("alerts"), source)  # refused here, before anything runs
    parse_notify(raw.get("notify"), source)
    resolved = []
    for c in items:
        c = dict(c)
        if c.get("plan_path"):
            c["plan_path"] = str(_rel(base, c["plan_path"]))
        resolved.append(c)
    return Spec(output_dir=_rel(base, raw.get("output_dir", "kpikit-out/batch")),
                notebooks=tuple(str(n) for n in notebooks), campaigns=tuple(resolved),
                parameters=dict(raw.get("parameters") or {}),
                data_path=_rel(base, raw.get("data_path")), source=source,
                timeouts=timeouts,
                alerts=tuple(raw["alerts"]) if raw.get("alerts") is not None else None,
                notify=dict(raw["notify"]) if raw.get("notify") else None)


def _seconds(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and 0 < value < float("inf"))


def _spec_timeouts(value: Any, notebooks: Any, problems: list[str]) -> dict[str, float]:
    """The spec's ``timeout``: seconds for every run (``timeout: 600``), or per notebook
    (``timeout: {default: 600, 03_optimization: 1200}``). Problems are appended."""
    if value is None:
        return {}
    if _seconds(value):
        return {"default": float(value)}
    if not isinstance(value, dict):
        problems.append(tr(f"timeout: {value!r} is not a number of seconds above 0 nor a "
                           "mapping of notebook: seconds, e.g. timeout: 600",
                           f"timeout: {value!r} không phải số giây lớn hơn 0, cũng không "
                           "phải ánh xạ notebook: số giây, ví dụ timeout: 600"))
        return {}
    known = sorted(_notebook_names() | {str(n) for n in notebooks} | {"default"})
    out = {}
    for k, v in value.items():
        if str(k) not in known:
            names = ", ".join(known)
            problems.append(tr(f"timeout: unknown notebook {k!r} (choose from {names})",
                               f"timeout: không có notebook {k!r} (chọn trong {names})"))
        elif not _seconds(v):
            problems.append(tr(f"timeout: {k}: {v!r} is not a number of seconds above 0",
                               f"timeout: {k}: {v!r} không phải số giây lớn hơn 0"))
        else:
            out[str(k)] = float(v)
    return out


def _notebook_names() -> set[str]:
    from .runs.params import NOTEBOOKS

    return set(NOTEBOOKS)


def plan_runs(spec: Spec) -> list[Run]:
    """Expand a spec into runs (``all`` campaigns are read from the data)."""
    campaigns = list(spec.campaigns)
    if campaigns == [{"name": "all"}]:
        from . import load, load_sample

        data = load(spec.data_path) if spec.data_path else load_sample()
        campaigns = [{"name": n} for n in sorted(data["campaign"].unique())]
    runs = []
    seen: dict[str, str] = {}
    for c in campaigns:
        # the data's names are NFC (the loader normalises them): a name typed in NFD
        # (macOS, some editors) must name the same campaign; case stays significant
        c = {**c, "name": unicodedata.normalize("NFC", str(c["name"]))}
        folder_name = safe_name(c["name"])
        if folder_name in seen:
            raise ParameterError(tr(
                f"campaign {c['name']!r} is listed twice in the spec (names are compared "
                "after Unicode NFC normalisation). Fix: list it once.",
                f"chiến dịch {c['name']!r} có hai lần trong tệp đặc tả (tên được so sánh sau "
                "khi chuẩn hóa Unicode NFC). Cách sửa: chỉ ghi một lần."),
                code=ProblemCode.SPEC_DUPLICATE_FOLDER)
        seen[folder_name] = c["name"]
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
            timeout = spec.timeouts.get(nb, spec.timeouts.get("default"))
            runs.append(Run(c["name"], nb, params, folder, timeout))
    return runs


def check_runs(runs: Sequence[Run]) -> None:
    """Refuse unknown parameters and bad values of every run, before anything runs."""
    from .runs.params import check_values

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
                                f"lô chưa được chạy: {said}"), code=ProblemCode.SPEC_INVALID)


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

    Batch kernels send figures as JSON only (:func:`kpikit.runs.params.setup`). The
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


DEFAULT_TIMEOUT = 1800.0
"""Seconds a run may take before it is stopped (``--timeout``, ``timeout:`` in the spec)."""


def _shared_js(runs: Sequence[Run]) -> Path | None:
    """Where the batch keeps its one ``plotly.min.js`` for the runs' figure pages: the
    folder all the runs share (a spec's ``output_dir``)."""
    if not runs:
        return None
    try:
        return Path(os.path.commonpath([str(r.folder.parent.resolve()) for r in runs])) \
            / "plotly.min.js"
    except ValueError:  # different drives
        return None


def execute_run(run: Run, force: bool = False, warm: Any = None,
                shared_js: Path | None = None) -> dict[str, Any]:
    """Execute one run in a new process; never raises for a failing or hanging notebook.

    ``warm`` is a warm parent (:class:`kpikit._warm.WarmParent`) that forks the run's
    process, ``"process"`` for this process's own (a Dask worker's), or None: the run's
    process then starts cold. The run is stopped after ``run.timeout`` seconds (default
    :data:`DEFAULT_TIMEOUT`). Its messages speak the run's ``lang``.
    """
    with using_language(_lang(run)):
        return _execute_run(run, force, warm, shared_js)


def _execute_run(run: Run, force: bool, warm: Any, shared_js: Path | None) -> dict[str, Any]:
    if not force and is_complete(run):
        return {"label": run.label, "status": "skipped", "folder": str(run.folder)}
    import threading

    from . import _runner, _warm

    # unique per process, thread and call: runs on threads of one Dask worker never share
    tmp = run.folder.parent / (f".{run.folder.name}.tmp-{os.getpid()}-"
                               f"{threading.get_ident()}-{secrets.token_hex(4)}")
    if warm == "process":
        data = run.parameters.get("data_path")
        warm = _warm.process_parent([str(Path(data).resolve())] if isinstance(data, str)
                                    else [], [run.notebook])
    elif warm is not None and not warm.ready():  # waits while the parent warms up
        warm = None
    # made once the parent is ready: a batch killed while it warms up leaves no folder
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    timeout = float(run.timeout or DEFAULT_TIMEOUT)
    manifest: dict[str, Any] = {"campaign": run.campaign, "notebook": run.notebook,
                                "parameters": run.parameters,
                                "fingerprint": fingerprint(run), "timeout": timeout}
    try:
        # widgets show a static view in reports; figures go out as JSON only and
        # export_html draws them
        env = dict(os.environ, KPIKIT_STATIC="1", KPIKIT_BATCH="1")
        request = {"notebook": str(notebook_path(run.notebook)),
                   "parameters": run.parameters, "folder": str(tmp), "env": env,
                   "title": f"{run.campaign} · {run.notebook}", "lang": _lang(run),
                   "shared_js": str(shared_js) if shared_js else None,
                   "final": str(run.folder)}
        if os.name == "posix":
            done = _runner.drive(request, warm, timeout)
        else:  # no descriptor passing (Windows): a Jupyter kernel per run
            done = _execute_papermill(run, tmp, timeout)
        status, error = done.pop("status"), done.pop("error", None)
        manifest.update(done)
        if status == "ok" and not (tmp / "results.json").exists():
            status, error = "failed", tr("the notebook wrote no results.json",
                                         "notebook không ghi results.json")
    except Exception as e:  # a broken run must never stop the batch
        status, error = "failed", f"{type(e).__name__}: {e}"
        manifest["traceback"] = traceback.format_exc()[-4000:]
    manifest.update(status=status, error=error,
                    seconds=round(time.perf_counter() - started, 2))
    from ._files import atomic_write_text

    atomic_write_text(tmp / "manifest.json", json.dumps(manifest, ensure_ascii=False,
                                                        indent=1, default=str))
    # swap the finished folder into place: readers see the old run or the new one
    old = run.folder.parent / f".{run.folder.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    if run.folder.exists():
        run.folder.rename(old)
    tmp.rename(run.folder)
    shutil.rmtree(old, ignore_errors=True)
    return {"label": run.label, "status": status, "error": error, "folder": str(run.folder),
            "seconds": manifest["seconds"]}


def _execute_papermill(run: Run, tmp: Path, timeout: float) -> dict[str, Any]:
    """A run in a plain Jupyter kernel over TCP, where run processes cannot be used.

    Runs one at a time (papermill changes the working folder of the whole process).
    """
    import papermill

    executed, status, error = None, "ok", None
    env = {"KPIKIT_STATIC": "1", "KPIKIT_BATCH": "1"}
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        executed = papermill.execute_notebook(
            str(notebook_path(run.notebook)), str(tmp / "executed.ipynb"),
            parameters=run.parameters, cwd=str(tmp), kernel_name="python3",
            progress_bar=False, log_output=False, execution_timeout=int(timeout),
            request_save_on_cell_execute=False)
    except papermill.PapermillExecutionError as e:
        status, error = "failed", f"{e.ename}: {e.evalue}"
    except Exception as e:  # a cell over the timeout, a kernel that died
        status, error = "failed", f"{type(e).__name__}: {e}"
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if (tmp / "executed.ipynb").exists():
        export_html(executed if executed is not None else tmp / "executed.ipynb",
                    tmp / "report.html", f"{run.campaign} · {run.notebook}", _lang(run))
    results = tmp / "outputs" / "results.json"
    if results.exists():
        shutil.copy2(results, tmp / "results.json")
    return {"status": status, "error": error, "kernel": "jupyter", "attempts": 1}


def _outcome(future: Any, run: Run) -> dict[str, Any]:
    """A finished future's result, or a failed result when the worker itself died."""
    try:
        return future.result()
    except Exception as e:
        return {"label": run.label, "status": "failed", "error": f"{type(e).__name__}: {e}",
                "folder": str(run.folder)}


def _stale_warm_folders() -> None:
    """Remove what killed warm parents left in the temporary folder: ``kpikit-warm-*``
    (older versions; no parent listens on their socket any more) and
    ``.kpikit-rehearsal-PID-*`` (Dask workers' parents) whose process is gone."""
    import socket
    import tempfile

    root = Path(tempfile.gettempdir())
    for folder in root.glob("kpikit-warm-*"):
        sock = folder / "parent.sock"
        try:
            st = folder.stat()
            # a young one may belong to a batch still warming up (no socket yet)
            if st.st_uid != os.getuid() or time.time() - st.st_mtime < 600:
                continue
            if sock.exists():
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(1.0)
                    s.connect(str(sock))
                continue  # a live parent of a running batch
        except (OSError, AttributeError):
            pass
        shutil.rmtree(folder, ignore_errors=True)
    for folder in root.glob(".kpikit-rehearsal-*-*"):
        try:
            pid = int(folder.name.split("-")[2])
            if folder.stat().st_uid != os.getuid():
                continue
            os.kill(pid, 0)
            continue  # its parent is still warming up
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError, AttributeError):
            continue


def _clean_leftovers(root: Path) -> None:
    """Remove what a killed batch left behind: its runs' temporary and replaced folders,
    and Jupyter's ``kernel-ipc-*`` socket files that older versions left in run folders.

    Call it only while holding the folder's lock (:func:`kpikit._lock.folder_lock`): the
    temporary folders of a running batch look just the same.
    """
    if root.exists():
        for pattern in ("*/.*.tmp-*", "*/.*.old-*", ".kpikit-rehearsal-*"):
            for p in root.glob(pattern):
                shutil.rmtree(p, ignore_errors=True)
        for p in root.glob("*/*/kernel-ipc-*"):
            try:
                p.unlink()
            except OSError:
                pass
    _stale_warm_folders()


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: per run status, and where the index is."""

    results: tuple[dict[str, Any], ...]
    index: Path
    summary: Path
    monitor: Any = None  # kpikit.alerts.Monitor: alerts, what was sent, deliveries

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["status"] == "failed"]


def run_batch(spec: Spec, *, jobs: int | None = None, force: bool = False,
              progress: Callable[[int, int, dict], None] | None = None,
              executor: str = "local", scheduler: str | None = None,
              timeout: float | None = None, wait: float = 0.0,
              on_wait: Callable[[dict], None] | None = None,
              notify_url: str | None = None) -> BatchResult:
    """Run every run of ``spec``; raise and send its alerts; write the index.

    ``executor="local"`` spreads runs over ``jobs`` processes (default: the cores);
    ``executor="dask"`` sends them to the Dask distributed scheduler at ``scheduler``
    (``tcp://host:8786``), whose workers must have kpikit and the files' paths.
    ``timeout`` (seconds) stops a run that takes longer; it overrides the spec's.
    One batch at a time per output folder: another one running there makes this one wait
    up to ``wait`` seconds, then raise :class:`kpikit._lock.BatchBusyError` naming it.
    """
    from ._lock import folder_lock

    if executor not in ("local", "dask"):
        raise ParameterError(tr(f"executor={executor!r}: choose local or dask.",
                                f"executor={executor!r}: chọn local hoặc dask."),
                             code=ProblemCode.PARAMETER_CHOICE)
    if executor == "dask" and not scheduler:
        raise ParameterError(tr("executor='dask' needs scheduler='tcp://host:port'.",
                                "executor='dask' cần scheduler='tcp://host:port'."),
                             code=ProblemCode.PARAMETER_MISSING)
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ParameterError(tr(f"timeout={timeout!r}: must be a number of seconds above 0.",
                                f"timeout={timeout!r}: phải là số giây lớn hơn 0."),
                             code=ProblemCode.PARAMETER_INVALID)
    runs = plan_runs(spec)
    if timeout is not None:
        runs = [replace(r, timeout=float(timeout)) for r in runs]
    check_runs(runs)
    rules = alert_rules(spec, runs)  # a plan's bad rule is refused before anything runs
    with folder_lock(spec.output_dir, wait, on_wait):
        _clean_leftovers(spec.output_dir)
        results = run_many(runs, jobs=jobs, force=force, progress=progress,
                           executor=executor, scheduler=scheduler)
        # under the lock: the alert state belongs to one batch at a time
        mon = batch_alerts(spec, runs, notify_url, rules)
        index, summary = write_index(spec, runs)
    return BatchResult(tuple(results), index, summary, mon)

def alert_rules(spec: Spec, runs: Sequence[Run]) -> dict[str, Any]:
    """Each campaign's alert rules: the spec's and its plan's (see kpikit.alerts)."""
    from .alerts import plan_rules

    rules: dict[str, Any] = {}
    for r in runs:
        if r.campaign not in rules:
            rules[r.campaign] = plan_rules(r.parameters.get("plan_path"),
                                           list(spec.alerts or []), spec.source)
    return rules


def batch_alerts(spec: Spec, runs: Sequence[Run], notify_url: str | None = None,
                 rules: dict[str, Any] | None = None) -> Any:
    """Alerts of the batch's runs (kpikit.alerts), sent through the spec's ``notify``."""
    from .alerts import RunInfo, monitor
    from .notify import parse_notify

    rules = rules if rules is not None else alert_rules(spec, runs)
    infos = [RunInfo(r.campaign, r.notebook, r.folder,
                     (r.folder / "report.html").relative_to(spec.output_dir).as_posix())
             for r in runs]
    lang = spec.parameters.get("lang") if spec.parameters.get("lang") in LANGS else "en"
    return monitor(spec.output_dir, infos, rules,
                   notifier=parse_notify(spec.notify, spec.source, notify_url), lang=lang,
                   title=f"kpikit · {spec.output_dir.name}")


@contextmanager
def warm_kernels(runs: Sequence[Run]) -> Iterator[Any]:
    """Start a warm parent for ``runs`` (see :mod:`kpikit._warm`); yield its handle.

    Yields None where warm runs are unavailable (no ``fork``) or switched off with the
    environment variable ``KPIKIT_WARM=0``; runs then start cold. The parent, and any run
    process it forked, ends with the block, and with this process if it is killed.
    """
    from . import _warm

    if not _warm.available() or os.environ.get("KPIKIT_WARM", "1") == "0":
        yield None
        return
    data = sorted({str(Path(r.parameters["data_path"]).resolve()) for r in runs
                   if isinstance(r.parameters.get("data_path"), str)})
    shared = _shared_js(runs)  # the batch's output folder: its scratch folder goes there
    parent = _warm.WarmParent(data, sorted({r.notebook for r in runs}),
                              shared.parent if shared else None)
    try:
        yield parent
    finally:
        parent.close()


def run_many(runs: Sequence[Run], *, jobs: int | None = None, force: bool = False,
             progress: Callable[[int, int, dict], None] | None = None,
             executor: str = "local", scheduler: str | None = None) -> list[dict[str, Any]]:
    """Execute checked runs (skipping complete ones unless ``force``); return their results.

    Each run is a new process, forked from a warm parent (:func:`warm_kernels`); ``jobs``
    of them at a time, followed by as many threads here. Dask workers keep a warm parent
    each, for their lifetime.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: list[dict[str, Any]] = []
    shared = _shared_js(runs)

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
                "'kpikit[dask]' (dask và distributed)."),
                code=ProblemCode.DEPENDENCY_MISSING) from None
        warm = None if os.environ.get("KPIKIT_WARM", "1") == "0" else "process"
        with Client(scheduler, timeout="30s") as client:
            futures = {client.submit(execute_run, r, force, warm, shared, pure=False): r
                       for r in todo}
            for f in dask_completed(list(futures)):
                record(_outcome(f, futures[f]))
    elif todo:
        from concurrent.futures import ThreadPoolExecutor

        if os.name != "posix":
            jobs = 1  # Jupyter kernels through papermill: one at a time (see above)
        from . import _runner

        with warm_kernels(todo) as warm:
            # threads suffice here: each run is its own process, the threads only wait
            with ThreadPoolExecutor(max_workers=min(jobs, len(todo)),
                                    thread_name_prefix="kpikit-run") as pool:
                futures = {pool.submit(execute_run, r, force, warm, shared): r for r in todo}
                try:
                    for f in as_completed(futures):
                        record(_outcome(f, futures[f]))
                except BaseException:  # Ctrl+C: start nothing more, stop what runs
                    pool.shutdown(wait=False, cancel_futures=True)
                    _runner.kill_all()
                    raise
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
        return [(t["lift"].format(o=word_for(results.get("outcome"), lang, short=True),
                                  l=format_change(lift, lang))
                 if isinstance(lift, (int, float)) else t["allocation"], "ok")]
    return []


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
    alerts_html = _alerts_section(spec.output_dir, lang)
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
{alerts_html}
<table><tr>{''.join(f'<th>{esc(h)}</th>' for h in tx['head'])}<th></th></tr>
{''.join(body)}
</table></body></html>
"""
    index = atomic_write_text(spec.output_dir / "index.html", page)
    return index, summary


_SEVERITY_COLOURS = {"critical": "#922b21", "warning": "#e67e22", "info": "#2e86c1"}


def _alerts_section(root: Path, lang: str) -> str:
    """The active alerts (from alerts.json), most severe first, escaped."""
    from urllib.parse import quote

    from ._safe import html_text as esc
    from .alerts import ALERTS_FILE, _load_json

    data = _load_json(root / ALERTS_FILE) or {}
    alerts = [a for a in data.get("alerts", []) if isinstance(a, dict)]
    title = {"en": "Alerts", "vi": "Cảnh báo"}[lang]
    if not alerts:
        none = {"en": "No active alerts.", "vi": "Không có cảnh báo nào."}[lang]
        return f"<h2>{esc(title)}</h2><p class='noalerts'>{esc(none)}</p>"
    words = {"en": {"critical": "critical", "warning": "warning", "info": "info"},
             "vi": {"critical": "nghiêm trọng", "warning": "cảnh báo", "info": "thông tin"}}[lang]
    since = {"en": "since", "vi": "từ"}[lang]
    items = []
    for a in alerts:
        sev = str(a.get("severity"))
        text = (a.get("message") or {}).get(lang) or (a.get("message") or {}).get("en", "")
        link = a.get("report")
        href = (f" <a href='{esc(quote(link))}'>{esc(_INDEX_TEXT[lang]['report'])}</a>"
                if isinstance(link, str) and not link.startswith(("/", "\\")) and ":" not in
                link else "")
        items.append(f"<li class='alert'><span class='badge' style='background:"
                     f"{_SEVERITY_COLOURS.get(sev, '#999')}'>{esc(words.get(sev, sev))}</span> "
                     f"{esc(_reader_text(str(text)))} <small>{esc(since)} "
                     f"{esc(_local_time(a.get('first_seen'), lang))}</small>{href}</li>")
    return f"<h2>{esc(title)} ({len(alerts)})</h2><ul class='alerts'>{''.join(items)}</ul>"


def _local_time(stamp: Any, lang: str) -> str:
    """An ISO time stamp (``2026-11-30T16:30:30+00:00``) as the index writes its own time
    (local clock, minutes; ``30/11/2026 16:30`` in Vietnamese)."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp or "")
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime(_INDEX_TEXT[lang]["time"])


def demo_spec(output_dir: str | os.PathLike[str] = "kpikit-out/demo",
              lang: str = "en") -> Spec:
    """The demo batch on the bundled sample data and plans, its reports in ``lang``."""
    from .runs.params import bundled_plan

    return load_spec({
        "output_dir": str(Path(output_dir).resolve()),
        "notebooks": ["01_goal_setting", "02_evaluation"],
        "parameters": {"lang": lang},
        # the monitor's rules, so the demo's index opens with its alerts
        "alerts": [{"rule": "change", "kpi": "cvr", "versus": "last_year", "percent": -5,
                    "severity": "critical"},
                   {"rule": "anomaly", "severity": "info"},
                   {"rule": "stale", "days": 2, "severity": "info"}],
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
