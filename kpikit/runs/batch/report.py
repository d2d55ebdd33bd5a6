"""A run's report: its executed notebook as one HTML page that needs no network.

No code cells, no tracebacks or source paths, the prose of the run's language
(:func:`report_markdown`), plotly figures drawn from their JSON with plotly.js inlined
once, and nothing fetched from a CDN (:func:`_offline`). The figure pages a notebook
writes share one ``plotly.min.js`` per batch (:func:`share_plotlyjs`).
"""

from __future__ import annotations

import functools
import html
import os
import re
import secrets
from pathlib import Path
from typing import Any

from kpikit.i18n.lang import resolve_lang

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


def reader_text(text: str) -> str:
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
                        kept.append("⚠ " + reader_text(m.group(2)))
                if kept:
                    outputs.append({"output_type": "stream", "name": "stdout",
                                    "text": "\n".join(kept) + "\n"})
                continue
            if kind == "error":
                # shown as the reader's message (escaped HTML), not as an error output:
                # no traceback, and nothing rendered as a stderr stream
                said = reader_text(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")
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
    """A div and the script that draws ``spec`` into it (see :func:`kpikit.safety.plotly_embed`:
    the figure travels base64-encoded, so no text from the data reaches the page's HTML)."""
    import plotly.io as pio

    from kpikit.safety import plotly_embed

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


_PART = re.compile(r"^[ \t]*<!--\s*([a-z]{2,3}|notebook|all)\s*-->[ \t]*\n?", re.MULTILINE)


def report_markdown(source: str, lang: str) -> str:
    """A markdown cell as a report in ``lang`` shows it.

    A cell may mark its parts with ``<!-- en -->``, ``<!-- vi -->``, ``<!-- notebook -->``
    (how to run the notebook: not for report readers) and ``<!-- all -->``; text before
    the first mark is for everyone. JupyterLab shows every part (the marks are comments);
    a report keeps the shared parts and those of its language, or the English ones when the
    cell has none in its language (a language added as a catalog only).
    """
    pieces = _PART.split(source)
    marks = set(pieces[1::2])
    # a language the notebook was not written in (a catalog added later) reads its English
    said = lang if lang in marks else "en"
    keep = [pieces[0]]
    for mark, text in zip(pieces[1::2], pieces[2::2], strict=True):
        if mark in ("all", said):
            keep.append(text)
    return "".join(keep).strip() + "\n"


def export_html(executed: Path | Any, target: Path, title: str,
                lang: str | None = None) -> None:
    """HTML without code cells whose plotly charts render offline, its prose in ``lang``
    (default: the current language).

    ``executed`` is the executed notebook's path or the notebook itself (whose plotly
    outputs and markdown are replaced in memory; save it first). Figures sent as JSON only
    are drawn here and plotly.js is inlined once, unless the notebook already carries it.
    Markdown keeps the parts of ``lang`` (:func:`report_markdown`).
    """
    import nbformat

    from kpikit.files import atomic_write_text

    lang = resolve_lang(lang)
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


def share_plotlyjs(outputs: Path, shared: Path, final: Path) -> None:
    """Point the run's figure pages at the batch's one ``plotly.min.js`` (3.6 MB) instead
    of a copy per run; ``final`` is where the run's folder will be once in place."""
    copies = list(outputs.rglob("plotly.min.js")) if outputs.is_dir() else []
    if not copies:
        return
    import filecmp

    from kpikit.files import atomic_write_text

    # (a copy written by another plotly version would not fit these pages)
    if not shared.exists() or not filecmp.cmp(shared, copies[0], shallow=False):
        import shutil

        from kpikit.files import atomic_write

        atomic_write(shared, lambda p: shutil.copyfile(copies[0], p))
    for js in copies:
        here = final / js.parent.relative_to(outputs.parent)
        rel = Path(os.path.relpath(shared, here)).as_posix()
        for page in js.parent.glob("*.html"):
            text = page.read_text(encoding="utf-8")
            if 'src="plotly.min.js"' in text:
                atomic_write_text(page, text.replace('src="plotly.min.js"', f'src="{rel}"'))
        js.unlink()


def warm_up() -> None:
    """Build what every report needs once (the exporter's templates, plotly.js), for a
    warm parent whose forked runs then share it."""
    _html_exporter()
    _plotlyjs_script()
